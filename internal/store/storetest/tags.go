package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/iamd/iamd/internal/store"
)

func (s *Suite) TestTags(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	const kind, id, other = store.TagKindUser, "AIDAUSER000000000001", "AIDAUSER000000000002"
	list := func(resource string) string {
		t.Helper()
		tags, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.Tag, error) {
			return tx.ListTags(ctx, Account1, kind, resource)
		})
		WantErr(t, err, nil)
		return fmt.Sprint(tags)
	}
	if got := list(id); got != "[]" {
		t.Fatalf("untagged resource has tags %s", got)
	}
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.PutTags(ctx, Account1, kind, id, []store.Tag{{Key: "team", Value: "a"}, {Key: "Env", Value: "prod"}, {Key: "empty", Value: ""}})
	})
	MustTx(t, st, func(tx store.Txn) error {
		return tx.PutTags(t.Context(), Account1, kind, other, []store.Tag{{Key: "team", Value: "b"}})
	})
	// Ordered case-insensitively by key.
	if got, want := list(id), "[{empty } {Env prod} {team a}]"; got != want {
		t.Fatalf("tags = %s, want %s", got, want)
	}
	// Keys match case-insensitively; the new case wins.
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.PutTags(ctx, Account1, kind, id, []store.Tag{{Key: "ENV", Value: "dev"}})
	})
	if got, want := list(id), "[{empty } {ENV dev} {team a}]"; got != want {
		t.Fatalf("after retag: %s, want %s", got, want)
	}
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.DeleteTags(ctx, Account1, kind, id, []string{"env", "absent"})
	})
	if got, want := list(id), "[{empty } {team a}]"; got != want {
		t.Fatalf("after untag: %s, want %s", got, want)
	}
	// Same ID under another kind is another resource.
	MustView(t, st, func(tx store.Txn) error {
		tags, err := tx.ListTags(t.Context(), Account1, store.TagKindRole, id)
		if err == nil && len(tags) != 0 {
			err = fmt.Errorf("role with the user's ID has tags %v", tags)
		}
		return err
	})
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.DeleteAllTags(ctx, Account1, kind, id)
	})
	if got := list(id); got != "[]" {
		t.Fatalf("after DeleteAllTags: %s", got)
	}
	if got, want := list(other), "[{team b}]"; got != want {
		t.Fatalf("other resource's tags = %s, want %s", got, want)
	}
	WantErr(t, st.Tx(t.Context(), func(tx store.Txn) error {
		return tx.PutTags(t.Context(), "999999999999", kind, id, []store.Tag{{Key: "k", Value: "v"}})
	}), store.ErrNotFound)
}
