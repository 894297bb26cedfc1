// Package secret protects secrets at rest: secret access keys and TOTP
// seeds are sealed with AES-256-GCM under a master key (they must be
// recoverable: SigV4 and TOTP need the plaintext), and console passwords are
// hashed with argon2id (they only need verifying).
//
// Randomness is always injected (io.Reader); wiring passes crypto/rand.Reader.
package secret

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the master key size: 32 bytes, AES-256.
const KeySize = 32

// MasterKeyFile is the master key's file name inside the data directory.
const MasterKeyFile = "master.key"

// LoadMasterKey returns the master key. If envValue (the value of
// IAMD_MASTER_KEY; looking it up is the caller's job) is not empty it is the
// key, base64 of 32 bytes. Otherwise the key is read from
// <dataDir>/master.key, which is created with 32 bytes from rand and mode
// 0600 when absent. A key file that group or others may access is refused:
// whoever reads it can decrypt every stored secret.
func LoadMasterKey(dataDir, envValue string, rand io.Reader) ([]byte, error) {
	if envValue != "" {
		key, err := decodeKey(envValue)
		if err != nil {
			return nil, fmt.Errorf("secret: master key from the environment: %w", err)
		}
		return key, nil
	}
	if dataDir == "" {
		return nil, errors.New("secret: no data directory for the master key")
	}
	path := filepath.Join(dataDir, MasterKeyFile)
	key, err := readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createKeyFile(dataDir, path, rand); err != nil {
		return nil, err
	}
	return readKeyFile(path)
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if key, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return nil, errors.New("not valid base64")
		}
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("decodes to %d bytes, want %d", len(key), KeySize)
	}
	return key, nil
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("secret: master key %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("secret: master key %s has mode %04o; it must not be accessible by group or others (chmod 600 %s)", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return nil, fmt.Errorf("secret: read %s: %w", path, err)
	}
	key, err := decodeKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("secret: master key %s: %w", path, err)
	}
	return key, nil
}

// createKeyFile writes a new key to a temporary file and links it into
// place, so that a concurrent reader never sees a partial file and of two
// concurrent creators exactly one wins (the loser reads the winner's key).
func createKeyFile(dataDir, path string, rand io.Reader) error {
	key := make([]byte, KeySize)
	if _, err := io.ReadFull(rand, key); err != nil {
		return fmt.Errorf("secret: generate master key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, ".master.key-*") // mode 0600
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if werr == nil {
		werr = tmp.Sync()
	}
	if err := errors.Join(werr, tmp.Close()); err != nil {
		return fmt.Errorf("secret: write master key: %w", err)
	}
	err = os.Link(tmp.Name(), path)
	switch {
	case err == nil, errors.Is(err, fs.ErrExist):
		return nil
	default:
		// A file system without hard links: create the file exclusively
		// instead (a concurrent reader may then see it before it is
		// complete, and fails rather than use a wrong key).
		return writeKeyExclusive(path, key)
	}
}

func writeKeyExclusive(path string, key []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("secret: install master key: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if werr == nil {
		werr = f.Sync()
	}
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(path)
		return fmt.Errorf("secret: write master key: %w", err)
	}
	return nil
}

// Sealed values are: version (1 byte) | key ID (8 bytes) | nonce (12 bytes)
// | AES-256-GCM ciphertext and tag. The header is authenticated together
// with the caller's associated data, so changing any byte fails Open.
const (
	formatV1   = 1
	keyIDSize  = 8
	nonceSize  = 12
	headerSize = 1 + keyIDSize + nonceSize
)

// Errors of Open.
var (
	ErrMalformed  = errors.New("secret: malformed sealed value")
	ErrUnknownKey = errors.New("secret: sealed under an unknown master key")
	ErrOpen       = errors.New("secret: sealed value does not authenticate")
)

// KeyID identifies a master key without revealing it: the first 8 bytes of
// SHA-256 over a domain-separation label and the key, in hex.
func KeyID(key []byte) string {
	return hex.EncodeToString(keyID(key))
}

func keyID(key []byte) []byte {
	h := sha256.New()
	h.Write([]byte("iamd master key id\x00"))
	h.Write(key)
	return h.Sum(nil)[:keyIDSize]
}

// Sealer seals under its primary key and opens values sealed under the
// primary or any previous key, which is what rotating the master key needs:
// start with the new key as primary and the old one as previous, re-seal
// whatever NeedsReseal reports, then drop the old key.
type Sealer struct {
	rand    io.Reader
	primary []byte // key ID
	aeads   map[string]cipher.AEAD
}

// NewSealer builds a sealer; every key must be KeySize bytes.
func NewSealer(rand io.Reader, primary []byte, previous ...[]byte) (*Sealer, error) {
	if rand == nil {
		return nil, errors.New("secret: nil random source")
	}
	s := &Sealer{rand: rand, aeads: map[string]cipher.AEAD{}}
	for i, key := range append([][]byte{primary}, previous...) {
		if len(key) != KeySize {
			return nil, fmt.Errorf("secret: master key %d is %d bytes, want %d", i, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		id := keyID(key)
		if i == 0 {
			s.primary = id
		}
		s.aeads[string(id)] = aead
	}
	return s, nil
}

// KeyID is the primary key's ID.
func (s *Sealer) KeyID() string { return hex.EncodeToString(s.primary) }

// Seal encrypts plaintext under the primary key. associatedData is not
// stored but must be given again to Open: bind the value to where it lives
// (e.g. the access key ID) so that a sealed secret copied to another row
// does not open there.
func (s *Sealer) Seal(plaintext, associatedData []byte) ([]byte, error) {
	out := make([]byte, headerSize, headerSize+len(plaintext)+16)
	out[0] = formatV1
	copy(out[1:], s.primary)
	if _, err := io.ReadFull(s.rand, out[1+keyIDSize:headerSize]); err != nil {
		return nil, fmt.Errorf("secret: nonce: %w", err)
	}
	aead := s.aeads[string(s.primary)]
	return aead.Seal(out, out[1+keyIDSize:headerSize], plaintext, additional(out[:headerSize], associatedData)), nil
}

// Open decrypts a value made by Seal with the same associatedData.
func (s *Sealer) Open(sealed, associatedData []byte) ([]byte, error) {
	if len(sealed) < headerSize+16 || sealed[0] != formatV1 {
		return nil, ErrMalformed
	}
	aead, ok := s.aeads[string(sealed[1:1+keyIDSize])]
	if !ok {
		return nil, fmt.Errorf("%w (key ID %x)", ErrUnknownKey, sealed[1:1+keyIDSize])
	}
	pt, err := aead.Open(nil, sealed[1+keyIDSize:headerSize], sealed[headerSize:], additional(sealed[:headerSize], associatedData))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// NeedsReseal reports whether sealed was made under a key other than the
// primary (or is not a sealed value at all).
func (s *Sealer) NeedsReseal(sealed []byte) bool {
	return len(sealed) < headerSize || sealed[0] != formatV1 || !bytes.Equal(sealed[1:1+keyIDSize], s.primary)
}

// additional is the GCM associated data: the header, then the caller's.
func additional(header, associatedData []byte) []byte {
	ad := make([]byte, 0, len(header)+len(associatedData))
	return append(append(ad, header...), associatedData...)
}
