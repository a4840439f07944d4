package prom

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// shutdownTimeout bounds how long stopping waits for scrapes under way.
const shutdownTimeout = 2 * time.Second

// Handler returns an http.Handler serving cs in the Prometheus exposition
// formats from a registry of its own (never the global one). A collector
// that fails to collect costs its own metrics, not the whole scrape.
func Handler(cs ...prometheus.Collector) (http.Handler, error) {
	reg := prometheus.NewRegistry()
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("prom: register collector: %w", err)
		}
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}), nil
}

// Serve listens on addr (host:port; ":9464" is every interface, port 0 a
// free one) and serves cs at /metrics until ctx ends or stop is called. It
// returns the address it bound, e.g. for port 0. stop shuts the server
// down and waits for its goroutines; it is idempotent, and callers must
// call it even after ctx ended.
func Serve(ctx context.Context, addr string, cs ...prometheus.Collector) (stop func(), boundAddr string, err error) {
	if addr == "" {
		return nil, "", errors.New("prom: serve: empty address, want host:port such as :9464")
	}
	h, err := Handler(cs...)
	if err != nil {
		return nil, "", err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", h)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("prom: serve metrics on %s: %w", addr, err)
	}
	s := &server{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, quit: make(chan struct{})}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		_ = s.srv.Serve(ln) // ErrServerClosed once shut down; nothing else can end it
	}()
	go func() {
		defer s.wg.Done()
		select {
		case <-ctx.Done():
			s.shutdown()
		case <-s.quit:
		}
	}()
	return s.stop, ln.Addr().String(), nil
}

// server owns one metrics listener and its two goroutines.
type server struct {
	srv  *http.Server
	once sync.Once
	quit chan struct{}
	wg   sync.WaitGroup
}

func (s *server) shutdown() {
	s.once.Do(func() {
		close(s.quit)
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if s.srv.Shutdown(ctx) != nil {
			_ = s.srv.Close() // a scrape outlived the timeout: cut it
		}
	})
}

func (s *server) stop() {
	s.shutdown()
	s.wg.Wait()
}
