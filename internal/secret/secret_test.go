package secret

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// counter is a deterministic random source: 0, 1, 2, ... mod 256.
type counter struct{ n byte }

func (c *counter) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.n
		c.n++
	}
	return len(p), nil
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestLoadMasterKeyCreatesFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	key, err := LoadMasterKey(dir, "", &counter{})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, KeySize)
	(&counter{}).Read(want)
	if !bytes.Equal(key, want) {
		t.Fatalf("key = %x, want the 32 bytes of the injected source %x", key, want)
	}
	fi, err := os.Stat(filepath.Join(dir, MasterKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode %04o, want 0700", di.Mode().Perm())
	}
	// Loading again reads the same key and never draws randomness.
	again, err := LoadMasterKey(dir, "", failingReader{})
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("second load = %x, %v; want the stored key", again, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("data dir holds %d entries, want only %s (temporary file left behind?)", len(entries), MasterKeyFile)
	}
}

func TestLoadMasterKeyRefusesWidePermissions(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadMasterKey(dir, "", &counter{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, MasterKeyFile)
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644, 0o660} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadMasterKey(dir, "", &counter{})
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: err = %v, want a refusal", mode, err)
		}
	}
	os.Chmod(path, 0o400)
	if _, err := LoadMasterKey(dir, "", &counter{}); err != nil {
		t.Errorf("mode 0400 refused: %v", err)
	}
}

func TestLoadMasterKeyFromEnvironment(t *testing.T) {
	want := bytes.Repeat([]byte{7}, KeySize)
	dir := t.TempDir()
	for _, enc := range []string{base64.StdEncoding.EncodeToString(want), base64.RawStdEncoding.EncodeToString(want) + "\n"} {
		key, err := LoadMasterKey(dir, enc, failingReader{})
		if err != nil || !bytes.Equal(key, want) {
			t.Fatalf("LoadMasterKey(env %q) = %x, %v", enc, key, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, MasterKeyFile)); !os.IsNotExist(err) {
		t.Fatal("a key file was created although the key came from the environment")
	}
	for _, bad := range []string{"not base64!", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		if _, err := LoadMasterKey(dir, bad, &counter{}); err == nil {
			t.Errorf("env %q accepted", bad)
		}
	}
}

func TestLoadMasterKeyErrors(t *testing.T) {
	if _, err := LoadMasterKey("", "", &counter{}); err == nil {
		t.Error("empty data dir accepted")
	}
	if _, err := LoadMasterKey(t.TempDir(), "", failingReader{}); err == nil {
		t.Error("failing random source produced a key")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, MasterKeyFile), []byte("short\n"), 0o600)
	if _, err := LoadMasterKey(dir, "", &counter{}); err == nil {
		t.Error("corrupt key file accepted")
	}
}

func TestLoadMasterKeyConcurrentCreators(t *testing.T) {
	dir := t.TempDir()
	const n = 10
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadMasterKey(dir, "", rand.Reader) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("creator %d: %v", i, errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("creators disagree on the key")
		}
	}
}

func newSealer(t *testing.T, primary []byte, previous ...[]byte) *Sealer {
	t.Helper()
	s, err := NewSealer(rand.Reader, primary, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpenRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{1}, KeySize)
	s := newSealer(t, key)
	for _, pt := range [][]byte{nil, []byte("x"), []byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")} {
		sealed, err := s.Seal(pt, []byte("AKIAEXAMPLE"))
		if err != nil {
			t.Fatal(err)
		}
		if len(pt) > 4 && bytes.Contains(sealed, pt) {
			t.Fatal("plaintext visible in sealed value")
		}
		got, err := s.Open(sealed, []byte("AKIAEXAMPLE"))
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("Open = %q, %v; want %q", got, err, pt)
		}
		if _, err := s.Open(sealed, []byte("AKIAOTHER")); !errors.Is(err, ErrOpen) {
			t.Fatalf("Open with other associated data: %v", err)
		}
	}
}

