package bridge

import (
	"errors"
	"strings"
)

// Explain is the one line a person reads for err. For a failure to use
// Redis it says where, what to do and what Redis or the network said —
// "cannot use Redis at 10.0.0.1:6379: nothing listens at that address (is
// Redis running there? check the host and port) (connection refused)" —
// without the chain of packages it passed through ("validate: harness:
// bridge: subscribe on …: dial tcp …"). Other errors read as they are.
// The command line's errors and the dashboard's connection note both come
// from here, so one cause reads the same everywhere.
func Explain(err error) string {
	var he *HintError
	if !errors.As(err, &he) {
		return err.Error()
	}
	where := "Redis"
	if he.Addr != "" {
		where = "Redis at " + he.Addr
	}
	return "cannot use " + where + ": " + he.Hint + " (" + innerCause(he.Cause()) + ")"
}

// innerCause keeps the last part of a wrapped cause: what the server or the
// network said ("WRONGPASS invalid username-password pair …").
func innerCause(s string) string {
	for _, p := range []string{"failed to authenticate: ", "bridge: "} {
		if i := strings.LastIndex(s, p); i >= 0 {
			s = s[i+len(p):]
		}
	}
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.Count(s, ": ") > 1 {
		s = s[i+2:]
	}
	return s
}

// describeAt is describe for a failure at one node: the hint names it.
func describeAt(err error, addr string) error {
	err = describe(err)
	var he *HintError
	if errors.As(err, &he) && he.Addr == "" {
		he.Addr = addr
	}
	return err
}
