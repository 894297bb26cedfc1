package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

// holdWriteLock takes the database's write lock from a foreign connection
// (another process, as far as the Store can tell) and returns its release.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if done {
			return
		}
		done = true
		conn.ExecContext(context.Background(), "COMMIT")
		conn.Close()
		db.Close()
	}
	t.Cleanup(release)
	return release
}

func TestBusyDatabaseIsRetried(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamd.db")
	attempts := 0
	st, err := Open(t.Context(), path, Options{
		Migrate:     true,
		BusyTimeout: 5 * time.Millisecond, // give up on the lock fast, so the retry loop is what waits
		MaxAttempts: 1000,
		Backoff:     func(n int) time.Duration { attempts = n; return 5 * time.Millisecond },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	storetest.NewAccount(t, st, storetest.Account1)

	release := holdWriteLock(t, path)
	time.AfterFunc(150*time.Millisecond, release)
	err = st.Tx(t.Context(), func(tx store.Txn) error {
		return tx.PutAccountSetting(t.Context(), storetest.Account1, "k", "v")
	})
	if err != nil {
		t.Fatalf("Tx failed instead of retrying until the lock was released: %v", err)
	}
	if attempts < 2 {
		t.Fatalf("Tx succeeded after %d backoffs; the lock should have forced retries", attempts)
	}
}

func TestBusyDatabaseGivesUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamd.db")
	st, err := Open(t.Context(), path, Options{
		Migrate:     true,
		BusyTimeout: time.Millisecond,
		MaxAttempts: 3,
		Backoff:     func(int) time.Duration { return time.Millisecond },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	storetest.NewAccount(t, st, storetest.Account1)
	holdWriteLock(t, path)
	calls := 0
	err = st.Tx(t.Context(), func(tx store.Txn) error {
		calls++
		return tx.PutAccountSetting(t.Context(), storetest.Account1, "k", "v")
	})
	if !errors.Is(err, store.ErrRetryable) {
		t.Fatalf("err = %v, want ErrRetryable after the attempts ran out", err)
	}
	if calls != 0 {
		// BEGIN IMMEDIATE fails before the closure runs: nothing half-done.
		t.Fatalf("closure ran %d times while the database was locked", calls)
	}
	// Reads still work while another process writes (WAL).
	if _, err := storetest.Get(t, st, func(ctx context.Context, tx store.Txn) (store.Account, error) {
		return tx.GetAccount(ctx, storetest.Account1)
	}); err != nil {
		t.Fatalf("View during a foreign write lock: %v", err)
	}
}
