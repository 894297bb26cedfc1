package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

func sameSessionKey(a, b store.SessionKey) bool {
	return a.ID == b.ID && bytes.Equal(a.KeySealed, b.KeySealed) && a.CreatedAt.Equal(b.CreatedAt)
}

func listSessionKeys(t *testing.T, st store.Store) []store.SessionKey {
	t.Helper()
	keys, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.SessionKey, error) {
		return tx.ListSessionKeys(ctx)
	})
	WantErr(t, err, nil)
	return keys
}

func (s *Suite) TestSTSSessionKeysLifecycle(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	ctx := t.Context()
	if keys := listSessionKeys(t, st); len(keys) != 0 {
		t.Fatalf("fresh store lists %d session keys, want 0", len(keys))
	}
	k0 := store.SessionKey{ID: "00000000000000a0", KeySealed: []byte("sealed-0"), CreatedAt: T0}
	k1 := store.SessionKey{ID: "00000000000000a1", KeySealed: []byte("sealed-1"), CreatedAt: T0.Add(time.Hour)}
	k2 := store.SessionKey{ID: "00000000000000a2", KeySealed: []byte("sealed-2"), CreatedAt: T0.Add(2 * time.Hour)}
	// Same time as k2: the ID breaks the tie.
	k3 := store.SessionKey{ID: "00000000000000a3", KeySealed: []byte("sealed-3"), CreatedAt: T0.Add(2 * time.Hour)}

	before := Revision(t, st, Account1)
	for _, k := range []store.SessionKey{k1, k3, k0, k2} {
		MustTx(t, st, func(tx store.Txn) error { return tx.CreateSessionKey(ctx, k) })
	}
	if after := Revision(t, st, Account1); after != before {
		t.Fatalf("creating session keys changed an account's revision (%d -> %d); they belong to no account", before, after)
	}
	dup := k0
	dup.CreatedAt = T0.Add(time.Minute)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateSessionKey(ctx, dup) }), store.ErrConflict)
	WantErr(t, st.View(ctx, func(tx store.Txn) error {
		return tx.CreateSessionKey(ctx, store.SessionKey{ID: "00000000000000ff", KeySealed: []byte("x"), CreatedAt: T0})
	}), store.ErrReadOnly)

	got := listSessionKeys(t, st)
	want := []store.SessionKey{k3, k2, k1, k0}
	if len(got) != len(want) {
		t.Fatalf("ListSessionKeys = %d keys, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameSessionKey(got[i], want[i]) {
			t.Fatalf("ListSessionKeys[%d] = %+v, want %+v (newest first, then ID descending)", i, got[i], want[i])
		}
	}

	MustTx(t, st, func(tx store.Txn) error { return tx.UpdateSessionKeySealed(ctx, k1.ID, []byte("resealed-1")) })
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error {
		return tx.UpdateSessionKeySealed(ctx, "00000000000000ee", []byte("x"))
	}), store.ErrNotFound)
	k1.KeySealed = []byte("resealed-1")

	var n int
	MustTx(t, st, func(tx store.Txn) error {
		var err error
		n, err = tx.DeleteSessionKeysCreatedBefore(ctx, k1.CreatedAt)
		return err
	})
	if n != 1 {
		t.Fatalf("DeleteSessionKeysCreatedBefore deleted %d keys, want 1 (strictly before)", n)
	}
	got = listSessionKeys(t, st)
	want = []store.SessionKey{k3, k2, k1}
	if len(got) != len(want) {
		t.Fatalf("after delete: %d keys, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameSessionKey(got[i], want[i]) {
			t.Fatalf("after delete [%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if after := Revision(t, st, Account1); after != before {
		t.Fatalf("session key writes changed an account's revision (%d -> %d)", before, after)
	}
}

var errKeyFresh = errors.New("storetest: a fresh session key exists")

// Rotation as the STS domain does it: read the newest key, and only if it is
// older than the rotation interval add a new one. Nodes racing to rotate
// must add exactly one key.
func (s *Suite) TestSTSSessionKeyRotationRace(t *testing.T) {
	st := s.Store(t)
	ctx := t.Context()
	MustTx(t, st, func(tx store.Txn) error {
		return tx.CreateSessionKey(ctx, store.SessionKey{ID: "0000000000000000", KeySealed: []byte("old"), CreatedAt: T0})
	})
	now := T0.Add(48 * time.Hour)
	const n = 20
	won := race(t, st, n, func(i int, tx store.Txn) error {
		keys, err := tx.ListSessionKeys(context.Background())
		if err != nil {
			return err
		}
		if len(keys) > 0 && now.Sub(keys[0].CreatedAt) < 24*time.Hour {
			return errKeyFresh
		}
		return tx.CreateSessionKey(context.Background(), store.SessionKey{
			ID: fmt.Sprintf("%016x", i+1), KeySealed: []byte("new"), CreatedAt: now,
		})
	}, errKeyFresh)
	if won != 1 {
		t.Fatalf("%d racing transactions rotated the key, want exactly 1", won)
	}
	if keys := listSessionKeys(t, st); len(keys) != 2 {
		t.Fatalf("%d keys stored after the race, want 2", len(keys))
	}
}
