package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// schemaDir holds the JSON Schemas of every JSON document bridgescope writes.
const schemaDir = "../../metrics/report/schema"

var (
	schemasOnce sync.Once
	schemas     map[string]*jsonschema.Schema // by document: "watch", "check", …
	schemasErr  error
)

// loadSchemas compiles every schema in schemaDir once, each under its $id
// so that they can refer to one another.
func loadSchemas() (map[string]*jsonschema.Schema, error) {
	schemasOnce.Do(func() {
		files, err := filepath.Glob(filepath.Join(schemaDir, "*.schema.json"))
		if err != nil || len(files) == 0 {
			schemasErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		ids := map[string]string{}
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				schemasErr = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				schemasErr = err
				return
			}
			id, _ := doc.(map[string]any)["$id"].(string)
			if err := c.AddResource(id, doc); err != nil {
				schemasErr = err
				return
			}
			ids[strings.TrimSuffix(filepath.Base(f), ".schema.json")] = id
		}
		schemas = map[string]*jsonschema.Schema{}
		for name, id := range ids {
			if schemas[name], err = c.Compile(id); err != nil {
				schemasErr = err
				return
			}
		}
	})
	return schemas, schemasErr
}

// checkSchema validates one JSON document of kind doc ("watch", "validate",
// "compare", "bench", "check") against its schema.
func checkSchema(t *testing.T, doc string, data []byte) {
	t.Helper()
	ss, err := loadSchemas()
	if err != nil || ss[doc] == nil {
		t.Fatalf("schemas in %s: %v (no %q)", schemaDir, err, doc)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", doc, err, data)
	}
	if err := ss[doc].Validate(v); err != nil {
		t.Errorf("%s output does not match %s.schema.json: %v", doc, doc, err)
	}
}

// TestSchemaRealOutputs validates real validate, compare and bench JSON
// against their schemas (watch's and check's are validated where their
// tests run them).
func TestSchemaRealOutputs(t *testing.T) {
	url := bridgetest.Start(t).URL()
	for _, c := range []struct {
		doc  string
		args []string
	}{
		{"validate", []string{"validate", "--instances", "3", "--duration", "1s", "--drain", "300ms", "--baseline",
			"--fault", "kill-subscribers@300ms"}},
		{"compare", []string{"validate", "--instances", "2", "--duration", "800ms", "--drain", "300ms",
			"--fault", "pause@300ms:200ms", "--compare-transports"}},
		{"bench", []string{"bench", "--rates", "300", "--duration", "400ms", "--instances", "2"}},
	} {
		code, stdout, stderr := run(t, context.Background(), append(append(c.args, "--redis", url), "--json")...)
		if code == ExitUsage {
			t.Fatalf("%v: exit %d: %s", c.args, code, stderr)
		}
		checkSchema(t, c.doc, []byte(stdout))
		var head struct{ SchemaVersion int }
		if json.Unmarshal([]byte(stdout), &head); head.SchemaVersion != report.SchemaVersion {
			t.Errorf("%s: schemaVersion %d", c.doc, head.SchemaVersion)
		}
	}
}

// TestSchemaEdgeCases validates what the real runs above rarely show: an
// instance that never answered (null figures), notes, info, shards, a
// blind observer with its alerts, history and transitions; and check's
// reports of it.
func TestSchemaEdgeCases(t *testing.T) {
	now := time.Now()
	reg := metrics.NewRegistry(metrics.RegistryConfig{Observer: "obs", Redis: "redis://127.0.0.1:1", Transport: "pubsub",
		Channels: []string{"bridge:events"}, ProbeChannels: []string{"bridge:events"}, Thresholds: metrics.DefaultThresholds()}, now)
	reg.SetConn("connected", now)
	reg.Report("mute", "b1", metrics.InstanceReport{Role: "bot", State: "connected", Errors: 2}, now)
	reg.Report("mute", "b1", metrics.InstanceReport{Role: "bot", State: "connected", Errors: 5}, now.Add(time.Second))
	reg.Malformed("src", "not_json", now)
	reg.Note("conn", "Redis: NOPERM")
	reg.Info("omem", "output-buffer warnings off")
	reg.SetShards([]metrics.ShardRow{{Addr: "10.0.0.1:7000", State: "connected", Since: now}, {Addr: "10.0.0.2:7000", State: "disconnected", Since: now, LastError: "EOF"}})
	reg.Tick(now.Add(time.Second))
	reg.SetConn("disconnected", now.Add(2*time.Second))
	reg.Tick(now.Add(2 * time.Second))
	s := reg.Snapshot(now.Add(2 * time.Second))
	if s.Blind == "" || len(s.Alerts) == 0 || len(s.Transitions) == 0 || len(s.Instances) != 1 {
		t.Fatalf("the fixture is not what it should show: blind %q, alerts %v, transitions %v", s.Blind, s.Alerts, s.Transitions)
	}
	var b bytes.Buffer
	if err := report.WatchJSON(s)(&b); err != nil {
		t.Fatal(err)
	}
	checkSchema(t, "watch", b.Bytes())
	b.Reset()
	if err := report.WatchJSONLine(s)(&b); err != nil {
		t.Fatal(err)
	}
	checkSchema(t, "watch", b.Bytes())
	for _, rep := range []report.CheckReport{
		report.BuildCheckReport(s, report.CheckExpect{Count: 2, IDs: []string{"mute", "gone"}}, time.Second, true),
		report.CheckUnknownReport(report.CheckReport{}, now, time.Second, "cannot use Redis"),
	} {
		b.Reset()
		if err := report.CheckJSON(rep)(&b); err != nil {
			t.Fatal(err)
		}
		checkSchema(t, "check", b.Bytes())
	}
}
