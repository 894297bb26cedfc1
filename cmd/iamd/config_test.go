package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestConfigPrecedence checks flag > environment > file > default for every
// kind of setting.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	full := write("full.yaml", "addr: 0.0.0.0:9000\ndata_dir: /var/lib/iamd\naccount_id: \"111111111111\"\nlog_level: debug\nlog_format: json\nshutdown_timeout: 30s\n")
	other := write("other.yaml", "addr: 10.0.0.1:1\n")
	unknown := write("unknown.yaml", "adress: 0.0.0.0:9000\n")
	empty := write("empty.yaml", "")
	oidc := write("oidc.yaml", "oidc_timeout: 2s\noidc_ca_file: /etc/ca.pem\noidc_allow_loopback_http: true\n")
	conns := write("conns.yaml", "store_max_conns: 20\n")

	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(config) bool
		wantErr string
	}{
		{name: "defaults", check: func(c config) bool {
			return c == defaultConfig() && c.Addr == "127.0.0.1:8080" && c.DataDir == "./iamd-data" && c.ShutdownTimeout == 10*time.Second
		}},
		{name: "empty file", args: []string{"--config", empty}, check: func(c config) bool { return c == defaultConfig() }},
		{name: "file", args: []string{"--config", full}, check: func(c config) bool {
			return c.Addr == "0.0.0.0:9000" && c.DataDir == "/var/lib/iamd" && c.AccountID == "111111111111" &&
				c.LogLevel == "debug" && c.LogFormat == "json" && c.ShutdownTimeout == 30*time.Second
		}},
		{name: "file from IAMD_CONFIG", env: map[string]string{"IAMD_CONFIG": full}, check: func(c config) bool { return c.Addr == "0.0.0.0:9000" }},
		{name: "--config beats IAMD_CONFIG", args: []string{"--config", other}, env: map[string]string{"IAMD_CONFIG": full},
			check: func(c config) bool { return c.Addr == "10.0.0.1:1" && c.DataDir == "./iamd-data" }},
		{name: "environment beats file", args: []string{"--config", full},
			env: map[string]string{"IAMD_ADDR": "127.0.0.1:1", "IAMD_LOG_FORMAT": "text", "IAMD_SHUTDOWN_TIMEOUT": "1m", "IAMD_MASTER_KEY": "k"},
			check: func(c config) bool {
				return c.Addr == "127.0.0.1:1" && c.LogFormat == "text" && c.ShutdownTimeout == time.Minute &&
					c.DataDir == "/var/lib/iamd" && c.MasterKey == "k"
			}},
		{name: "flag beats environment and file", args: []string{"--config", full, "--addr", "127.0.0.1:2", "--shutdown-timeout", "5s", "--data-dir", "d"},
			env: map[string]string{"IAMD_ADDR": "127.0.0.1:1", "IAMD_SHUTDOWN_TIMEOUT": "1m"},
			check: func(c config) bool {
				return c.Addr == "127.0.0.1:2" && c.ShutdownTimeout == 5*time.Second && c.DataDir == "d" && c.LogLevel == "debug"
			}},
		{name: "flag set to its default still wins", args: []string{"--addr", "127.0.0.1:8080"}, env: map[string]string{"IAMD_ADDR": "127.0.0.1:1"},
			check: func(c config) bool { return c.Addr == "127.0.0.1:8080" }},
		{name: "root key from environment", env: map[string]string{"IAMD_ROOT_ACCESS_KEY_ID": "AKIAEXAMPLEKEY000001", "IAMD_ROOT_SECRET_ACCESS_KEY": "s"},
			check: func(c config) bool {
				return c.RootAccessKeyID == "AKIAEXAMPLEKEY000001" && c.RootSecretAccessKey == "s"
			}},
		{name: "unknown file key", args: []string{"--config", unknown}, wantErr: "field adress not found"},
		{name: "missing file", args: []string{"--config", filepath.Join(dir, "nope.yaml")}, wantErr: "no such file"},
		{name: "bad account", env: map[string]string{"IAMD_ACCOUNT_ID": "12345"}, wantErr: `account ID "12345" must be 12 digits`},
		{name: "half a root key", env: map[string]string{"IAMD_ROOT_ACCESS_KEY_ID": "AKIAEXAMPLEKEY000001"}, wantErr: "must be set together"},
		{name: "bad level", args: []string{"--log-level", "loud"}, wantErr: `log level "loud"`},
		{name: "bad format", env: map[string]string{"IAMD_LOG_FORMAT": "xml"}, wantErr: `log format "xml"`},
		{name: "bad duration", env: map[string]string{"IAMD_SHUTDOWN_TIMEOUT": "soon"}, wantErr: "IAMD_SHUTDOWN_TIMEOUT"},
		{name: "OIDC defaults", check: func(c config) bool {
			return c.OIDCTimeout == 5*time.Second && c.OIDCCAFile == "" && !c.OIDCAllowLoopbackHTTP
		}},
		{name: "OIDC from file", args: []string{"--config", oidc}, check: func(c config) bool {
			return c.OIDCTimeout == 2*time.Second && c.OIDCCAFile == "/etc/ca.pem" && c.OIDCAllowLoopbackHTTP
		}},
		{name: "OIDC environment beats file", args: []string{"--config", oidc},
			env: map[string]string{"IAMD_OIDC_TIMEOUT": "9s", "IAMD_OIDC_ALLOW_LOOPBACK_HTTP": "false", "IAMD_OIDC_CA_FILE": "/x.pem"},
			check: func(c config) bool {
				return c.OIDCTimeout == 9*time.Second && c.OIDCCAFile == "/x.pem" && !c.OIDCAllowLoopbackHTTP
			}},
		{name: "OIDC flags beat environment", args: []string{"--oidc-allow-loopback-http", "--oidc-timeout", "1s"},
			env:   map[string]string{"IAMD_OIDC_TIMEOUT": "9s", "IAMD_OIDC_ALLOW_LOOPBACK_HTTP": "false"},
			check: func(c config) bool { return c.OIDCTimeout == time.Second && c.OIDCAllowLoopbackHTTP }},
		{name: "bad bool", env: map[string]string{"IAMD_OIDC_ALLOW_LOOPBACK_HTTP": "yes please"}, wantErr: "IAMD_OIDC_ALLOW_LOOPBACK_HTTP: want true or false"},
		{name: "store max conns default", check: func(c config) bool { return c.StoreMaxConns == 10 }},
		{name: "store max conns from file", args: []string{"--config", conns}, check: func(c config) bool { return c.StoreMaxConns == 20 }},
		{name: "store max conns environment beats file", args: []string{"--config", conns}, env: map[string]string{"IAMD_STORE_MAX_CONNS": "30"},
			check: func(c config) bool { return c.StoreMaxConns == 30 }},
		{name: "store max conns flag beats environment", args: []string{"--store-max-conns", "5"}, env: map[string]string{"IAMD_STORE_MAX_CONNS": "30"},
			check: func(c config) bool { return c.StoreMaxConns == 5 }},
		{name: "bad int", env: map[string]string{"IAMD_STORE_MAX_CONNS": "many"}, wantErr: `IAMD_STORE_MAX_CONNS: want an integer, got "many"`},
		{name: "store max conns zero", args: []string{"--store-max-conns", "0"}, wantErr: "store max conns 0 must be positive"},
		{name: "bad OIDC timeout", args: []string{"--oidc-timeout", "0s"}, wantErr: "OIDC timeout 0s must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
			cf := addConfigFlags(cmd)
			if err := cmd.ParseFlags(tc.args); err != nil {
				t.Fatal(err)
			}
			c, err := cf.resolve(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Fatalf("config %+v", c)
			}
		})
	}
}

