package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// LaneCommand returns the command that runs ServeLane in a new process
// (bridgescope's hidden lane subcommand); the bench wires its stdin and
// stdout.
type LaneCommand func() *exec.Cmd

// laneProc is one running lane process.
type laneProc struct {
	role   string
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr bytes.Buffer
	closed bool
}

// startLaneProc starts a lane process, sends it spec and waits until it
// has subscribed.
func startLaneProc(mk LaneCommand, spec LaneSpec) (*laneProc, error) {
	if mk == nil {
		return nil, errors.New("no lane command: the observer lane runs its subscribers as processes")
	}
	p := &laneProc{role: spec.Role, cmd: mk()}
	p.cmd.Stderr = &p.stderr
	in, err := p.cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("lane %s: %w", spec.Role, err)
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("lane %s: %w", spec.Role, err)
	}
	p.in, p.out = in, bufio.NewReader(out)
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("lane %s: start: %w", spec.Role, err)
	}
	b, _ := json.Marshal(spec) // plain fields: cannot fail
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		p.close()
		return nil, fmt.Errorf("lane %s: %w", spec.Role, err)
	}
	m, err := p.read()
	if err == nil && !m.Ready {
		err = errors.New("did not say it was ready")
	}
	if err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// mark asks the process for its count and CPU so far.
func (p *laneProc) mark() (laneMark, error) {
	if _, err := io.WriteString(p.in, "mark\n"); err != nil {
		return laneMark{}, fmt.Errorf("lane %s: %w", p.role, err)
	}
	return p.read()
}

func (p *laneProc) read() (laneMark, error) {
	line, err := p.out.ReadBytes('\n')
	if err != nil {
		p.close() // its stdout ended: it is exiting; its stderr is complete once it has
		return laneMark{}, fmt.Errorf("lane %s: %w (%s)", p.role, err, p.stderrLine())
	}
	var m laneMark
	if err := json.Unmarshal(line, &m); err != nil {
		return laneMark{}, fmt.Errorf("lane %s: %q: %w", p.role, line, err)
	}
	if m.Error != "" {
		return m, fmt.Errorf("lane %s: %s", p.role, m.Error)
	}
	return m, nil
}

// stderrLine is the end of what the process wrote on stderr, for an error
// message. Only read after close.
func (p *laneProc) stderrLine() string {
	s := strings.TrimSpace(p.stderr.String())
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// close ends the process (closing stdin tells it to stop) and waits for
// it. Idempotent.
func (p *laneProc) close() {
	if p.closed {
		return
	}
	p.closed = true
	_ = p.in.Close()
	_ = p.cmd.Wait() // its figures were read already; a failed exit changes none
}
