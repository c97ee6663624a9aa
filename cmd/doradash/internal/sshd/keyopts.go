package sshd

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// keyRule is what one authorized_keys line says about its key.
type keyRule struct {
	from   []fromPattern // nil: from anywhere
	expiry time.Time     // zero: never expires
	noPTY  bool          // no-pty, or restrict without a later pty
}

// fromPattern is one entry of a from= list: a network (an address is a
// network of one) or a wildcard pattern (* and ?) matched against the
// client's address, possibly negated with "!".
type fromPattern struct {
	negated bool
	network *net.IPNet // nil: a wildcard pattern
	pattern string     // lower case
}

// Options that change nothing here, because the server never does what they
// restrict or allow: it refuses every forwarding (TCP, agent, X11,
// tunnels), runs no rc file and no shell, and takes no environment from the
// file. Flags take no value; the others need one.
var (
	harmlessFlags = map[string]bool{
		"no-port-forwarding": true, "port-forwarding": true,
		"no-agent-forwarding": true, "agent-forwarding": true,
		"no-x11-forwarding": true, "x11-forwarding": true,
		"no-user-rc": true, "user-rc": true,
		"no-touch-required": true, // relaxes a FIDO key's check; x/crypto does not make it anyway
	}
	harmlessValues = map[string]bool{
		"permitopen": true, "permitlisten": true, "tunnel": true, "environment": true,
	}
)

// parseKeyOptions turns the options of an authorized_keys line into its
// rule. It enforces from=, expiry-time=, no-pty and restrict (whose only
// effect here is no-pty; a later pty lifts it, as in sshd), ignores the
// options that cannot matter here (harmlessFlags, harmlessValues), and
// refuses everything else, naming the option: cert-authority (a CA key
// never logs in as a plain key), command=, principals=, verify-required and
// unknown options. A refused line lets nobody in.
func parseKeyOptions(opts []string) (keyRule, error) {
	var r keyRule
	seen := map[string]bool{}
	for _, o := range opts {
		name, value, hasValue := strings.Cut(o, "=")
		name = strings.ToLower(name)
		if hasValue {
			v, err := unquoteOption(value)
			if err != nil {
				return keyRule{}, fmt.Errorf("option %s: %w", optionName(name), err)
			}
			value = v
		}
		flag := func() error {
			if hasValue {
				return fmt.Errorf("option %s takes no value", name)
			}
			return nil
		}
		once := func() error {
			if !hasValue {
				return fmt.Errorf("option %s needs a value", name)
			}
			if seen[name] {
				return fmt.Errorf("option %s given twice", name)
			}
			seen[name] = true
			return nil
		}
		var err error
		switch {
		case name == "restrict" || name == "no-pty":
			err, r.noPTY = flag(), true
		case name == "pty":
			err, r.noPTY = flag(), false
		case harmlessFlags[name]:
			err = flag()
		case harmlessValues[name]:
			if !hasValue {
				err = fmt.Errorf("option %s needs a value", name)
			}
		case name == "from":
			if err = once(); err == nil {
				r.from, err = parseFrom(value)
			}
		case name == "expiry-time":
			if err = once(); err == nil {
				r.expiry, err = parseExpiry(value)
			}
		case name == "cert-authority":
			err = errors.New("cert-authority: a certificate authority's key cannot log in as a plain key (certificates are not supported)")
		case name == "command" || name == "principals" || name == "verify-required":
			err = fmt.Errorf("option %s is not supported", name)
		default:
			err = fmt.Errorf("unknown option %s", optionName(name))
		}
		if err != nil {
			return keyRule{}, err
		}
	}
	return r, nil
}

// optionName is an option's name as it goes to the log: quoted and cut.
func optionName(name string) string {
	if len(name) > 32 {
		name = name[:32] + "…"
	}
	return fmt.Sprintf("%q", name)
}

