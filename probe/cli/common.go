package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/mattn/go-isatty"
)

// Env is what a subcommand runs with: its standard streams, whether
// stderr is a terminal, and the secrets no output may contain.
type Env struct {
	Stdin io.Reader
	// Stdout and Stderr are safe for concurrent use and replace every
	// registered secret before writing.
	Stdout, Stderr io.Writer
	// StderrTTY reports whether stderr is a terminal (progress lines drawn in place).
	StderrTTY bool

	secrets *secrets
	// settings says where the flags came from (config_env.go); set before
	// a subcommand runs.
	settings *settings
}

func newEnv(stdin io.Reader, stdout, stderr io.Writer) *Env {
	s := &secrets{}
	return &Env{
		Stdin:     stdin,
		Stdout:    &scrubWriter{w: stdout, s: s},
		Stderr:    &scrubWriter{w: stderr, s: s},
		StderrTTY: isTerminal(stderr),
		secrets:   s,
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// Secret registers a string that is replaced by "xxxxx" in everything
// written to Stdout and Stderr from now on.
func (e *Env) Secret(s string) { e.secrets.add(s) }

// Errorf prints one line "bridgescope: <msg>" on stderr: newlines in the
// message are folded, secrets replaced.
func (e *Env) Errorf(format string, args ...any) {
	_, _ = fmt.Fprintf(e.Stderr, "bridgescope: %s\n", errorLine(fmt.Sprintf(format, args...))) // nowhere left to report a failed write
}

// errorLine folds msg to one line and names the flags in it, as Errorf
// prints it.
func errorLine(msg string) string {
	return flagNames.Replace(strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", "; ")), " "))
}

// Fail prints err as Errorf does, reduced to its cause (userError), and
// returns code.
func (e *Env) Fail(code int, err error) int {
	e.Errorf("%s", userError(err))
	return code
}

// print writes to stdout and returns code, or ExitUsage if the write failed.
func (e *Env) print(code int, format string, args ...any) int {
	if _, err := fmt.Fprintf(e.Stdout, format, args...); err != nil {
		return e.Fail(ExitUsage, fmt.Errorf("write output: %w", err))
	}
	return code
}

type secrets struct {
	mu   sync.Mutex
	list []string
}

func (s *secrets) add(v string) {
	if v == "" || v == "xxxxx" {
		return
	}
	s.mu.Lock()
	s.list = append(s.list, v)
	s.mu.Unlock()
}

func (s *secrets) scrub(p []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.list {
		if strings.Contains(string(p), v) {
			p = []byte(strings.ReplaceAll(string(p), v, "xxxxx"))
		}
	}
	return p
}

// scrubWriter serialises writes and removes secrets from them. Every
// caller writes whole lines, so a secret is never split between writes.
type scrubWriter struct {
	mu sync.Mutex
	w  io.Writer
	s  *secrets
}

func (w *scrubWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.w.Write(w.s.scrub(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Common holds the flags every subcommand takes.
type Common struct {
	Redis        string // --redis; "" means $REDIS_URL, else bridge.DefaultRedisURL
	PasswordFile string // --password-file
	LogFile      string // --log
	ConnFlags           // --tls-*, --sentinel-*, --cluster, --sharded
}

// Register adds --redis, --password-file and --log to fs. The default URL
// is resolved later, so a password in $REDIS_URL never shows in --help.
func (c *Common) Register(fs *pflag.FlagSet) {
	fs.StringVar(&c.Redis, "redis", "", "Redis `URL`: redis://[user:password@]host:port[/db], rediss:// for TLS\n(default $REDIS_URL, else "+bridge.DefaultRedisURL+")")
	fs.StringVar(&c.PasswordFile, "password-file", "", "read the Redis password from the first line of `file`,\nso it appears neither on the command line nor in the URL")
	c.ConnFlags.register(fs)
	fs.StringVar(&c.LogFile, "log", "", "write the bridge's and go-redis's log lines to `file`\n(default: warnings to stderr, or nothing while a dashboard is drawn)")
}

// Conn resolves the connection settings and registers every secret in
// them with env, before anything can print them.
func (c *Common) Conn(env *Env) (bridge.ConnConfig, error) {
	raw := c.Redis
	if raw == "" {
		raw = os.Getenv("REDIS_URL")
	}
	if raw == "" {
		raw = bridge.DefaultRedisURL
		if c.ConnFlags.tls() {
			raw = "rediss" + strings.TrimPrefix(raw, "redis")
		}
	}
	registerURLSecrets(env, raw)
	if err := bridge.CheckURL(raw); err != nil {
		src := env.settings.sourceOf("redis")
		if strings.Contains(src, ": context ") {
			src += ": redis"
		}
		if c.Redis == "" && os.Getenv("REDIS_URL") != "" {
			src = "REDIS_URL"
		}
		return bridge.ConnConfig{}, fmt.Errorf("%s: %w", src, err)
	}
	conn := bridge.ConnConfig{URL: raw}
	if c.PasswordFile != "" {
		pw, err := readPasswordFile(c.PasswordFile)
		if err != nil {
			return conn, err
		}
		env.Secret(pw)
		conn.Password = pw
	}
	return conn, c.ConnFlags.apply(&conn)
}

// registerArgSecrets registers the passwords of every URL among the command
// line's arguments, wherever they stand, before a usage error can echo one
// (a URL given as a stray argument, or a --redis=URL before the subcommand).
func registerArgSecrets(env *Env, args []string) {
	for _, a := range args {
		i := strings.Index(a, "://")
		if i < 0 {
			continue
		}
		if j := strings.LastIndex(a[:i], "="); j >= 0 {
			a = a[j+1:] // --redis=URL
		}
		registerURLSecrets(env, a)
	}
}

// registerURLSecrets registers the URL's passwords, as written and decoded,
// and the whole URL when it does not parse (a secret may then be anywhere in it).
func registerURLSecrets(env *Env, raw string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		env.Secret(raw)
		return
	}
	if pw, ok := u.User.Password(); ok {
		env.Secret(pw)
		env.Secret(url.PathEscape(pw))
		env.Secret(url.QueryEscape(pw))
		env.Secret(rawPassword(raw))
	}
	for _, k := range []string{"password", "sentinel_password"} {
		env.Secret(u.Query().Get(k))
	}
}

// rawPassword is the password of a URL that parses, as written in it: its
// escapes may differ from url.PathEscape's and url.QueryEscape's. It splits
// the authority as url.Parse does.
func rawPassword(raw string) string {
	rest := raw[strings.Index(raw, "//")+2:] // a URL with a host has it
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	userinfo := rest[:max(0, strings.LastIndex(rest, "@"))]
	_, pw, _ := strings.Cut(userinfo, ":")
	return pw
}

func readPasswordFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("--password-file %s: %w", path, err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("--password-file %s: the first line is empty", path)
	}
	return pw, nil
}

// SetupLog builds the logger for the bridges and routes go-redis's log
// lines to it too: to the --log file at INFO, else to headless (warnings
// only), or nowhere when headless is nil (a dashboard owns the terminal).
// The returned function closes the file and stops the routing.
func (c *Common) SetupLog(env *Env, headless io.Writer) (*slog.Logger, func(), error) {
	return c.setupLog(env, headless, slog.LevelWarn)
}

// setupLog is SetupLog with the level of the lines written to headless
// (serve logs every login there, at INFO).
func (c *Common) setupLog(env *Env, headless io.Writer, level slog.Level) (*slog.Logger, func(), error) {
	var l *slog.Logger
	var file *os.File
	switch {
	case c.LogFile != "":
		f, err := os.OpenFile(c.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("--log: %w", err)
		}
		file = f
		l = slog.New(slog.NewTextHandler(&scrubWriter{w: f, s: env.secrets}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	case headless != nil:
		l = slog.New(slog.NewTextHandler(headless, &slog.HandlerOptions{Level: level}))
	default:
		l = slog.New(slog.DiscardHandler)
	}
	bridge.SetRedisLogger(l)
	return l, func() {
		bridge.SetRedisLogger(nil)
		if file != nil {
			_ = file.Close() // written with O_APPEND line by line: nothing is pending
		}
	}, nil
}
