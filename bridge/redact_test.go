package bridge_test

import (
	"strings"
	"testing"

	"github.com/bridgescope/bridgescope/bridge"
)

// TestRedactURL is the one URL redaction's table of nasty input: every
// place that prints a Redis address (screen, reports, JSON, logs) prints
// bridge.RedactURL or ConnConfig.Redacted, which is built on it.
func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"redis://default:hunter2@host:6379/0":             "redis://default:xxxxx@host:6379/0",
		"rediss://u:p%40ss@host:6380":                     "rediss://u:xxxxx@host:6380",
		"redis://:onlypass@host":                          "redis://:xxxxx@host",
		"redis://host:6379":                               "redis://host:6379",
		"redis://user@host:6379":                          "redis://user@host:6379",
		"redis://host?password=hunter2&db=1":              "redis://host?db=1&password=xxxxx",
		"redis://host?sentinel_password=s3cret":           "redis://host?sentinel_password=xxxxx",
		"127.0.0.1:6379":                                  "<unparseable Redis URL>",
		"redis://u:pa/ss@host":                            "<unparseable Redis URL>",
		"redis://u:%zz@host":                              "<unparseable Redis URL>",
		"":                                                "<unparseable Redis URL>",
		"redis://u:hunter2@[::1]:6379":                    "redis://u:xxxxx@[::1]:6379",
		"redis://u:hunter2@host:6379/0#frag-with-hunter2": "redis://u:xxxxx@host:6379/0#frag-with-hunter2",
	} {
		got := bridge.RedactURL(in)
		if got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "hunter2") && !strings.Contains(want, "hunter2") {
			t.Errorf("RedactURL(%q) leaks the password", in)
		}
	}
}
