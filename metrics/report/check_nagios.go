package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/bridgescope/bridgescope/metrics"
)

// Perf is one datum of a Nagios plugin's performance data,
// label=value[UOM];[warn];[crit];[min];[max], with warn and crit in the
// plugin guidelines' range syntax: "100" is above 100, "95:" below 95.
type Perf struct {
	Label string  `json:"label"`
	Value float64 `json:"value"` // null when it could not be measured (Nagios "U")
	UOM   string  `json:"uom"`   // "%", "ms" or "" (a count)
	Warn  string  `json:"warn"`
	Crit  string  `json:"crit"`
	Min   string  `json:"min"`
	Max   string  `json:"max"`
}

// MarshalJSON writes a value that could not be measured as null.
func (p Perf) MarshalJSON() ([]byte, error) {
	type plain Perf
	return json.Marshal(struct {
		plain
		Value *float64 `json:"value"`
	}{plain(p), finiteOrNil(p.Value)})
}

// String is the datum as Nagios reads it; the label is quoted when it
// holds anything but letters, digits and "_.-".
func (p Perf) String() string {
	v := "U"
	if metrics.Finite(p.Value) {
		v = strconv.FormatFloat(p.Value, 'f', -1, 64) + p.UOM
	}
	return strings.TrimRight(fmt.Sprintf("%s=%s;%s;%s;%s;%s", perfLabel(p.Label), v, p.Warn, p.Crit, p.Min, p.Max), ";")
}

// perfLabel makes a label Nagios can parse: no "=" or "'", no control
// characters, quoted unless plain.
func perfLabel(l string) string {
	l = strings.NewReplacer("=", "_", "'", "_", "|", "_").Replace(clean(l))
	if strings.IndexFunc(l, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-')
	}) >= 0 {
		return "'" + l + "'"
	}
	return l
}

// checkPerf is the worst instance's delivery and p99, the instances that
// answered, the probes lost and the alerts; then, with perInstance, each
// instance's delivery, p99 and loss.
func checkPerf(r CheckReport, perInstance bool) []Perf {
	th := r.Thresholds
	deliv := func(label string, v float64) Perf {
		return Perf{Label: label, Value: round(v, 2), UOM: "%", Warn: th.DeliveryWarn.String() + ":",
			Crit: th.DeliveryCrit.String() + ":", Min: "0", Max: "100"}
	}
	p99 := func(label string, us float64) Perf {
		return Perf{Label: label, Value: round(us/1e3, 3), UOM: "ms", Warn: msString(th.P99Warn), Crit: msString(th.P99Crit), Min: "0"}
	}
	count := func(label string, n int64) Perf { return Perf{Label: label, Value: float64(n), Min: "0"} }
	worstDeliv, worstP99 := math.NaN(), math.NaN()
	var answered, lost int64
	for _, in := range r.Instances {
		if in.Answered {
			answered++
		}
		lost += in.Lost
		if in.Left {
			continue
		}
		if metrics.Finite(in.Delivery) && !(in.Delivery >= worstDeliv) {
			worstDeliv = in.Delivery
		}
		if metrics.Finite(in.P99Us) && !(in.P99Us <= worstP99) {
			worstP99 = in.P99Us
		}
	}
	inst := count("instances", answered)
	if r.Expect.Count > 0 {
		inst.Crit = strconv.Itoa(r.Expect.Count) + ":"
	}
	out := []Perf{inst, deliv("delivery", worstDeliv), p99("p99", worstP99), count("lost", lost), count("alerts", int64(len(r.Alerts)))}
	if perInstance {
		for _, in := range r.Instances {
			out = append(out, deliv(in.ID+" delivery", in.Delivery), p99(in.ID+" p99", in.P99Us), count(in.ID+" lost", in.Lost))
		}
	}
	return out
}

func round(v float64, digits int) float64 {
	if !metrics.Finite(v) {
		return v
	}
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func msString(d metrics.Duration) string {
	return strconv.FormatFloat(float64(d.Std().Microseconds())/1e3, 'f', -1, 64)
}

// nagiosText keeps a text from breaking a plugin's output: "|" starts the
// performance data, so it becomes "/".
func nagiosText(s string) string { return strings.ReplaceAll(s, "|", "/") }

// CheckNagios renders r as a Nagios plugin's output: "BRIDGESCOPE STATUS -
// summary | perfdata" on the first line, then the further reasons and, with
// per-instance data, a line per instance, the instances' performance data
// after the last line's "|", one datum per line.
func CheckNagios(r CheckReport) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		head, rest := r.Perf, []Perf(nil)
		if len(head) > checkHeadPerf {
			head, rest = head[:checkHeadPerf], head[checkHeadPerf:]
		}
		fmt.Fprintf(&b, "BRIDGESCOPE %s - %s", r.Status, nagiosText(r.Summary))
		if len(head) > 0 {
			b.WriteString(" |")
			for _, p := range head {
				b.WriteString(" " + p.String())
			}
		}
		var long []string
		if len(r.Reasons) > 1 {
			long = append(long, r.Reasons[1:]...)
		}
		if len(rest) > 0 {
			for _, in := range r.Instances {
				long = append(long, checkInstanceLine(in))
			}
		}
		for i, l := range long {
			b.WriteString("\n" + nagiosText(l))
			if i == len(long)-1 && len(rest) > 0 {
				b.WriteString(" | " + rest[0].String())
				for _, p := range rest[1:] {
					b.WriteString("\n" + p.String())
				}
			}
		}
		b.WriteString("\n")
		return write(w, "check nagios", b.Bytes())
	}
}

// checkHeadPerf is how many data the first line carries: the overall ones
// checkPerf puts first.
const checkHeadPerf = 5

func checkInstanceLine(in CheckInstance) string {
	line := fmt.Sprintf("%s %s delivery %s p99 %s lost %d", clean(in.ID), levelName(in.State),
		fmtPct(in.Delivery), metrics.FormatUsShort(in.P99Us), in.Lost)
	if !in.Answered {
		line += " (no ack)"
	}
	if in.Left {
		line += " (left)"
	}
	return line
}

// CheckText renders r for a person: the status line, every reason, and the
// instances as a table.
func CheckText(r CheckReport) Reporter {
	return func(w io.Writer) error {
		var b bytes.Buffer
		fmt.Fprintf(&b, "bridgescope check: %s - %s\n", r.Status, r.Summary)
		textList(&b, "Reasons", r.Reasons)
		if len(r.Instances) > 0 {
			rows := [][]string{{"ID", "ROLE", "STATE", "DELIV 10s", "P99 10s", "PROBES", "LOST", "ANSWERED"}}
			for _, in := range r.Instances {
				ans := "yes"
				if !in.Answered {
					ans = "no"
				}
				rows = append(rows, []string{clean(in.ID), OrDash(clean(in.Role)), levelName(in.State), fmtPct(in.Delivery),
					metrics.FormatUsShort(in.P99Us), itoa(in.Probes), itoa(in.Lost), ans})
			}
			b.WriteString("\n")
			Aligned(&b, "", rows)
		}
		if r.Redis != "" {
			fmt.Fprintf(&b, "\nchecked %s on %s, channels %s\n", msText(r.DurationMs), clean(r.Redis),
				OrDash(clean(strings.Join(r.Channels, ", "))))
		}
		return write(w, "check text", b.Bytes())
	}
}

// CheckJSON renders r as exactly one indented JSON object.
func CheckJSON(r CheckReport) Reporter { return JSON(r) }
