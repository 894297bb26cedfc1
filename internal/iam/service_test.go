package iam

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/sqlite"
)

const (
	testAccount = "123456789012"
	testKeyID   = "AKIAIOSFODNN7EXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type serviceEnv struct {
	svc   *Service
	store *sqlite.Store
	key   []byte
}

func newTestService(t *testing.T, masterKey []byte, previous ...[]byte) serviceEnv {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "iamd.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return serviceOn(t, st, masterKey, previous...)
}

func serviceOn(t *testing.T, st *sqlite.Store, masterKey []byte, previous ...[]byte) serviceEnv {
	t.Helper()
	sealer, err := secret.NewSealer(rand.Reader, masterKey, previous...)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := secret.NewPasswordHasher(rand.Reader, secret.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	svc := New(Config{Store: st, Sealer: sealer, Passwords: hasher, Now: func() time.Time { return testNow }, Rand: rand.Reader})
	return serviceEnv{svc: svc, store: st, key: masterKey}
}

func masterKey(b byte) []byte { return bytes.Repeat([]byte{b}, secret.KeySize) }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

func TestEnsureAccountCreatesAccountAndRootKey(t *testing.T) {
	env := newTestService(t, masterKey(1))
	ctx := t.Context()
	if err := env.svc.EnsureAccount(ctx, testAccount, testKeyID, testSecret); err != nil {
		t.Fatal(err)
	}
	var acct store.Account
	var key store.AccessKey
	err := env.store.View(ctx, func(tx store.Txn) error {
		var err error
		if acct, err = tx.GetAccount(ctx, testAccount); err != nil {
			return err
		}
		key, err = tx.GetAccessKey(ctx, testKeyID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !acct.CreatedAt.Equal(testNow) {
		t.Fatalf("account created at %v, want the injected clock %v", acct.CreatedAt, testNow)
	}
	if key.AccountID != testAccount || key.UserID != "" || key.Status != store.AccessKeyActive || !key.CreatedAt.Equal(testNow) {
		t.Fatalf("root key = %+v", key)
	}
	if bytes.Contains(key.SecretSealed, []byte(testSecret)) || bytes.Contains(key.SecretSealed, []byte("EXAMPLEKEY")) {
		t.Fatal("secret stored in clear")
	}

	cred, err := env.svc.LookupAccessKey(ctx, testKeyID)
	if err != nil {
		t.Fatal(err)
	}
	want := Credential{AccessKeyID: testKeyID, SecretAccessKey: testSecret, AccountID: testAccount, Active: true, CreatedAt: testNow}
	if cred != want || !cred.IsRoot() {
		t.Fatalf("LookupAccessKey = %+v, want %+v", cred, want)
	}
}

func TestEnsureAccountIsIdempotent(t *testing.T) {
	env := newTestService(t, masterKey(1))
	ctx := t.Context()
	for range 2 {
		if err := env.svc.EnsureAccount(ctx, testAccount, testKeyID, testSecret); err != nil {
			t.Fatal(err)
		}
	}
	rev, err := env.svc.Revision(ctx, testAccount)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.svc.EnsureAccount(ctx, testAccount, testKeyID, testSecret); err != nil {
		t.Fatal(err)
	}
	if again, _ := env.svc.Revision(ctx, testAccount); again != rev {
		t.Fatalf("a no-op EnsureAccount bumped the revision %d -> %d", rev, again)
	}
	// An account without bootstrap key.
	if err := env.svc.EnsureAccount(ctx, "210987654321", "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.Revision(ctx, "210987654321"); err != nil {
		t.Fatal(err)
	}
}

func TestEnsureAccountKeepsStatusAndUpdatesSecret(t *testing.T) {
	env := newTestService(t, masterKey(1))
	ctx := t.Context()
	if err := env.svc.EnsureAccount(ctx, testAccount, testKeyID, testSecret); err != nil {
		t.Fatal(err)
	}
	if err := env.store.Tx(ctx, func(tx store.Txn) error {
		return tx.UpdateAccessKeyStatus(ctx, testAccount, testKeyID, store.AccessKeyInactive)
	}); err != nil {
		t.Fatal(err)
	}
	const newSecret = "AnotherSecretValueOf40CharactersXXXXXXXX"
	if err := env.svc.EnsureAccount(ctx, testAccount, testKeyID, newSecret); err != nil {
		t.Fatal(err)
	}
	cred, err := env.svc.LookupAccessKey(ctx, testKeyID)
	if err != nil {
		t.Fatal(err)
	}
	if cred.SecretAccessKey != newSecret || cred.Active {
		t.Fatalf("after re-bootstrap: secret %q active %v; want the new secret, still inactive", cred.SecretAccessKey, cred.Active)
	}
}

func TestEnsureAccountResealsAfterMasterKeyRotation(t *testing.T) {
	env := newTestService(t, masterKey(1))
	ctx := t.Context()
	if err := env.svc.EnsureAccount(ctx, testAccount, testKeyID, testSecret); err != nil {
		t.Fatal(err)
	}
	rotated := serviceOn(t, env.store, masterKey(2), masterKey(1))
	if err := rotated.svc.EnsureAccount(ctx, testAccount, testKeyID, testSecret); err != nil {
		t.Fatal(err)
	}
	// Only the new key is needed from now on.
	onlyNew := serviceOn(t, env.store, masterKey(2))
	cred, err := onlyNew.svc.LookupAccessKey(ctx, testKeyID)
	if err != nil || cred.SecretAccessKey != testSecret {
		t.Fatalf("after reseal: %+v, %v", cred, err)
	}
	// A lost master key: lookups fail as ServiceFailure, and bootstrapping
	// with the configured secret repairs the key.
	lost := serviceOn(t, env.store, masterKey(3))
	_, err = lost.svc.LookupAccessKey(ctx, testKeyID)
	wantCode(t, err, CodeServiceFailure)
	if err := lost.svc.EnsureAccount(ctx, testAccount, testKeyID, testSecret); err != nil {
		t.Fatal(err)
	}
	if cred, err := lost.svc.LookupAccessKey(ctx, testKeyID); err != nil || cred.SecretAccessKey != testSecret {
		t.Fatalf("after repair: %+v, %v", cred, err)
	}
}

func TestEnsureAccountConflictsAndQuota(t *testing.T) {
	env := newTestService(t, masterKey(1))
	ctx := t.Context()
	if err := env.svc.EnsureAccount(ctx, testAccount, testKeyID, testSecret); err != nil {
		t.Fatal(err)
	}
	// The same key ID for another account.
	wantCode(t, env.svc.EnsureAccount(ctx, "210987654321", testKeyID, testSecret), CodeEntityAlreadyExists)
	// A user's key ID.
	if err := env.store.Tx(ctx, func(tx store.Txn) error {
		return tx.CreateAccessKey(ctx, store.AccessKey{ID: "AKIAUSERKEY000000001", AccountID: testAccount, UserID: "AIDAUSER000000000001",
			Status: store.AccessKeyActive, SecretSealed: []byte("x"), CreatedAt: testNow})
	}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, env.svc.EnsureAccount(ctx, testAccount, "AKIAUSERKEY000000001", testSecret), CodeEntityAlreadyExists)
	// The root may hold two keys; a third is refused.
	if err := env.svc.EnsureAccount(ctx, testAccount, "AKIASECONDROOTKEY001", testSecret); err != nil {
		t.Fatal(err)
	}
	err := env.svc.EnsureAccount(ctx, testAccount, "AKIATHIRDROOTKEY0001", testSecret)
	wantCode(t, err, CodeLimitExceeded)
	if !strings.Contains(err.Error(), "AccessKeysPerUser: 2") {
		t.Fatalf("quota message: %v", err)
	}
}

func TestEnsureAccountValidation(t *testing.T) {
	env := newTestService(t, masterKey(1))
	tests := []struct {
		name, account, keyID, secret, code string
	}{
		{"short account", "12345", "", "", CodeInvalidInput},
		{"letters in account", "12345678901a", "", "", CodeInvalidInput},
		{"key without secret", testAccount, testKeyID, "", CodeInvalidInput},
		{"secret without key", testAccount, "", testSecret, CodeInvalidInput},
		{"short key ID", testAccount, "AKIASHORT", testSecret, CodeValidationError},
		{"key ID with slash", testAccount, "AKIA/OSFODNN7EXAMPL", testSecret, CodeValidationError},
		{"short secret", testAccount, testKeyID, "tooshort", CodeValidationError},
		{"secret with space", testAccount, testKeyID, "secret with spaces in it!", CodeValidationError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := env.svc.EnsureAccount(t.Context(), tt.account, tt.keyID, tt.secret)
			wantCode(t, err, tt.code)
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Fatalf("error echoes the secret: %v", err)
			}
		})
	}
}

func TestLookupAccessKeyUnknown(t *testing.T) {
	env := newTestService(t, masterKey(1))
	_, err := env.svc.LookupAccessKey(t.Context(), "AKIANOSUCHKEY0000000")
	wantCode(t, err, CodeNoSuchEntity)
	if !strings.Contains(err.Error(), "The Access Key with id AKIANOSUCHKEY0000000 cannot be found.") {
		t.Fatalf("message: %v", err)
	}
}

func TestLookupAccessKeyUserKeyAndSealBinding(t *testing.T) {
	env := newTestService(t, masterKey(1))
	ctx := t.Context()
	if err := env.svc.EnsureAccount(ctx, testAccount, "", ""); err != nil {
		t.Fatal(err)
	}
	sealed, err := env.svc.sealAccessKeySecret("AKIAUSERKEY000000001", "user-secret-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	put := func(id string) {
		t.Helper()
		if err := env.store.Tx(ctx, func(tx store.Txn) error {
			return tx.CreateAccessKey(ctx, store.AccessKey{ID: id, AccountID: testAccount, UserID: "AIDAUSER000000000001",
				Status: store.AccessKeyInactive, SecretSealed: sealed, CreatedAt: testNow})
		}); err != nil {
			t.Fatal(err)
		}
	}
	put("AKIAUSERKEY000000001")
	cred, err := env.svc.LookupAccessKey(ctx, "AKIAUSERKEY000000001")
	if err != nil {
		t.Fatal(err)
	}
	if cred.IsRoot() || cred.UserID != "AIDAUSER000000000001" || cred.Active || cred.SecretAccessKey != "user-secret-0123456789" {
		t.Fatalf("user credential = %+v", cred)
	}
	// The same sealed bytes under another key ID do not open.
	put("AKIAUSERKEY000000002")
	_, err = env.svc.LookupAccessKey(ctx, "AKIAUSERKEY000000002")
	wantCode(t, err, CodeServiceFailure)
}

func TestMapStoreErr(t *testing.T) {
	nf := NoSuchEntity("The user with name bob cannot be found.")
	cf := EntityAlreadyExists("User with name bob already exists.")
	other := errors.New("disk on fire")
	tests := []struct {
		name     string
		in       error
		nf, cf   *Error
		wantCode string // "" = passes through unchanged
	}{
		{"not found", fmt.Errorf("x: %w", store.ErrNotFound), nf, cf, CodeNoSuchEntity},
		{"conflict", fmt.Errorf("x: %w", store.ErrConflict), nf, cf, CodeEntityAlreadyExists},
		{"not found, no mapping", store.ErrNotFound, nil, cf, ""},
		{"other", other, nf, cf, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mapStoreErr(tt.in, tt.nf, tt.cf)
			if tt.wantCode == "" {
				if got != tt.in {
					t.Fatalf("got %v, want %v unchanged", got, tt.in)
				}
				return
			}
			wantCode(t, got, tt.wantCode)
			if !errors.Is(got, tt.in) {
				t.Fatal("the store error is not kept as the cause")
			}
		})
	}
	if mapStoreErr(nil, nf, cf) != nil {
		t.Fatal("nil mapped to an error")
	}
	// The templates are not modified.
	_ = mapStoreErr(store.ErrNotFound, nf, nil)
	if nf.Cause != nil {
		t.Fatal("mapStoreErr mutated its template")
	}
}

func TestTxMapsErrors(t *testing.T) {
	env := newTestService(t, masterKey(1))
	ctx := t.Context()
	domain := NoSuchEntity("nope")
	err := env.svc.tx(ctx, func(store.Txn) error { return domain })
	if err != domain {
		t.Fatalf("domain error came back as %v", err)
	}
	err = env.svc.tx(ctx, func(store.Txn) error { return fmt.Errorf("wrapped: %w", domain) })
	if err != domain {
		t.Fatalf("wrapped domain error came back as %v", err)
	}
	cause := errors.New("unexpected")
	err = env.svc.view(ctx, func(store.Txn) error { return cause })
	wantCode(t, err, CodeServiceFailure)
	if !errors.Is(err, cause) || strings.Contains(err.(*Error).Message, "unexpected") {
		t.Fatalf("ServiceFailure must keep the cause for the log only: %v", err)
	}
	if env.svc.tx(ctx, func(store.Txn) error { return nil }) != nil {
		t.Fatal("nil became an error")
	}
}

func TestRevisionUnknownAccount(t *testing.T) {
	env := newTestService(t, masterKey(1))
	_, err := env.svc.Revision(t.Context(), "999999999999")
	wantCode(t, err, CodeNoSuchEntity)
}

func TestNewValidatesConfig(t *testing.T) {
	sealer, _ := secret.NewSealer(rand.Reader, masterKey(1))
	good := Config{Store: &sqlite.Store{}, Sealer: sealer, Now: time.Now, Rand: rand.Reader}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	for name, mutate := range map[string]func(*Config){
		"no store":  func(c *Config) { c.Store = nil },
		"no sealer": func(c *Config) { c.Sealer = nil },
		"no clock":  func(c *Config) { c.Now = nil },
		"no rand":   func(c *Config) { c.Rand = nil },
		"bad quota": func(c *Config) { c.Quotas = DefaultQuotas(); c.Quotas.AccessKeysPerUser = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			c := good
			mutate(&c)
			if c.Validate() == nil {
				t.Fatal("Validate accepted it")
			}
			defer func() {
				if recover() == nil {
					t.Fatal("New did not panic")
				}
			}()
			New(c)
		})
	}
	svc := New(good)
	if svc.Quotas() != DefaultQuotas() {
		t.Fatal("zero quotas did not default")
	}
}