// The documented table in docs/configuration.md lists every setting.
func TestConfigurationDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !strings.Contains(string(doc), "`"+s.env+"`") {
			t.Errorf("docs/configuration.md does not mention %s", s.env)
		}
		if s.flag != "" && !strings.Contains(string(doc), "`--"+s.flag+"`") {
			t.Errorf("docs/configuration.md does not mention --%s", s.flag)
		}
	}
	ct := reflect.TypeFor[config]()
	for i := range ct.NumField() {
		if key := ct.Field(i).Tag.Get("yaml"); key != "-" && !strings.Contains(string(doc), "`"+key+"`") {
			t.Errorf("docs/configuration.md does not mention the YAML key %s", key)
		}
	}
}

// The OIDC CA file must hold at least one certificate.
func TestOIDCRoots(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		file, wantErr string
	}{
		"none":    {"", ""},
		"missing": {filepath.Join(dir, "nope.pem"), "no such file"},
		"no PEM":  {bad, "no PEM certificate"},
	} {
		pool, err := config{OIDCCAFile: tc.file}.oidcRoots()
		switch {
		case tc.wantErr == "" && (err != nil || pool != nil):
			t.Errorf("%s: %v %v", name, pool, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: error %v, want %q", name, err, tc.wantErr)
		}
	}
}
