package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/iamd/iamd/internal/store"
)

// Transaction semantics shared by every area: commit, rollback, retries,
// read-only views, revision bumps, serializable read-check-write.

func (s *Suite) TestTxRollbackOnError(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	before := Revision(t, st, Account1)
	err := st.Tx(t.Context(), func(tx store.Txn) error {
		if err := tx.CreateAccount(t.Context(), store.Account{ID: Account2, CreatedAt: T0}); err != nil {
			return err
		}
		if err := tx.PutAccountSetting(t.Context(), Account1, "k", "v"); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", errTest)
	})
	WantErr(t, err, errTest)
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.Account, error) { return tx.GetAccount(ctx, Account2) })
	WantErr(t, err, store.ErrNotFound)
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (string, error) {
		return tx.GetAccountSetting(ctx, Account1, "k")
	})
	WantErr(t, err, store.ErrNotFound)
	if after := Revision(t, st, Account1); after != before {
		t.Fatalf("rolled-back Tx changed the revision: %d -> %d", before, after)
	}
}

func (s *Suite) TestTxRollbackOnPanic(t *testing.T) {
	st := s.Store(t)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v, want the closure's panic", r)
			}
		}()
		_ = st.Tx(t.Context(), func(tx store.Txn) error {
			if err := tx.CreateAccount(t.Context(), store.Account{ID: Account1, CreatedAt: T0}); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	_, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.Account, error) { return tx.GetAccount(ctx, Account1) })
	WantErr(t, err, store.ErrNotFound)
	// The store is still usable: the connection was released.
	NewAccount(t, st, Account1)
}

func (s *Suite) TestTxRetriesRetryableErrors(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	before := Revision(t, st, Account1)
	attempts := 0
	err := st.Tx(t.Context(), func(tx store.Txn) error {
		attempts++
		// Every attempt writes a different value; only the last may survive.
		if err := tx.PutAccountSetting(t.Context(), Account1, "attempt", fmt.Sprint(attempts)); err != nil {
			return err
		}
		if err := tx.CreateAccountAlias(t.Context(), store.AccountAlias{AccountID: Account1, Alias: fmt.Sprintf("try-%d", attempts), CreatedAt: T0}); err != nil {
			return err
		}
		if attempts < 3 {
			return fmt.Errorf("simulated serialization failure: %w", store.ErrRetryable)
		}
		return nil
	})
	WantErr(t, err, nil)
	if attempts != 3 {
		t.Fatalf("closure ran %d times, want 3", attempts)
	}
	v, err := Get(t, st, func(ctx context.Context, tx store.Txn) (string, error) {
		return tx.GetAccountSetting(ctx, Account1, "attempt")
	})
	WantErr(t, err, nil)
	if v != "3" {
		t.Fatalf("setting = %q, want the last attempt's 3", v)
	}
	aliases, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.AccountAlias, error) {
		return tx.ListAccountAliases(ctx, Account1)
	})
	WantErr(t, err, nil)
	if len(aliases) != 1 || aliases[0].Alias != "try-3" {
		t.Fatalf("aliases = %+v, want only try-3 (failed attempts rolled back)", aliases)
	}
	if after := Revision(t, st, Account1); after != before+1 {
		t.Fatalf("revision %d -> %d, want exactly one bump for the committed attempt", before, after)
	}
}

func (s *Suite) TestTxRetriesAreBounded(t *testing.T) {
	st := s.Store(t)
	attempts := 0
	err := st.Tx(t.Context(), func(tx store.Txn) error {
		attempts++
		return store.ErrRetryable
	})
	WantErr(t, err, store.ErrRetryable)
	if attempts < 2 || attempts > 100 {
		t.Fatalf("closure ran %d times, want a few bounded retries", attempts)
	}
}

func (s *Suite) TestTxDoesNotRetryOtherErrors(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	attempts := 0
	err := st.Tx(t.Context(), func(tx store.Txn) error {
		attempts++
		return tx.CreateAccount(t.Context(), store.Account{ID: Account1, CreatedAt: T0})
	})
	WantErr(t, err, store.ErrConflict)
	if attempts != 1 {
		t.Fatalf("closure ran %d times, want 1 (a conflict is not retryable)", attempts)
	}
}

func (s *Suite) TestTxCanceledContext(t *testing.T) {
	st := s.Store(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ran := false
	err := st.Tx(ctx, func(tx store.Txn) error {
		ran = true
		return tx.CreateAccount(ctx, store.Account{ID: Account1, CreatedAt: T0})
	})
	if err == nil {
		t.Fatalf("Tx with a canceled context succeeded (closure ran: %v)", ran)
	}
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.Account, error) { return tx.GetAccount(ctx, Account1) })
	WantErr(t, err, store.ErrNotFound)
}

func (s *Suite) TestViewIsReadOnly(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	err := st.View(t.Context(), func(tx store.Txn) error {
		return tx.PutAccountSetting(t.Context(), Account1, "k", "v")
	})
	WantErr(t, err, store.ErrReadOnly)
	err = st.View(t.Context(), func(tx store.Txn) error {
		return tx.CreateAccount(t.Context(), store.Account{ID: Account2, CreatedAt: T0})
	})
	WantErr(t, err, store.ErrReadOnly)
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.Account, error) { return tx.GetAccount(ctx, Account2) })
	WantErr(t, err, store.ErrNotFound)
}

