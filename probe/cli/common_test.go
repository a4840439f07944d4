package cli

import (
	"bytes"
	"github.com/spf13/pflag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/probe/harness"
)

func TestEnvScrubsSecrets(t *testing.T) {
	var out, errb bytes.Buffer
	env := newEnv(nil, &out, &errb)
	var c Common
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	c.Register(fs)
	if err := fs.Parse([]string{"--redis", "redis://user:p%40ss@host:1/0?password=q2secret"}); err != nil {
		t.Fatal(err)
	}
	conn, err := c.Conn(env)
	if err != nil {
		t.Fatal(err)
	}
	if conn.URL != "redis://user:p%40ss@host:1/0?password=q2secret" {
		t.Errorf("URL = %q", conn.URL)
	}
	env.Errorf("failed on %s with p@ss and\nq2secret", conn.URL)
	_, _ = env.Stdout.Write([]byte("out p@ss\n"))
	for name, got := range map[string]string{"stderr": errb.String(), "stdout": out.String()} {
		if strings.Contains(got, "p@ss") || strings.Contains(got, "p%40ss") || strings.Contains(got, "q2secret") {
			t.Errorf("%s leaks a secret: %q", name, got)
		}
	}
	oneLine(t, errb.String())
}

func TestRedisDefaultsToEnvironment(t *testing.T) {
	env := newEnv(nil, &bytes.Buffer{}, &bytes.Buffer{})
	for _, tc := range []struct{ flag, envURL, want string }{
		{"", "", "redis://127.0.0.1:6379"},
		{"", "redis://from-env:1", "redis://from-env:1"},
		{"redis://from-flag:2", "redis://from-env:1", "redis://from-flag:2"},
	} {
		t.Setenv("REDIS_URL", tc.envURL)
		c := Common{Redis: tc.flag}
		conn, err := c.Conn(env)
		if err != nil || conn.URL != tc.want {
			t.Errorf("flag %q, REDIS_URL %q: URL %q (%v), want %q", tc.flag, tc.envURL, conn.URL, err, tc.want)
		}
	}
}

func TestPasswordFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct{ content, want, err string }{
		{"pw1\n", "pw1", ""},
		{"pw2\r\nsecond line\n", "pw2", ""},
		{"pw3", "pw3", ""},
		{"\nlater", "", "first line is empty"},
		{"", "", "first line is empty"},
	} {
		var errb bytes.Buffer
		env := newEnv(nil, &bytes.Buffer{}, &errb)
		c := Common{Redis: "redis://h:1", PasswordFile: write("pw", tc.content)}
		conn, err := c.Conn(env)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want %q", tc.content, err, tc.err)
			}
			continue
		}
		if err != nil || conn.Password != tc.want {
			t.Errorf("%q: password %q (%v), want %q", tc.content, conn.Password, err, tc.want)
		}
		env.Errorf("x %s y", tc.want)
		if strings.Contains(errb.String(), tc.want) {
			t.Errorf("the file's password is printed: %q", errb.String())
		}
	}
}

func TestSetupLog(t *testing.T) {
	var stderr bytes.Buffer
	env := newEnv(nil, &bytes.Buffer{}, &stderr)
	env.Secret("hunter2")
	var c Common
	l, done, err := c.SetupLog(env, env.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	l.Info("routine")
	l.Warn("link lost", "url", "redis://:hunter2@h:1")
	done()
	if got := stderr.String(); strings.Contains(got, "routine") || !strings.Contains(got, "link lost") || strings.Contains(got, "hunter2") {
		t.Errorf("headless log = %q, want the warning only, scrubbed", got)
	}

	c.LogFile = filepath.Join(t.TempDir(), "bs.log")
	stderr.Reset()
	l, done, err = c.SetupLog(env, env.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	l.Info("to the file", "pw", "hunter2")
	done()
	b, _ := os.ReadFile(c.LogFile)
	if !strings.Contains(string(b), "to the file") || strings.Contains(string(b), "hunter2") || stderr.Len() != 0 {
		t.Errorf("log file %q, stderr %q: want the line in the file only, scrubbed", b, stderr.String())
	}

	c.LogFile = ""
	l, done, _ = c.SetupLog(env, nil)
	l.Error("hidden")
	done()
	if stderr.Len() != 0 {
		t.Errorf("with a dashboard the log must be discarded, got %q", stderr.String())
	}
}

func TestProgressOnTerminal(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, true, false)
	_, _ = p.Write([]byte("held back\n"))
	if b.Len() != 0 {
		t.Errorf("a log line before the first progress was printed at once: %q", b.String())
	}
	p.update(harness.Progress{Elapsed: 1250 * time.Millisecond, Duration: 20 * time.Second, Published: 12, Received: 23, Expected: 24})
	want := "\rvalidate 1.2s/20s  published 12  received 23  delivery 95.83%\x1b[K"
	if b.String() != "held back\n"+want {
		t.Errorf("status line %q, want %q", b.String(), want)
	}
	b.Reset()
	_, _ = p.Write([]byte("a log line\n"))
	if got := b.String(); got != "\r\x1b[Ka log line\n"+want {
		t.Errorf("log line written as %q: want the status line cleared and redrawn", got)
	}
	b.Reset()
	p.update(harness.Progress{Elapsed: 21 * time.Second, Duration: 20 * time.Second})
	if !strings.Contains(b.String(), "validate draining") || !strings.Contains(b.String(), "delivery -") {
		t.Errorf("drain line %q", b.String())
	}
	b.Reset()
	p.finish(false)
	p.finish(false)
	if b.String() != "\r\x1b[K" {
		t.Errorf("finish wrote %q, want the line erased once", b.String())
	}
}

func TestProgressDropsHeldLinesWhenTheRunFails(t *testing.T) {
	for _, failed := range []bool{true, false} {
		var b bytes.Buffer
		p := newProgress(&b, false, true)
		_, _ = p.Write([]byte("go-redis: dial failed\n"))
		p.finish(failed)
		_, _ = p.Write([]byte("later\n"))
		want := "go-redis: dial failed\nlater\n"
		if failed {
			want = "later\n"
		}
		if b.String() != want {
			t.Errorf("failed=%v: wrote %q, want %q", failed, b.String(), want)
		}
	}
}

func TestProgressWithoutTerminal(t *testing.T) {
	var b bytes.Buffer
	now := time.Unix(1000, 0)
	quiet := newProgress(&b, false, false)
	loud := newProgress(&b, false, true)
	quiet.now, loud.now = func() time.Time { return now }, func() time.Time { return now }
	quiet.lastPlain, loud.lastPlain = now, now
	hp := harness.Progress{Elapsed: time.Second, Duration: 20 * time.Second, Published: 5, Received: 10, Expected: 10}
	for range 3 {
		now = now.Add(2 * time.Second)
		quiet.update(hp)
		loud.update(hp)
	}
	if got := b.String(); got != "validate 1s/20s  published 5  received 10  delivery 100.00%\n" {
		t.Errorf("without a terminal got %q, want one plain line from --verbose after 5s", got)
	}
}
