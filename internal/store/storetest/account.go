package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

func (s *Suite) TestAccountCreateGet(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	a, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.Account, error) { return tx.GetAccount(ctx, Account1) })
	WantErr(t, err, nil)
	if a.ID != Account1 || !a.CreatedAt.Equal(T0) || a.CreatedAt.Location() != time.UTC || a.Revision != 1 {
		t.Fatalf("GetAccount = %+v, want ID %s, CreatedAt %v UTC, Revision 1", a, Account1, T0)
	}
	err = st.Tx(t.Context(), func(tx store.Txn) error {
		return tx.CreateAccount(t.Context(), store.Account{ID: Account1, CreatedAt: T0})
	})
	WantErr(t, err, store.ErrConflict)
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.Account, error) { return tx.GetAccount(ctx, Account2) })
	WantErr(t, err, store.ErrNotFound)
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (int64, error) { return tx.Revision(ctx, Account2) })
	WantErr(t, err, store.ErrNotFound)
}

func (s *Suite) TestAccountTimesAreUTCMicroseconds(t *testing.T) {
	st := s.Store(t)
	local := time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.FixedZone("X", 5*3600))
	MustTx(t, st, func(tx store.Txn) error {
		return tx.CreateAccount(t.Context(), store.Account{ID: Account1, CreatedAt: local})
	})
	a, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.Account, error) { return tx.GetAccount(ctx, Account1) })
	WantErr(t, err, nil)
	if want := store.UTC(local); !a.CreatedAt.Equal(want) || a.CreatedAt.Location() != time.UTC || a.CreatedAt.Nanosecond() != 123456000 {
		t.Fatalf("CreatedAt = %v, want %v in UTC", a.CreatedAt, want)
	}
}

func (s *Suite) TestAccountListPages(t *testing.T) {
	st := s.Store(t)
	var ids []string
	for i := 5; i >= 1; i-- { // created out of order; listed by ID
		id := fmt.Sprintf("%012d", i)
		NewAccount(t, st, id)
		ids = append([]string{id}, ids...)
	}
	listAccounts := func(ctx context.Context, tx store.Txn, p store.Page) ([]store.Account, bool, error) {
		return tx.ListAccounts(ctx, p)
	}
	for _, limit := range []int{1, 2, 5, 6} {
		var got []string
		for _, a := range CollectPages(t, st, limit, listAccounts, func(a store.Account) string { return a.ID }) {
			got = append(got, a.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(ids) {
			t.Fatalf("limit %d: listed %v, want %v", limit, got, ids)
		}
	}
	// After is exclusive and need not be an existing key.
	rest, more, err := func() ([]store.Account, bool, error) {
		var items []store.Account
		var more bool
		err := st.View(t.Context(), func(tx store.Txn) error {
			var err error
			items, more, err = tx.ListAccounts(t.Context(), store.Page{After: ids[1] + "5", Limit: 2})
			return err
		})
		return items, more, err
	}()
	WantErr(t, err, nil)
	if len(rest) != 2 || rest[0].ID != ids[2] || rest[1].ID != ids[3] || !more {
		t.Fatalf("page after %s = %+v (more %v), want %s, %s and more", ids[1]+"5", rest, more, ids[2], ids[3])
	}
	all, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.Account, error) {
		items, more, err := tx.ListAccounts(ctx, store.Page{})
		if more {
			return nil, fmt.Errorf("unlimited page reports more")
		}
		return items, err
	})
	WantErr(t, err, nil)
	if len(all) != 5 {
		t.Fatalf("unlimited page has %d accounts, want 5", len(all))
	}
}

func (s *Suite) TestAccountDeleteCascades(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	ctx := t.Context()
	for _, id := range []string{Account1, Account2} {
		MustTx(t, st, func(tx store.Txn) error {
			if err := tx.CreateAccountAlias(ctx, store.AccountAlias{AccountID: id, Alias: "alias-" + id, CreatedAt: T0}); err != nil {
				return err
			}
			if err := tx.PutAccountSetting(ctx, id, store.SettingPasswordPolicy, "{}"); err != nil {
				return err
			}
			if err := tx.CreateAccessKey(ctx, store.AccessKey{ID: "AKIAROOT" + id, AccountID: id, Status: store.AccessKeyActive, SecretSealed: []byte{1}, CreatedAt: T0}); err != nil {
				return err
			}
			return tx.PutTags(ctx, id, store.TagKindRole, "AROA"+id, []store.Tag{{Key: "k", Value: "v"}})
		})
	}
	MustTx(t, st, func(tx store.Txn) error { return tx.DeleteAccount(ctx, Account1) })
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.DeleteAccount(ctx, Account1) }), store.ErrNotFound)

	MustView(t, st, func(tx store.Txn) error {
		if _, err := tx.GetAccount(ctx, Account1); !isNotFound(err) {
			return fmt.Errorf("GetAccount after delete: %v", err)
		}
		if _, err := tx.GetAccountByAlias(ctx, "alias-"+Account1); !isNotFound(err) {
			return fmt.Errorf("alias survived its account: %v", err)
		}
		if _, err := tx.GetAccountSetting(ctx, Account1, store.SettingPasswordPolicy); !isNotFound(err) {
			return fmt.Errorf("setting survived its account: %v", err)
		}
		if _, err := tx.GetAccessKey(ctx, "AKIAROOT"+Account1); !isNotFound(err) {
			return fmt.Errorf("access key survived its account: %v", err)
		}
		if tags, err := tx.ListTags(ctx, Account1, store.TagKindRole, "AROA"+Account1); err != nil || len(tags) != 0 {
			return fmt.Errorf("tags survived their account: %v %v", tags, err)
		}
		// The other account is intact.
		if a, err := tx.GetAccountByAlias(ctx, "alias-"+Account2); err != nil || a.ID != Account2 {
			return fmt.Errorf("other account's alias: %+v %v", a, err)
		}
		if _, err := tx.GetAccessKey(ctx, "AKIAROOT"+Account2); err != nil {
			return fmt.Errorf("other account's key: %v", err)
		}
		if tags, err := tx.ListTags(ctx, Account2, store.TagKindRole, "AROA"+Account2); err != nil || len(tags) != 1 {
			return fmt.Errorf("other account's tags: %v %v", tags, err)
		}
		return nil
	})
}

