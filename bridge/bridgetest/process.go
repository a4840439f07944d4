package bridgetest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	maxPortTries  = 5                // fresh ports Start tries when one is taken under it
	restartTries  = 10               // binds Restart tries on its fixed port
	startTimeout  = 10 * time.Second // from exec to a verified PING
	stopGrace     = 2 * time.Second  // SIGTERM to SIGKILL in Cleanup
	exitTimeout   = 5 * time.Second  // Kill/Shutdown wait for the exit
	probeTimeout  = 250 * time.Millisecond
	logTailLines  = 20
	logTailWindow = 64 << 10
	systemPort    = 6379 // the machine's shared Redis: never ours
)

// errPortInUse marks a start that failed only because another process holds the port.
var errPortInUse = errors.New("port already in use")

// freePort is a variable so tests can hand Start a port that is taken.
var freePort = pickFreePort

// pickFreePort asks the kernel for a free loopback port; the race until redis-server binds
// it is handled by retrying on errPortInUse.
func pickFreePort() (int, error) {
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("pick free port: %w", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		if err := ln.Close(); err != nil {
			return 0, fmt.Errorf("pick free port: close: %w", err)
		}
		if port != systemPort {
			return port, nil
		}
	}
}

// proc is one redis-server process; a goroutine reaps it and closes done, so no zombie
// outlives it and every exit is observable.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, valid once done is closed
}

func (p *proc) signal(sig os.Signal) {
	// Failing only means it has exited already; done says so.
	_ = p.cmd.Process.Signal(sig)
}

func (p *proc) wait(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// terminate asks for a clean exit and kills after grace; it always reaps.
func (p *proc) terminate(grace time.Duration) {
	p.signal(syscall.SIGTERM)
	if !p.wait(grace) {
		p.signal(syscall.SIGKILL)
		<-p.done
	}
}

// boot launches redis-server on port and waits until that very process answers.
func (s *Server) boot(port int) error {
	offset := fileSize(s.logPath)
	p, err := s.launch(port)
	if err != nil {
		return err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := awaitReady(p, addr); err != nil {
		if !p.wait(0) {
			p.signal(syscall.SIGKILL)
			<-p.done
		}
		if log, _ := readTail(s.logPath, offset, logTailLines); strings.Contains(log, "Address already in use") {
			return fmt.Errorf("redis-server on %s: %w", addr, errPortInUse)
		}
		return err
	}
	s.mu.Lock()
	s.port, s.proc, s.frozen = port, p, false
	s.mu.Unlock()
	return nil
}

func (s *Server) launch(port int) (*proc, error) {
	args := []string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no",
		"--dir", s.dir, "--logfile", s.logPath,
		"--enable-debug-command", "local", "--protected-mode", "no",
	}
	cmd := exec.Command(s.bin, append(args, s.cfg.args...)...)
	cmd.Dir = s.dir
	cmd.SysProcAttr = sysProcAttr()
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open redis log: %w", err)
	}
	// An *os.File is handed to the child as is: no copying goroutine, safe to close here.
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("exec %s: %w", s.bin, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// awaitReady polls addr until it answers PING and INFO names p's pid, so a foreign server
// that won the port race is never mistaken for ours.
func awaitReady(p *proc, addr string) error {
	deadline := time.Now().Add(startTimeout)
	pid := p.cmd.Process.Pid
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("redis-server exited during start: %v", p.err)
		default:
		}
		got, err := probe(addr)
		if err == nil && got == pid {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("%s is served by pid %d, not ours (%d)", addr, got, pid)
		}
		last = err
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("redis-server on %s not ready after %v: %v", addr, startTimeout, last)
}

// probe sends PING and INFO server on a raw connection and returns the server's pid.
func probe(addr string) (int, error) {
	c, err := net.DialTimeout("tcp", addr, probeTimeout)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(probeTimeout)); err != nil {
		return 0, err
	}
	if _, err := io.WriteString(c, "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"); err != nil {
		return 0, err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return 0, err
	}
	if line != "+PONG\r\n" {
		return 0, fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	if line, err = r.ReadString('\n'); err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "$"))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("INFO answered %q", strings.TrimSpace(line))
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(body), "\r\n") {
		if v, ok := strings.CutPrefix(l, "process_id:"); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, errors.New("INFO server has no process_id")
}

// stop is the Cleanup: thaw (a stopped process ignores SIGTERM), terminate, reap.
func (s *Server) stop() {
	s.mu.Lock()
	p, frozen := s.proc, s.frozen
	s.proc, s.frozen = nil, false
	s.mu.Unlock()
	if p == nil {
		return
	}
	if frozen {
		p.signal(syscall.SIGCONT)
	}
	p.terminate(stopGrace)
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// readTail returns the last n lines of path written at or after offset.
func readTail(path string, offset int64, n int) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	size := fileSize(path)
	offset = max(offset, size-logTailWindow, 0)
	buf := make([]byte, size-offset)
	if _, err := f.ReadAt(buf, offset); err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	lines := strings.Split(strings.TrimRight(string(buf), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n"), nil
}
