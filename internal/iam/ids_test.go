package iam

import (
	"bytes"
	"crypto/rand"
	"errors"
	"math/big"
	"strings"
	"testing"
	"testing/iotest"
)

// seqReader yields 0,1,2,... so tests are deterministic without fixing
// the exact output of the generators.
type seqReader struct{ n byte }

func (s *seqReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = s.n
		s.n++
	}
	return len(p), nil
}

func isBase32(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune(idAlphabet, r) {
			return false
		}
	}
	return true
}

func TestNewID(t *testing.T) {
	prefixes := []string{PrefixUser, PrefixGroup, PrefixRole, PrefixPolicy, PrefixPolicyVersion,
		PrefixInstanceProfile, PrefixServerCertificate, PrefixSSHPublicKey, PrefixServiceSpecificCredential}
	seen := map[string]bool{}
	for _, p := range prefixes {
		for i := 0; i < 50; i++ {
			id, err := NewID(rand.Reader, p)
			if err != nil {
				t.Fatalf("NewID(%s): %v", p, err)
			}
			if len(id) != IDLength || !strings.HasPrefix(id, p) || !isBase32(id[4:]) {
				t.Fatalf("NewID(%s) = %q: want %s + 17 base32 characters", p, id, p)
			}
			if seen[id] {
				t.Fatalf("NewID repeated %q", id)
			}
			seen[id] = true
		}
	}
	// Every symbol of the alphabet is reachable: 0..255 maps onto all 32.
	id, err := NewID(&seqReader{}, PrefixUser)
	if err != nil {
		t.Fatal(err)
	}
	if want := "AIDAABCDEFGHIJKLMNOPQ"; id != want {
		t.Errorf("NewID(seq) = %q, want %q", id, want)
	}
}

func TestNewIDErrors(t *testing.T) {
	for _, p := range []string{"", "AID", "AIDAX", "aida", "AI1A"} {
		if _, err := NewID(rand.Reader, p); err == nil {
			t.Errorf("NewID(%q) accepted a bad prefix", p)
		}
	}
	boom := errors.New("boom")
	if _, err := NewID(iotest.ErrReader(boom), PrefixUser); !errors.Is(err, boom) {
		t.Errorf("NewID with a failing reader: err = %v, want %v", err, boom)
	}
}

func TestAccessKeyIDRoundTrip(t *testing.T) {
	accounts := []string{"000000000000", "000000000001", "123456789012", "999999999999", "111122223333", "549755813888"}
	for _, acct := range accounts {
		for _, prefix := range []string{PrefixAccessKey, PrefixSessionKey} {
			for i := 0; i < 20; i++ {
				id, err := NewAccessKeyID(rand.Reader, prefix, acct)
				if err != nil {
					t.Fatalf("NewAccessKeyID(%s, %s): %v", prefix, acct, err)
				}
				if len(id) != AccessKeyIDLength || !strings.HasPrefix(id, prefix) || !isBase32(id[4:]) {
					t.Fatalf("NewAccessKeyID = %q: want %s + 16 base32 characters", id, prefix)
				}
				got, err := AccountFromAccessKeyID(id)
				if err != nil || got != acct {
					t.Fatalf("AccountFromAccessKeyID(%q) = %q, %v; want %q", id, got, err, acct)
				}
			}
		}
	}
}

// A key ID published with its account in the public write-ups of how
// GetAccessKeyInfo decodes keys.
func TestAccountFromAccessKeyIDKnown(t *testing.T) {
	tests := []struct{ id, want string }{
		{"ASIAY34FZKBOKMUTVV7A", "609629065308"},
	}
	for _, tc := range tests {
		got, err := AccountFromAccessKeyID(tc.id)
		if err != nil || got != tc.want {
			t.Errorf("AccountFromAccessKeyID(%q) = %q, %v; want %q", tc.id, got, err, tc.want)
		}
	}
}

func TestAccountFromAccessKeyIDErrors(t *testing.T) {
	for _, id := range []string{"", "AKIA", "AKIAIOSFODNN7EXAMPL", "AKIAIOSFODNN7EXAMPLEX", "akiaIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPL1", "AKIA9999999999999999"} {
		_, err := AccountFromAccessKeyID(id)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidInput {
			t.Errorf("AccountFromAccessKeyID(%q) err = %v, want InvalidInput", id, err)
		}
	}
	// An ID whose 40-bit account field exceeds 999999999999 is not an
	// account-bearing key.
	if _, err := AccountFromAccessKeyID("AKIA77777777PAAAAAAA"); err == nil {
		t.Error("AccountFromAccessKeyID accepted an account beyond 12 digits")
	}
}

func TestNewAccessKeyIDErrors(t *testing.T) {
	for _, acct := range []string{"", "12345678901", "1234567890123", "12345678901a"} {
		if _, err := NewAccessKeyID(rand.Reader, PrefixAccessKey, acct); err == nil {
			t.Errorf("NewAccessKeyID accepted account %q", acct)
		}
	}
	if _, err := NewAccessKeyID(rand.Reader, "AKI", "123456789012"); err == nil {
		t.Error("NewAccessKeyID accepted prefix AKI")
	}
	if _, err := NewAccessKeyID(iotest.ErrReader(errors.New("x")), PrefixAccessKey, "123456789012"); err == nil {
		t.Error("NewAccessKeyID ignored a failing reader")
	}
}

func TestNewSecretAccessKey(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		s, err := NewSecretAccessKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != SecretAccessKeyLength {
			t.Fatalf("len(%q) = %d, want 40", s, len(s))
		}
		for _, r := range s {
			if !strings.ContainsRune(alphabet, r) {
				t.Fatalf("secret %q has %q outside [A-Za-z0-9/+]", s, r)
			}
		}
		if seen[s] {
			t.Fatal("secret repeated")
		}
		seen[s] = true
	}
	if _, err := NewSecretAccessKey(bytes.NewReader(make([]byte, 29))); err == nil {
		t.Error("NewSecretAccessKey accepted a short read")
	}
}

func TestNewAccountID(t *testing.T) {
	firsts := map[byte]bool{}
	for i := 0; i < 500; i++ {
		id, err := NewAccountID(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !ValidAccountID(id) || id[0] == '0' {
			t.Fatalf("NewAccountID = %q: want 12 digits not starting with 0", id)
		}
		firsts[id[0]] = true
	}
	if len(firsts) != 9 {
		t.Errorf("first digits seen %v: want all of 1-9", firsts)
	}
	// Bytes that rejection sampling must skip (>= 252 for the first digit,
	// >= 250 for the rest) never leak into the ID.
	r := bytes.NewReader(append(bytes.Repeat([]byte{255, 0}, 12), make([]byte, 64)...))
	id, err := NewAccountID(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := "100000000000"; id != want {
		t.Errorf("NewAccountID = %q, want %q", id, want)
	}
	if _, err := NewAccountID(iotest.ErrReader(errors.New("x"))); err == nil {
		t.Error("NewAccountID ignored a failing reader")
	}
}

// The account field is 40 bits: 999999999999 must fit, which the encoding
// relies on.
func TestAccountFitsIn40Bits(t *testing.T) {
	if big.NewInt(maxAccountID).BitLen() > 40 {
		t.Fatal("12-digit accounts no longer fit in 40 bits")
	}
}
