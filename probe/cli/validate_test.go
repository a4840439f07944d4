package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

func TestValidateJSON(t *testing.T) {
	s := bridgetest.Start(t)
	code, stdout, stderr := run(t, context.Background(),
		"validate", "--redis", s.URL(), "--instances", "3", "--duration", "2s", "--rate", "50", "--json")
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing on stderr\n%s", code, stderr, stdout)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	var r map[string]any
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if err := dec.Decode(new(any)); !errors.Is(err, io.EOF) {
		t.Fatalf("stdout holds more than one JSON object (%v):\n%s", err, stdout)
	}
	for _, k := range []string{"published", "expected", "received", "deliveryRate", "lost", "duplicates",
		"selfReceived", "collisions", "errors", "latencyUs", "perInstance", "status", "reasons"} {
		if _, ok := r[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	lat, _ := r["latencyUs"].(map[string]any)
	for _, k := range []string{"avg", "min", "p50", "p95", "p99", "max"} {
		if v, ok := lat[k].(float64); !ok || v <= 0 {
			t.Errorf("latencyUs.%s = %v, want a positive number", k, lat[k])
		}
	}
	per, _ := r["perInstance"].([]any)
	if len(per) != 3 {
		t.Fatalf("perInstance has %d entries, want 3", len(per))
	}
	for i, p := range per {
		m, _ := p.(map[string]any)
		from, _ := m["receivedFrom"].(map[string]any)
		if m["id"] != "test-instance-"+strconv.Itoa(i) || m["published"] == nil || m["received"] == nil || len(from) != 2 {
			t.Errorf("perInstance[%d] = %v, want id, published, received and receivedFrom with 2 senders", i, m)
		}
	}
	pub, recv := r["published"].(float64), r["received"].(float64)
	if r["status"] != "PASS" || pub != 100 || recv != 2*pub || r["deliveryRate"] != 100.0 || r["lost"] != 0.0 {
		t.Errorf("status %v, published %v, received %v, delivery %v, lost %v; want PASS, 100, 200, 100, 0",
			r["status"], pub, recv, r["deliveryRate"], r["lost"])
	}
}

func TestValidateSharedIDFails(t *testing.T) {
	s := bridgetest.Start(t)
	code, stdout, stderr := run(t, context.Background(),
		"validate", "--redis", s.URL(), "--duration", "1s", "--rate", "50", "--drain", "1s", "--shared-id")
	if code != ExitFail {
		t.Errorf("exit %d, want %d (FAIL); stderr %q", code, ExitFail, stderr)
	}
	for _, want := range []string{"Status: FAIL", `instance ID collision: "test-instance"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
}

func TestValidateTextDistribution(t *testing.T) {
	s := bridgetest.Start(t)
	t.Setenv("REDIS_URL", s.URL()) // no --redis: the default comes from the environment
	code, stdout, stderr := run(t, context.Background(), "validate", "--duration", "1s", "--rate", "60")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	line := regexp.MustCompile(`Instance (\d) \(test-instance-(\d)\): published (\d+) → received (\d+) \((\d+)\+(\d+)\)`)
	matches := line.FindAllStringSubmatch(stdout, -1)
	if len(matches) != 3 {
		t.Fatalf("found %d per-instance lines, want 3:\n%s", len(matches), stdout)
	}
	var published [3]int
	for i, m := range matches {
		published[i], _ = strconv.Atoi(m[3])
	}
	for i, m := range matches {
		recv, a, b := atoi(m[4]), atoi(m[5]), atoi(m[6])
		if m[1] != strconv.Itoa(i) || m[2] != m[1] || recv != a+b || recv != published[0]+published[1]+published[2]-published[i] {
			t.Errorf("line %q does not add up (published %v)", m[0], published)
		}
	}
	if !strings.Contains(stdout, s.URL()) {
		t.Errorf("report does not name the Redis from $REDIS_URL (%s):\n%s", s.URL(), stdout)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestValidateMarkdownWithPasswordFile(t *testing.T) {
	s := bridgetest.Start(t)
	s.RequireReal(t)
	// An ACL user rather than requirepass: bridgetest's own PINGs stay unauthenticated.
	s.Do(t, "ACL", "SETUSER", "bot", "on", ">filepass42", "~*", "&*", "+@all")
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("filepass42\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	userURL := strings.Replace(s.URL(), "redis://", "redis://bot@", 1)
	code, stdout, stderr := run(t, context.Background(), "validate", "--redis", userURL,
		"--password-file", pwFile, "--duration", "1s", "--rate", "20", "--markdown")
	if code != ExitOK || !strings.HasPrefix(stdout, "## ") || !strings.Contains(stdout, "| --- |") || !strings.Contains(stdout, "PASS") {
		t.Errorf("exit %d, stderr %q; want a PASS in Markdown:\n%s", code, stderr, stdout)
	}
	// The same password in the URL, wrong in the file: refused, and neither is printed.
	url := strings.Replace(s.URL(), "redis://", "redis://bot:filepass42@", 1)
	if err := os.WriteFile(pwFile, []byte("wrongpass77\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, context.Background(), "validate", "--redis", url, "--password-file", pwFile, "--duration", "1s")
	if code != ExitUsage || stdout != "" {
		t.Errorf("wrong password: exit %d, stdout %q; want 2 and no report", code, stdout)
	}
	oneLine(t, stderr)
	for _, secret := range []string{"filepass42", "wrongpass77"} {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("output contains the password %q: %q", secret, stderr)
		}
	}
}

func TestValidateUnreachableRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	begin := time.Now()
	code, stdout, stderr := run(t, context.Background(), "validate", "--redis", "redis://u:s3cret@127.0.0.1:"+port, "--verbose")
	if took := time.Since(begin); took > 3*time.Second {
		t.Errorf("took %v to give up on a closed port", took)
	}
	if code != ExitUsage || stdout != "" {
		t.Errorf("exit %d, stdout %q; want 2 and nothing on stdout", code, stdout)
	}
	oneLine(t, stderr)
	if strings.Contains(stdout+stderr, "s3cret") || !strings.Contains(stderr, "redis://u:xxxxx@127.0.0.1:"+port) {
		t.Errorf("stderr %q: want the redacted URL and never the password", stderr)
	}
}

func TestValidateUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--instances", "1"}, "--instances must be between 2 and"},
		{[]string{"--instances", "x"}, `invalid value "x" for --instances`},
		{[]string{"--rate", "0"}, "--rate must be a positive"},
		{[]string{"--rate", "-5"}, "--rate must be a positive"},
		{[]string{"--rate", "NaN"}, "--rate must be a positive"},
		{[]string{"--duration", "0s"}, "--duration must be positive"},
		{[]string{"--duration", "20"}, "invalid value"},
		{[]string{"--drain", "-1s"}, "--drain must not be negative"},
		{[]string{"--channel", "bridge:*"}, "--channel must name one channel"},
		{[]string{"--json", "--markdown"}, "--json and --markdown exclude each other"},
		{[]string{"--delivery-crit", "99"}, "--delivery-crit 99 must be below --delivery-warn 95"},
		{[]string{"--p99-warn", "fast"}, "invalid value"},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--password-file", "/nonexistent/pw"}, "--password-file"},
		{[]string{"--log", "/nonexistent/dir/log"}, "--log"},
	} {
		begin := time.Now()
		code, stdout, stderr := run(t, context.Background(), append([]string{"validate"}, tc.args...)...)
		if code != ExitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, stdout, stderr, tc.want)
		}
		oneLine(t, stderr)
		if time.Since(begin) > time.Second {
			t.Errorf("%q: a usage error took %v: it must not connect", tc.args, time.Since(begin))
		}
	}
}

func TestValidateInterruptedStillReports(t *testing.T) {
	s := bridgetest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	begin := time.Now()
	code, stdout, stderr := run(t, ctx, "validate", "--redis", s.URL(), "--duration", "1m", "--rate", "50", "--json")
	if took := time.Since(begin); took > 4*time.Second {
		t.Errorf("interrupted run took %v", took)
	}
	var r struct {
		Status     string `json:"status"`
		Published  int64  `json:"published"`
		DurationMs int64  `json:"durationMs"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("no JSON report after the interrupt: %v\n%s", err, stdout)
	}
	if code != ExitOK || r.Status != "PASS" || r.Published == 0 || r.DurationMs >= 1000 {
		t.Errorf("exit %d, %+v; want a PASS over the <1s published", code, r)
	}
	if !strings.Contains(stderr, "interrupted after") {
		t.Errorf("stderr %q does not say the run was interrupted", stderr)
	}
}
