package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/bridgescope/bridgescope/bridge"
)

// ConnFlags are the flags for TLS, Sentinel and Cluster deployments that every
// subcommand takes with --redis (see Common).
type ConnFlags struct {
	TLSCA, TLSCert, TLSKey, TLSServerName string
	TLSInsecure                           bool
	SentinelMaster                        string
	SentinelAddrs                         string // h:p,h:p
	Cluster                               string // h:p,h:p
	// Sharded selects sharded pub/sub; subcommands copy it to bridge.Config.Sharded.
	Sharded bool
}

func (f *ConnFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.TLSCA, "tls-ca", "", "trust the CA certificates in PEM `file` for the server's certificate (turns TLS on)")
	fs.StringVar(&f.TLSCert, "tls-cert", "", "present the client certificate in PEM `file` (with --tls-key)")
	fs.StringVar(&f.TLSKey, "tls-key", "", "the client certificate's private key, PEM `file`")
	fs.StringVar(&f.TLSServerName, "tls-server-name", "", "verify the server certificate for `name` instead of the host dialled")
	fs.BoolVar(&f.TLSInsecure, "tls-insecure", false, "accept any server certificate (shown on screen while on; never use in production)")
	fs.StringVar(&f.SentinelMaster, "sentinel-master", "", "Sentinel mode: the master's `name` (with --sentinel-addrs)")
	fs.StringVar(&f.SentinelAddrs, "sentinel-addrs", "", "Sentinel mode: the sentinels, `host:port,...`; --redis then gives only credentials and rediss://")
	fs.StringVar(&f.Cluster, "cluster", "", "Cluster mode: some nodes, `host:port,...`; --redis then gives only credentials and rediss://")
	fs.BoolVar(&f.Sharded, "sharded", false, "use sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7): a channel stays on its shard")
}

// tls reports whether any TLS flag is set: with no --redis and no REDIS_URL, the
// default URL then becomes rediss://.
func (f *ConnFlags) tls() bool {
	return f.TLSCA != "" || f.TLSCert != "" || f.TLSKey != "" || f.TLSServerName != "" || f.TLSInsecure
}

// apply copies the flags into conn and checks the combination, naming the flags.
func (f *ConnFlags) apply(conn *bridge.ConnConfig) error {
	conn.TLSCA, conn.TLSCert, conn.TLSKey = f.TLSCA, f.TLSCert, f.TLSKey
	conn.TLSServerName, conn.TLSInsecure = f.TLSServerName, f.TLSInsecure
	conn.SentinelMaster, conn.SentinelAddrs = f.SentinelMaster, splitList(f.SentinelAddrs)
	conn.ClusterAddrs = splitList(f.Cluster)
	if f.tls() && strings.HasPrefix(strings.ToLower(conn.URL), "redis://") {
		return fmt.Errorf("--tls-* flags need a rediss:// URL, and --redis or REDIS_URL is %s", bridge.RedactURL(conn.URL))
	}
	// The URL itself is checked where it always was, by bridge.New.
	check := *conn
	check.URL, check.Password = "", ""
	if err := check.Validate(); err != nil {
		return fmt.Errorf("%s (see --help)", flagNames.Replace(err.Error()))
	}
	return nil
}
