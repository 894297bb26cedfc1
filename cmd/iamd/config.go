package main

// Configuration of `iamd serve`, `iamd migrate` and `iamd admin`: every
// setting comes from a flag, an IAMD_* environment variable, the YAML file
// named by --config (or IAMD_CONFIG), or its default, in that order of
// precedence. docs/configuration.md documents the table below.

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store/postgres"
)

// DefaultAddr is where `iamd serve` listens unless told otherwise: loopback
// only, so that a first start exposes nothing to the network.
const DefaultAddr = "127.0.0.1:8080"

// config is the resolved configuration.
type config struct {
	Addr    string `yaml:"addr"`
	DataDir string `yaml:"data_dir"`
	Store   string `yaml:"store"`
	// StoreMaxConns bounds the pooled connections of a PostgreSQL store
	// (each node's; the change listener has one more of its own).
	StoreMaxConns       int           `yaml:"store_max_conns"`
	AccountID           string        `yaml:"account_id"`
	RootAccessKeyID     string        `yaml:"root_access_key_id"`
	RootSecretAccessKey string        `yaml:"root_secret_access_key"`
	LogLevel            string        `yaml:"log_level"`
	LogFormat           string        `yaml:"log_format"`
	ShutdownTimeout     time.Duration `yaml:"shutdown_timeout"`
	// Web identity federation (AssumeRoleWithWebIdentity): the bound on
	// each discovery or JWKS fetch, a PEM file of CAs that replaces the
	// system's for issuers' certificates, and whether plain-HTTP issuers on
	// loopback addresses are accepted (local clusters, tests).
	OIDCTimeout           time.Duration `yaml:"oidc_timeout"`
	OIDCCAFile            string        `yaml:"oidc_ca_file"`
	OIDCAllowLoopbackHTTP bool          `yaml:"oidc_allow_loopback_http"`
	// Audit trail: an optional JSON-lines copy of every event, and how long
	// events stay in the store (0 keeps them forever).
	AuditFile      string        `yaml:"audit_file"`
	AuditRetention time.Duration `yaml:"audit_retention"`
	// MasterKey is base64 of 32 bytes; environment only (a key in a config
	// file next to the data would protect nothing).
	MasterKey string `yaml:"-"`
	// MasterKeyPrevious lists older master keys (base64, comma-separated)
	// that still open values while a rotation re-seals them; environment
	// only, like MasterKey.
	MasterKeyPrevious string `yaml:"-"`
}

func defaultConfig() config {
	return config{
		Addr:            DefaultAddr,
		DataDir:         "./iamd-data",
		StoreMaxConns:   postgres.DefaultMaxConns,
		LogLevel:        "info",
		LogFormat:       "text",
		ShutdownTimeout: 10 * time.Second,
		OIDCTimeout:     5 * time.Second,
		AuditRetention:  audit.DefaultRetention,
	}
}

// setting is one configuration entry: its flag, environment variable and
// where it lives in config. file is false for settings a config file may
// not hold.
type setting struct {
	flag  string
	env   string
	usage string
	field func(*config) any // *string, *int, *time.Duration or *bool
}

var settings = []setting{
	{"addr", "IAMD_ADDR", "address to listen on (host:port; port 0 picks a free one)", func(c *config) any { return &c.Addr }},
	{"data-dir", "IAMD_DATA_DIR", "directory of the database, master key and root credentials", func(c *config) any { return &c.DataDir }},
	{"store", "IAMD_STORE", "database: empty for SQLite in the data directory, or a postgres:// URL shared by several nodes", func(c *config) any { return &c.Store }},
	{"store-max-conns", "IAMD_STORE_MAX_CONNS", "most connections a node opens to a PostgreSQL store for requests (the change listener has one more)", func(c *config) any { return &c.StoreMaxConns }},
	{"account-id", "IAMD_ACCOUNT_ID", "12-digit ID of the account created at first start (default: random)", func(c *config) any { return &c.AccountID }},
	{"", "IAMD_ROOT_ACCESS_KEY_ID", "", func(c *config) any { return &c.RootAccessKeyID }},
	{"", "IAMD_ROOT_SECRET_ACCESS_KEY", "", func(c *config) any { return &c.RootSecretAccessKey }},
	{"", "IAMD_MASTER_KEY", "", func(c *config) any { return &c.MasterKey }},
	{"", "IAMD_MASTER_KEY_PREVIOUS", "", func(c *config) any { return &c.MasterKeyPrevious }},
	{"log-level", "IAMD_LOG_LEVEL", "debug, info, warn or error", func(c *config) any { return &c.LogLevel }},
	{"log-format", "IAMD_LOG_FORMAT", "text or json", func(c *config) any { return &c.LogFormat }},
	{"shutdown-timeout", "IAMD_SHUTDOWN_TIMEOUT", "how long a graceful shutdown waits for requests in flight", func(c *config) any { return &c.ShutdownTimeout }},
	{"oidc-timeout", "IAMD_OIDC_TIMEOUT", "bound on each OIDC discovery or JWKS fetch of web identity federation", func(c *config) any { return &c.OIDCTimeout }},
	{"oidc-ca-file", "IAMD_OIDC_CA_FILE", "PEM file of CA certificates trusted for OIDC issuers instead of the system's", func(c *config) any { return &c.OIDCCAFile }},
	{"audit-file", "IAMD_AUDIT_FILE", "also append every audit event as a JSON line to this file (synced before each response)", func(c *config) any { return &c.AuditFile }},
	{"audit-retention", "IAMD_AUDIT_RETENTION", "how long audit events stay in the store (0: forever)", func(c *config) any { return &c.AuditRetention }},
	{"oidc-allow-loopback-http", "IAMD_OIDC_ALLOW_LOOPBACK_HTTP", "accept plain-HTTP OIDC issuers on loopback addresses (local clusters, tests)", func(c *config) any { return &c.OIDCAllowLoopbackHTTP }},
}

