// Package model holds doradash's event types, the merged dataset and every
// metric of SPEC §2–4. It does no I/O and knows no clock: the window end is
// always an argument.
package model

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Stamp is an instant as Unix nanoseconds in UTC. The zero Stamp means
// "absent" (not happened, or not given); the instant 1970-01-01T00:00:00Z
// itself therefore cannot be represented, which no deployment data needs.
// The representable range is 1678–2262.
type Stamp int64

// NoStamp is the absent instant.
const NoStamp Stamp = 0

// MinStamp and MaxStamp are the ends of what a Stamp holds. Decoders never
// produce them: a timestamp outside the supported range 1678-01-01T00:00:00Z
// to 2262-04-11T23:47:16Z rejects its record (SPEC §1). Sub saturates at
// them, so arithmetic on them stays safe.
const (
	MinStamp Stamp = math.MinInt64 + 1
	MaxStamp Stamp = math.MaxInt64
)

// EpochStamp is how the instant 1970-01-01T00:00:00Z itself is held, one
// nanosecond early, because the zero Stamp means absent.
const EpochStamp Stamp = -1

// Sub returns s − o in nanoseconds, saturating instead of overflowing
// when one of them is MinStamp or MaxStamp.
func (s Stamp) Sub(o Stamp) int64 {
	d := int64(s) - int64(o)
	switch {
	case o < 0 && s > 0 && d < 0:
		return math.MaxInt64
	case o > 0 && s < 0 && d > 0:
		return math.MinInt64
	}
	return d
}

// StampOf converts t to a Stamp.
func StampOf(t time.Time) Stamp {
	if t.IsZero() {
		return NoStamp
	}
	return Stamp(t.UnixNano())
}

// Time converts s back to a UTC time.Time; the zero time when s is absent.
func (s Stamp) Time() time.Time {
	if s == NoStamp {
		return time.Time{}
	}
	return time.Unix(0, int64(s)).UTC()
}

// IsSet reports whether s holds an instant.
func (s Stamp) IsSet() bool { return s != NoStamp }

// String formats s as RFC 3339 in UTC, or "" when absent.
func (s Stamp) String() string {
	if s == NoStamp {
		return ""
	}
	return s.Time().Format(time.RFC3339Nano)
}

// Status is a deployment's outcome.
type Status uint8

// Deployment outcomes of SPEC §1.
const (
	StatusSuccess    Status = iota // shipped
	StatusFailed                   // nothing shipped
	StatusRolledBack               // shipped, then rolled back
)

// ParseStatus maps the native status names; ok is false for anything else.
func ParseStatus(s string) (Status, bool) {
	switch s {
	case "success":
		return StatusSuccess, true
	case "failed":
		return StatusFailed, true
	case "rolled_back":
		return StatusRolledBack, true
	}
	return 0, false
}

// String returns the native name of the status.
func (s Status) String() string {
	switch s {
	case StatusFailed:
		return "failed"
	case StatusRolledBack:
		return "rolled_back"
	default:
		return "success"
	}
}

// Severity is an incident's severity, 1 (worst) to 5; 0 is unknown.
type Severity uint8

// SeverityUnknown is the severity of incidents without a recognised one.
const SeverityUnknown Severity = 0

// String returns "SEV1"…"SEV5" or "unknown", the keys of by_severity.
func (s Severity) String() string {
	if s >= 1 && s <= 5 {
		return "SEV" + strconv.Itoa(int(s))
	}
	return "unknown"
}

// SeverityFromInt normalises an integer severity; outside 1–5 is unknown.
func SeverityFromInt(n int64) Severity {
	if n >= 1 && n <= 5 {
		return Severity(n)
	}
	return SeverityUnknown
}

// severityNames are the severity words of SPEC §1.
var severityNames = [...]struct {
	name string
	sev  Severity
}{
	{"critical", 1}, {"high", 2}, {"major", 2}, {"medium", 3}, {"moderate", 3},
	{"low", 4}, {"minor", 4}, {"info", 5}, {"informational", 5},
}

// SeverityFromString normalises a severity name as SPEC §1 lists them,
// case-insensitively (Unicode simple case folding, as strings.EqualFold
// and SPEC §2 define it: "ſev1" is "SEV1") and as written, white space
// included; anything unrecognised is unknown (not an error).
func SeverityFromString(s string) Severity {
	for _, n := range severityNames {
		if strings.EqualFold(s, n.name) {
			return n.sev
		}
	}
	// sev1…sev5, p1…p5, 1…5: a prefix and one ASCII digit.
	if n := len(s); n > 0 && s[n-1] >= '1' && s[n-1] <= '5' {
		if p := s[:n-1]; p == "" || strings.EqualFold(p, "sev") || strings.EqualFold(p, "p") {
			return Severity(s[n-1] - '0')
		}
	}
	return SeverityUnknown
}

// Printable returns s as a terminal may show it: each invalid UTF-8 byte
// and each character a terminal acts on becomes U+FFFD. Those are the C0
// controls (tab and newline included), DEL and the C1 controls, which start
// or end escape sequences (ESC, BEL, CSI U+009B, OSC U+009D ...) or move
// the cursor, and the bidirectional overrides and isolates, which make text
// read differently from what it is. s itself is returned when nothing needs
// replacing.
//
// Records keep their ids, shas, services and environments exactly as
// given, since they are identity (SPEC §1): what a display does must never
// merge two of them. Every view passes them through Printable instead.
func Printable(s string) string {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unprintable(r) {
			return replaceUnprintable(s, i)
		}
		i += size
	}
	return s
}

// replaceUnprintable is Printable for an s whose first byte to replace is
// at i.
func replaceUnprintable(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unprintable(r) {
			// A run of invalid bytes is one U+FFFD, as strings.ToValidUTF8.
			if r == utf8.RuneError && size == 1 {
				for i < len(s) {
					if r, n := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || n != 1 {
						break
					}
					i++
				}
				b.WriteRune(utf8.RuneError)
				continue
			}
			r = utf8.RuneError
		}
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// unprintable reports whether a terminal may act on r rather than show it.
func unprintable(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// Commit is one change shipped by a deployment.
type Commit struct {
	SHA         string
	CommittedAt Stamp
}

// Deployment is one deployment record of SPEC §1.
type Deployment struct {
	ID          string
	Service     string
	Environment string
	FinishedAt  Stamp
	Status      Status
	Commits     []Commit
}

// Incident is one incident record of SPEC §1. Absent times are NoStamp.
type Incident struct {
	ID             string
	Service        string
	Title          string
	Severity       Severity
	StartedAt      Stamp
	DetectedAt     Stamp
	AcknowledgedAt Stamp
	ResolvedAt     Stamp
	DeploymentID   string
}

// Batch is what one source delivered in one successful poll: its records
// in document order, duplicates included (Merge resolves them).
// A Batch is immutable once handed on.
type Batch struct {
	Deployments []Deployment
	Incidents   []Incident
}

// MarshalText makes a Severity its name in JSON: "SEV1"…"SEV5", "unknown".
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads what MarshalText writes (and every name
// SeverityFromString knows); anything else is unknown.
func (s *Severity) UnmarshalText(b []byte) error {
	*s = SeverityFromString(string(b))
	return nil
}

// Rank orders severities worst first: 1–5, unknown last (6).
func (s Severity) Rank() int {
	if s < 1 || s > 5 {
		return 6
	}
	return int(s)
}
