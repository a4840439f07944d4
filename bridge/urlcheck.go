package bridge

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// URLError is a Redis URL that cannot be used, with what is wrong in words a
// person can act on. It quotes none of the URL's credentials: net/url's own
// errors quote pieces of what they could not parse, and with an unescaped
// character in a password those pieces are the password's.
type URLError struct {
	URL     string // redacted, or "<unparseable Redis URL>"
	Problem string
}

func (e *URLError) Error() string { return "invalid Redis URL " + e.URL + ": " + e.Problem }

// CheckURL reports what is wrong with a Redis URL, or nil: the scheme, the
// port, an escape, a password with characters that must be escaped.
func CheckURL(raw string) error {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return &URLError{URL: RedactURL(raw), Problem: "want redis://[user:password@]host:port[/db] (rediss:// for TLS)"}
	}
	switch strings.ToLower(scheme) {
	case "redis", "rediss", "unix":
	default:
		return &URLError{URL: RedactURL(raw), Problem: fmt.Sprintf("the scheme must be redis:// or rediss:// (TLS), not %s://", safeScheme(scheme))}
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	if at := strings.LastIndex(rest, "@"); at >= len(authority) {
		// An @ past the end of the authority: the password holds a / ? or #.
		return &URLError{URL: "<unparseable Redis URL>", Problem: passwordEscapes}
	}
	userinfo, host := "", authority
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		userinfo, host = authority[:at], authority[at+1:]
	}
	if _, err := url.Parse(raw); err != nil {
		shown := "<unparseable Redis URL>"
		if !strings.Contains(raw, "@") && !strings.Contains(strings.ToLower(raw), "password") {
			shown = clip(raw, 80) // no credentials in it: show what was typed
		}
		if strings.Contains(userinfo, "%") && badEscape(userinfo) {
			return &URLError{URL: "<unparseable Redis URL>", Problem: passwordEscapes}
		}
		if p := portProblem(host); p != "" {
			return &URLError{URL: shown, Problem: p}
		}
		if userinfo != "" {
			return &URLError{URL: "<unparseable Redis URL>", Problem: passwordEscapes}
		}
		return &URLError{URL: shown, Problem: "it does not parse as redis://host:port[/db]"}
	}
	if p := portProblem(host); p != "" {
		return &URLError{URL: RedactURL(raw), Problem: p}
	}
	return nil
}

// passwordEscapes is the advice for a URL whose password breaks it.
const passwordEscapes = "it does not parse; in a password, escape % @ / ? # and space as %25 %40 %2F %3F %23 %20"

// portProblem says what is wrong with the port of host[:port], or "".
func portProblem(host string) string {
	if strings.HasPrefix(host, "[") { // [ipv6]:port
		if i := strings.LastIndex(host, "]"); i >= 0 {
			host = host[i+1:]
		}
	}
	i := strings.LastIndex(host, ":")
	if i < 0 {
		return ""
	}
	port := host[i+1:]
	n, err := strconv.Atoi(port)
	switch {
	case port == "":
		return "the port is empty: want host:port, e.g. 127.0.0.1:6379"
	case err != nil:
		return fmt.Sprintf("the port %q is not a number: want host:port, e.g. 127.0.0.1:6379", clip(port, 20))
	case n < 1 || n > 65535:
		return fmt.Sprintf("the port %d is out of range 1..65535", n)
	}
	return ""
}

// badEscape reports whether s has a % that does not start a valid escape.
func badEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			return true
		}
	}
	return false
}

// safeScheme shows a scheme only when it is a plain word (it cannot hold a
// password, but a mangled URL might put one there).
func safeScheme(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return "?"
		}
	}
	return clip(s, 16)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
