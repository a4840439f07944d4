package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	// go.yaml.in/yaml/v3 is the maintained yaml.v3 (the same API, already in
	// the module graph through Prometheus); its decoder's KnownFields makes
	// a misspelt key an error instead of a setting silently lost.
	"go.yaml.in/yaml/v3"
)

// configFileName is the config file's name under $XDG_CONFIG_HOME/bridgescope.
const configFileName = "config.yaml"

// maxConfigSize caps the config file read: a few contexts are a few
// kilobytes, and a mistaken --config /dev/zero must not fill memory.
const maxConfigSize = 1 << 20

// configFile is the config file: named contexts and the one used when
// --context does not choose.
type configFile struct {
	CurrentContext string                    `yaml:"current-context"`
	Contexts       map[string]*contextConfig `yaml:"contexts"`
}

// contextConfig is one deployment's settings. Every key but production is
// the flag of the same name; a subcommand without that flag ignores it.
// Flags whose meaning differs between subcommands (--instances: a count
// for validate, IDs for check) or that must differ between processes
// (--id) have no key.
type contextConfig struct {
	// Production marks a context nobody should load by mistake: validate
	// and bench ask for --yes, and the dashboard shows PROD.
	Production bool `yaml:"production"`

	Redis          configValue `yaml:"redis"`
	PasswordFile   configValue `yaml:"password-file"`
	Channels       configValue `yaml:"channels"`
	ProbeChannels  configValue `yaml:"probe-channels"`
	Channel        configValue `yaml:"channel"`
	Sharded        configValue `yaml:"sharded"`
	Transport      configValue `yaml:"transport"`
	ControlKeyFile configValue `yaml:"control-key-file"`

	TLSCA          configValue `yaml:"tls-ca"`
	TLSCert        configValue `yaml:"tls-cert"`
	TLSKey         configValue `yaml:"tls-key"`
	TLSServerName  configValue `yaml:"tls-server-name"`
	TLSInsecure    configValue `yaml:"tls-insecure"`
	SentinelMaster configValue `yaml:"sentinel-master"`
	SentinelAddrs  configValue `yaml:"sentinel-addrs"`
	Cluster        configValue `yaml:"cluster"`

	DeliveryWarn      configValue `yaml:"delivery-warn"`
	DeliveryCrit      configValue `yaml:"delivery-crit"`
	P99Warn           configValue `yaml:"p99-warn"`
	P99Crit           configValue `yaml:"p99-crit"`
	SilentWarn        configValue `yaml:"silent-warn"`
	DisconnectedCrit  configValue `yaml:"disconnected-crit"`
	AlertHold         configValue `yaml:"alert-hold"`
	ExpectSubscribers configValue `yaml:"expect-subscribers"`

	Theme        configValue `yaml:"theme"`
	SnapshotDir  configValue `yaml:"snapshot-dir"`
	MetricsAddr  configValue `yaml:"metrics-addr"`
	ProbeRate    configValue `yaml:"probe-rate"`
	LateAfter    configValue `yaml:"late-after"`
	ForgetAfter  configValue `yaml:"forget-after"`
	LogFile      configValue `yaml:"log"`
	SnapshotBg   configValue `yaml:"snapshot-bg"`
	ExpectCount  configValue `yaml:"expect"`
	CheckFormat  configValue `yaml:"format"`
	PerInstance  configValue `yaml:"per-instance"`
	ValidateRate configValue `yaml:"rate"`
}

// configValue is a setting as the config file writes it: a scalar, or a
// list (channels: [a, b]) that the flag takes comma-separated.
type configValue struct {
	set  bool
	text string
}

// UnmarshalYAML accepts a scalar or a list of scalars.
func (v *configValue) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		v.set, v.text = true, n.Value
	case yaml.SequenceNode:
		var items []string
		for _, it := range n.Content {
			if it.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: a list of values, one per item", it.Line)
			}
			items = append(items, it.Value)
		}
		v.set, v.text = true, strings.Join(items, ",")
	default:
		return fmt.Errorf("line %d: want a value or a list of values", n.Line)
	}
	return nil
}

// settings lists the context's keys that are set, as flag name and value,
// in the order the struct declares them.
func (c *contextConfig) settings() [][2]string {
	var out [][2]string
	rv, rt := reflect.ValueOf(c).Elem(), reflect.TypeOf(*c)
	for i := range rt.NumField() {
		v, ok := rv.Field(i).Interface().(configValue)
		if ok && v.set {
			out = append(out, [2]string{rt.Field(i).Tag.Get("yaml"), v.text})
		}
	}
	return out
}

// configKeys is every key a context may hold, production included.
func configKeys() []string {
	var keys []string
	rt := reflect.TypeOf(contextConfig{})
	for i := range rt.NumField() {
		keys = append(keys, rt.Field(i).Tag.Get("yaml"))
	}
	return keys
}

// defaultConfigPath is $XDG_CONFIG_HOME/bridgescope/config.yaml, else
// ~/.config/bridgescope/config.yaml; "" when neither can be told.
func defaultConfigPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "bridgescope", configFileName)
}

// loadConfig reads the config file at path. A missing file is no config
// (nil) unless the user named it (explicit).
func loadConfig(path string, explicit bool) (*configFile, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(text) > maxConfigSize {
		return nil, fmt.Errorf("%s: over %d KiB: not a config file", path, maxConfigSize>>10)
	}
	cf, err := parseConfig(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cf, nil
}

// yamlUnknownField is yaml.v3's message for a key the struct lacks.
var yamlUnknownField = regexp.MustCompile(`line (\d+): field (\S+) not found in type cli\.(\w+)`)

// parseConfig decodes and checks a config file; an unknown key is an
// error that names it and the keys there are.
func parseConfig(r io.Reader) (*configFile, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var cf configFile
	if err := dec.Decode(&cf); err != nil && !errors.Is(err, io.EOF) {
		if m := yamlUnknownField.FindStringSubmatch(err.Error()); m != nil {
			known := "current-context, contexts"
			if m[3] == "contextConfig" {
				known = strings.Join(configKeys(), ", ")
			}
			return nil, fmt.Errorf("line %s: unknown key %q (known: %s)", m[1], m[2], known)
		}
		return nil, errors.New(strings.Join(strings.Fields(strings.TrimPrefix(err.Error(), "yaml: ")), " "))
	}
	for name, c := range cf.Contexts {
		if c == nil {
			cf.Contexts[name] = &contextConfig{}
		}
	}
	if cf.CurrentContext != "" && cf.Contexts[cf.CurrentContext] == nil {
		return nil, fmt.Errorf("current-context %q is not among the contexts (%s)", cf.CurrentContext, cf.names())
	}
	return &cf, nil
}

// names lists the contexts, sorted.
func (cf *configFile) names() string {
	var names []string
	for n := range cf.Contexts {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
