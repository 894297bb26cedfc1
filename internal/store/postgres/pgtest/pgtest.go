// Package pgtest gives tests a PostgreSQL store of their own: a fresh schema
// in the test server's database, dropped when the test ends.
//
// The server is IAMD_TEST_POSTGRES (a DSN) or, when that is unset, the one on
// 127.0.0.1:5432 (user postgres) if it answers. Without a server the tests
// skip, unless IAMD_REQUIRE_POSTGRES=1 (set by .ci/run): then they fail.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/iamd/iamd/internal/store/postgres"
)

// DefaultDSN is tried when IAMD_TEST_POSTGRES is unset.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	probeOnce sync.Once
	probeDSN  string
	probeErr  error
)

// DSN returns the test server's DSN, or skips (fails, under
// IAMD_REQUIRE_POSTGRES=1) the test when there is none.
func DSN(t testing.TB) string {
	t.Helper()
	probeOnce.Do(func() {
		probeDSN = os.Getenv("IAMD_TEST_POSTGRES")
		if probeDSN == "" {
			probeDSN = DefaultDSN
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, probeDSN)
		if err != nil {
			probeErr = err
			return
		}
		probeErr = c.Ping(ctx)
		c.Close(ctx)
	})
	if probeErr != nil {
		if os.Getenv("IAMD_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL required (IAMD_REQUIRE_POSTGRES=1) but %s does not answer: %v", probeDSN, probeErr)
		}
		t.Skipf("no PostgreSQL for tests (set IAMD_TEST_POSTGRES): %v", probeErr)
	}
	return probeDSN
}

// Schema returns a new schema name and drops the schema when the test ends
// (after the cleanups registered later, such as closing stores).
func Schema(t testing.TB) string {
	t.Helper()
	dsn := DSN(t)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "iamd_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := postgres.DropSchema(ctx, dsn, schema); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// Open returns a migrated store in a fresh schema, closed and dropped when
// the test ends. opts.Schema and opts.Migrate are set by Open.
func Open(t testing.TB, opts postgres.Options) *postgres.Store {
	t.Helper()
	dsn := DSN(t)
	opts.Schema = Schema(t)
	opts.Migrate = true
	if opts.MaxConns == 0 {
		// Tests run in parallel against one server (max_connections 100
		// by default).
		opts.MaxConns = 4
	}
	st, err := postgres.Open(t.Context(), dsn, opts)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
