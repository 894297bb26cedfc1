package secret

import (
	"crypto/rand"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// testParams are cheap so that the tests run fast; the encoding is the same.
func testParams() PasswordParams {
	return PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
}

func newHasher(t *testing.T, p PasswordParams) *PasswordHasher {
	t.Helper()
	h, err := NewPasswordHasher(rand.Reader, p)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashAndVerify(t *testing.T) {
	h := newHasher(t, testParams())
	for _, pw := range []string{"correct horse battery staple", "P@ssw0rd!", "ünïcødé", "x"} {
		enc, err := h.Hash(pw)
		if err != nil {
			t.Fatal(err)
		}
		if !phc.MatchString(enc) {
			t.Fatalf("hash %q is not PHC argon2id", enc)
		}
		if len(pw) > 4 && strings.Contains(enc, pw) {
			t.Fatal("password visible in hash")
		}
		if ok, err := VerifyPassword(enc, pw); !ok || err != nil {
			t.Fatalf("Verify(right password) = %v, %v", ok, err)
		}
		for _, wrong := range []string{pw + " ", strings.ToUpper(pw), "", pw[:len(pw)-1]} {
			if wrong == pw {
				continue
			}
			if ok, err := VerifyPassword(enc, wrong); ok || err != nil {
				t.Fatalf("Verify(%q) = %v, %v; want false, nil", wrong, ok, err)
			}
		}
	}
	a, _ := h.Hash("same")
	b, _ := h.Hash("same")
	if a == b {
		t.Fatal("two hashes of one password share a salt")
	}
}

// A fixed salt pins the encoding (field order, unpadded base64, the hash
// itself): a change here would make every stored password unverifiable.
func TestHashEncodingIsStable(t *testing.T) {
	const want = "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$55PWTvddWPUD1GMbKxSff4ASfF85k9ibHJt4HlHQtBM"
	h, _ := NewPasswordHasher(strings.NewReader("somesaltsomesalt"), testParams())
	enc, err := h.Hash("password")
	if err != nil {
		t.Fatal(err)
	}
	if enc != want {
		t.Fatalf("Hash = %q, want %q", enc, want)
	}
	if ok, _ := VerifyPassword(want, "password"); !ok {
		t.Fatal("stored hash does not verify")
	}
}

func TestVerifyUsesStoredParameters(t *testing.T) {
	p := testParams()
	p.Time, p.Memory = 2, 128
	enc, _ := newHasher(t, p).Hash("pw")
	if ok, err := VerifyPassword(enc, "pw"); !ok || err != nil {
		t.Fatalf("hash with other parameters: %v %v", ok, err)
	}
	current := newHasher(t, testParams())
	if !current.NeedsRehash(enc) {
		t.Fatal("NeedsRehash false for other parameters")
	}
	fresh, _ := current.Hash("pw")
	if current.NeedsRehash(fresh) {
		t.Fatal("NeedsRehash true for current parameters")
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	good, _ := newHasher(t, testParams()).Hash("pw")
	parts := strings.Split(good, "$")
	join := func(p ...string) string { return strings.Join(p, "$") }
	tests := map[string]string{
		"empty":         "",
		"bcrypt":        "$2a$10$abcdefghijklmnopqrstuu",
		"argon2i":       join("", "argon2i", parts[2], parts[3], parts[4], parts[5]),
		"old version":   join("", "argon2id", "v=16", parts[3], parts[4], parts[5]),
		"bad params":    join("", "argon2id", parts[2], "m=64,t=1", parts[4], parts[5]),
		"trailing junk": join("", "argon2id", parts[2], parts[3]+"x", parts[4], parts[5]),
		"huge memory":   join("", "argon2id", parts[2], "m=99999999,t=1,p=1", parts[4], parts[5]),
		"huge time":     join("", "argon2id", parts[2], "m=64,t=100000,p=1", parts[4], parts[5]),
		"zero threads":  join("", "argon2id", parts[2], "m=64,t=1,p=0", parts[4], parts[5]),
		"bad salt":      join("", "argon2id", parts[2], parts[3], "!!!", parts[5]),
		"short salt":    join("", "argon2id", parts[2], parts[3], "c2FsdA", parts[5]),
		"bad hash":      join("", "argon2id", parts[2], parts[3], parts[4], "***"),
		"short hash":    join("", "argon2id", parts[2], parts[3], parts[4], "AAAA"),
		"extra field":   good + "$x",
	}
	for name, enc := range tests {
		t.Run(name, func(t *testing.T) {
			ok, err := VerifyPassword(enc, "pw")
			if ok || !errors.Is(err, ErrBadHash) {
				t.Fatalf("VerifyPassword(%q) = %v, %v; want false, ErrBadHash", enc, ok, err)
			}
		})
	}
}

func TestPasswordHasherConfig(t *testing.T) {
	if _, err := NewPasswordHasher(nil, testParams()); err == nil {
		t.Error("nil random source accepted")
	}
	bad := testParams()
	bad.SaltLen = 4
	if _, err := NewPasswordHasher(rand.Reader, bad); err == nil {
		t.Error("4-byte salt accepted")
	}
	if _, err := NewPasswordHasher(rand.Reader, DefaultPasswordParams()); err != nil {
		t.Errorf("default parameters rejected: %v", err)
	}
	h, _ := NewPasswordHasher(failingReader{}, testParams())
	if _, err := h.Hash("pw"); err == nil {
		t.Error("Hash succeeded without randomness")
	}
}

// TestConcurrentHashesAreBounded: each argon2id computation takes the
// parameters' memory, so a burst of password requests must not run more of
// them at once than HashMemoryBudget allows (here two), or it could exhaust
// the server's memory. Hash and Verify share the bound.
func TestConcurrentHashesAreBounded(t *testing.T) {
	p := testParams()
	p.Memory = HashMemoryBudget / 2
	h := newHasher(t, p)
	stored, err := h.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	active, peak := 0, 0
	release := make(chan struct{})
	h.idKey = func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		mu.Lock()
		active++
		peak = max(peak, active)
		mu.Unlock()
		<-release
		mu.Lock()
		active--
		mu.Unlock()
		return make([]byte, keyLen) // the computation itself is not under test
	}
	const n = 6
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_, _ = h.Hash("pw")
			} else {
				_, _ = h.Verify(stored, "pw")
			}
		}()
	}
	// Let every goroutine reach the computation or the wait for a slot.
	deadline := time.Now().Add(2 * time.Second)
	for {
		mu.Lock()
		a := active
		mu.Unlock()
		if a >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if peak != 2 {
		t.Errorf("%d argon2id computations ran at once, want at most (and, under load, exactly) 2", peak)
	}
}
