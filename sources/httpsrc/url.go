package httpsrc

import (
	"errors"
	"math"
	"net/url"
	"strings"
)

// ParseURL parses raw as the URL of an http source: absolute, http or
// https, with a host, and without an '@' that would leave part of a user
// name or password outside the user info (an unescaped '#', '/' or '?' in a
// password ends the authority early, so the rest of the password lands in
// the host, path or fragment). Its errors never quote the user info, nor
// anything before the last '@', which might be user info.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		if strings.Contains(afterScheme(raw), "@") {
			// The detail could quote a piece of a mis-encoded password
			// (`invalid port ":s3cr" after host`).
			return nil, errors.New("not a valid URL (user info not shown; " + encodeHint + ")")
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the whole URL
		}
		return nil, errors.New("not a valid URL: " + err.Error())
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New(quoteForError(raw) + " is not an http:// or https:// URL")
	case u.Host == "":
		return nil, errors.New(quoteForError(raw) + " has no host")
	case u.User == nil && strayAt(u):
		return nil, errors.New(quoteForError(raw) + " has an '@' outside its user info; " + encodeHint + ", and '@' elsewhere as %40")
	}
	return u, nil
}

// encodeHint says how to write a user name or password in a URL.
const encodeHint = "percent-encode '@', ':', '/', '?' and '#' in a user name or password as %40, %3A, %2F, %3F and %23"

// strayAt reports whether u, which has no user info, has an '@' where a
// mis-encoded password would leave one: in the path or the fragment, or in
// the query of a URL whose host has a ':' (what was meant as
// "user:pa?ss@host" parses as host "user", port "pa").
func strayAt(u *url.URL) bool {
	if strings.Contains(u.EscapedPath(), "@") || strings.Contains(u.Fragment, "@") {
		return true
	}
	return strings.Contains(u.RawQuery, "@") && (u.Port() != "" || strings.HasSuffix(u.Host, ":"))
}

// afterScheme returns raw after "scheme://", or raw when it has none.
func afterScheme(raw string) string {
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		return rest
	}
	return raw
}

// quoteForError quotes raw for a message: whatever comes before the last
// '@' after "scheme://" (user info, or what might be) becomes "…", and a
// query becomes "?…".
func quoteForError(raw string) string {
	head, rest, ok := strings.Cut(raw, "://")
	if !ok {
		head, rest = "", raw
	} else {
		head += "://"
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = "…@" + rest[i+1:]
	}
	query := ""
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest, query = rest[:i], "?…"
	}
	rest, _ = redactPath(rest)
	return `"` + strings.ToValidUTF8(head+rest+query, "") + `"`
}

// redactURL returns u as Target shows it: any user info becomes REDACTED,
// and so do query values whose names look secret and query values and path
// segments that look like tokens; the fragment is dropped.
func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User("REDACTED")
	}
	if p, changed := redactPath(c.EscapedPath()); changed {
		c.RawPath = p
		c.Path, _ = url.PathUnescape(p)
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k, vs := range q {
			if looksLikeToken(k) {
				delete(q, k)
				q["REDACTED"] = append(q["REDACTED"], vs...)
				changed = true
				continue
			}
			for i, v := range vs {
				if secretName(k) || looksLikeToken(v) {
					vs[i] = "REDACTED"
					changed = true
				}
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// redactPath replaces the segments of an escaped path that look like
// tokens with REDACTED.
func redactPath(escaped string) (string, bool) {
	segs := strings.Split(escaped, "/")
	changed := false
	for i, seg := range segs {
		if v, err := url.PathUnescape(seg); err == nil && looksLikeToken(v) {
			segs[i] = "REDACTED"
			changed = true
		}
	}
	return strings.Join(segs, "/"), changed
}

// tokenLike returns the path segments and query values (and names) of u
// that look like tokens, for redaction from messages.
func tokenLike(u *url.URL) []string {
	var out []string
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if v, err := url.PathUnescape(seg); err == nil && looksLikeToken(v) {
			out = append(out, v, seg)
		}
	}
	for k, vs := range u.Query() {
		if looksLikeToken(k) {
			out = append(out, k)
		}
		for _, v := range vs {
			if looksLikeToken(v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// tokenPrefixes start well-known kinds of API tokens (GitHub, GitLab,
// Slack, Stripe, OpenAI, AWS access keys, JWTs, npm, PyPI, Hugging Face…).
var tokenPrefixes = []string{
	"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
	"glpat-", "gldt-", "glptt-", "glrt-",
	"xoxb-", "xoxp-", "xoxa-", "xoxs-", "xoxe-", "xapp-",
	"sk_live_", "sk_test_", "rk_live_", "rk_test_", "sk-",
	"AKIA", "ASIA", "eyJ", "npm_", "pypi-", "hf_", "dop_v1_", "SG.",
}

// looksLikeToken reports whether s looks like a credential: a well-known
// token prefix followed by at least 8 characters with letters and digits,
// or a string of at least 20 token characters (letters, digits and
// -_.~+/=) holding a run of at least 16 letters and digits that mixes
// them often and has high entropy, as random strings do and words, dates
// and UUIDs do not.
func looksLikeToken(s string) bool {
	for _, p := range tokenPrefixes {
		if rest, ok := strings.CutPrefix(s, p); ok && len(rest) >= 8 && hasLetterAndDigit(rest) {
			return true
		}
	}
	if len(s) < 20 {
		return false
	}
	run, longest := 0, ""
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isAlnum(s[i]) {
			run++
			continue
		}
		if i < len(s) && strings.IndexByte("-_.~+/=", s[i]) < 0 {
			return false
		}
		if run > len(longest) {
			longest = s[i-run : i]
		}
		run = 0
	}
	return len(longest) >= 16 && hasLetterAndDigit(longest) &&
		classChanges(longest) >= 4 && entropy(longest) >= 3
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func hasLetterAndDigit(s string) bool {
	letter, digit := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter = letter || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		digit = digit || c >= '0' && c <= '9'
	}
	return letter && digit
}

// classChanges counts the places in an ASCII alphanumeric s where a lower
// case letter, an upper case letter and a digit follow one another.
func classChanges(s string) int {
	class := func(c byte) int {
		switch {
		case c >= 'a' && c <= 'z':
			return 0
		case c >= 'A' && c <= 'Z':
			return 1
		}
		return 2
	}
	n := 0
	for i := 1; i < len(s); i++ {
		if class(s[i]) != class(s[i-1]) {
			n++
		}
	}
	return n
}

// entropy is the Shannon entropy of s's bytes, in bits per byte.
func entropy(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(len(s))
			h -= p * math.Log2(p)
		}
	}
	return h
}
