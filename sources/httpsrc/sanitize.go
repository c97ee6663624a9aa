package httpsrc

import (
	"html"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// redactedMark replaces a secret in messages.
const redactedMark = "[REDACTED]"

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

// minSecretPrefix is the length from which the start of a secret is
// redacted on its own: what a message limit (the decoder quotes at most 40
// bytes of a rejected value) leaves of a secret it cut.
const minSecretPrefix = 8

// redactSecrets replaces in text every occurrence of each secret, and every
// run of minSecretPrefix bytes or more that begins one, whether written as
// is or as strconv.Quote escapes it. Secrets are best given longest first.
func redactSecrets(text string, secrets []string) string {
	for _, s := range secrets {
		text = redactSecret(text, s)
		if q := strconv.Quote(s); q[1:len(q)-1] != s {
			text = redactSecret(text, q[1:len(q)-1])
		}
	}
	return text
}

// redactSecret replaces secret in text, and each run of at least
// minSecretPrefix bytes that begins secret.
func redactSecret(text, secret string) string {
	if secret == "" {
		return text
	}
	if strings.Contains(text, secret) {
		text = strings.ReplaceAll(text, secret, redactedMark)
	}
	if len(secret) <= minSecretPrefix {
		return text
	}
	seed := secret[:minSecretPrefix]
	i := strings.Index(text, seed)
	if i < 0 {
		return text
	}
	var b strings.Builder
	for i >= 0 {
		n := minSecretPrefix
		for i+n < len(text) && n < len(secret) && text[i+n] == secret[n] {
			n++
		}
		b.WriteString(text[:i])
		b.WriteString(redactedMark)
		text = text[i+n:]
		i = strings.Index(text, seed)
	}
	b.WriteString(text)
	return b.String()
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
