package bridge

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// wantsTLS reports whether any TLS option is set: each of them turns TLS on.
func (c ConnConfig) wantsTLS() bool {
	return c.TLSCA != "" || c.TLSCert != "" || c.TLSKey != "" || c.TLSServerName != "" || c.TLSInsecure
}

// tlsConfig builds the client TLS configuration from the URL's (rediss://) and the TLS
// options, loading the files. It returns nil when TLS is off. Every error names the
// file and what is wrong with it.
func (c ConnConfig) tlsConfig(fromURL *tls.Config) (*tls.Config, error) {
	if fromURL == nil && !c.wantsTLS() {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if fromURL != nil {
		cfg.ServerName, cfg.InsecureSkipVerify = fromURL.ServerName, fromURL.InsecureSkipVerify
	}
	if c.TLSServerName != "" {
		cfg.ServerName = c.TLSServerName
	}
	if c.TLSInsecure {
		cfg.InsecureSkipVerify = true
	}
	if c.TLSCA != "" {
		pool, err := loadCA(c.TLSCA)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if c.TLSCert != "" || c.TLSKey != "" {
		cert, err := loadKeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// loadCA reads a PEM bundle of CA certificates.
func loadCA(path string) (*x509.CertPool, error) {
	data, err := readFile("CA file", path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("bridge: TLS CA file %s: holds a %q block, want only CERTIFICATE blocks (a key or the wrong file?)", path, block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("bridge: TLS CA file %s: certificate %d: %w", path, n+1, err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("bridge: TLS CA file %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// loadKeyPair reads a client certificate and its key, and refuses one that has expired.
func loadKeyPair(certPath, keyPath string) (tls.Certificate, error) {
	certPEM, err := readFile("client certificate", certPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := readFile("client key", keyPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("bridge: TLS client certificate %s with key %s: %w", certPath, keyPath, err)
	}
	if leaf := cert.Leaf; leaf != nil && time.Now().After(leaf.NotAfter) {
		return tls.Certificate{}, fmt.Errorf("bridge: TLS client certificate %s expired on %s", certPath, leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return cert, nil
}

// readFile reads a TLS file; its error names the file once and says why.
func readFile(what, path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if err != nil {
		return nil, fmt.Errorf("bridge: TLS %s %s: %w", what, path, err)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("bridge: TLS %s %s: the file is empty", what, path)
	}
	return data, nil
}
