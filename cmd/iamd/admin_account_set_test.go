package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iam"
)

// maxKeyAge reads the account's setting back from the data directory.
func maxKeyAge(t *testing.T, dir, account string) time.Duration {
	t.Helper()
	cfg := defaultConfig()
	cfg.DataDir = dir
	st, sealer, err := openData(context.Background(), cfg, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	age, err := iam.New(iam.Config{Store: st, Sealer: sealer, Now: time.Now, Rand: rand.Reader}).MaxAccessKeyAge(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	return age
}

func TestAdminAccountSet(t *testing.T) {
	dir := t.TempDir()
	const acct = "210987654321"
	var out, errOut bytes.Buffer
	if code := run([]string{"admin", "account", "create", "--data-dir", dir, "--account-id", acct}, nil, &out, &errOut); code != 0 {
		t.Fatalf("create: %d %s", code, errOut.String())
	}
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		out     string // stdout (code 0) or stderr substring
		wantAge time.Duration
	}{
		{"set", []string{"--account-id", acct, "--max-access-key-age-days", "90"}, 0,
			"Account 210987654321: access keys older than 90 days are refused.\n", 90 * 24 * time.Hour},
		{"change", []string{"--account-id", acct, "--max-access-key-age-days", "30"}, 0,
			"Account 210987654321: access keys older than 30 days are refused.\n", 30 * 24 * time.Hour},
		{"too long", []string{"--account-id", acct, "--max-access-key-age-days", "3651"}, 2, "must be between 1 and 3650", 30 * 24 * time.Hour},
		{"negative", []string{"--account-id", acct, "--max-access-key-age-days", "-1"}, 2, "must be between 1 and 3650", 30 * 24 * time.Hour},
		{"nothing to set", []string{"--account-id", acct}, 2, "nothing to set", 30 * 24 * time.Hour},
		{"bad account", []string{"--account-id", "12", "--max-access-key-age-days", "5"}, 2, "must be 12 digits", 30 * 24 * time.Hour},
		{"unknown account", []string{"--account-id", "999999999999", "--max-access-key-age-days", "5"}, 2, "The account 999999999999 cannot be found.", 30 * 24 * time.Hour},
		{"clear", []string{"--account-id", acct, "--max-access-key-age-days", "0"}, 0, "Account 210987654321: no maximum access key age.\n", 0},
		{"clear again", []string{"--account-id", acct, "--max-access-key-age-days", "0"}, 0, "Account 210987654321: no maximum access key age.\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out.Reset()
			errOut.Reset()
			code := run(append([]string{"admin", "account", "set", "--data-dir", dir}, tc.args...), nil, &out, &errOut)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errOut.String())
			}
			if tc.code == 0 && out.String() != tc.out || tc.code != 0 && !strings.Contains(errOut.String(), tc.out) {
				t.Errorf("stdout %q stderr %q, want %q", out.String(), errOut.String(), tc.out)
			}
			if got := maxKeyAge(t, dir, acct); got != tc.wantAge {
				t.Errorf("stored age %v, want %v", got, tc.wantAge)
			}
		})
	}
}
