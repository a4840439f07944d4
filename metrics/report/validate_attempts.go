package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/bridgescope/bridgescope/metrics"
)

// minRateShare is the share of the requested rate a run must reach not to
// be warned about: below 90 % the publishers (the pacer, or the worker pool's
// round trips) could not keep up, and the run measured a lighter load than
// the one asked for. It is a WARN, not a FAIL: what was sent was still checked.
const minRateShare = 0.90

// Outage is one window of failing publishes, in ms since publishing began:
// from the start of the first publish that failed to the start of the first
// publish after it that succeeded. ToMs is null when none did before
// publishing ended. Failed counts the publishes that failed in it. The
// harness keeps a bounded number of them, summing the rest into the last.
type Outage struct {
	FromMs int64  `json:"fromMs"`
	ToMs   *int64 `json:"toMs"`
	Failed int64  `json:"failed"`
}

// fillAttempts sets what the schedule asked for and what the run reached.
func (r *ValidateReport) fillAttempts(in ValidateInput) {
	secs := in.Duration.Seconds()
	if secs > 0 && in.Rate > 0 && !math.IsInf(in.Rate, 0) {
		r.Intended = int64(math.Round(secs * in.Rate))
	}
	if secs > 0 {
		r.AchievedRate = float64(r.Attempted) / secs
	}
	r.Outages = append([]Outage{}, in.Outages...)
}

// rateCheck warns when the run's achieved rate (attempts per second) is
// below minRateShare of the requested one.
func rateCheck(r *ValidateReport) Check {
	c := Check{Name: "rate", Warn: "< " + strconv.FormatFloat(100*minRateShare, 'f', -1, 64) + "%", Crit: "-", Level: metrics.OK}
	if r.Intended == 0 {
		c.Display = "n/a"
		return c
	}
	c.Value = 100 * r.AchievedRate / r.Rate
	c.Display = fmt.Sprintf("%s (%s of %s events/s)", metrics.FormatPercent(c.Value), rateText(r.AchievedRate), rateText(r.Rate))
	if c.Value < 100*minRateShare {
		c.Level = metrics.Warn
		c.Message = fmt.Sprintf("rate: achieved %s events/s, %s of the %s/s requested (%d of %d events attempted): "+
			"the publishers could not keep up, and the run measured a lighter load", rateText(r.AchievedRate),
			metrics.FormatPercent(c.Value), rateText(r.Rate), r.Attempted, r.Intended)
	}
	return c
}

// failedNote says how many events were never published, and when, for the
// delivery check's message.
func failedNote(r *ValidateReport) string {
	if r.PublishFailed == 0 {
		return ""
	}
	note := fmt.Sprintf("%d of %d attempted events were never published", r.PublishFailed, r.Attempted)
	if len(r.Outages) > 0 {
		parts := make([]string, len(r.Outages))
		for i, o := range r.Outages {
			parts[i] = outageText(o)
		}
		note += " (publishes failed " + strings.Join(parts, ", ") + ")"
	}
	return note
}

// outageText is "8.012s–10.245s (2.233s, 447 failed)", or "from 8.012s to
// the end (447 failed)".
func outageText(o Outage) string {
	if o.ToMs == nil {
		return fmt.Sprintf("from %s to the end (%d failed)", msAt(o.FromMs), o.Failed)
	}
	return fmt.Sprintf("%s–%s (%s, %d failed)", msAt(o.FromMs), msAt(*o.ToMs), msText(*o.ToMs-o.FromMs), o.Failed)
}

// rateText is a rate in events per second: whole from 100/s, else with
// at most two decimals.
func rateText(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}
