package cli

import (
	"bytes"
	"github.com/spf13/pflag"
	"slices"
	"strings"
	"testing"
)

func parseConn(t *testing.T, args ...string) (Common, error) {
	t.Helper()
	var c Common
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	c.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	_, err := c.Conn(newEnv(nil, &bytes.Buffer{}, &bytes.Buffer{}))
	return c, err
}

func TestConnFlagsBuildTheConnection(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	var c Common
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	c.Register(fs)
	args := []string{"--tls-ca", "ca.pem", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-server-name", "redis.internal",
		"--cluster", "10.0.0.1:7000, 10.0.0.2:7000", "--sharded"}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	conn, err := c.Conn(newEnv(nil, &bytes.Buffer{}, &bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(conn.URL, "rediss://") || conn.TLSCA != "ca.pem" || conn.TLSCert != "c.pem" ||
		conn.TLSKey != "k.pem" || conn.TLSServerName != "redis.internal" || conn.Insecure() {
		t.Errorf("TLS settings %+v", conn)
	}
	if !slices.Equal(conn.ClusterAddrs, []string{"10.0.0.1:7000", "10.0.0.2:7000"}) || !c.Sharded {
		t.Errorf("cluster %q sharded %v", conn.ClusterAddrs, c.Sharded)
	}
	c2, err := parseConn(t, "--sentinel-master", "mymaster", "--sentinel-addrs", "s1:26379,s2:26379", "--tls-insecure")
	if err != nil || c2.SentinelMaster != "mymaster" || !c2.TLSInsecure {
		t.Errorf("sentinel flags: %+v, %v", c2, err)
	}
}

func TestConnFlagsUsageErrors(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--sentinel-addrs", "s1:26379"}, "--sentinel-master"},
		{[]string{"--sentinel-master", "m"}, "--sentinel-addrs"},
		{[]string{"--sentinel-master", "m", "--sentinel-addrs", "s1"}, `sentinel address "s1": want host:port`},
		{[]string{"--cluster", "n1:7000", "--sentinel-master", "m", "--sentinel-addrs", "s1:1"}, "mutually exclusive"},
		{[]string{"--tls-cert", "c.pem"}, "--tls-key"},
		{[]string{"--redis", "redis://:pw@h:1", "--tls-ca", "ca.pem"}, "need a rediss:// URL, and --redis or REDIS_URL is redis://:xxxxx@h:1"},
	} {
		_, err := parseConn(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to say %q", tc.args, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("%q: error leaks the password: %v", tc.args, err)
		}
	}
}
