package iam

import (
	"crypto/rand"
	"errors"
	"fmt"
	"testing"

	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/store"
)

func TestResealSecrets(t *testing.T) {
	e := newMFAEnv(t, Quotas{}) // sealed under masterKey(1)
	ctx := t.Context()
	// More users than one page of resealPage, each with a key, so that the
	// paging of users is exercised; devices assigned and not.
	var keys []AccessKey
	for i := range resealPage + 5 {
		name := fmt.Sprintf("user-%03d", i)
		e.user(t, name)
		k, err := e.svc.CreateAccessKey(ctx, testAccount, name)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	serial, seed := e.device(t, "/", "alice-phone")
	c1, c2 := e.codes(seed)
	if err := e.svc.EnableMFADevice(ctx, testAccount, "user-000", serial, c1, c2); err != nil {
		t.Fatal(err)
	}
	e.device(t, "/", "spare")

	withKeys := func(primary []byte, previous ...[]byte) *Service {
		sealer, err := secret.NewSealer(rand.Reader, primary, previous...)
		if err != nil {
			t.Fatal(err)
		}
		return New(Config{Store: e.store, Sealer: sealer, Now: e.clock, Rand: rand.Reader})
	}

	// Without the old key nothing opens, and the pass says which value.
	if _, err := withKeys(masterKey(3)).ResealSecrets(ctx); !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("reseal without the old key: %v, want ErrUnknownKey", err)
	}

	rotating := withKeys(masterKey(2), masterKey(1))
	got, err := rotating.ResealSecrets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (ResealCounts{AccessKeys: resealPage + 6, MFASeeds: 2}); got != want {
		t.Fatalf("first pass re-sealed %+v, want %+v (the root's key, every user's, both devices)", got, want)
	}
	if got, err := rotating.ResealSecrets(ctx); err != nil || got != (ResealCounts{}) {
		t.Fatalf("second pass re-sealed %+v, %v; want nothing", got, err)
	}

	// The new key alone opens everything.
	after := withKeys(masterKey(2))
	for _, k := range append(keys, AccessKey{ID: testKeyID, Secret: testSecret}) {
		cred, err := after.LookupAccessKey(ctx, k.ID)
		if err != nil || cred.SecretAccessKey != k.Secret {
			t.Fatalf("key %s after rotation: %+v, %v", k.ID, cred, err)
		}
	}
	e.advance(TOTPPeriod)
	u, err := after.GetUser(ctx, testAccount, "user-000")
	if err != nil {
		t.Fatal(err)
	}
	ok, err := after.VerifyMFACode(ctx, testAccount, u.ID, serial, TOTPCode(seed, e.clock()))
	if err != nil || !ok {
		t.Fatalf("MFA code after rotation: %v, %v", ok, err)
	}
	var devices []store.MFADevice
	if err := e.store.View(ctx, func(tx store.Txn) error {
		devices, _, err = tx.ListVirtualMFADevices(ctx, testAccount, store.MFAAny, store.Page{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, d := range devices {
		if after.sealer.NeedsReseal(d.SeedSealed) {
			t.Errorf("device %s still sealed under the old key", d.SerialNumber)
		}
	}
}