// unquoteOption returns an option's value without its double quotes, with
// \" turned into ", as sshd reads it.
func unquoteOption(v string) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", errors.New("the value must be in double quotes")
	}
	return strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`), nil
}

// parseFrom parses a from= list: comma-separated addresses, CIDR networks
// and wildcard patterns, each possibly negated with "!". A network with
// bits set beyond its mask (10.0.0.1/8) is an error, as in sshd.
func parseFrom(list string) ([]fromPattern, error) {
	var out []fromPattern
	for entry := range strings.SplitSeq(list, ",") {
		var p fromPattern
		p.negated = strings.HasPrefix(entry, "!")
		entry = strings.TrimPrefix(entry, "!")
		if entry == "" {
			return nil, errors.New("from: empty entry")
		}
		switch {
		case strings.Contains(entry, "/"):
			ip, network, err := net.ParseCIDR(entry)
			if err != nil {
				return nil, fmt.Errorf("from: %q is not a network", entry)
			}
			if !ip.Equal(network.IP) {
				return nil, fmt.Errorf("from: %q has address bits beyond its mask", entry)
			}
			p.network = network
		case net.ParseIP(entry) != nil:
			ip := normalIP(net.ParseIP(entry))
			p.network = &net.IPNet{IP: ip, Mask: net.CIDRMask(len(ip)*8, len(ip)*8)}
		default:
			p.pattern = strings.ToLower(entry)
		}
		out = append(out, p)
	}
	return out, nil
}

// parseExpiry parses expiry-time's YYYYMMDD[HHMM[SS]], in local time unless
// it ends in Z (UTC), as sshd does.
func parseExpiry(v string) (time.Time, error) {
	loc := time.Local
	if s, ok := strings.CutSuffix(v, "Z"); ok {
		v, loc = s, time.UTC
	}
	layouts := map[int]string{8: "20060102", 12: "200601021504", 14: "20060102150405"}
	layout, ok := layouts[len(v)]
	if !ok {
		return time.Time{}, fmt.Errorf("expiry-time: %q is not YYYYMMDD[HHMM[SS]][Z]", v)
	}
	t, err := time.ParseInLocation(layout, v, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("expiry-time: %q is not YYYYMMDD[HHMM[SS]][Z]", v)
	}
	return t, nil
}

// refuses says why the rule keeps its key out when the client connects from
// remote at now, or "" when it lets it in.
func (r keyRule) refuses(remote net.Addr, now time.Time) string {
	if !r.expiry.IsZero() && now.After(r.expiry) {
		return "expiry-time passed"
	}
	if r.from != nil {
		ip := normalIP(ipOf(remote))
		if ip == nil || !matchFrom(r.from, ip) {
			return "from= does not list the client's address"
		}
	}
	return ""
}

// matchFrom applies a from= list as sshd does (with no DNS lookups, the
// client's "host name" being its address): the address must match some
// entry and no negated one.
func matchFrom(list []fromPattern, ip net.IP) bool {
	addr := strings.ToLower(ip.String())
	matched := false
	for _, p := range list {
		var hit bool
		if p.network != nil {
			hit = p.network.Contains(ip)
		} else {
			hit = wildcardMatch(p.pattern, addr)
		}
		if hit && p.negated {
			return false
		}
		matched = matched || hit
	}
	return matched
}

// wildcardMatch reports whether s matches pattern, where * stands for any
// run of bytes and ? for one byte. It backtracks only to the last *, so it
// takes at most len(pattern)×len(s) steps.
func wildcardMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// ipOf returns the IP address of addr, nil when it has none.
func ipOf(addr net.Addr) net.IP {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.IP
	}
	if addr == nil {
		return nil
	}
	return net.ParseIP(hostOf(addr))
}

// normalIP returns an IPv4 address (also one mapped into IPv6) in its
// 4-byte form, so that it matches IPv4 networks.
func normalIP(ip net.IP) net.IP {
	if v4 := ip.To4(); v4 != nil {
		return v4
	}
	return ip
}