func TestSealUsesInjectedRandomness(t *testing.T) {
	key := bytes.Repeat([]byte{1}, KeySize)
	a, _ := NewSealer(&counter{}, key)
	b, _ := NewSealer(&counter{}, key)
	sa, _ := a.Seal([]byte("secret"), nil)
	sb, _ := b.Seal([]byte("secret"), nil)
	if !bytes.Equal(sa, sb) {
		t.Fatal("same random stream gave different ciphertexts")
	}
	sa2, _ := a.Seal([]byte("secret"), nil)
	if bytes.Equal(sa, sa2) {
		t.Fatal("nonce reused across seals")
	}
	f, _ := NewSealer(failingReader{}, key)
	if _, err := f.Seal([]byte("x"), nil); err == nil {
		t.Fatal("Seal succeeded without randomness")
	}
}

func TestOpenRejectsTampering(t *testing.T) {
	s := newSealer(t, bytes.Repeat([]byte{1}, KeySize))
	sealed, err := s.Seal([]byte("secret access key"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		mod := bytes.Clone(sealed)
		mod[i] ^= 0x01
		if _, err := s.Open(mod, []byte("ad")); err == nil {
			t.Fatalf("flipping byte %d still opens", i)
		}
	}
	for _, bad := range [][]byte{nil, sealed[:headerSize], sealed[:headerSize+15]} {
		if _, err := s.Open(bad, []byte("ad")); !errors.Is(err, ErrMalformed) {
			t.Fatalf("Open(%d bytes) = %v, want ErrMalformed", len(bad), err)
		}
	}
}

func TestKeyRotation(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, KeySize), bytes.Repeat([]byte{2}, KeySize)
	old := newSealer(t, oldKey)
	sealed, _ := old.Seal([]byte("s3cret"), []byte("id"))

	rotated := newSealer(t, newKey, oldKey)
	if !rotated.NeedsReseal(sealed) || old.NeedsReseal(sealed) {
		t.Fatal("NeedsReseal does not track the primary key")
	}
	pt, err := rotated.Open(sealed, []byte("id"))
	if err != nil || string(pt) != "s3cret" {
		t.Fatalf("rotated sealer cannot open old value: %q %v", pt, err)
	}
	resealed, _ := rotated.Seal(pt, []byte("id"))
	if rotated.NeedsReseal(resealed) {
		t.Fatal("freshly sealed value needs reseal")
	}
	onlyNew := newSealer(t, newKey)
	if _, err := onlyNew.Open(sealed, []byte("id")); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Open under a dropped key: %v, want ErrUnknownKey", err)
	}
	if rotated.KeyID() != KeyID(newKey) || KeyID(newKey) == KeyID(oldKey) || len(KeyID(oldKey)) != 16 {
		t.Fatalf("key IDs: %s %s %s", rotated.KeyID(), KeyID(newKey), KeyID(oldKey))
	}
}

func TestNewSealerRejectsBadKeys(t *testing.T) {
	if _, err := NewSealer(rand.Reader, make([]byte, 16)); err == nil {
		t.Error("16-byte key accepted")
	}
	if _, err := NewSealer(rand.Reader, make([]byte, KeySize), make([]byte, 5)); err == nil {
		t.Error("short previous key accepted")
	}
	if _, err := NewSealer(nil, make([]byte, KeySize)); err == nil {
		t.Error("nil random source accepted")
	}
}

func TestWriteKeyExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), MasterKeyFile)
	key := bytes.Repeat([]byte{9}, KeySize)
	if err := writeKeyExclusive(path, key); err != nil {
		t.Fatal(err)
	}
	// A second writer leaves the first key in place.
	if err := writeKeyExclusive(path, bytes.Repeat([]byte{8}, KeySize)); err != nil {
		t.Fatal(err)
	}
	got, err := readKeyFile(path)
	if err != nil || !bytes.Equal(got, key) {
		t.Fatalf("key = %x, %v; want the first writer's", got, err)
	}
}
