package probe

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
)

// Output-buffer watch: Redis disconnects a subscriber whose output buffer
// passes the pubsub limit (default 32mb hard). CLIENT LIST shows each
// connection's omem, and bridge connections are named after their
// instance (CLIENT SETNAME), so the observer can warn before Redis acts.
const (
	bufferRetry         = 30 * time.Second
	defaultPubsubLimit  = 32 << 20
	noteBuffers         = "buffers"
	clientListCmdBudget = 2 * time.Second
)

func (o *Observer) bufferLoop(ctx context.Context) {
	defer o.wg.Done()
	wait := time.Duration(0)
	for {
		if !sleepCtx(ctx, wait) {
			return
		}
		wait = o.cfg.BufferPoll
		if err := o.pollBuffers(ctx); err != nil {
			// Refused by an ACL, it is a trouble to act on (grant the
			// command); a Redis that has no CLIENT LIST (the embedded one)
			// is a fact to know.
			if strings.Contains(err.Error(), "NOPERM") {
				o.reg.Note(noteBuffers, "output-buffer warnings off: "+err.Error()+": grant +client|list")
			} else {
				o.reg.Info(noteBuffers, "output-buffer warnings off: "+err.Error())
			}
			wait = bufferRetry
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// pollBuffers reads CLIENT LIST once and reports each known instance's
// largest subscriber omem against the pubsub hard limit.
func (o *Observer) pollBuffers(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, clientListCmdBudget)
	defer cancel()
	list, err := o.b.Redis().ClientList(ctx).Result()
	if err != nil {
		return fmt.Errorf("CLIENT LIST refused (%s)", shortErr(err))
	}
	limit, limitNote := o.pubsubLimit(ctx)
	o.reg.Note(noteBuffers, "")
	o.reg.Info(noteBuffers, limitNote)
	omem := subscriberBuffers(list)
	now := time.Now()
	for _, id := range o.reg.InstanceIDs() {
		if m, ok := omem[bridge.ClientName(id)]; ok {
			o.reg.OutputBuffer(id, m, limit, now)
		}
	}
	return nil
}

// pubsubLimit reads the pubsub hard limit; a user without CONFIG gets the
// default, and a note saying so.
func (o *Observer) pubsubLimit(ctx context.Context) (int64, string) {
	v, err := o.b.Redis().ConfigGet(ctx, "client-output-buffer-limit").Result()
	if err != nil {
		return defaultPubsubLimit, "output-buffer limit assumed 32mb (CONFIG GET refused)"
	}
	if limit, ok := parsePubsubLimit(v["client-output-buffer-limit"]); ok && limit > 0 {
		return limit, ""
	}
	return defaultPubsubLimit, ""
}

// parsePubsubLimit finds the pubsub hard limit in a value like
// "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60".
func parsePubsubLimit(v string) (int64, bool) {
	f := strings.Fields(v)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "pubsub" {
			n, err := strconv.ParseInt(f[i+1], 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// subscriberBuffers maps connection name to the largest omem among that
// name's connections that hold a subscription.
func subscriberBuffers(list string) map[string]int64 {
	out := make(map[string]int64)
	for _, line := range strings.Split(list, "\n") {
		var name string
		var omem, subs int64
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "name":
				name = v
			case "omem":
				omem, _ = strconv.ParseInt(v, 10, 64)
			case "sub", "psub", "ssub":
				n, _ := strconv.ParseInt(v, 10, 64)
				subs += n
			}
		}
		if name != "" && subs > 0 && omem >= out[name] {
			out[name] = omem
		}
	}
	return out
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}