func (s *Suite) TestViewSeesCommittedWrites(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	for i := range 5 {
		MustTx(t, st, func(tx store.Txn) error {
			return tx.PutAccountSetting(t.Context(), Account1, "n", fmt.Sprint(i))
		})
		v, err := Get(t, st, func(ctx context.Context, tx store.Txn) (string, error) {
			return tx.GetAccountSetting(ctx, Account1, "n")
		})
		WantErr(t, err, nil)
		if v != fmt.Sprint(i) {
			t.Fatalf("View read %q right after committing %d", v, i)
		}
	}
}

func (s *Suite) TestRevisionOnePerTransactionPerAccount(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	r1, r2 := Revision(t, st, Account1), Revision(t, st, Account2)
	if r1 < 1 || r2 < 1 {
		t.Fatalf("new accounts have revisions %d, %d; want >= 1", r1, r2)
	}
	// Several writes to Account1 in one Tx: one bump; Account2 untouched.
	MustTx(t, st, func(tx store.Txn) error {
		for i := range 3 {
			if err := tx.PutAccountSetting(t.Context(), Account1, fmt.Sprint("k", i), "v"); err != nil {
				return err
			}
		}
		return nil
	})
	if got := Revision(t, st, Account1); got != r1+1 {
		t.Fatalf("Account1 revision %d -> %d, want +1", r1, got)
	}
	if got := Revision(t, st, Account2); got != r2 {
		t.Fatalf("Account2 revision %d -> %d, want unchanged", r2, got)
	}
	// A Tx that only reads does not bump.
	MustTx(t, st, func(tx store.Txn) error {
		_, err := tx.GetAccountSetting(t.Context(), Account1, "k0")
		return err
	})
	if got := Revision(t, st, Account1); got != r1+1 {
		t.Fatalf("read-only Tx changed the revision to %d", got)
	}
	// A Tx writing both accounts bumps both.
	MustTx(t, st, func(tx store.Txn) error {
		return errors.Join(
			tx.PutAccountSetting(t.Context(), Account1, "x", "1"),
			tx.PutAccountSetting(t.Context(), Account2, "x", "1"))
	})
	if a, b := Revision(t, st, Account1), Revision(t, st, Account2); a != r1+2 || b != r2+1 {
		t.Fatalf("revisions = %d, %d; want %d, %d", a, b, r1+2, r2+1)
	}
}

func (s *Suite) TestRevisionNoLostUpdates(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	before := Revision(t, st, Account1)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- st.Tx(context.Background(), func(tx store.Txn) error {
				return tx.PutAccountSetting(context.Background(), Account1, fmt.Sprint("k", i), "v")
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		WantErr(t, err, nil)
	}
	if after := Revision(t, st, Account1); after != before+n {
		t.Fatalf("revision %d -> %d after %d concurrent transactions, want +%d", before, after, n, n)
	}
}

// race runs fn in n concurrent transactions and returns how many committed;
// every failure must be errors.Is one of allowed.
func race(t *testing.T, st store.Store, n int, fn func(i int, tx store.Txn) error, allowed ...error) int {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = st.Tx(context.Background(), func(tx store.Txn) error { return fn(i, tx) })
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		known := false
		for _, a := range allowed {
			known = known || errors.Is(err, a)
		}
		if !known {
			t.Errorf("unexpected error from a racing transaction: %v", err)
		}
	}
	return ok
}

var errQuota = errors.New("storetest: quota reached")

func (s *Suite) TestRaceSameAliasOneWinner(t *testing.T) {
	st := s.Store(t)
	const n = 20
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("%012d", 100000000000+i)
		NewAccount(t, st, ids[i])
	}
	won := race(t, st, n, func(i int, tx store.Txn) error {
		return tx.CreateAccountAlias(context.Background(), store.AccountAlias{AccountID: ids[i], Alias: "contested", CreatedAt: T0})
	}, store.ErrConflict)
	if won != 1 {
		t.Fatalf("%d transactions created the same alias, want exactly 1", won)
	}
}

// The quota pattern every area uses: count inside the Tx, refuse, insert.
// Serializable transactions must keep the count at the quota whatever the
// interleaving.
func (s *Suite) TestRaceQuotaReadCheckWrite(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	const n, quota = 20, 2
	won := race(t, st, n, func(i int, tx store.Txn) error {
		ctx := context.Background()
		keys, err := tx.ListAccessKeys(ctx, Account1, "")
		if err != nil {
			return err
		}
		if len(keys) >= quota {
			return errQuota
		}
		return tx.CreateAccessKey(ctx, store.AccessKey{
			ID: fmt.Sprintf("AKIARACE%012d", i), AccountID: Account1, Status: store.AccessKeyActive,
			SecretSealed: []byte("sealed"), CreatedAt: T0,
		})
	}, errQuota)
	if won != quota {
		t.Fatalf("%d transactions created a key, want exactly %d", won, quota)
	}
	keys, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.AccessKey, error) {
		return tx.ListAccessKeys(ctx, Account1, "")
	})
	WantErr(t, err, nil)
	if len(keys) != quota {
		t.Fatalf("%d root keys stored, want %d", len(keys), quota)
	}

	// Same with the one-alias-per-account rule and distinct aliases.
	won = race(t, st, n, func(i int, tx store.Txn) error {
		ctx := context.Background()
		aliases, err := tx.ListAccountAliases(ctx, Account1)
		if err != nil {
			return err
		}
		if len(aliases) >= 1 {
			return errQuota
		}
		return tx.CreateAccountAlias(ctx, store.AccountAlias{AccountID: Account1, Alias: fmt.Sprintf("alias-%d", i), CreatedAt: T0})
	}, errQuota)
	if won != 1 {
		t.Fatalf("%d transactions created an alias, want exactly 1", won)
	}
}
