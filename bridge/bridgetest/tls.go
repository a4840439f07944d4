package bridgetest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strconv"
	"testing"
)

// TLSServer is a private redis-server that listens for TLS on TLSAddr. Its plaintext port
// (Addr, Do, faults) stays open for the test's own administration; point the code under
// test at TLSAddr only.
type TLSServer struct {
	*Server
	Certs      *Certs
	tlsPort    int
	clientAuth bool
}

// StartTLS starts a redis-server with a TLS port serving certs' server certificate. With
// clientAuth the server demands a client certificate signed by certs' CA
// (--tls-auth-clients yes); without, it accepts clients that have none. opts are passed to
// Start. It skips the test where only miniredis is available (it cannot speak TLS).
func StartTLS(t testing.TB, certs *Certs, clientAuth bool, opts ...Option) *TLSServer {
	t.Helper()
	tlsPort, err := freePort()
	if err != nil {
		t.Fatalf("bridgetest: %v", err)
	}
	auth := "no"
	if clientAuth {
		auth = "yes"
	}
	// A taken TLS port makes Start fail its retries (they change only the plaintext
	// port); a fresh kernel-chosen port makes that rare enough for tests.
	args := []string{
		"--tls-port", strconv.Itoa(tlsPort),
		"--tls-cert-file", certs.ServerCertFile, "--tls-key-file", certs.ServerKeyFile,
		"--tls-ca-cert-file", certs.CAFile, "--tls-auth-clients", auth,
	}
	if _, lerr := os.Stat(certs.CAFile); lerr != nil {
		t.Fatalf("bridgetest: StartTLS: %v", lerr)
	}
	s := Start(t, append([]Option{WithArgs(args...)}, opts...)...)
	s.RequireReal(t)
	return &TLSServer{Server: s, Certs: certs, tlsPort: tlsPort, clientAuth: clientAuth}
}

// TLSAddr returns "127.0.0.1:TLSPORT".
func (s *TLSServer) TLSAddr() string { return fmt.Sprintf("127.0.0.1:%d", s.tlsPort) }

// TLSURL returns "rediss://127.0.0.1:TLSPORT".
func (s *TLSServer) TLSURL() string { return "rediss://" + s.TLSAddr() }

// ClientTLS returns a client configuration that trusts the CA and, when the server
// demands one, presents the client certificate.
func (s *TLSServer) ClientTLS(t testing.TB) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(s.Certs.CAFile)
	if err != nil {
		t.Fatalf("bridgetest: read CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("bridgetest: no certificate in %s", s.Certs.CAFile)
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if s.clientAuth {
		cert, err := tls.LoadX509KeyPair(s.Certs.ClientCertFile, s.Certs.ClientKeyFile)
		if err != nil {
			t.Fatalf("bridgetest: client certificate: %v", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg
}
