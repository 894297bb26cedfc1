package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/iamd/iamd/internal/store"
)

// TestWatchCommittedChanges: a store that implements store.Watcher tells its
// watchers of every committed write, with the account's new revision, before
// Tx returns; a rolled-back Tx and a View tell nothing.
func (s *Suite) TestWatchCommittedChanges(t *testing.T) {
	st := s.Store(t)
	w, ok := st.(store.Watcher)
	if !ok {
		t.Skip("the store does not implement store.Watcher")
	}
	// A change may be delivered more than once (a backend also hears its
	// own notifications): the test looks at the set of changes.
	var mu sync.Mutex
	seen := map[store.Change]bool{}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w.Watch(ctx, func(c store.Change) {
		if c.Resync() {
			return // a backend may resync at any time
		}
		mu.Lock()
		seen[c] = true
		mu.Unlock()
	})
	has := func(c store.Change) bool {
		mu.Lock()
		defer mu.Unlock()
		return seen[c]
	}
	newest := func() int64 {
		mu.Lock()
		defer mu.Unlock()
		var n int64
		for c := range seen {
			n = max(n, c.Revision)
		}
		return n
	}

	NewAccount(t, st, Account1)
	if c := (store.Change{AccountID: Account1, Revision: Revision(t, st, Account1)}); !has(c) {
		t.Fatalf("after CreateAccount: %+v not announced before Tx returned", c)
	}
	MustTx(t, st, func(tx store.Txn) error {
		return tx.PutAccountSetting(t.Context(), Account1, "k", "v")
	})
	rev := Revision(t, st, Account1)
	if c := (store.Change{AccountID: Account1, Revision: rev}); !has(c) {
		t.Fatalf("after a write: %+v not announced before Tx returned", c)
	}
	if err := st.Tx(t.Context(), func(tx store.Txn) error {
		if err := tx.PutAccountSetting(t.Context(), Account1, "k", "w"); err != nil {
			return err
		}
		return errTest
	}); err != errTest {
		t.Fatalf("Tx = %v, want the closure's error", err)
	}
	MustView(t, st, func(tx store.Txn) error {
		_, err := tx.GetAccount(t.Context(), Account1)
		return err
	})
	if n := newest(); n != rev {
		t.Fatalf("newest announced revision %d, want %d (a rolled-back Tx or a View announced a change)", n, rev)
	}
}
