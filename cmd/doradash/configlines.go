package main

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// indexKeyLines maps every key of a TOML document to the line it is on, so
// that validation errors can say where: "window", "ssh" (the [ssh] line),
// "ssh.listen", "source[1]" (the second [[source]] line), "source[1].path".
// BurntSushi/toml reports lines for syntax errors only; the document has
// already parsed when this runs, so a line scanner is enough: it tracks
// table headers and skips the inside of multi-line arrays and strings.
func indexKeyLines(data []byte) map[string]int {
	lines := map[string]int{}
	arrays := map[string]int{} // array-of-tables name → index of the current element
	prefix := ""
	depth := 0    // open brackets/braces of a multi-line value
	inMulti := "" // the delimiter of an open multi-line string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if inMulti != "" {
			if strings.Contains(line, inMulti) {
				inMulti = ""
			}
			continue
		}
		code := strings.TrimSpace(stripComment(line))
		if depth > 0 {
			depth += nesting(code)
			continue
		}
		switch {
		case code == "":
		case strings.HasPrefix(code, "[["):
			name := unquoteKey(strings.TrimSuffix(strings.TrimPrefix(code, "[["), "]]"))
			if _, ok := arrays[name]; ok {
				arrays[name]++
			} else {
				arrays[name] = 0
			}
			prefix = fmt.Sprintf("%s[%d]", name, arrays[name])
			lines[prefix] = n
		case strings.HasPrefix(code, "["):
			name := unquoteKey(strings.TrimSuffix(strings.TrimPrefix(code, "["), "]"))
			prefix = name
			// A sub-table of an array element: [source.headers].
			if first, rest, ok := strings.Cut(name, "."); ok {
				if i, isArr := arrays[first]; isArr {
					prefix = fmt.Sprintf("%s[%d].%s", first, i, rest)
				}
			}
			lines[prefix] = n
		default:
			key, value, ok := strings.Cut(code, "=")
			if !ok {
				continue
			}
			full := unquoteKey(key)
			if prefix != "" {
				full = prefix + "." + full
			}
			if _, seen := lines[full]; !seen {
				lines[full] = n
			}
			value = strings.TrimSpace(value)
			for _, q := range []string{`"""`, `'''`} {
				if strings.HasPrefix(value, q) && strings.Count(value, q) == 1 {
					inMulti = q
				}
			}
			if inMulti == "" {
				depth = max(nesting(value), 0)
			}
		}
	}
	return lines
}

// eachOutsideStrings calls f with every byte of s that is not inside a
// TOML string, in order, until f returns false.
func eachOutsideStrings(s string, f func(i int, c byte) bool) {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		default:
			if !f(i, c) {
				return
			}
		}
	}
}

// stripComment removes a # comment that is not inside a string.
func stripComment(s string) string {
	end := len(s)
	eachOutsideStrings(s, func(i int, c byte) bool {
		if c == '#' {
			end = i
			return false
		}
		return true
	})
	return s[:end]
}

// nesting counts opening minus closing brackets and braces outside strings.
func nesting(s string) int {
	d := 0
	eachOutsideStrings(s, func(_ int, c byte) bool {
		switch c {
		case '[', '{':
			d++
		case ']', '}':
			d--
		}
		return true
	})
	return d
}

// unquoteKey turns `a . "b"` into "a.b".
func unquoteKey(k string) string {
	parts := strings.Split(strings.TrimSpace(k), ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}
