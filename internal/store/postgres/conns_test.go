package postgres_test

import (
	"context"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/postgres"
	"github.com/iamd/iamd/internal/store/postgres/pgtest"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestMaxConns: transactions beyond MaxConns wait for a connection rather
// than open more, and Close closes every connection of the store.
func TestMaxConns(t *testing.T) {
	u, err := url.Parse(pgtest.DSN(t))
	if err != nil || u.Scheme == "" {
		t.Skip("needs a postgres:// URL")
	}
	app := pgtest.Schema(t) // a unique name to find this store's connections
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	const maxConns = 2
	st, err := postgres.Open(t.Context(), u.String(), postgres.Options{Schema: app, Migrate: true, MaxConns: maxConns})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			st.Close()
		}
	})
	conn, err := pgx.Connect(t.Context(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	var connMu sync.Mutex // conn serves one query at a time
	backends := func() int {
		connMu.Lock()
		defer connMu.Unlock()
		var n int
		if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n); err != nil {
			t.Error(err) // also called from the transactions' goroutines
		}
		return n
	}

	var inside, peak, seen atomic.Int32
	var wg sync.WaitGroup
	for range 3 * maxConns {
		wg.Go(func() {
			storetest.MustView(t, st, func(tx store.Txn) error {
				raise(&peak, inside.Add(1))
				defer inside.Add(-1)
				raise(&seen, int32(backends()))
				_, _, err := tx.ListAccounts(t.Context(), store.Page{})
				time.Sleep(50 * time.Millisecond)
				return err
			})
		})
	}
	wg.Wait()
	if p := peak.Load(); p != maxConns {
		t.Errorf("%d transactions ran at once, want %d", p, maxConns)
	}
	if n := seen.Load(); n > maxConns {
		t.Errorf("the server saw %d connections of the store, want at most %d", n, maxConns)
	}

	st.Close()
	closed = true
	// A backend leaves pg_stat_activity shortly after its client hangs up.
	deadline := time.Now().Add(5 * time.Second)
	for n := backends(); n != 0; n = backends() {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections of the store still open after Close", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// raise sets a to n when n is larger.
func raise(a *atomic.Int32, n int32) {
	for p := a.Load(); n > p && !a.CompareAndSwap(p, n); p = a.Load() {
	}
}
