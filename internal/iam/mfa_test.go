package iam

import (
	"bytes"
	"crypto/rand"
	"image/png"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/sqlite"
)

// mfaEnv is a service whose clock the test moves.
type mfaEnv struct {
	svc   *Service
	store *sqlite.Store
	mu    sync.Mutex
	now   time.Time
}

func (e *mfaEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *mfaEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

func newMFAEnv(t *testing.T, quotas Quotas) *mfaEnv {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "iamd.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := secret.NewSealer(rand.Reader, masterKey(1))
	if err != nil {
		t.Fatal(err)
	}
	// The clock starts 5 s into a TOTP step so that "the next step" is
	// always 30 s away.
	e := &mfaEnv{store: st, now: time.Unix(TOTPStep(testNow)*30+5, 0).UTC()}
	e.svc = New(Config{Store: st, Sealer: sealer, Now: e.clock, Rand: rand.Reader, Quotas: quotas})
	if err := e.svc.EnsureAccount(t.Context(), testAccount, testKeyID, testSecret); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *mfaEnv) user(t *testing.T, name string) User {
	t.Helper()
	u, err := e.svc.CreateUser(t.Context(), testAccount, CreateUserInput{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// device creates a virtual device and returns its serial and seed.
func (e *mfaEnv) device(t *testing.T, path, name string) (string, []byte) {
	t.Helper()
	d, err := e.svc.CreateVirtualMFADevice(t.Context(), testAccount, path, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := ParseBase32Seed(d.Base32StringSeed)
	if err != nil {
		t.Fatal(err)
	}
	return d.SerialNumber, seed
}

// codes returns the device's codes of the previous and the current step.
func (e *mfaEnv) codes(seed []byte) (string, string) {
	now := e.clock()
	return TOTPCode(seed, now.Add(-TOTPPeriod)), TOTPCode(seed, now)
}

func TestCreateVirtualMFADevice(t *testing.T) {
	e := newMFAEnv(t, Quotas{})
	ctx := t.Context()
	d, err := e.svc.CreateVirtualMFADevice(ctx, testAccount, "/eng/", "alice-phone", []Tag{{Key: "team", Value: "eng"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.SerialNumber != "arn:aws:iam::123456789012:mfa/eng/alice-phone" || d.Path != "/eng/" || d.Assigned() {
		t.Fatalf("device = %+v", d.MFADevice)
	}
	seed, err := ParseBase32Seed(d.Base32StringSeed)
	if err != nil || len(seed) != TOTPSeedBytes {
		t.Fatalf("seed %q: %v", d.Base32StringSeed, err)
	}
	if _, err := png.Decode(bytes.NewReader(d.QRCodePNG)); err != nil {
		t.Fatalf("QRCodePNG is not a PNG: %v", err)
	}
	// The seed is sealed at rest.
	var row store.MFADevice
	if err := e.store.View(ctx, func(tx store.Txn) error {
		var err error
		row, err = tx.GetMFADevice(ctx, testAccount, d.SerialNumber)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(row.SeedSealed, seed) || bytes.Contains(row.SeedSealed, []byte(d.Base32StringSeed)) {
		t.Fatal("seed stored in clear")
	}
	tags, err := e.svc.ListMFADeviceTags(ctx, testAccount, d.SerialNumber)
	if err != nil || len(tags) != 1 || tags[0] != (Tag{"team", "eng"}) {
		t.Fatalf("tags = %v, %v", tags, err)
	}

	_, err = e.svc.CreateVirtualMFADevice(ctx, testAccount, "/eng/", "ALICE-phone", nil)
	wantError(t, err, CodeEntityAlreadyExists, "MFADevice entity at the same path and name already exists.")
	if _, err := e.svc.CreateVirtualMFADevice(ctx, testAccount, "", "alice-phone", nil); err != nil {
		t.Fatalf("same name on another path: %v", err)
	}
	for _, bad := range []struct{ path, name, code string }{
		{"/", "bad name", CodeValidationError},
		{"eng", "x", CodeValidationError},
		{"/", "", CodeValidationError},
	} {
		_, err := e.svc.CreateVirtualMFADevice(ctx, testAccount, bad.path, bad.name, nil)
		wantCode(t, err, bad.code)
	}
	_, err = e.svc.CreateVirtualMFADevice(ctx, testAccount, "/", "tagged", []Tag{{Key: "aws:x", Value: "y"}})
	wantCode(t, err, CodeInvalidInput)
}

func TestVirtualMFADevicesQuotaIsTheUsersQuota(t *testing.T) {
	q := DefaultQuotas()
	q.UsersPerAccount = 2
	e := newMFAEnv(t, q)
	e.device(t, "/", "a")
	e.device(t, "/", "b")
	_, err := e.svc.CreateVirtualMFADevice(t.Context(), testAccount, "/", "c", nil)
	wantError(t, err, CodeLimitExceeded, "Cannot exceed quota for VirtualMFADevicesPerAccount: 2")
}

func TestEnableMFADeviceAndVerify(t *testing.T) {
	e := newMFAEnv(t, Quotas{})
	ctx := t.Context()
	alice := e.user(t, "alice")
	e.user(t, "bob")
	serial, seed := e.device(t, "/", "alice")

	// Wrong codes: the same code twice, codes in the wrong order, garbage.
	c1, c2 := e.codes(seed)
	for _, bad := range [][2]string{{c2, c2}, {c2, c1}, {"000000", "000000"}} {
		if bad[0] == c1 && bad[1] == c2 {
			continue
		}
		wantError(t, e.svc.EnableMFADevice(ctx, testAccount, "alice", serial, bad[0], bad[1]),
			CodeInvalidAuthenticationCode, "Authentication code for device is not valid.")
	}
	wantCode(t, e.svc.EnableMFADevice(ctx, testAccount, "alice", serial, "12345", c2), CodeValidationError)
	wantError(t, e.svc.EnableMFADevice(ctx, testAccount, "nobody", serial, c1, c2), CodeNoSuchEntity,
		"The user with name nobody cannot be found.")
	missing := "arn:aws:iam::123456789012:mfa/none"
	wantError(t, e.svc.EnableMFADevice(ctx, testAccount, "alice", missing, c1, c2), CodeNoSuchEntity,
		"VirtualMFADevice with serial number arn:aws:iam::123456789012:mfa/none doesn't exist.")

	if err := e.svc.EnableMFADevice(ctx, testAccount, "alice", serial, c1, c2); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.svc.EnableMFADevice(ctx, testAccount, "bob", serial, c1, c2), CodeEntityAlreadyExists, "MFA Device is already in use.")

	list, more, err := e.svc.ListMFADevices(ctx, testAccount, "alice", store.Page{})
	if err != nil || more || len(list) != 1 || list[0].SerialNumber != serial || list[0].User.Name != "alice" || !list[0].EnableDate.Equal(e.clock()) {
		t.Fatalf("ListMFADevices = %+v, %v, %v", list, more, err)
	}
	if list, _, _ := e.svc.ListMFADevices(ctx, testAccount, "bob", store.Page{}); len(list) != 0 {
		t.Fatalf("bob's devices = %+v", list)
	}

	// The enabling codes cannot be replayed, not even in the same step.
	if ok, err := e.svc.VerifyMFACode(ctx, testAccount, alice.ID, serial, c2); err != nil || ok {
		t.Fatalf("replayed enabling code: ok=%v err=%v", ok, err)
	}
	e.advance(TOTPPeriod)
	next := TOTPCode(seed, e.clock())
	for _, wrong := range []struct{ user, serial, code string }{
		{"", serial, next},                     // the root is not the owner
		{"AIDAOTHERUSER0000000", serial, next}, // nor is another user
		{alice.ID, missing, next},
		{alice.ID, serial, "abcdef"},
	} {
		if ok, err := e.svc.VerifyMFACode(ctx, testAccount, wrong.user, wrong.serial, wrong.code); err != nil || ok {
			t.Fatalf("VerifyMFACode(%q, %q, %q) = %v, %v", wrong.user, wrong.serial, wrong.code, ok, err)
		}
	}
	if ok, err := e.svc.VerifyMFACode(ctx, testAccount, alice.ID, serial, next); err != nil || !ok {
		t.Fatalf("valid code refused: ok=%v err=%v", ok, err)
	}
	if ok, _ := e.svc.VerifyMFACode(ctx, testAccount, alice.ID, serial, next); ok {
		t.Fatal("code accepted twice")
	}
	// A code from two steps ago is outside the window.
	e.advance(3 * TOTPPeriod)
	if ok, _ := e.svc.VerifyMFACode(ctx, testAccount, alice.ID, serial, TOTPCode(seed, e.clock().Add(-2*TOTPPeriod))); ok {
		t.Fatal("stale code accepted")
	}
	// One step of drift either side is fine.
	if ok, _ := e.svc.VerifyMFACode(ctx, testAccount, alice.ID, serial, TOTPCode(seed, e.clock().Add(TOTPPeriod))); !ok {
		t.Fatal("code of the next step refused")
	}
}

func TestVerifyMFACodeRace(t *testing.T) {
	e := newMFAEnv(t, Quotas{})
	ctx := t.Context()
	alice := e.user(t, "alice")
	serial, seed := e.device(t, "/", "alice")
	c1, c2 := e.codes(seed)
	if err := e.svc.EnableMFADevice(ctx, testAccount, "alice", serial, c1, c2); err != nil {
		t.Fatal(err)
	}
	e.advance(TOTPPeriod)
	code := TOTPCode(seed, e.clock())
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := e.svc.VerifyMFACode(ctx, testAccount, alice.ID, serial, code)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if accepted != 1 {
		t.Fatalf("code accepted %d times, want once", accepted)
	}
}

func TestRootMFADevice(t *testing.T) {
	e := newMFAEnv(t, Quotas{})
	ctx := t.Context()
	serial, seed := e.device(t, "/", "root-account-mfa-device")
	c1, c2 := e.codes(seed)
	if err := e.svc.EnableMFADevice(ctx, testAccount, "", serial, c1, c2); err != nil {
		t.Fatal(err)
	}
	list, _, err := e.svc.ListMFADevices(ctx, testAccount, "", store.Page{})
	if err != nil || len(list) != 1 || !list[0].Root || list[0].User != nil {
		t.Fatalf("root devices = %+v, %v", list, err)
	}
	vs, _, err := e.svc.ListVirtualMFADevices(ctx, testAccount, store.MFAAssigned, store.Page{})
	if err != nil || len(vs) != 1 || !vs[0].Root {
		t.Fatalf("assigned devices = %+v, %v", vs, err)
	}
	e.advance(TOTPPeriod)
	if ok, err := e.svc.VerifyMFACode(ctx, testAccount, "", serial, TOTPCode(seed, e.clock())); err != nil || !ok {
		t.Fatalf("root code refused: %v %v", ok, err)
	}
	if err := e.svc.DeactivateMFADevice(ctx, testAccount, "", serial); err != nil {
		t.Fatal(err)
	}
}

func TestMFADeviceLifecycle(t *testing.T) {
	q := DefaultQuotas()
	q.MFADevicesPerUser = 2
	e := newMFAEnv(t, q)
	ctx := t.Context()
	e.user(t, "alice")
	e.user(t, "bob")
	var serials []string
	var seeds [][]byte
	for _, n := range []string{"a1", "a2", "a3"} {
		s, seed := e.device(t, "/", n)
		serials, seeds = append(serials, s), append(seeds, seed)
	}
	for i := range 2 {
		c1, c2 := e.codes(seeds[i])
		if err := e.svc.EnableMFADevice(ctx, testAccount, "alice", serials[i], c1, c2); err != nil {
			t.Fatal(err)
		}
	}
	c1, c2 := e.codes(seeds[2])
	wantError(t, e.svc.EnableMFADevice(ctx, testAccount, "alice", serials[2], c1, c2), CodeLimitExceeded,
		"Cannot exceed quota for MFADevicesPerUser: 2")

	for _, c := range []struct {
		filter string
		want   int
	}{{store.MFAAssigned, 2}, {store.MFAUnassigned, 1}, {store.MFAAny, 3}, {"", 3}} {
		got, _, err := e.svc.ListVirtualMFADevices(ctx, testAccount, c.filter, store.Page{})
		if err != nil || len(got) != c.want {
			t.Fatalf("ListVirtualMFADevices(%q) = %d devices, %v; want %d", c.filter, len(got), err, c.want)
		}
		for _, d := range got {
			if d.Assigned() && (d.User == nil || d.User.Name != "alice" || d.User.ARN != "arn:aws:iam::123456789012:user/alice") {
				t.Fatalf("assigned device without its user: %+v", d)
			}
		}
	}
	_, _, err := e.svc.ListVirtualMFADevices(ctx, testAccount, "Some", store.Page{})
	wantCode(t, err, CodeValidationError)

	got, err := e.svc.GetMFADevice(ctx, testAccount, "alice", serials[0])
	if err != nil || got.SerialNumber != serials[0] || got.User == nil || got.User.Name != "alice" {
		t.Fatalf("GetMFADevice = %+v, %v", got, err)
	}
	_, err = e.svc.GetMFADevice(ctx, testAccount, "bob", serials[0])
	wantError(t, err, CodeNoSuchEntity, "MFA Device invalid for user.")

	wantError(t, e.svc.DeleteVirtualMFADevice(ctx, testAccount, serials[0]), CodeDeleteConflict,
		"MFA VirtualDevice in use. Must deactivate first.")
	wantError(t, e.svc.DeactivateMFADevice(ctx, testAccount, "bob", serials[0]), CodeNoSuchEntity, "MFA Device invalid for user.")
	wantError(t, e.svc.DeactivateMFADevice(ctx, testAccount, "alice", serials[2]), CodeNoSuchEntity, "MFA Device invalid for user.")
	if err := e.svc.DeactivateMFADevice(ctx, testAccount, "alice", serials[0]); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.TagMFADevice(ctx, testAccount, serials[0], []Tag{{"k", "v"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteVirtualMFADevice(ctx, testAccount, serials[0]); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.svc.DeleteVirtualMFADevice(ctx, testAccount, serials[0]), CodeNoSuchEntity,
		"VirtualMFADevice with serial number "+serials[0]+" doesn't exist.")
	_, err = e.svc.ListMFADeviceTags(ctx, testAccount, serials[0])
	wantCode(t, err, CodeNoSuchEntity)
	// A re-created device of the same name starts without the old tags.
	s, _ := e.device(t, "/", "a1")
	if tags, err := e.svc.ListMFADeviceTags(ctx, testAccount, s); err != nil || len(tags) != 0 {
		t.Fatalf("tags of the re-created device = %v, %v", tags, err)
	}
	_, _, err = e.svc.ListMFADevices(ctx, testAccount, "nobody", store.Page{})
	wantCode(t, err, CodeNoSuchEntity)
}

func TestResyncMFADevice(t *testing.T) {
	e := newMFAEnv(t, Quotas{})
	ctx := t.Context()
	e.user(t, "alice")
	serial, seed := e.device(t, "/", "alice")
	c1, c2 := e.codes(seed)
	if err := e.svc.EnableMFADevice(ctx, testAccount, "alice", serial, c1, c2); err != nil {
		t.Fatal(err)
	}
	// The codes already used cannot resync.
	wantCode(t, e.svc.ResyncMFADevice(ctx, testAccount, "alice", serial, c1, c2), CodeInvalidAuthenticationCode)
	// A device running three minutes fast is brought back.
	e.advance(TOTPPeriod)
	fast := e.clock().Add(3 * time.Minute)
	if err := e.svc.ResyncMFADevice(ctx, testAccount, "alice", serial, TOTPCode(seed, fast.Add(-TOTPPeriod)), TOTPCode(seed, fast)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.svc.ResyncMFADevice(ctx, testAccount, "bob", serial, c1, c2), CodeNoSuchEntity)
}

func TestMFADeviceTags(t *testing.T) {
	e := newMFAEnv(t, Quotas{})
	ctx := t.Context()
	serial, _ := e.device(t, "/", "d")
	if err := e.svc.TagMFADevice(ctx, testAccount, serial, []Tag{{"b", "1"}, {"A", "2"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.TagMFADevice(ctx, testAccount, serial, []Tag{{"a", "3"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := e.svc.ListMFADeviceTags(ctx, testAccount, serial)
	if err != nil || len(tags) != 2 || tags[0] != (Tag{"a", "3"}) || tags[1] != (Tag{"b", "1"}) {
		t.Fatalf("tags = %v, %v", tags, err)
	}
	if err := e.svc.UntagMFADevice(ctx, testAccount, serial, []string{"B", "missing"}); err != nil {
		t.Fatal(err)
	}
	tags, _ = e.svc.ListMFADeviceTags(ctx, testAccount, serial)
	if len(tags) != 1 || tags[0].Key != "a" {
		t.Fatalf("after untag: %v", tags)
	}
	many := make([]Tag, 50)
	for i := range many {
		many[i] = Tag{Key: "k" + string(rune('A'+i%26)) + string(rune('a'+i/26)), Value: "v"}
	}
	wantCode(t, e.svc.TagMFADevice(ctx, testAccount, serial, many), CodeLimitExceeded)
	missing := "arn:aws:iam::123456789012:mfa/none"
	wantCode(t, e.svc.TagMFADevice(ctx, testAccount, missing, []Tag{{"a", "b"}}), CodeNoSuchEntity)
	wantCode(t, e.svc.UntagMFADevice(ctx, testAccount, missing, []string{"a"}), CodeNoSuchEntity)
}

func TestEnableMFADeviceQuotaRace(t *testing.T) {
	q := DefaultQuotas()
	q.MFADevicesPerUser = 1
	e := newMFAEnv(t, q)
	ctx := t.Context()
	e.user(t, "alice")
	type dev struct {
		serial string
		seed   []byte
	}
	var devs []dev
	for i := range 10 {
		s, seed := e.device(t, "/", "d"+string(rune('0'+i)))
		devs = append(devs, dev{s, seed})
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	enabled, limited := 0, 0
	for _, d := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c1, c2 := e.codes(d.seed)
			err := e.svc.EnableMFADevice(ctx, testAccount, "alice", d.serial, c1, c2)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				enabled++
			case err.(*Error).Code == CodeLimitExceeded:
				limited++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if enabled != 1 || limited != len(devs)-1 {
		t.Fatalf("%d enabled, %d refused by the quota; want 1 and %d", enabled, limited, len(devs)-1)
	}
}
