package cli

import "strings"

// flagNames maps the names the engines give values in their errors (the
// bridge, the observer, the harness name values, never flags) to this
// command line's flags. Every error Env prints goes through it, so a user
// reads the flag to change.
var flagNames = strings.NewReplacer(
	"the password file", "--password-file",
	"the TLS CA file", "--tls-ca",
	"the TLS server name", "--tls-server-name",
	"the TLS client certificate and key", "--tls-cert and --tls-key",
	"the sentinel addresses", "--sentinel-addrs",
	"the sentinel master name", "--sentinel-master",
	"probe channels:", "--probe-channels:",
	"harness: fault ", "--fault ",
)

// faultFlagNames names the flags in the harness's checks of a fault schedule,
// which speak of "fault X@T" and "(duration D)".
var faultFlagNames = strings.NewReplacer("fault ", "--fault ", "(duration ", "(--duration ")
