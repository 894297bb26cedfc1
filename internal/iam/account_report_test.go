package iam

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

func TestCredentialReport(t *testing.T) {
	e := newMFAEnv(t, Quotas{})
	ctx := t.Context()
	_, err := e.svc.GetCredentialReport(ctx, testAccount)
	wantError(t, err, "ReportNotPresent", "Credential report not present")

	alice := e.user(t, "alice")
	bob := e.user(t, "bob")
	created := e.clock()
	serial, seed := e.device(t, "/", "alice")
	c1, c2 := e.codes(seed)
	if err := e.svc.EnableMFADevice(ctx, testAccount, "alice", serial, c1, c2); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.UpdateAccountPasswordPolicy(ctx, testAccount, PasswordPolicyInput{MaxPasswordAge: ptr(30)}); err != nil {
		t.Fatal(err)
	}
	used := created.Add(time.Hour)
	// Alice has a password and two keys (one used), bob nothing.
	if err := e.store.Tx(ctx, func(tx store.Txn) error {
		if err := tx.CreateLoginProfile(ctx, store.LoginProfile{AccountID: testAccount, UserID: alice.ID,
			PasswordHash: "$argon2id$test", CreatedAt: created, PasswordChangedAt: created}); err != nil {
			return err
		}
		for i, id := range []string{"AKIAALICE00000000001", "AKIAALICE00000000002"} {
			if err := tx.CreateAccessKey(ctx, store.AccessKey{ID: id, AccountID: testAccount, UserID: alice.ID,
				Status: store.AccessKeyActive, SecretSealed: []byte("x"), CreatedAt: created.Add(time.Duration(i) * time.Minute)}); err != nil {
				return err
			}
		}
		if err := tx.UpdateAccessKeyStatus(ctx, testAccount, "AKIAALICE00000000002", store.AccessKeyInactive); err != nil {
			return err
		}
		return tx.RecordAccessKeyUse(ctx, "AKIAALICE00000000001", used, "iam", "us-east-1")
	}); err != nil {
		t.Fatal(err)
	}

	state, desc, err := e.svc.GenerateCredentialReport(ctx, testAccount)
	if err != nil || state != ReportStarted || desc == "" {
		t.Fatalf("first generate: %q %q %v", state, desc, err)
	}
	generated := e.clock()
	e.advance(time.Minute)
	if state, _, err := e.svc.GenerateCredentialReport(ctx, testAccount); err != nil || state != ReportComplete {
		t.Fatalf("second generate: %q %v", state, err)
	}
	r, err := e.svc.GetCredentialReport(ctx, testAccount)
	if err != nil {
		t.Fatal(err)
	}
	if !r.GeneratedAt.Equal(generated) {
		t.Fatalf("generated at %v, want %v", r.GeneratedAt, generated)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.Content))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(CredentialReportColumns, ",") || len(rows[0]) != 22 {
		t.Fatalf("report:\n%s", r.Content)
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }
	want := map[string][]string{
		"<root_account>": {"<root_account>", "arn:aws:iam::123456789012:root", ts(rows0Created(t, e)), "not_supported", "N/A", "not_supported", "not_supported", "false",
			"true", ts(rows0Created(t, e)), "N/A", "N/A", "N/A", "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"},
		"alice": {"alice", "arn:aws:iam::123456789012:user/alice", ts(created), "true", "no_information", ts(created), ts(created.Add(30 * 24 * time.Hour)), "true",
			"true", ts(created), ts(used), "us-east-1", "iam", "false", ts(created.Add(time.Minute)), "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"},
		"bob": {"bob", "arn:aws:iam::123456789012:user/bob", ts(created), "false", "N/A", "N/A", "N/A", "false",
			"false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"},
	}
	for _, row := range rows[1:] {
		if strings.Join(row, ",") != strings.Join(want[row[0]], ",") {
			t.Errorf("row %s:\n got  %v\n want %v", row[0], row, want[row[0]])
		}
	}
	_ = bob

	// The report is a snapshot: later changes show in the next one only.
	e.user(t, "carol")
	if r2, _ := e.svc.GetCredentialReport(ctx, testAccount); strings.Contains(string(r2.Content), "carol") {
		t.Fatal("report changed after generation")
	}
	e.advance(CredentialReportMaxAge)
	_, err = e.svc.GetCredentialReport(ctx, testAccount)
	wantCode(t, err, "ReportExpired")
	if state, _, err := e.svc.GenerateCredentialReport(ctx, testAccount); err != nil || state != ReportStarted {
		t.Fatalf("generate after expiry: %q %v", state, err)
	}
	r, err = e.svc.GetCredentialReport(ctx, testAccount)
	if err != nil || !strings.Contains(string(r.Content), "\ncarol,") {
		t.Fatalf("new report: %v\n%s", err, r.Content)
	}
}

// rows0Created is the account's creation time (the root row's
// user_creation_time and its bootstrap key's creation).
func rows0Created(t *testing.T, e *mfaEnv) time.Time {
	t.Helper()
	var a store.Account
	if err := e.store.View(t.Context(), func(tx store.Txn) error {
		var err error
		a, err = tx.GetAccount(t.Context(), testAccount)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return a.CreatedAt
}
