package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

// openTemp opens a migrated store in a fresh temporary directory.
func openTemp(t *testing.T, opts Options) *Store {
	t.Helper()
	opts.Migrate = true
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "iamd.db"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t, Options{}) })
}

func TestOpenRejectsBadPath(t *testing.T) {
	for _, p := range []string{"", "db?mode=memory", "a#b"} {
		if _, err := Open(t.Context(), p, Options{}); err == nil {
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

func TestOpenWithoutMigrateLeavesSchemaAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamd.db")
	st, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.View(t.Context(), func(tx store.Txn) error {
		_, err := tx.GetAccount(t.Context(), "111111111111")
		return err
	})
	if err == nil || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unmigrated database answered a query: %v", err)
	}
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	err = st.View(t.Context(), func(tx store.Txn) error {
		_, err := tx.GetAccount(t.Context(), "111111111111")
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after Migrate: %v", err)
	}
}

// Two Stores on one file stand for two iamd processes: BEGIN IMMEDIATE, the
// busy timeout and the retry loop must keep a read-check-write quota.
func TestTwoProcessesKeepQuota(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamd.db")
	var stores []*Store
	for range 2 {
		st, err := Open(t.Context(), path, Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores = append(stores, st)
	}
	storetest.NewAccount(t, stores[0], storetest.Account1)
	errQuota := errors.New("quota")
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = stores[i%2].Tx(context.Background(), func(tx store.Txn) error {
				ctx := context.Background()
				keys, err := tx.ListAccessKeys(ctx, storetest.Account1, "")
				if err != nil {
					return err
				}
				if len(keys) >= 2 {
					return errQuota
				}
				return tx.CreateAccessKey(ctx, store.AccessKey{ID: fmt.Sprintf("AKIATWO%013d", i), AccountID: storetest.Account1,
					Status: store.AccessKeyActive, SecretSealed: []byte("x"), CreatedAt: storetest.T0})
			})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, errQuota):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 2 {
		t.Fatalf("%d keys created across two processes, want 2", ok)
	}
}

func TestClassify(t *testing.T) {
	st := openTemp(t, Options{})
	ctx := t.Context()
	storetest.NewAccount(t, st, storetest.Account1)
	// A raw constraint violation outside any store method is classified too.
	err := st.Tx(ctx, func(tx store.Txn) error {
		_, err := tx.(*txn).exec(ctx, storetest.Account1, `INSERT INTO accounts (account_id, created_at) VALUES (?, ?)`, storetest.Account1, "x")
		return err
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate primary key: %v", err)
	}
	if classify(nil) != nil {
		t.Fatal("classify(nil) != nil")
	}
	plain := errors.New("plain")
	if classify(plain) != plain {
		t.Fatal("classify changed a non-SQLite error")
	}
}

func TestConnectionSettings(t *testing.T) {
	st := openTemp(t, Options{BusyTimeout: 1234 * time.Millisecond})
	pragma := func(db *sql.DB, name string) string {
		t.Helper()
		var v string
		if err := db.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	for _, db := range []*sql.DB{st.writer, st.reader} {
		if got := pragma(db, "journal_mode"); got != "wal" {
			t.Errorf("journal_mode = %s, want wal", got)
		}
		if got := pragma(db, "foreign_keys"); got != "1" {
			t.Errorf("foreign_keys = %s, want 1", got)
		}
		if got := pragma(db, "busy_timeout"); got != "1234" {
			t.Errorf("busy_timeout = %s, want 1234", got)
		}
		if got := pragma(db, "synchronous"); got != "2" {
			t.Errorf("synchronous = %s, want 2 (FULL)", got)
		}
	}
	if got := pragma(st.writer, "query_only"); got != "0" {
		t.Errorf("writer query_only = %s", got)
	}
	if got := pragma(st.reader, "query_only"); got != "1" {
		t.Errorf("reader query_only = %s", got)
	}
	if st.writer.Stats().MaxOpenConnections != 1 {
		t.Errorf("writer pool allows %d connections, want 1", st.writer.Stats().MaxOpenConnections)
	}
}
