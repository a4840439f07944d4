package prom

import (
	"fmt"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// CheckResult is a check run's verdict, for `check --format prometheus`:
// written beside the final snapshot's metrics, e.g. into node_exporter's
// textfile directory by cron.
type CheckResult struct {
	Code     int // 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
	Answered int // cooperating instances that acked a probe
	Expected int // instances expected (--expect, or the IDs named), 0 for none
	Duration time.Duration
	At       time.Time // when the check ended
}

type checkCollector struct {
	r                                     CheckResult
	status, answered, expected, took, end *prometheus.Desc
}

// NewCheckCollector returns a collector of r's fixed values.
func NewCheckCollector(r CheckResult) prometheus.Collector {
	return &checkCollector{r: r,
		status:   newDesc("check_status", "The check's verdict, as its exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."),
		answered: newDesc("check_instances_answered", "Cooperating instances that acked a probe during the check."),
		expected: newDesc("check_instances_expected", "Instances the check expected (--expect or --instances); 0 when none."),
		took:     newDesc("check_duration_seconds", "How long the check ran."),
		end:      newDesc("check_timestamp_seconds", "When the check ended, in seconds since the epoch: a stale file reads old."),
	}
}

func (c *checkCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.status, c.answered, c.expected, c.took, c.end} {
		ch <- d
	}
}

func (c *checkCollector) Collect(ch chan<- prometheus.Metric) {
	e := emitter{ch}
	e.gauge(c.status, float64(c.r.Code))
	e.gauge(c.answered, float64(c.r.Answered))
	e.gauge(c.expected, float64(c.r.Expected))
	e.gauge(c.took, c.r.Duration.Seconds())
	e.gauge(c.end, float64(c.r.At.UnixMilli())/1e3)
}

// WriteText gathers cs once, from a registry of their own, and writes them
// in the Prometheus text format.
func WriteText(w io.Writer, cs ...prometheus.Collector) error {
	reg := prometheus.NewRegistry()
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("prom: register collector: %w", err)
		}
	}
	fams, err := reg.Gather()
	if err != nil {
		return fmt.Errorf("prom: gather: %w", err)
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range fams {
		if err := enc.Encode(f); err != nil {
			return fmt.Errorf("prom: write metrics: %w", err)
		}
	}
	return nil
}
