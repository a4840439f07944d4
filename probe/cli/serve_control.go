package cli

import (
	"fmt"

	"github.com/bridgescope/bridgescope/tui"
)

// sessionControl is one session's Controller: the observer, for an
// operator; refusals, for a viewer. The role is asked at every action, so
// an edit of the operators file takes effect at once. Every action and
// every refusal is logged with the key's fingerprint.
type sessionControl struct {
	obs tui.Controller
	s   *sshServer
	vs  *viewerSession
}

var _ tui.Refuser = (*sessionControl)(nil)

// Refuse is asked by the dashboard before each action.
func (c *sessionControl) Refuse(a tui.Action) error {
	if !c.s.isOperator(c.vs.key) {
		c.logRefused(string(a))
		return fmt.Errorf("read-only session: %s needs a key in the operators file", a)
	}
	if a == tui.ActionSnapshot { // written by the dashboard itself, logged here
		c.logAction("snapshot", "dir", c.s.cfg.SnapshotDir)
	}
	return nil
}

// allowed is the check behind every change, should a path reach one
// without asking Refuse.
func (c *sessionControl) allowed(action string) bool {
	if c.s.isOperator(c.vs.key) {
		return true
	}
	c.logRefused(action)
	return false
}

func (c *sessionControl) logRefused(action string) {
	c.s.log.Warn("ssh: control refused: not an operator", "action", action, "session", c.vs.id,
		"user", c.vs.user, "key", c.vs.fp, "comment", c.vs.comment)
}

func (c *sessionControl) logAction(action string, kv ...any) {
	c.s.log.Info("ssh: control", append([]any{"action", action, "session", c.vs.id,
		"user", c.vs.user, "key", c.vs.fp, "comment", c.vs.comment}, kv...)...)
}

func (c *sessionControl) Paused() bool       { return c.obs.Paused() }
func (c *sessionControl) ProbeRate() float64 { return c.obs.ProbeRate() }

func (c *sessionControl) SetPaused(p bool) {
	if c.allowed("pause") {
		c.obs.SetPaused(p)
		c.logAction("pause", "paused", p)
	}
}

func (c *sessionControl) SetProbeRate(r float64) float64 {
	if !c.allowed("rate") {
		return c.obs.ProbeRate()
	}
	got := c.obs.SetProbeRate(r)
	c.logAction("rate", "rate", got)
	return got
}

func (c *sessionControl) StepProbeRate(dir int) float64 {
	if !c.allowed("rate") {
		return c.obs.ProbeRate()
	}
	got := c.obs.StepProbeRate(dir)
	c.logAction("rate", "rate", got)
	return got
}

func (c *sessionControl) ResetProbeRate() float64 {
	if !c.allowed("rate") {
		return c.obs.ProbeRate()
	}
	got := c.obs.ResetProbeRate()
	c.logAction("rate", "rate", got, "configured", true)
	return got
}

func (c *sessionControl) ResetWindows() {
	if c.allowed("reset") {
		c.obs.ResetWindows()
		c.logAction("reset")
	}
}

func (c *sessionControl) Forget(id string) {
	if c.allowed("forget") {
		c.obs.Forget(id)
		c.logAction("forget", "instance", id)
	}
}
