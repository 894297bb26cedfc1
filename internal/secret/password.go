package secret

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are argon2id's cost parameters.
type PasswordParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultPasswordParams follows RFC 9106's second recommended option
// (64 MiB, 3 passes), with 2 lanes.
func DefaultPasswordParams() PasswordParams {
	return PasswordParams{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}
}

// Limits on parameters read back from a stored hash: a corrupted or hostile
// hash must not make verification allocate gigabytes or run for minutes.
const (
	maxMemory  = 1 << 20 // KiB = 1 GiB
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

func (p PasswordParams) validate() error {
	switch {
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("memory %d KiB out of range", p.Memory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d out of range", p.Time)
	case p.Threads < 1:
		return errors.New("threads must be at least 1")
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d out of range", p.SaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d out of range", p.KeyLen)
	}
	return nil
}

// PasswordHasher hashes passwords with argon2id into PHC strings:
//
//	$argon2id$v=19$m=65536,t=3,p=2$<salt, base64 without padding>$<hash, same>
type PasswordHasher struct {
	rand   io.Reader
	params PasswordParams
	// slots bounds the argon2id computations running at once: each takes
	// params.Memory, so unbounded concurrency (many ChangePassword calls at
	// once, each verifying the old password) could exhaust the server's
	// memory. Callers beyond the bound wait for a slot.
	slots chan struct{}
	// idKey is argon2.IDKey; tests replace it to observe concurrency.
	idKey func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
}

// HashMemoryBudget is the memory (KiB) that concurrent argon2id
// computations of one PasswordHasher may use together: 256 MiB, four at
// once with DefaultPasswordParams.
const HashMemoryBudget = 256 * 1024

// NewPasswordHasher returns a hasher drawing salts from rand.
func NewPasswordHasher(rand io.Reader, p PasswordParams) (*PasswordHasher, error) {
	if rand == nil {
		return nil, errors.New("secret: nil random source")
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("secret: password parameters: %w", err)
	}
	n := max(1, HashMemoryBudget/int(p.Memory))
	return &PasswordHasher{rand: rand, params: p, slots: make(chan struct{}, n), idKey: argon2.IDKey}, nil
}

// derive runs one argon2id computation in a slot.
func (h *PasswordHasher) derive(password, salt []byte, p PasswordParams, keyLen uint32) []byte {
	h.slots <- struct{}{}
	defer func() { <-h.slots }()
	return h.idKey(password, salt, p.Time, p.Memory, p.Threads, keyLen)
}

// Hash returns the PHC-encoded argon2id hash of password with a fresh salt.
func (h *PasswordHasher) Hash(password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := io.ReadFull(h.rand, salt); err != nil {
		return "", fmt.Errorf("secret: salt: %w", err)
	}
	p := h.params
	sum := h.derive([]byte(password), salt, p, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(sum)), nil
}

// NeedsRehash reports whether encoded was made with other parameters than
// the hasher's (rehash at the next successful sign-in).
func (h *PasswordHasher) NeedsRehash(encoded string) bool {
	p, salt, sum, err := decodeHash(encoded)
	return err != nil || p.Memory != h.params.Memory || p.Time != h.params.Time || p.Threads != h.params.Threads ||
		uint32(len(salt)) != h.params.SaltLen || uint32(len(sum)) != h.params.KeyLen
}

// ErrBadHash is returned by VerifyPassword for a stored hash it cannot read.
var ErrBadHash = errors.New("secret: malformed password hash")

// VerifyPassword reports whether password matches the PHC-encoded argon2id
// hash, using the parameters stored in the hash. The comparison is constant
// time. A malformed hash is an error, never a match. A server verifies
// with PasswordHasher.Verify, which bounds concurrent computations.
func VerifyPassword(encoded, password string) (bool, error) {
	return verify(encoded, password, argon2.IDKey)
}

// Verify is VerifyPassword within the hasher's bound on concurrent
// computations.
func (h *PasswordHasher) Verify(encoded, password string) (bool, error) {
	return verify(encoded, password, func(pw, salt []byte, t, m uint32, th uint8, kl uint32) []byte {
		return h.derive(pw, salt, PasswordParams{Time: t, Memory: m, Threads: th}, kl)
	})
}

func verify(encoded, password string, idKey func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte) (bool, error) {
	p, salt, sum, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := idKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(sum)))
	return subtle.ConstantTimeCompare(got, sum) == 1, nil
}

func decodeHash(encoded string) (PasswordParams, []byte, []byte, error) {
	var p PasswordParams
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version ||
		parts[2] != fmt.Sprintf("v=%d", version) {
		return p, nil, nil, fmt.Errorf("%w: version %q", ErrBadHash, parts[2])
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil ||
		threads < 1 || threads > 255 || parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, threads) {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrBadHash, parts[3])
	}
	p.Threads = uint8(threads)
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrBadHash)
	}
	sum, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: hash", ErrBadHash)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(sum))
	if err := p.validate(); err != nil {
		return p, nil, nil, fmt.Errorf("%w: %v", ErrBadHash, err)
	}
	return p, salt, sum, nil
}