// Several nodes starting at once all bootstrap the same account and key.
func TestEnsureAccountConcurrentNodes(t *testing.T) {
	env := newTestService(t, masterKey(1))
	const nodes = 10
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { errs[i] = env.svc.EnsureAccount(context.Background(), testAccount, testKeyID, testSecret) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
	}
	var keys []store.AccessKey
	err := env.store.View(t.Context(), func(tx store.Txn) error {
		var err error
		keys, err = tx.ListAccessKeys(t.Context(), testAccount, "")
		return err
	})
	if err != nil || len(keys) != 1 || keys[0].ID != testKeyID {
		t.Fatalf("root keys after concurrent bootstrap: %+v, %v", keys, err)
	}
}

func TestRecordAccessKeyUse(t *testing.T) {
	env := newTestService(t, masterKey(1))
	ctx := t.Context()
	if err := env.svc.EnsureAccount(ctx, testAccount, testKeyID, testSecret); err != nil {
		t.Fatal(err)
	}
	now := testNow
	env.svc.now = func() time.Time { return now }
	lookup := func() Credential {
		t.Helper()
		c, err := env.svc.LookupAccessKey(ctx, testKeyID)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := lookup(); !c.LastUsedAt.IsZero() {
		t.Fatalf("unused key has last use %v", c.LastUsedAt)
	}
	rev, _ := env.svc.Revision(ctx, testAccount)
	steps := []struct {
		advance         time.Duration
		service, region string
		wantAt          time.Time
		wantService     string
	}{
		{0, "iam", "us-east-1", testNow, "iam"},                                      // first use recorded
		{time.Minute, "iam", "us-east-1", testNow, "iam"},                            // same window: no write
		{time.Minute, "sts", "us-east-1", testNow.Add(2 * time.Minute), "sts"},       // other service: written
		{15 * time.Minute, "sts", "us-east-1", testNow.Add(17 * time.Minute), "sts"}, // window passed
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		if err := env.svc.RecordAccessKeyUse(ctx, lookup(), st.service, st.region); err != nil {
			t.Fatal(err)
		}
		c := lookup()
		if !c.LastUsedAt.Equal(st.wantAt) || c.LastUsedService != st.wantService || c.LastUsedRegion != st.region {
			t.Fatalf("step %d: last use %v %s %s, want %v %s %s", i, c.LastUsedAt, c.LastUsedService, c.LastUsedRegion, st.wantAt, st.wantService, st.region)
		}
	}
	if after, _ := env.svc.Revision(ctx, testAccount); after != rev {
		t.Fatalf("recording use bumped the revision %d -> %d", rev, after)
	}
	// A key deleted between lookup and recording.
	gone := lookup()
	gone.AccessKeyID = "AKIADELETEDKEY000000"
	gone.LastUsedAt = time.Time{}
	if err := env.svc.RecordAccessKeyUse(ctx, gone, "iam", "us-east-1"); err != nil {
		t.Fatalf("deleted key: %v", err)
	}
}
