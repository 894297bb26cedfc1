package sts

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/sqlite"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fakeClock is a settable clock shared by a test's components.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "iamd.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func masterKey(b byte) []byte { return bytes.Repeat([]byte{b}, secret.KeySize) }

func newSealer(t *testing.T, primary []byte, previous ...[]byte) *secret.Sealer {
	t.Helper()
	s, err := secret.NewSealer(rand.Reader, primary, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newKeyring(t *testing.T, st store.Store, sealer *secret.Sealer, clock *fakeClock) *Keyring {
	t.Helper()
	k, err := NewKeyring(KeyringConfig{Store: st, Sealer: sealer, Now: clock.Now, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sampleSession(now time.Time) *Session {
	return &Session{
		AccessKeyID:       "ASIAYAAAAAAAAAAAAAAA",
		SecretAccessKey:   "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		AccountID:         "123456789012",
		Kind:              iam.IdentityAssumedRole,
		ARN:               "arn:aws:sts::123456789012:assumed-role/deploy/ci",
		PrincipalID:       "AROAEXAMPLEEXAMPLE123:ci",
		RoleARN:           "arn:aws:iam::123456789012:role/ops/deploy",
		RoleID:            "AROAEXAMPLEEXAMPLE123",
		RoleName:          "deploy",
		SessionName:       "ci",
		SourceIdentity:    "alice",
		Policy:            `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		PolicyARNs:        []string{"arn:aws:iam::123456789012:policy/limit"},
		Tags:              []iam.Tag{{Key: "team", Value: "ops"}, {Key: "cost", Value: ""}},
		TransitiveTagKeys: []string{"team"},
		MFA:               true,
		MFAAuthTime:       now,
		IssuedAt:          now,
		Expiration:        now.Add(time.Hour),
		Chained:           true,
	}
}

func TestTokenRoundTrip(t *testing.T) {
	st := openStore(t)
	clock := newClock()
	k := newKeyring(t, st, newSealer(t, masterKey(1)), clock)
	sess := sampleSession(clock.Now())
	tok, err := k.Seal(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.Open(t.Context(), sess.AccessKeyID, tok, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sess) {
		t.Fatalf("Open = %+v\nwant %+v", got, sess)
	}
	// Another node sharing the store opens it without having sealed anything.
	other := newKeyring(t, st, newSealer(t, masterKey(1)), clock)
	if _, err := other.Open(t.Context(), sess.AccessKeyID, tok, clock.Now()); err != nil {
		t.Fatalf("another node: %v", err)
	}
	// The token is bound to its access key ID.
	if _, err := k.Open(t.Context(), "ASIAYBBBBBBBBBBBBBBB", tok, clock.Now()); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("other key ID: err = %v, want ErrInvalidToken", err)
	}
	// Two seals of one session differ (random nonce) and both open.
	tok2, err := k.Seal(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	if tok2 == tok {
		t.Fatal("two tokens of one session are identical")
	}
}

func TestTokenTamperAnyByte(t *testing.T) {
	st := openStore(t)
	clock := newClock()
	k := newKeyring(t, st, newSealer(t, masterKey(1)), clock)
	sess := sampleSession(clock.Now())
	tok, err := k.Seal(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(tok) {
		b := []byte(tok)
		// Replace the character by the next one of the alphabet: every
		// position, including the last one's unused bits, must matter.
		idx := bytes.IndexByte([]byte(alphabet), b[i])
		b[i] = alphabet[(idx+1)%len(alphabet)]
		if _, err := k.Open(t.Context(), sess.AccessKeyID, string(b), clock.Now()); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("character %d changed: err = %v, want ErrInvalidToken", i, err)
		}
	}
	for name, bad := range map[string]string{
		"empty":       "",
		"truncated":   tok[:len(tok)-1],
		"extended":    tok + "A",
		"not base64":  "!!" + tok[2:],
		"too long":    string(bytes.Repeat([]byte("A"), MaxTokenLength+1)),
		"header only": tok[:44],
	} {
		if _, err := k.Open(t.Context(), sess.AccessKeyID, bad, clock.Now()); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: err = %v, want ErrInvalidToken", name, err)
		}
	}
}

func TestTokenExpiry(t *testing.T) {
	st := openStore(t)
	clock := newClock()
	k := newKeyring(t, st, newSealer(t, masterKey(1)), clock)
	sess := sampleSession(clock.Now())
	tok, err := k.Seal(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at   time.Duration
		want error
	}{
		{0, nil},
		{time.Hour - time.Microsecond, nil},
		{time.Hour, ErrExpiredToken},
		{48 * time.Hour, ErrExpiredToken},
	} {
		_, err := k.Open(t.Context(), sess.AccessKeyID, tok, t0.Add(tc.at))
		if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
			t.Errorf("at +%v: err = %v, want %v", tc.at, err, tc.want)
		}
	}
	// A tampered expired token is invalid, not expired: nothing of a
	// forged token is believed.
	b := []byte(tok)
	b[len(b)/2] ^= 1
	if _, err := k.Open(t.Context(), sess.AccessKeyID, string(b), t0.Add(48*time.Hour)); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("tampered expired token: err = %v, want ErrInvalidToken", err)
	}
}

func listKeys(t *testing.T, st store.Store) []store.SessionKey {
	t.Helper()
	var keys []store.SessionKey
	if err := st.View(t.Context(), func(tx store.Txn) error {
		var err error
		keys, err = tx.ListSessionKeys(t.Context())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestTokenKeyRotation(t *testing.T) {
	st := openStore(t)
	clock := newClock()
	sealer := newSealer(t, masterKey(1))
	k := newKeyring(t, st, sealer, clock)
	ctx := t.Context()

	seal := func() (*Session, string) {
		t.Helper()
		sess := sampleSession(clock.Now())
		sess.Expiration = clock.Now().Add(MaxSessionLifetime)
		tok, err := k.Seal(ctx, sess)
		if err != nil {
			t.Fatal(err)
		}
		return sess, tok
	}
	s1, tok1 := seal()
	if n := len(listKeys(t, st)); n != 1 {
		t.Fatalf("%d keys after the first seal, want 1", n)
	}
	clock.Advance(DefaultKeyRotation - time.Second)
	seal()
	if n := len(listKeys(t, st)); n != 1 {
		t.Fatalf("%d keys before the rotation is due, want 1", n)
	}
	clock.Advance(time.Second)
	s2, tok2 := seal()
	keys := listKeys(t, st)
	if len(keys) != 2 {
		t.Fatalf("%d keys after the rotation interval, want 2", len(keys))
	}
	if tok1[:12] == tok2[:12] {
		t.Fatal("token after rotation names the same key")
	}
	// Both tokens open, on this node and on a fresh one.
	fresh := newKeyring(t, st, sealer, clock)
	for _, kr := range []*Keyring{k, fresh} {
		if _, err := kr.Open(ctx, s1.AccessKeyID, tok1, clock.Now()); err != nil {
			t.Fatalf("token of the old key: %v", err)
		}
		if _, err := kr.Open(ctx, s2.AccessKeyID, tok2, clock.Now()); err != nil {
			t.Fatalf("token of the new key: %v", err)
		}
	}
	// A node that loaded the keys before another node rotated finds the
	// new key in the store.
	clock.Advance(DefaultKeyRotation)
	s3, tok3 := func() (*Session, string) {
		sess := sampleSession(clock.Now())
		tok, err := fresh.Seal(ctx, sess)
		if err != nil {
			t.Fatal(err)
		}
		return sess, tok
	}()
	clock.Advance(minReload)
	if _, err := k.Open(ctx, s3.AccessKeyID, tok3, clock.Now()); err != nil {
		t.Fatalf("token sealed by another node after its rotation: %v", err)
	}
	// Keys are dropped once no token they sealed can still be valid.
	clock.Advance(MaxSessionLifetime + DefaultKeyRotation + keyRetentionSlack)
	seal()
	keys = listKeys(t, st)
	for _, sk := range keys {
		if clock.Now().Sub(sk.CreatedAt) > DefaultKeyRotation+MaxSessionLifetime+keyRetentionSlack {
			t.Fatalf("key %s created at %v kept at %v", sk.ID, sk.CreatedAt, clock.Now())
		}
	}
	if len(keys) > 2 {
		t.Fatalf("%d keys kept, want at most 2", len(keys))
	}
	if _, err := k.Open(ctx, s1.AccessKeyID, tok1, clock.Now()); !errors.Is(err, ErrInvalidToken) && !errors.Is(err, ErrExpiredToken) {
		t.Fatalf("token of a dropped key: err = %v", err)
	}
}

func TestTokenRotationRaceAddsOneKey(t *testing.T) {
	st := openStore(t)
	clock := newClock()
	sealer := newSealer(t, masterKey(1))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		k := newKeyring(t, st, sealer, clock)
		wg.Go(func() {
			_, err := k.Seal(context.Background(), sampleSession(clock.Now()))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(listKeys(t, st)); n != 1 {
		t.Fatalf("%d nodes starting together made %d keys, want 1", 8, n)
	}
}

func TestTokenFromAnotherDeployment(t *testing.T) {
	clock := newClock()
	stA, stB := openStore(t), openStore(t)
	a := newKeyring(t, stA, newSealer(t, masterKey(1)), clock)
	b := newKeyring(t, stB, newSealer(t, masterKey(2)), clock)
	sess := sampleSession(clock.Now())
	tokA, err := a.Seal(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Seal(t.Context(), sess); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Open(t.Context(), sess.AccessKeyID, tokA, clock.Now()); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of another deployment: err = %v, want ErrInvalidToken", err)
	}
	// Even with A's key rows copied into B's store, B's master key does
	// not open them.
	for _, sk := range listKeys(t, stA) {
		if err := stB.Tx(t.Context(), func(tx store.Txn) error { return tx.CreateSessionKey(t.Context(), sk) }); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(minReload)
	if _, err := b.Open(t.Context(), sess.AccessKeyID, tokA, clock.Now()); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of another deployment with its key rows copied: err = %v, want ErrInvalidToken", err)
	}
}

func TestTokenKeysSurviveMasterKeyRotation(t *testing.T) {
	st := openStore(t)
	clock := newClock()
	old := newKeyring(t, st, newSealer(t, masterKey(1)), clock)
	sess := sampleSession(clock.Now())
	tok, err := old.Seal(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	// New master key with the old one as previous: open, re-seal, drop the old.
	both := newKeyring(t, st, newSealer(t, masterKey(2), masterKey(1)), clock)
	n, err := both.Reseal(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("Reseal = %d, %v; want 1 key", n, err)
	}
	onlyNew := newKeyring(t, st, newSealer(t, masterKey(2)), clock)
	if _, err := onlyNew.Open(t.Context(), sess.AccessKeyID, tok, clock.Now()); err != nil {
		t.Fatalf("after re-sealing under the new master key: %v", err)
	}
}

// BenchmarkLookupSession is what verifying session credentials costs a
// node per request beyond SigV4 itself: open the token, decode the session.
func BenchmarkLookupSession(b *testing.B) {
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "iamd.db"), sqlite.Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	clock := newClock()
	sealer, err := secret.NewSealer(rand.Reader, masterKey(1))
	if err != nil {
		b.Fatal(err)
	}
	k, err := NewKeyring(KeyringConfig{Store: st, Sealer: sealer, Now: clock.Now, Rand: rand.Reader})
	if err != nil {
		b.Fatal(err)
	}
	sess := sampleSession(clock.Now())
	tok, err := k.Seal(b.Context(), sess)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := k.Open(b.Context(), sess.AccessKeyID, tok, t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(tok)), "token-bytes")
}

// A master key replaced without re-sealing opens none of the stored token
// keys: the next issue adds a key at once instead of failing until the
// rotation interval has passed.
func TestTokenKeysAfterMasterKeyReplaced(t *testing.T) {
	st := openStore(t)
	clock := newClock()
	if _, err := newKeyring(t, st, newSealer(t, masterKey(1)), clock).Seal(t.Context(), sampleSession(clock.Now())); err != nil {
		t.Fatal(err)
	}
	replaced := newKeyring(t, st, newSealer(t, masterKey(2)), clock)
	sess := sampleSession(clock.Now())
	tok, err := replaced.Seal(t.Context(), sess)
	if err != nil {
		t.Fatalf("seal under a replaced master key: %v", err)
	}
	if _, err := replaced.Open(t.Context(), sess.AccessKeyID, tok, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n := len(listKeys(t, st)); n != 2 {
		t.Fatalf("%d keys stored, want the unreadable one and a new one", n)
	}
}