func (s *Suite) TestAccountAliases(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	ctx := t.Context()
	create := func(acct, alias string) error {
		return st.Tx(ctx, func(tx store.Txn) error {
			return tx.CreateAccountAlias(ctx, store.AccountAlias{AccountID: acct, Alias: alias, CreatedAt: T0})
		})
	}
	WantErr(t, create(Account1, "prod"), nil)
	WantErr(t, create(Account1, "prod"), store.ErrConflict)
	WantErr(t, create(Account2, "prod"), store.ErrConflict) // global uniqueness
	WantErr(t, create("999999999999", "nobody"), store.ErrNotFound)
	WantErr(t, create(Account1, "beta"), nil) // the 1-per-account quota is the domain's

	aliases, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.AccountAlias, error) {
		return tx.ListAccountAliases(ctx, Account1)
	})
	WantErr(t, err, nil)
	if len(aliases) != 2 || aliases[0].Alias != "beta" || aliases[1].Alias != "prod" || aliases[0].AccountID != Account1 || !aliases[0].CreatedAt.Equal(T0) {
		t.Fatalf("ListAccountAliases = %+v, want beta, prod of %s", aliases, Account1)
	}
	a, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.Account, error) {
		return tx.GetAccountByAlias(ctx, "prod")
	})
	WantErr(t, err, nil)
	if a.ID != Account1 {
		t.Fatalf("GetAccountByAlias(prod) = %s, want %s", a.ID, Account1)
	}

	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.DeleteAccountAlias(ctx, Account2, "prod") }), store.ErrNotFound)
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.DeleteAccountAlias(ctx, Account1, "prod") })
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.DeleteAccountAlias(ctx, Account1, "prod") }), store.ErrNotFound)
	WantErr(t, create(Account2, "prod"), nil) // free again
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.CreateAccountAlias(ctx, store.AccountAlias{AccountID: Account1, Alias: "gamma", CreatedAt: T0})
	})
}

func (s *Suite) TestAccountSettings(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	ctx := t.Context()
	read := func(name string) (string, error) {
		return Get(t, st, func(ctx context.Context, tx store.Txn) (string, error) {
			return tx.GetAccountSetting(ctx, Account1, name)
		})
	}
	_, err := read(store.SettingPasswordPolicy)
	WantErr(t, err, store.ErrNotFound)
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.PutAccountSetting(ctx, Account1, store.SettingPasswordPolicy, `{"MinimumPasswordLength":8}`)
	})
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.PutAccountSetting(ctx, Account1, store.SettingPasswordPolicy, `{"MinimumPasswordLength":12}`)
	})
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.PutAccountSetting(ctx, Account1, store.SettingMaxAccessKeyAge, "2160h")
	})
	v, err := read(store.SettingPasswordPolicy)
	WantErr(t, err, nil)
	if v != `{"MinimumPasswordLength":12}` {
		t.Fatalf("password policy = %q, want the replaced value", v)
	}
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.DeleteAccountSetting(ctx, Account1, store.SettingPasswordPolicy)
	})
	_, err = read(store.SettingPasswordPolicy)
	WantErr(t, err, store.ErrNotFound)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.DeleteAccountSetting(ctx, Account1, store.SettingPasswordPolicy) }), store.ErrNotFound)
	if v, err := read(store.SettingMaxAccessKeyAge); err != nil || v != "2160h" {
		t.Fatalf("other setting = %q, %v; want it untouched", v, err)
	}
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.PutAccountSetting(ctx, "999999999999", "x", "y") }), store.ErrNotFound)
}

func isNotFound(err error) bool { return err != nil && errorsIs(err, store.ErrNotFound) }
