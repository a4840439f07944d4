package metrics

import "fmt"

// Level is the severity of a check or an alert. The zero value is OK, so a
// fresh state is healthy until a rule says otherwise. Levels are ordered:
// a greater Level is worse.
type Level int

// The levels, from healthy to failing.
const (
	OK Level = iota
	Warn
	Crit
)

// String returns "OK", "WARN" or "CRIT" ("Level(n)" for anything else).
func (l Level) String() string {
	switch l {
	case OK:
		return "OK"
	case Warn:
		return "WARN"
	case Crit:
		return "CRIT"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// MarshalText makes JSON show a level as "OK", "WARN" or "CRIT".
func (l Level) MarshalText() ([]byte, error) {
	if l < OK || l > Crit {
		return nil, fmt.Errorf("metrics: marshal level: invalid level %d", int(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText parses "OK", "WARN" or "CRIT" (also "WARNING" and
// "CRITICAL", in any case).
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// ParseLevel parses a level name as UnmarshalText does.
func ParseLevel(s string) (Level, error) {
	switch upper(s) {
	case "OK":
		return OK, nil
	case "WARN", "WARNING":
		return Warn, nil
	case "CRIT", "CRITICAL":
		return Crit, nil
	}
	return OK, fmt.Errorf("metrics: parse level: want OK, WARN or CRIT, got %q", s)
}

// upper is an ASCII-only strings.ToUpper: level names are ASCII, and
// folding non-ASCII input could turn garbage into a valid name.
func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
