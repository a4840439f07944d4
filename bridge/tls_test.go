package bridge_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// startErr builds and starts a bridge that is expected to fail, and returns the error
// (from New or Start) and how long Start took.
func startErr(t *testing.T, cfg bridge.Config) (error, time.Duration) {
	t.Helper()
	b, err := bridge.New(cfg)
	if err != nil {
		return err, 0
	}
	defer b.Close()
	start := time.Now()
	err = b.Start(context.Background())
	if err == nil {
		t.Fatalf("%s: Start succeeded, want an error", cfg.InstanceID)
	}
	return err, time.Since(start)
}

// roundTrip starts a subscriber and a publisher on cfg and checks that n events arrive.
func roundTrip(t *testing.T, cfg bridge.Config, n int) *bridge.Bridge {
	t.Helper()
	subCfg, pubCfg := cfg, cfg
	subCfg.InstanceID, pubCfg.InstanceID = cfg.InstanceID+"-sub", cfg.InstanceID+"-pub"
	sub, rec := startBridge(t, subCfg)
	pub, _ := startBridge(t, pubCfg)
	publish(t, pub, n)
	waitFor(t, cfg.InstanceID+" deliveries", 5*time.Second, func() bool { return rec.count() == n })
	return sub
}

func TestTLS(t *testing.T) {
	certs := bridgetest.GenerateCerts(t)
	srv := bridgetest.StartTLS(t, certs, false)
	tlsCfg := func(id string) bridge.Config {
		cfg := fastCfg(srv.TLSURL(), id)
		cfg.Conn.TLSCA = certs.CAFile
		return cfg
	}

	sub := roundTrip(t, tlsCfg("ca"), 5)
	if c := sub.Config().Conn; !c.UsesTLS() || c.Insecure() {
		t.Errorf("UsesTLS %v Insecure %v, want true and false", c.UsesTLS(), c.Insecure())
	}
	if st := sub.Stats(); len(st.Shards) != 1 || st.Shards[0].Addr != srv.TLSAddr() || st.Shards[0].State != bridge.StateConnected {
		t.Errorf("shard rows %+v, want one connected row for %s", st.Shards, srv.TLSAddr())
	}

	insecure := fastCfg(srv.TLSURL(), "insecure")
	insecure.Conn.TLSInsecure = true
	roundTrip(t, insecure, 3)
	if !insecure.Conn.Insecure() {
		t.Error("Insecure() is false with TLSInsecure set")
	}

	fails := []struct {
		name string
		cfg  func() bridge.Config
		want []string
	}{
		{"no CA", func() bridge.Config { return fastCfg(srv.TLSURL(), "no-ca") }, []string{"not signed by a trusted CA", "TLS CA file", "unknown authority"}},
		{"unrelated CA", func() bridge.Config {
			c := tlsCfg("other-ca")
			c.Conn.TLSCA = certs.OtherCAFile
			return c
		}, []string{"not signed by a trusted CA", "unknown authority"}},
		{"wrong server name", func() bridge.Config {
			c := tlsCfg("name")
			c.Conn.TLSServerName = "redis.example.com"
			return c
		}, []string{"not valid for this host name", "TLS server name", "redis.example.com"}},
	}
	for _, f := range fails {
		err, took := startErr(t, f.cfg())
		t.Logf("%s: %v", f.name, err)
		for _, w := range f.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", f.name, err, w)
			}
		}
		if took > time.Second {
			t.Errorf("%s: Start took %v to fail, want it at once (no retry cures it)", f.name, took)
		}
	}
}

func TestTLSClientCertificate(t *testing.T) {
	certs := bridgetest.GenerateCerts(t)
	srv := bridgetest.StartTLS(t, certs, true)
	cfg := fastCfg(srv.TLSURL(), "mtls")
	cfg.Conn.TLSCA = certs.CAFile
	withCert := cfg
	withCert.Conn.TLSCert, withCert.Conn.TLSKey = certs.ClientCertFile, certs.ClientKeyFile
	roundTrip(t, withCert, 5)

	err, took := startErr(t, cfg)
	t.Logf("without a client certificate: %v", err)
	if !strings.Contains(err.Error(), "client certificate") || !strings.Contains(err.Error(), "TLS client certificate and key") {
		t.Errorf("without a client certificate: %v", err)
	}
	if took > time.Second {
		t.Errorf("Start took %v to fail", took)
	}
}

// TestTLSFileErrors: every bad file is named in the error with what is wrong with it.
func TestTLSFileErrors(t *testing.T) {
	certs := bridgetest.GenerateCerts(t)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	junk := filepath.Join(dir, "junk.pem")
	for path, data := range map[string]string{empty: "", junk: "not a certificate\n"} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	missing := filepath.Join(dir, "missing.pem")
	cases := []struct {
		name string
		conn bridge.ConnConfig
		want []string
	}{
		{"missing CA", bridge.ConnConfig{TLSCA: missing}, []string{"CA file", missing, "no such file"}},
		{"empty CA", bridge.ConnConfig{TLSCA: empty}, []string{"CA file", empty, "empty"}},
		{"junk CA", bridge.ConnConfig{TLSCA: junk}, []string{"CA file", junk, "no PEM certificate"}},
		{"key as CA", bridge.ConnConfig{TLSCA: certs.ServerKeyFile}, []string{certs.ServerKeyFile, `"PRIVATE KEY"`}},
		{"missing key", bridge.ConnConfig{TLSCert: certs.ClientCertFile, TLSKey: missing}, []string{"client key", missing}},
		{"mismatched key", bridge.ConnConfig{TLSCert: certs.ClientCertFile, TLSKey: certs.ServerKeyFile},
			[]string{certs.ClientCertFile, certs.ServerKeyFile, "does not match"}},
		{"cert without key", bridge.ConnConfig{TLSCert: certs.ClientCertFile}, []string{"TLS client certificate and key"}},
		{"TLS on redis://", bridge.ConnConfig{URL: "redis://:pw@127.0.0.1:1", TLSCA: certs.CAFile}, []string{"rediss://", "xxxxx"}},
	}
	for _, c := range cases {
		_, err := bridge.New(bridge.Config{Conn: c.conn, InstanceID: "files"})
		if err == nil {
			t.Errorf("%s: New accepted it", c.name)
			continue
		}
		t.Logf("%s: %v", c.name, err)
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", c.name, err, w)
			}
		}
	}
}