// configFlags are the flags a command registered; resolve reads them back.
type configFlags struct {
	cmd        *cobra.Command
	configFile string
	values     config
}

// addConfigFlags registers --config and the flags named in names (all of
// them when names is empty) on cmd, with defaults from defaultConfig.
func addConfigFlags(cmd *cobra.Command, names ...string) *configFlags {
	cf := &configFlags{cmd: cmd, values: defaultConfig()}
	cmd.Flags().StringVar(&cf.configFile, "config", "", "YAML configuration file (env IAMD_CONFIG)")
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	for _, s := range settings {
		if s.flag == "" || len(names) > 0 && !want[s.flag] {
			continue
		}
		usage := s.usage + " (env " + s.env + ")"
		switch p := s.field(&cf.values).(type) {
		case *string:
			cmd.Flags().StringVar(p, s.flag, *p, usage)
		case *int:
			cmd.Flags().IntVar(p, s.flag, *p, usage)
		case *time.Duration:
			cmd.Flags().DurationVar(p, s.flag, *p, usage)
		case *bool:
			cmd.Flags().BoolVar(p, s.flag, *p, usage)
		}
	}
	return cf
}

// resolve computes the configuration: defaults, then the file, then the
// environment, then the flags the user set.
func (cf *configFlags) resolve(getenv func(string) string) (config, error) {
	c := defaultConfig()
	path := cf.configFile
	if !cf.cmd.Flags().Changed("config") {
		path = getenv("IAMD_CONFIG")
	}
	if path != "" {
		if err := loadConfigFile(path, &c); err != nil {
			return config{}, err
		}
	}
	for _, s := range settings {
		v := getenv(s.env)
		if v == "" {
			continue
		}
		switch p := s.field(&c).(type) {
		case *string:
			*p = v
		case *int:
			n, err := strconv.Atoi(v)
			if err != nil {
				return config{}, fmt.Errorf("%s: want an integer, got %q", s.env, v)
			}
			*p = n
		case *time.Duration:
			d, err := time.ParseDuration(v)
			if err != nil {
				return config{}, fmt.Errorf("%s: %w", s.env, err)
			}
			*p = d
		case *bool:
			b, err := strconv.ParseBool(v)
			if err != nil {
				return config{}, fmt.Errorf("%s: want true or false, got %q", s.env, v)
			}
			*p = b
		}
	}
	for _, s := range settings {
		if s.flag == "" || cf.cmd.Flags().Lookup(s.flag) == nil || !cf.cmd.Flags().Changed(s.flag) {
			continue
		}
		switch p := s.field(&c).(type) {
		case *string:
			*p = *s.field(&cf.values).(*string)
		case *int:
			*p = *s.field(&cf.values).(*int)
		case *time.Duration:
			*p = *s.field(&cf.values).(*time.Duration)
		case *bool:
			*p = *s.field(&cf.values).(*bool)
		}
	}
	return c, c.validate()
}

// loadConfigFile overlays the YAML file at path on c. Unknown keys are
// errors: a misspelt setting must not be silently ignored.
func loadConfigFile(path string, c *config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

func (c config) validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("the data directory must not be empty"))
	}
	if c.Store != "" && !c.postgres() {
		errs = append(errs, fmt.Errorf("store %q: want empty (SQLite in the data directory) or a postgres:// URL", redactDSN(c.Store)))
	}
	if c.StoreMaxConns <= 0 {
		errs = append(errs, fmt.Errorf("store max conns %d must be positive", c.StoreMaxConns))
	}
	if c.AccountID != "" && !iam.ValidAccountID(c.AccountID) {
		errs = append(errs, fmt.Errorf("account ID %q must be 12 digits", c.AccountID))
	}
	if (c.RootAccessKeyID == "") != (c.RootSecretAccessKey == "") {
		errs = append(errs, errors.New("IAMD_ROOT_ACCESS_KEY_ID and IAMD_ROOT_SECRET_ACCESS_KEY must be set together"))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log format %q: want text or json", c.LogFormat))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("shutdown timeout %s must be positive", c.ShutdownTimeout))
	}
	if c.AuditRetention < 0 {
		errs = append(errs, fmt.Errorf("audit retention %s must not be negative (0 keeps events forever)", c.AuditRetention))
	}
	if c.OIDCTimeout <= 0 {
		errs = append(errs, fmt.Errorf("OIDC timeout %s must be positive", c.OIDCTimeout))
	}
	return errors.Join(errs...)
}

// oidcRoots reads the OIDC CA file: nil (the system pool) when none is set.
func (c config) oidcRoots() (*x509.CertPool, error) {
	if c.OIDCCAFile == "" {
		return nil, nil
	}
	data, err := os.ReadFile(c.OIDCCAFile)
	if err != nil {
		return nil, fmt.Errorf("OIDC CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("OIDC CA file %s: no PEM certificate in it", c.OIDCCAFile)
	}
	return pool, nil
}

// postgres reports whether the store is a PostgreSQL database.
func (c config) postgres() bool {
	return strings.HasPrefix(c.Store, "postgres://") || strings.HasPrefix(c.Store, "postgresql://")
}

// redactDSN hides the password of a database URL for messages and logs.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("log level %q: want debug, info, warn or error", s)
}

// newLogger builds the process logger on w.
func (c config) newLogger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
