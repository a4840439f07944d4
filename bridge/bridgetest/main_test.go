package bridgetest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeTB records Fatal and Skip instead of ending the real test; it must run on its own
// goroutine (see runFake) because it ends that goroutine as testing does.
type fakeTB struct {
	testing.TB // the real test: TempDir, Cleanup, Logf
	mu         sync.Mutex
	fatal      string
	skipped    string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) { f.end(&f.fatal, fmt.Sprintf(format, args...)) }
func (f *fakeTB) Fatal(args ...any)                 { f.end(&f.fatal, fmt.Sprint(args...)) }
func (f *fakeTB) FailNow()                          { f.end(&f.fatal, "FailNow") }
func (f *fakeTB) Skipf(format string, args ...any)  { f.end(&f.skipped, fmt.Sprintf(format, args...)) }
func (f *fakeTB) Skip(args ...any)                  { f.end(&f.skipped, fmt.Sprint(args...)) }
func (f *fakeTB) SkipNow()                          { f.end(&f.skipped, "SkipNow") }

func (f *fakeTB) end(field *string, msg string) {
	f.mu.Lock()
	*field = msg
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) result() (fatal, skipped string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fatal, f.skipped
}

// runFake runs fn with a fakeTB and reports whether fn returned normally.
func runFake(t *testing.T, fn func(tb testing.TB)) (f *fakeTB, returned bool) {
	f = &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
		returned = true
	}()
	<-done
	return f, returned
}

// ping sends one PING over a fresh connection to addr with the given read timeout.
func ping(addr string, timeout time.Duration) error {
	c := redis.NewClient(&redis.Options{
		Addr: addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1,
		DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout,
	})
	defer c.Close()
	return c.Ping(context.Background()).Err()
}

// eventually polls cond every 10ms for up to d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
