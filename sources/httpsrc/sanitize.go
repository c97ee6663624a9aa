package httpsrc

import (
	"html"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// redactedMark replaces a secret in messages.
const redactedMark = "[REDACTED]"

// redactURL returns u without secrets: any userinfo becomes REDACTED, so do
// query values whose names look secret; the fragment is dropped.
func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User("REDACTED")
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k, vs := range q {
			if secretName(k) {
				for i := range vs {
					vs[i] = "REDACTED"
				}
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// secretName reports whether a query parameter or header name suggests
// that its value is a credential.
func secretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"token", "secret", "passw", "key", "auth", "signature", "credential", "session", "cookie"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	switch n {
	case "sig", "pwd", "pass", "code", "jwt":
		return true
	}
	return false
}

// secretHeader reports whether a request header's value is a credential.
func secretHeader(name string) bool { return secretName(name) }

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// redactSecrets replaces every occurrence of each secret in text.
func redactSecrets(text string, secrets []string) string {
	for _, s := range secrets {
		if strings.Contains(text, s) {
			text = strings.ReplaceAll(text, s, redactedMark)
		}
	}
	return text
}

// excerpt turns the start of an error body into one short, printable line:
// invalid UTF-8 and invisible characters dropped, control characters and
// runs of white space turned into single spaces, HTML tags (with scripts
// and styles) removed when isHTML, secrets redacted, and at most
// excerptRunes runes. cut says the body went on beyond text; its tail is
// then dropped so that no secret can survive in part.
func excerpt(text string, isHTML, cut bool, secrets []string) string {
	if cut {
		longest := 0
		for _, s := range secrets {
			longest = max(longest, len(s))
		}
		text = text[:max(0, len(text)-longest)]
	}
	text = strings.ToValidUTF8(text, "")
	if isHTML {
		text = html.UnescapeString(stripTags(text))
	}
	text = redactSecrets(text, secrets)
	text = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			return ' '
		case !unicode.IsPrint(r):
			return -1
		}
		return r
	}, text)
	text = strings.Join(strings.Fields(text), " ")
	// Dropping invisible characters may have joined a secret back together.
	text = redactSecrets(text, secrets)
	if utf8.RuneCountInString(text) > excerptRunes {
		n := 0
		for i := range text {
			if n == excerptRunes-1 {
				text = strings.TrimRight(text[:i], " ") + "…"
				break
			}
			n++
		}
	}
	return text
}

// stripTags removes HTML tags, comments, and the content of script and
// style elements, leaving a space where a tag was.
func stripTags(s string) string {
	var b strings.Builder
	lower := asciiLower(s) // same byte offsets as s, unlike strings.ToLower
	for i := 0; i < len(s); {
		lt := strings.IndexByte(s[i:], '<')
		if lt < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+lt])
		b.WriteByte(' ')
		i += lt
		end := ">"
		switch {
		case strings.HasPrefix(lower[i:], "<!--"):
			end = "-->"
		case strings.HasPrefix(lower[i:], "<script"):
			end = "</script>"
		case strings.HasPrefix(lower[i:], "<style"):
			end = "</style>"
		}
		j := strings.Index(lower[i:], end)
		if j < 0 {
			break
		}
		i += j + len(end)
	}
	return b.String()
}

// formatSize words a byte count for people: "32 MiB", "1.5 KiB", "100 bytes".
func formatSize(n int64) string {
	units := []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}}
	for _, u := range units {
		if n >= u.size {
			v := strconv.FormatFloat(float64(n)/float64(u.size), 'f', 2, 64)
			v = strings.TrimRight(strings.TrimRight(v, "0"), ".")
			return v + " " + u.name
		}
	}
	if n == 1 {
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// asciiLower lower-cases ASCII letters only, keeping every byte offset.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
