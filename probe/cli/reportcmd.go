package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/bridgescope/bridgescope/metrics/record"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/tui"
)

var reportCommand = &Command{
	Name:    "report",
	Summary: "a recording's report: --html FILE (one offline file) or --markdown (100 columns)",
	Usage:   reportUsage,
	Example: reportExample,
	Setup:   setupReport,
	MinArgs: 1, MaxArgs: 1, ArgName: "recording",
}

const reportUsage = `Usage: bridgescope report FILE (--html OUT.html | --markdown)

Reads a recording (watch/demo --record) and writes its report: the verdict
at the end and the checks over the session, delivery and P50/P99 over time
per instance, the alert timeline (rule, instance, from–to, level), the
incidents with their detection and recovery, the observer's own outages,
the dashboard at the end, the configuration, thresholds and the recording's
SHA-256. --html writes one self-contained file that needs no network (its
Content-Security-Policy forbids every load); --markdown prints the same
within 100 columns, for GitHub and chat.
`

// The dashboard drawn into an HTML report: the size it is built for.
const reportFrameW, reportFrameH = 100, 30

type reportOptions struct {
	file     string
	html     string
	markdown bool
	theme    string
}

func setupReport(fs *pflag.FlagSet) RunFunc {
	o := &reportOptions{}
	registerHTML(fs, &o.html)
	fs.BoolVar(&o.markdown, "markdown", false, "print the report as Markdown on stdout")
	fs.StringVar(&o.theme, "theme", "light", "the dashboard image's theme in the HTML report")
	return func(_ context.Context, env *Env, files []string) int {
		o.file = files[0]
		return writeReport(env, *o)
	}
}

func registerHTML(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "html", "", "write the report as one self-contained HTML `file` (no network needed)")
}

func writeReport(env *Env, o reportOptions) int {
	if (o.html == "") == !o.markdown {
		return env.Fail(ExitUsage, errors.New("say --html FILE or --markdown"))
	}
	s, err := record.Summarize(o.file)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	for _, n := range s.Notes {
		env.Errorf("%s", n)
	}
	if o.markdown {
		if err := report.SessionMarkdown(s)(env.Stdout); err != nil {
			return env.Fail(ExitUsage, err)
		}
		return ExitOK
	}
	var frame bytes.Buffer
	tui.FrameImage(s.Final, o.theme, tui.BgLight, reportFrameW, reportFrameH).WriteSVG(&frame)
	if err := writeHTML(o.html, report.SessionHTML(s, report.HTMLOptions{FrameSVG: frame.Bytes()})); err != nil {
		return env.Fail(ExitUsage, err)
	}
	return env.print(ExitOK, "report: %s\n", o.html)
}

// writeHTML writes a report to path through a temporary file, so a failed
// write leaves no half report under the name.
func writeHTML(path string, rep report.Reporter) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := rep(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("html report %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("html report %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}
