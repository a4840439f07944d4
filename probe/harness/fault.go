package harness

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// FaultKind names a fault that validate --fault injects into a harness run.
type FaultKind string

// The faults. Each one's effect on the run is described where it is injected
// (faultinject.go).
const (
	// FaultKillSubscribers closes the run's subscription connections (the
	// pub/sub connections, or the Streams readers) once: CLIENT KILL by ID.
	FaultKillSubscribers FaultKind = "kill-subscribers"
	// FaultPause pauses every client's writes for the fault's duration:
	// CLIENT PAUSE D WRITE. PUBLISH and XADD wait; nothing is lost by Redis.
	FaultPause FaultKind = "pause"
	// FaultProxyBlackhole silently drops every byte between the run's
	// instances and Redis, both ways, for the fault's duration: the run
	// connects through an in-process TCP proxy.
	FaultProxyBlackhole FaultKind = "proxy-blackhole"
	// faultDebugSleep blocks the whole server for the fault's duration
	// (DEBUG SLEEP D): tests inject it; --fault does not offer it, as
	// production servers refuse DEBUG (enable-debug-command no).
	faultDebugSleep FaultKind = "debug-sleep"
)

// FaultKinds lists the known faults in the order usage text names them.
func FaultKinds() []FaultKind {
	return []FaultKind{FaultKillSubscribers, FaultPause, FaultProxyBlackhole}
}

// timed reports whether the fault lasts (NAME@T:D) rather than happening
// once (NAME@T).
func (k FaultKind) timed() bool { return k != FaultKillSubscribers }

// Fault is one fault of a run: Kind, injected At after publishing began,
// lasting For (zero for a fault that happens once).
type Fault struct {
	Kind FaultKind
	At   time.Duration
	For  time.Duration
}

// String formats f as ParseFault reads it: "pause@20s:2s".
func (f Fault) String() string {
	s := fmt.Sprintf("%s@%v", f.Kind, f.At)
	if f.Kind.timed() {
		s += ":" + f.For.String()
	}
	return s
}

// end is when the fault stops acting: the end of its duration.
func (f Fault) end() time.Duration { return f.At + f.For }

// ParseFault parses NAME@T[:D], T and D being Go durations ("10s",
// "1.5s", "500ms"): kill-subscribers@10s, pause@20s:2s,
// proxy-blackhole@5s:3s. A fault that lasts needs D; one that happens once
// takes none.
func ParseFault(s string) (Fault, error) {
	name, when, ok := strings.Cut(strings.TrimSpace(s), "@")
	kind := FaultKind(name)
	if !slices.Contains(FaultKinds(), kind) {
		return Fault{}, fmt.Errorf("unknown fault %q; known: %s", name, knownFaults())
	}
	if !ok || when == "" {
		return Fault{}, fmt.Errorf("fault %q needs a time: %s", s, faultSyntax(kind))
	}
	at, dur, hasDur := strings.Cut(when, ":")
	f := Fault{Kind: kind}
	var err error
	if f.At, err = parseFaultTime(at, "time"); err != nil {
		return Fault{}, fmt.Errorf("fault %q: %w (%s)", s, err, faultSyntax(kind))
	}
	switch {
	case kind.timed() && !hasDur:
		return Fault{}, fmt.Errorf("fault %q needs a duration: %s", s, faultSyntax(kind))
	case !kind.timed() && hasDur:
		return Fault{}, fmt.Errorf("fault %q takes no duration: %s", s, faultSyntax(kind))
	case hasDur:
		if f.For, err = parseFaultTime(dur, "duration"); err != nil {
			return Fault{}, fmt.Errorf("fault %q: %w (%s)", s, err, faultSyntax(kind))
		}
		if f.For < time.Millisecond {
			return Fault{}, fmt.Errorf("fault %q: the duration must be at least 1ms", s)
		}
	}
	return f, nil
}

func parseFaultTime(s, what string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("bad %s %q: want a duration like 10s or 500ms", what, s)
	case d <= 0:
		return 0, fmt.Errorf("bad %s %q: must be positive", what, s)
	}
	return d, nil
}

func faultSyntax(k FaultKind) string {
	if k.timed() {
		return "want " + string(k) + "@T:D, e.g. " + string(k) + "@10s:2s"
	}
	return "want " + string(k) + "@T, e.g. " + string(k) + "@10s"
}

func knownFaults() string {
	names := make([]string, 0, len(FaultKinds()))
	for _, k := range FaultKinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// FaultList is the repeatable --fault flag: each value is parsed by
// ParseFault as it is set.
type FaultList []Fault

// String joins the faults with commas.
func (l *FaultList) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, len(*l))
	for i, f := range *l {
		parts[i] = f.String()
	}
	return strings.Join(parts, ",")
}

// Set parses one fault and adds it.
func (l *FaultList) Set(s string) error {
	f, err := ParseFault(s)
	if err != nil {
		return err
	}
	*l = append(*l, f)
	return nil
}

// CheckFaults checks faults against a run that publishes for d: each one
// starts inside the run, ends early enough that recovery can be seen
// (before publishing stops), and none overlaps another, so each loss
// belongs to one fault. It reports every problem at once.
func CheckFaults(faults []Fault, d time.Duration) error {
	var errs []error
	sorted := sortFaults(faults)
	for i, f := range sorted {
		switch {
		case f.At >= d:
			errs = append(errs, fmt.Errorf("fault %s starts at or after the end of publishing (duration %v)", f, d))
		case f.end() >= d:
			errs = append(errs, fmt.Errorf("fault %s ends at or after the end of publishing (duration %v): recovery could not be seen", f, d))
		}
		if i > 0 && f.At <= sorted[i-1].end() {
			errs = append(errs, fmt.Errorf("fault %s overlaps fault %s: give each fault its own time", f, sorted[i-1]))
		}
	}
	return errors.Join(errs...)
}

// sortFaults returns faults in injection order.
func sortFaults(faults []Fault) []Fault {
	out := slices.Clone(faults)
	slices.SortStableFunc(out, func(a, b Fault) int { return cmp.Compare(a.At, b.At) })
	return out
}
