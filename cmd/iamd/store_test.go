package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/iamd/iamd/internal/store/postgres"
	"github.com/iamd/iamd/internal/store/postgres/pgtest"
)

// pgStore is a --store URL for a fresh, empty schema of the test server.
func pgStore(t *testing.T) string {
	t.Helper()
	dsn := pgtest.DSN(t)
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Skipf("IAMD_TEST_POSTGRES must be a postgres:// URL here (got %q)", dsn)
	}
	schema := pgtest.Schema(t)
	st, err := postgres.Open(t.Context(), dsn, postgres.Options{Schema: schema}) // creates the schema only
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestMigratePostgres(t *testing.T) {
	store := pgStore(t)
	for range 2 { // idempotent
		var out, errOut bytes.Buffer
		if code := run([]string{"migrate", "--store", store}, strings.NewReader(""), &out, &errOut); code != 0 {
			t.Fatalf("iamd migrate: exit %d: %s", code, errOut.String())
		}
		if !strings.Contains(out.String(), "schema up to date") || strings.Contains(out.String(), "password") {
			t.Fatalf("output %q", out.String())
		}
	}
	c, err := pgx.Connect(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var n int
	if err := c.QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("schema_migrations: %d rows, %v", n, err)
	}
}

// TestPostgresNeedsTheSharedMasterKey: a node on PostgreSQL does not make up
// a master key of its own (the other nodes could not open its secrets).
func TestPostgresNeedsTheSharedMasterKey(t *testing.T) {
	store := pgStore(t)
	dir := t.TempDir()
	cfg := defaultConfig()
	cfg.DataDir, cfg.Store = dir, store
	if _, _, err := openData(t.Context(), cfg, true, nil); err == nil || !strings.Contains(err.Error(), "IAMD_MASTER_KEY") {
		t.Fatalf("openData without a master key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "master.key")); !os.IsNotExist(err) {
		t.Fatalf("a master key file was made: %v", err)
	}
	cfg.MasterKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	st, _, err := openData(t.Context(), cfg, true, nil)
	if err != nil {
		t.Fatalf("openData with IAMD_MASTER_KEY: %v", err)
	}
	st.Close()
}

func TestStoreSettingValidated(t *testing.T) {
	for _, s := range []string{"mysql://x", "sqlite", "/var/lib/iamd.db"} {
		cfg := defaultConfig()
		cfg.Store = s
		if err := cfg.validate(); err == nil {
			t.Errorf("store %q accepted", s)
		}
	}
	cfg := defaultConfig()
	cfg.Store = "postgres://u:secret@db/iamd"
	if err := cfg.validate(); err != nil {
		t.Errorf("postgres URL refused: %v", err)
	}
	if got := redactDSN("postgres://u:secret@db/iamd"); strings.Contains(got, "secret") {
		t.Errorf("redactDSN kept the password: %s", got)
	}
}
