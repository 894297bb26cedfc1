package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func (s *Suite) TestAccessKeysRootAndUser(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	ctx := t.Context()
	root1 := store.AccessKey{ID: "AKIAROOT0000000000001", AccountID: Account1, Status: store.AccessKeyActive,
		SecretSealed: []byte("sealed-1"), CreatedAt: T0.Add(time.Minute)}
	root0 := store.AccessKey{ID: "AKIAROOT0000000000009", AccountID: Account1, Status: store.AccessKeyInactive,
		SecretSealed: []byte("sealed-0"), CreatedAt: T0}
	user := store.AccessKey{ID: "AKIAUSER0000000000001", AccountID: Account1, UserID: "AIDAUSER000000000001", Status: store.AccessKeyActive,
		SecretSealed: []byte("sealed-u"), CreatedAt: T0}
	for _, k := range []store.AccessKey{root1, root0, user} {
		ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.CreateAccessKey(ctx, k) })
	}
	// Key IDs are unique across accounts and owners.
	dup := root1
	dup.ID = user.ID
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateAccessKey(ctx, dup) }), store.ErrConflict)
	NewAccount(t, st, Account2)
	dup.AccountID = Account2
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateAccessKey(ctx, dup) }), store.ErrConflict)
	orphan := root1
	orphan.ID, orphan.AccountID = "AKIAORPHAN0000000001", "999999999999"
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateAccessKey(ctx, orphan) }), store.ErrNotFound)

	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.AccessKey, error) { return tx.GetAccessKey(ctx, user.ID) })
	WantErr(t, err, nil)
	if !sameKey(got, user) {
		t.Fatalf("GetAccessKey = %+v, want %+v", got, user)
	}
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.AccessKey, error) {
		return tx.GetAccessKey(ctx, "AKIANOPE")
	})
	WantErr(t, err, store.ErrNotFound)

	roots, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.AccessKey, error) {
		return tx.ListAccessKeys(ctx, Account1, "")
	})
	WantErr(t, err, nil)
	if len(roots) != 2 || !sameKey(roots[0], root0) || !sameKey(roots[1], root1) {
		t.Fatalf("root keys = %+v, want root0 then root1 (oldest first)", roots)
	}
	users, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.AccessKey, error) {
		return tx.ListAccessKeys(ctx, Account1, user.UserID)
	})
	WantErr(t, err, nil)
	if len(users) != 1 || !sameKey(users[0], user) {
		t.Fatalf("user keys = %+v, want only the user's key", users)
	}
}

func (s *Suite) TestAccessKeysUpdateDelete(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	ctx := t.Context()
	k := store.AccessKey{ID: "AKIAKEY00000000000001", AccountID: Account1, Status: store.AccessKeyActive, SecretSealed: []byte("a"), CreatedAt: T0}
	MustTx(t, st, func(tx store.Txn) error { return tx.CreateAccessKey(ctx, k) })

	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.UpdateAccessKeyStatus(ctx, Account1, k.ID, store.AccessKeyInactive)
	})
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.UpdateAccessKeySecret(ctx, Account1, k.ID, []byte("b"))
	})
	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.AccessKey, error) { return tx.GetAccessKey(ctx, k.ID) })
	WantErr(t, err, nil)
	if got.Status != store.AccessKeyInactive || string(got.SecretSealed) != "b" {
		t.Fatalf("after updates: %+v", got)
	}
	// Another account cannot touch the key.
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.UpdateAccessKeyStatus(ctx, Account2, k.ID, store.AccessKeyActive) }), store.ErrNotFound)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.DeleteAccessKey(ctx, Account2, k.ID) }), store.ErrNotFound)
	if err := st.Tx(ctx, func(tx store.Txn) error { return tx.UpdateAccessKeyStatus(ctx, Account1, k.ID, "Deleted") }); err == nil {
		t.Fatal("UpdateAccessKeyStatus accepted an invalid status")
	}

	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.DeleteAccessKey(ctx, Account1, k.ID) })
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.DeleteAccessKey(ctx, Account1, k.ID) }), store.ErrNotFound)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.UpdateAccessKeyStatus(ctx, Account1, k.ID, store.AccessKeyActive) }), store.ErrNotFound)
}

func (s *Suite) TestAccessKeysRecordUseDoesNotBump(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	ctx := t.Context()
	k := store.AccessKey{ID: "AKIAKEY00000000000001", AccountID: Account1, Status: store.AccessKeyActive, SecretSealed: []byte("a"), CreatedAt: T0}
	MustTx(t, st, func(tx store.Txn) error { return tx.CreateAccessKey(ctx, k) })
	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.AccessKey, error) { return tx.GetAccessKey(ctx, k.ID) })
	WantErr(t, err, nil)
	if !got.LastUsedAt.IsZero() || got.LastUsedService != "" || got.LastUsedRegion != "" {
		t.Fatalf("new key has last use %+v", got)
	}
	before := Revision(t, st, Account1)
	used := T0.Add(time.Hour)
	MustTx(t, st, func(tx store.Txn) error { return tx.RecordAccessKeyUse(ctx, k.ID, used, "iam", "us-east-1") })
	if after := Revision(t, st, Account1); after != before {
		t.Fatalf("RecordAccessKeyUse bumped the revision %d -> %d", before, after)
	}
	got, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.AccessKey, error) { return tx.GetAccessKey(ctx, k.ID) })
	WantErr(t, err, nil)
	if !got.LastUsedAt.Equal(used) || got.LastUsedService != "iam" || got.LastUsedRegion != "us-east-1" {
		t.Fatalf("last use = %v %q %q", got.LastUsedAt, got.LastUsedService, got.LastUsedRegion)
	}
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.RecordAccessKeyUse(ctx, "AKIANOPE", used, "iam", "") }), store.ErrNotFound)
}

func sameKey(a, b store.AccessKey) bool {
	return a.ID == b.ID && a.AccountID == b.AccountID && a.UserID == b.UserID && a.Status == b.Status &&
		bytes.Equal(a.SecretSealed, b.SecretSealed) && a.CreatedAt.Equal(b.CreatedAt) &&
		a.LastUsedAt.Equal(b.LastUsedAt) && a.LastUsedService == b.LastUsedService && a.LastUsedRegion == b.LastUsedRegion
}
