package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/postgres"
	"github.com/iamd/iamd/internal/store/postgres/pgtest"
	"github.com/iamd/iamd/internal/store/storetest"
)

// nodes opens n stores on one fresh schema, as n iamd nodes would.
func nodes(t *testing.T, n int) []*postgres.Store {
	t.Helper()
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t)
	var out []*postgres.Store
	for range n {
		st, err := postgres.Open(t.Context(), dsn, postgres.Options{Schema: schema, Migrate: true, MaxConns: 4, CheckInterval: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		out = append(out, st)
	}
	return out
}

// TestNodesRaceForAQuota: closures on three stores that count a user's keys
// and add one when fewer than two exist never leave three, and no
// serialization failure reaches the caller.
func TestNodesRaceForAQuota(t *testing.T) {
	sts := nodes(t, 3)
	storetest.NewAccount(t, sts[0], storetest.Account1)
	for round := range 10 {
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Go(func() {
				errs[i] = sts[i%3].Tx(t.Context(), func(tx store.Txn) error {
					keys, err := tx.ListAccessKeys(t.Context(), storetest.Account1, "AIDAUSER")
					if err != nil {
						return err
					}
					if len(keys) >= 2 {
						return errQuota
					}
					return tx.CreateAccessKey(t.Context(), store.AccessKey{
						ID: fmt.Sprintf("AKIA%02d%02d", round, i), AccountID: storetest.Account1, UserID: "AIDAUSER",
						Status: store.AccessKeyActive, SecretSealed: []byte{1}, CreatedAt: storetest.T0,
					})
				})
			})
		}
		wg.Wait()
		created := 0
		for _, err := range errs {
			switch {
			case err == nil:
				created++
			case errors.Is(err, errQuota):
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if created != 2 {
			t.Fatalf("round %d: %d keys created, want 2", round, created)
		}
		storetest.MustTx(t, sts[round%3], func(tx store.Txn) error {
			keys, err := tx.ListAccessKeys(t.Context(), storetest.Account1, "AIDAUSER")
			if err != nil {
				return err
			}
			if len(keys) != 2 {
				return fmt.Errorf("%d keys stored, want 2", len(keys))
			}
			for _, k := range keys {
				if err := tx.DeleteAccessKey(t.Context(), storetest.Account1, k.ID); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

var errQuota = errors.New("quota reached")

// TestNodesHearEachOther: a change committed on one store reaches the
// watchers of the others; when the listening connection is killed the
// watcher reconnects and sends a resync, and hears later changes again.
func TestNodesHearEachOther(t *testing.T) {
	sts := nodes(t, 2)
	a, b := sts[0], sts[1]
	got := make(chan store.Change, 100)
	b.Watch(t.Context(), func(c store.Change) { got <- c })
	storetest.NewAccount(t, a, storetest.Account1)
	waitFor := func(what string, ok func(store.Change) bool) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case c := <-got:
				if ok(c) {
					return
				}
			case <-deadline:
				t.Fatalf("%s: not within 5s", what)
			}
		}
	}
	// The listener may not be connected yet when the account is created:
	// its first resync covers that.
	write := func(v string) int64 {
		storetest.MustTx(t, a, func(tx store.Txn) error {
			return tx.PutAccountSetting(t.Context(), storetest.Account1, "k", v)
		})
		return storetest.Revision(t, a, storetest.Account1)
	}
	waitFor("first resync", store.Change.Resync)
	rev := write("1")
	waitFor("change from the other node", func(c store.Change) bool { return c == store.Change{AccountID: storetest.Account1, Revision: rev} })

	// Kill the listening connection of b.
	conn, err := pgx.Connect(t.Context(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tag, err := conn.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE query = 'LISTEN ' || $1`, pgx.Identifier{b.Channel()}.Sanitize())
	if err != nil || tag.RowsAffected() == 0 {
		t.Fatalf("terminating the listener: %v (%d rows)", err, tag.RowsAffected())
	}
	waitFor("resync after reconnecting", store.Change.Resync)
	rev = write("2")
	waitFor("change after reconnecting", func(c store.Change) bool { return c == store.Change{AccountID: storetest.Account1, Revision: rev} })
}

// TestDroppedConnections: connections the server drops (a restart) are
// replaced without the caller seeing an error.
func TestDroppedConnections(t *testing.T) {
	u, err := url.Parse(pgtest.DSN(t))
	if err != nil || u.Scheme == "" {
		t.Skip("needs a postgres:// URL")
	}
	app := pgtest.Schema(t) // a unique name to find this store's connections
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	st, err := postgres.Open(t.Context(), u.String(), postgres.Options{Schema: app, Migrate: true, MaxConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// Fill the pool with idle connections.
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			storetest.MustView(t, st, func(tx store.Txn) error {
				_, _, err := tx.ListAccounts(t.Context(), store.Page{})
				time.Sleep(50 * time.Millisecond)
				return err
			})
		})
	}
	wg.Wait()
	conn, err := pgx.Connect(t.Context(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tag, err := conn.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, app)
	if err != nil || tag.RowsAffected() < 3 {
		t.Fatalf("terminating the pool's connections: %v (%d)", err, tag.RowsAffected())
	}
	time.Sleep(100 * time.Millisecond) // the sockets see the close
	for i := range 5 {
		storetest.NewAccount(t, st, fmt.Sprintf("%012d", i))
	}

	// A connection lost in the middle of a transaction: the attempt never
	// committed, so it runs again.
	attempts := 0
	storetest.MustTx(t, st, func(tx store.Txn) error {
		attempts++
		if _, err := tx.GetAccount(t.Context(), fmt.Sprintf("%012d", 0)); err != nil {
			return err
		}
		if attempts == 1 {
			if _, err := conn.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, app); err != nil {
				return err
			}
			time.Sleep(100 * time.Millisecond)
		}
		return tx.PutAccountSetting(t.Context(), fmt.Sprintf("%012d", 0), "k", "v")
	})
	if attempts != 2 {
		t.Fatalf("closure ran %d times, want 2", attempts)
	}
}
