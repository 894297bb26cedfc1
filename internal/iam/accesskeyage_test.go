package iam

import (
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

func TestMaxAccessKeyAge(t *testing.T) {
	env := newTestService(t, masterKey(1))
	ctx := t.Context()
	if err := env.svc.EnsureAccount(ctx, testAccount, "", ""); err != nil {
		t.Fatal(err)
	}
	if got, err := env.svc.MaxAccessKeyAge(ctx, testAccount); err != nil || got != 0 {
		t.Fatalf("unset: %v %v", got, err)
	}
	if err := env.svc.SetMaxAccessKeyAge(ctx, testAccount, 90*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, _ := env.svc.MaxAccessKeyAge(ctx, testAccount); got != 90*24*time.Hour {
		t.Fatalf("set: %v", got)
	}
	for _, bad := range []time.Duration{-24 * time.Hour, 36 * time.Hour, MaxAccessKeyAgeLimit + 24*time.Hour} {
		wantCode(t, env.svc.SetMaxAccessKeyAge(ctx, testAccount, bad), CodeInvalidInput)
	}
	wantCode(t, env.svc.SetMaxAccessKeyAge(ctx, "999999999999", 24*time.Hour), CodeNoSuchEntity)
	if err := env.svc.SetMaxAccessKeyAge(ctx, testAccount, 0); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.SetMaxAccessKeyAge(ctx, testAccount, 0); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
	if got, _ := env.svc.MaxAccessKeyAge(ctx, testAccount); got != 0 {
		t.Fatalf("removed: %v", got)
	}
	// A value the domain did not write is no limit.
	if err := env.store.Tx(ctx, func(tx store.Txn) error {
		return tx.PutAccountSetting(ctx, testAccount, store.SettingMaxAccessKeyAge, "ninety days")
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := env.svc.MaxAccessKeyAge(ctx, testAccount); err != nil || got != 0 {
		t.Fatalf("unreadable: %v %v", got, err)
	}
}
