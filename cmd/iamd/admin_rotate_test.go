package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/sts"
)

// rotateFixture is what TestAdminRotateMasterKey stores before rotating and
// checks afterwards.
type rotateFixture struct {
	account string
	keys    []iam.AccessKey
	serial  string
	seed    []byte
	userID  string
	tokenID string
	token   string
}

// services opens the data directory as a server would (master.key and
// master.key.previous) with the clock at now.
func services(t *testing.T, dir string, now time.Time) (*iam.Service, *sts.Keyring) {
	t.Helper()
	cfg := defaultConfig()
	cfg.DataDir = dir
	st, sealer, err := openData(context.Background(), cfg, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := func() time.Time { return now }
	kr, err := sts.NewKeyring(sts.KeyringConfig{Store: st, Sealer: sealer, Now: clock, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	return iam.New(iam.Config{Store: st, Sealer: sealer, Now: clock, Rand: rand.Reader}), kr
}

func rotate(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append([]string{"admin", "rotate-master-key", "--data-dir", dir}, args...), nil, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestAdminRotateMasterKey(t *testing.T) {
	t.Setenv("IAMD_MASTER_KEY", "")
	t.Setenv("IAMD_MASTER_KEY_PREVIOUS", "")
	ctx := t.Context()
	dir := t.TempDir()
	f := rotateFixture{account: "210987654321"}
	var out, errOut bytes.Buffer
	if code := run([]string{"admin", "account", "create", "--data-dir", dir, "--account-id", f.account}, nil, &out, &errOut); code != 0 {
		t.Fatalf("create: %d %s", code, errOut.String())
	}
	oldKey, err := os.ReadFile(filepath.Join(dir, secret.MasterKeyFile))
	if err != nil {
		t.Fatal(err)
	}

	// Users with keys, an assigned MFA device and an STS token, all through
	// the domain and sealed under the first key.
	t0 := time.Date(2026, 11, 30, 12, 0, 5, 0, time.UTC)
	svc, kr := services(t, dir, t0)
	for _, name := range []string{"alice", "bob"} {
		u, err := svc.CreateUser(ctx, f.account, iam.CreateUserInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if name == "alice" {
			f.userID = u.ID
		}
		k, err := svc.CreateAccessKey(ctx, f.account, name)
		if err != nil {
			t.Fatal(err)
		}
		f.keys = append(f.keys, k)
	}
	d, err := svc.CreateVirtualMFADevice(ctx, f.account, "/", "alice-phone", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.serial = d.SerialNumber
	if f.seed, err = iam.ParseBase32Seed(d.Base32StringSeed); err != nil {
		t.Fatal(err)
	}
	if err := svc.EnableMFADevice(ctx, f.account, "alice", f.serial,
		iam.TOTPCode(f.seed, t0.Add(-iam.TOTPPeriod)), iam.TOTPCode(f.seed, t0)); err != nil {
		t.Fatal(err)
	}
	f.tokenID = "ASIAROTATEDTOKENKEY1"
	if f.token, err = kr.Seal(ctx, &sts.Session{AccessKeyID: f.tokenID, AccountID: f.account, Expiration: t0.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := rotate(t, dir)
	if code != 0 {
		t.Fatalf("rotate: exit %d, %s", code, stderr)
	}
	// The root's key (from account create), alice's and bob's.
	if !strings.Contains(stdout, "Re-sealed 3 access-key secrets, 1 MFA seeds, 1 STS token keys.") {
		t.Fatalf("rotate printed %q", stdout)
	}
	newKey, err := os.ReadFile(filepath.Join(dir, secret.MasterKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	prev, err := os.ReadFile(filepath.Join(dir, secret.PreviousKeysFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(newKey, oldKey) || !bytes.Equal(prev, oldKey) {
		t.Fatalf("after rotate: master.key %q (was %q), previous %q", newKey, oldKey, prev)
	}

	// A second run (as after a crash) resumes the same rotation: no new key,
	// nothing left to re-seal.
	if code, stdout, stderr = rotate(t, dir); code != 0 || !strings.Contains(stdout, "Re-sealed 0 access-key secrets, 0 MFA seeds, 0 STS token keys.") {
		t.Fatalf("second run: exit %d, %q %q", code, stdout, stderr)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, secret.MasterKeyFile)); !bytes.Equal(again, newKey) {
		t.Fatal("a second run replaced the key again")
	}
	if code, stdout, stderr = rotate(t, dir, "--finish"); code != 0 || !strings.Contains(stdout, "Removed master.key.previous") {
		t.Fatalf("finish: exit %d, %q %q", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, secret.PreviousKeysFile)); !os.IsNotExist(err) {
		t.Fatalf("master.key.previous after --finish: %v", err)
	}

	// Restart with the new key alone: everything still opens.
	t1 := t0.Add(iam.TOTPPeriod)
	svc, kr = services(t, dir, t1)
	for _, k := range f.keys {
		cred, err := svc.LookupAccessKey(ctx, k.ID)
		if err != nil || cred.SecretAccessKey != k.Secret {
			t.Fatalf("key %s after rotation: %+v, %v", k.ID, cred, err)
		}
	}
	keyID, secretKey, err := readCredentialsFile(filepath.Join(dir, "root-"+f.account+".credentials"))
	if err != nil {
		t.Fatal(err)
	}
	if cred, err := svc.LookupAccessKey(ctx, keyID); err != nil || cred.SecretAccessKey != secretKey {
		t.Fatalf("root key after rotation: %+v, %v", cred, err)
	}
	if ok, err := svc.VerifyMFACode(ctx, f.account, f.userID, f.serial, iam.TOTPCode(f.seed, t1)); err != nil || !ok {
		t.Fatalf("MFA code after rotation: %v, %v", ok, err)
	}
	if sess, err := kr.Open(ctx, f.tokenID, f.token, t1); err != nil || sess.AccountID != f.account {
		t.Fatalf("STS token after rotation: %+v, %v", sess, err)
	}

	// And the old key alone opens nothing any more.
	if err := os.WriteFile(filepath.Join(dir, secret.MasterKeyFile), oldKey, 0o600); err != nil {
		t.Fatal(err)
	}
	svc, _ = services(t, dir, t1)
	if _, err := svc.LookupAccessKey(ctx, f.keys[0].ID); err == nil {
		t.Fatal("the old key still opens an access key")
	}
}

func TestAdminRotateMasterKeyRefuses(t *testing.T) {
	t.Setenv("IAMD_MASTER_KEY_PREVIOUS", "")
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run([]string{"admin", "account", "create", "--data-dir", dir}, nil, &out, &errOut); code != 0 {
		t.Fatalf("create: %d %s", code, errOut.String())
	}
	key := strings.TrimSpace(string(must(os.ReadFile(filepath.Join(dir, secret.MasterKeyFile)))))

	// With the key in the environment the command never makes one up.
	t.Setenv("IAMD_MASTER_KEY", key)
	if code, _, stderr := rotate(t, dir); code != 2 || !strings.Contains(stderr, "no previous master key") {
		t.Fatalf("env key without previous: exit %d, %q", code, stderr)
	}
	t.Setenv("IAMD_MASTER_KEY", "")
	if code, _, stderr := rotate(t, t.TempDir()); code != 2 || !strings.Contains(stderr, "no master key") {
		t.Fatalf("empty data directory: exit %d, %q", code, stderr)
	}
	if code, stdout, _ := rotate(t, dir, "--finish"); code != 0 || !strings.Contains(stdout, "nothing to finish") {
		t.Fatalf("finish without a rotation: exit %d, %q", code, stdout)
	}

	// An install interrupted after writing master.key.previous (which then
	// lists the current key) is started over with a new key.
	if err := os.WriteFile(filepath.Join(dir, secret.PreviousKeysFile), []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := rotate(t, dir)
	if code != 0 || !strings.Contains(stdout, "New master key") || !strings.Contains(stdout, "Re-sealed 1 access-key secrets") {
		t.Fatalf("after an interrupted install: exit %d, %q %q", code, stdout, stderr)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// With the keys in the environment (as on a PostgreSQL store's nodes) the
// command re-seals under the configured keys and writes no key file.
func TestAdminRotateMasterKeyFromEnvironment(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, secret.KeySize), bytes.Repeat([]byte{2}, secret.KeySize)
	oldB64, newB64 := base64.StdEncoding.EncodeToString(oldKey), base64.StdEncoding.EncodeToString(newKey)
	dir := t.TempDir()
	t.Setenv("IAMD_MASTER_KEY", oldB64)
	t.Setenv("IAMD_MASTER_KEY_PREVIOUS", "")
	var out, errOut bytes.Buffer
	if code := run([]string{"admin", "account", "create", "--data-dir", dir, "--account-id", "210987654321"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("create: %d %s", code, errOut.String())
	}
	t.Setenv("IAMD_MASTER_KEY", newB64)
	t.Setenv("IAMD_MASTER_KEY_PREVIOUS", oldB64)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "Re-sealed 1 access-key secrets, 0 MFA seeds, 0 STS token keys."},
		{nil, "Re-sealed 0 access-key secrets"},
		{[]string{"--finish"}, "remove the previous key (IAMD_MASTER_KEY_PREVIOUS"},
	} {
		if code, stdout, stderr := rotate(t, dir, tc.args...); code != 0 || !strings.Contains(stdout, tc.want) {
			t.Fatalf("rotate %v: exit %d, %q %q; want %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
	for _, name := range []string{secret.MasterKeyFile, secret.PreviousKeysFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s written with the key in the environment: %v", name, err)
		}
	}
	cfg := defaultConfig()
	cfg.DataDir, cfg.MasterKey = dir, newB64
	st, sealer, err := openData(t.Context(), cfg, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keyID, secretKey, err := readCredentialsFile(filepath.Join(dir, "root-210987654321.credentials"))
	if err != nil {
		t.Fatal(err)
	}
	svc := iam.New(iam.Config{Store: st, Sealer: sealer, Now: time.Now, Rand: rand.Reader})
	if cred, err := svc.LookupAccessKey(t.Context(), keyID); err != nil || cred.SecretAccessKey != secretKey {
		t.Fatalf("root key under the new key alone: %+v, %v", cred, err)
	}
}
