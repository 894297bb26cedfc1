package sts

import (
	"context"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/store"
)

// Token format (docs/sts.md):
//
//	base64url-without-padding( version (1) | key ID (8) | nonce (24) | XChaCha20-Poly1305(session JSON) )
//
// The associated data is the 33-byte header followed by the session's access
// key ID, so a token opens only under the key it names and only for the ASIA…
// key ID it was issued with. XChaCha20's 192-bit random nonces make nonce
// reuse negligible however many tokens a key seals.
const (
	tokenVersion    = 1
	tokenKeyIDSize  = 8
	tokenHeaderSize = 1 + tokenKeyIDSize + chacha20poly1305.NonceSizeX
	// MaxTokenLength bounds what is decoded at all: a session with the
	// largest inline policy, 10 policy ARNs and 50 tags stays far below it.
	MaxTokenLength = 16 << 10
)

// tokenEncoding is strict so that changing any character of a token, even
// the unused bits of the last one, changes the decoded bytes or fails.
var tokenEncoding = base64.RawURLEncoding.Strict()

// Errors of Keyring.Open. The SigV4 lookup maps them to sigv4's
// ErrInvalidSessionToken and ErrExpiredSessionToken.
var (
	// ErrInvalidToken: malformed, forged, tampered with, sealed under a key
	// this deployment does not have, or presented with another key ID.
	ErrInvalidToken = errors.New("sts: invalid session token")
	// ErrExpiredToken: authentic, but the session has expired.
	ErrExpiredToken = errors.New("sts: expired session token")
)

// Defaults of the key schedule.
const (
	// DefaultKeyRotation is how long one key seals new tokens.
	DefaultKeyRotation = 24 * time.Hour
	// MaxSessionLifetime is the longest session STS issues (GetSessionToken's
	// 36 hours): a key is kept until every token it sealed has expired.
	MaxSessionLifetime = 129600 * time.Second
	// keyRetentionSlack covers clock differences between nodes.
	keyRetentionSlack = time.Hour
	// minReload spaces store reads caused by tokens naming an unknown key
	// (a key another node just made, or garbage).
	minReload = time.Second
)

// tokenKeySize is the size of an XChaCha20-Poly1305 key.
const tokenKeySize = chacha20poly1305.KeySize

// sealLabel is the associated data a token key is sealed with under the
// master key: the sealed key opens only for its own ID.
func sealLabel(id string) []byte { return []byte("iamd/sts-session-key/" + id) }

// Keyring holds the deployment's token keys: it seals new tokens under the
// newest key, rotating it when it is older than the rotation interval, and
// opens tokens sealed under any key still kept. Keys live in the store,
// sealed under the master key; each node caches them and reloads when a token
// names a key it has not seen (one another node made). Safe for concurrent
// use.
type Keyring struct {
	store    store.Store
	sealer   *secret.Sealer
	now      func() time.Time
	rand     io.Reader
	rotation time.Duration

	rotMu    sync.Mutex // one rotation at a time per node
	mu       sync.RWMutex
	aeads    map[string]cipher.AEAD // by the 8-byte key ID as a string
	primary  string                 // key ID sealing new tokens ("" before the first load)
	created  time.Time              // the primary's creation time
	lastLoad time.Time
}

// KeyringConfig configures a Keyring.
type KeyringConfig struct {
	Store  store.Store
	Sealer *secret.Sealer
	Now    func() time.Time
	Rand   io.Reader
	// Rotation is how long a key seals new tokens; zero means
	// DefaultKeyRotation.
	Rotation time.Duration
}

// NewKeyring builds a keyring; it reads the store on first use.
func NewKeyring(cfg KeyringConfig) (*Keyring, error) {
	if cfg.Store == nil || cfg.Sealer == nil || cfg.Now == nil || cfg.Rand == nil {
		return nil, errors.New("sts: keyring needs a store, a sealer, a clock and a random source")
	}
	if cfg.Rotation < 0 {
		return nil, errors.New("sts: negative key rotation interval")
	}
	if cfg.Rotation == 0 {
		cfg.Rotation = DefaultKeyRotation
	}
	return &Keyring{
		store: cfg.Store, sealer: cfg.Sealer, now: cfg.Now, rand: cfg.Rand, rotation: cfg.Rotation,
		aeads: map[string]cipher.AEAD{},
	}, nil
}

// Seal seals the session into a token bound to sess.AccessKeyID.
func (k *Keyring) Seal(ctx context.Context, sess *Session) (string, error) {
	plain, err := json.Marshal(sess)
	if err != nil {
		return "", fmt.Errorf("sts: encode session: %w", err)
	}
	return k.sealBlob(ctx, plain, sess.AccessKeyID)
}

// Open authenticates a token presented with accessKeyID and returns its
// session: ErrInvalidToken unless the token is intact, sealed under a key of
// this deployment and issued for accessKeyID; ErrExpiredToken when the
// session has expired at now. Other errors are store failures.
func (k *Keyring) Open(ctx context.Context, accessKeyID, token string, now time.Time) (*Session, error) {
	plain, err := k.openBlob(ctx, token, accessKeyID)
	if err != nil {
		return nil, err
	}
	var sess Session
	if err := json.Unmarshal(plain, &sess); err != nil || sess.AccessKeyID != accessKeyID {
		// Authentic but unreadable: only a bug of ours can produce it.
		return nil, ErrInvalidToken
	}
	if !now.Before(sess.Expiration) {
		return nil, ErrExpiredToken
	}
	return &sess, nil
}

// sealBlob seals plain under the primary key, bound to binding (the
// associated data after the header: an access key ID, or a label for other
// kinds of tokens, so that no token opens as another kind).
func (k *Keyring) sealBlob(ctx context.Context, plain []byte, binding string) (string, error) {
	id, aead, err := k.primaryKey(ctx)
	if err != nil {
		return "", err
	}
	out := make([]byte, tokenHeaderSize, tokenHeaderSize+len(plain)+aead.Overhead())
	out[0] = tokenVersion
	copy(out[1:], id)
	if _, err := io.ReadFull(k.rand, out[1+tokenKeyIDSize:tokenHeaderSize]); err != nil {
		return "", fmt.Errorf("sts: token nonce: %w", err)
	}
	out = aead.Seal(out, out[1+tokenKeyIDSize:tokenHeaderSize], plain, tokenAD(out[:tokenHeaderSize], binding))
	return tokenEncoding.EncodeToString(out), nil
}

// openBlob authenticates what sealBlob sealed for binding: ErrInvalidToken
// for anything else.
func (k *Keyring) openBlob(ctx context.Context, token, binding string) ([]byte, error) {
	if token == "" || len(token) > MaxTokenLength {
		return nil, ErrInvalidToken
	}
	raw, err := tokenEncoding.DecodeString(token)
	if err != nil || len(raw) < tokenHeaderSize+chacha20poly1305.Overhead || raw[0] != tokenVersion {
		return nil, ErrInvalidToken
	}
	aead, err := k.key(ctx, string(raw[1:1+tokenKeyIDSize]))
	if err != nil {
		return nil, err
	}
	if aead == nil {
		return nil, ErrInvalidToken
	}
	plain, err := aead.Open(nil, raw[1+tokenKeyIDSize:tokenHeaderSize], raw[tokenHeaderSize:], tokenAD(raw[:tokenHeaderSize], binding))
	if err != nil {
		return nil, ErrInvalidToken
	}
	return plain, nil
}

func tokenAD(header []byte, accessKeyID string) []byte {
	ad := make([]byte, 0, len(header)+len(accessKeyID))
	return append(append(ad, header...), accessKeyID...)
}

// primaryKey returns the key new tokens are sealed with, loading or
// rotating it when the cached one is missing or due.
func (k *Keyring) primaryKey(ctx context.Context) (string, cipher.AEAD, error) {
	now := k.now()
	k.mu.RLock()
	id, created := k.primary, k.created
	aead := k.aeads[id]
	k.mu.RUnlock()
	if id != "" && now.Sub(created) < k.rotation {
		return id, aead, nil
	}
	k.rotMu.Lock()
	defer k.rotMu.Unlock()
	k.mu.RLock()
	id, created = k.primary, k.created
	k.mu.RUnlock()
	if id == "" || now.Sub(created) >= k.rotation {
		// Still due after waiting for another goroutine's rotation.
		if err := k.rotate(ctx, now); err != nil {
			return "", nil, err
		}
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.primary == "" {
		return "", nil, errors.New("sts: no token key opens under this master key")
	}
	return k.primary, k.aeads[k.primary], nil
}

// rotate makes sure the store's newest key is younger than the rotation
// interval (adding one if not, in the same serializable transaction, so
// racing nodes add exactly one), drops keys no unexpired token can name,
// and reloads the cache.
func (k *Keyring) rotate(ctx context.Context, now time.Time) error {
	material := make([]byte, tokenKeySize)
	idBytes := make([]byte, tokenKeyIDSize)
	if _, err := io.ReadFull(k.rand, material); err != nil {
		return fmt.Errorf("sts: token key: %w", err)
	}
	if _, err := io.ReadFull(k.rand, idBytes); err != nil {
		return fmt.Errorf("sts: token key ID: %w", err)
	}
	newID := hex.EncodeToString(idBytes)
	sealed, err := k.sealer.Seal(material, sealLabel(newID))
	if err != nil {
		return fmt.Errorf("sts: seal token key: %w", err)
	}
	created := store.UTC(now)
	// A key sealed tokens until at most created+rotation; those expire at
	// most MaxSessionLifetime later.
	cutoff := created.Add(-(k.rotation + MaxSessionLifetime + keyRetentionSlack))
	var keys []store.SessionKey
	err = k.store.Tx(ctx, func(tx store.Txn) error {
		var err error
		if keys, err = tx.ListSessionKeys(ctx); err != nil {
			return err
		}
		// Only keys this master key opens count: after the master key
		// was replaced without re-sealing (keys of the old one are
		// unreadable), a new key is needed now, not at the next rotation.
		newest := time.Time{}
		for _, sk := range keys {
			if _, err := k.sealer.Open(sk.KeySealed, sealLabel(sk.ID)); err == nil {
				newest = sk.CreatedAt
				break
			}
		}
		if newest.IsZero() || created.Sub(newest) >= k.rotation {
			nk := store.SessionKey{ID: newID, KeySealed: sealed, CreatedAt: created}
			if err := tx.CreateSessionKey(ctx, nk); err != nil {
				return err
			}
			keys = append([]store.SessionKey{nk}, keys...)
		}
		if _, err := tx.DeleteSessionKeysCreatedBefore(ctx, cutoff); err != nil {
			return err
		}
		kept := keys[:0]
		for _, sk := range keys {
			if !sk.CreatedAt.Before(cutoff) {
				kept = append(kept, sk)
			}
		}
		keys = kept
		return nil
	})
	if err != nil {
		return fmt.Errorf("sts: rotate token keys: %w", err)
	}
	return k.install(keys, now)
}

// key returns the AEAD of a key ID, reloading the keys from the store when
// the ID is unknown (at most once per minReload); nil when the deployment
// has no such key.
func (k *Keyring) key(ctx context.Context, rawID string) (cipher.AEAD, error) {
	k.mu.RLock()
	aead, last := k.aeads[rawID], k.lastLoad
	k.mu.RUnlock()
	if aead != nil {
		return aead, nil
	}
	now := k.now()
	if !last.IsZero() && now.Sub(last) < minReload && now.Sub(last) >= 0 {
		return nil, nil
	}
	var keys []store.SessionKey
	err := k.store.View(ctx, func(tx store.Txn) error {
		var err error
		keys, err = tx.ListSessionKeys(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sts: load token keys: %w", err)
	}
	if err := k.install(keys, now); err != nil {
		return nil, err
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.aeads[rawID], nil
}

// install replaces the cache with keys (newest first). A key that does not
// open under the master key (sealed by another deployment or under a
// dropped master key) is skipped: tokens naming it are invalid.
func (k *Keyring) install(keys []store.SessionKey, now time.Time) error {
	aeads := make(map[string]cipher.AEAD, len(keys))
	primary, created := "", time.Time{}
	for _, sk := range keys {
		idBytes, err := hex.DecodeString(sk.ID)
		if err != nil || len(idBytes) != tokenKeyIDSize {
			continue
		}
		material, err := k.sealer.Open(sk.KeySealed, sealLabel(sk.ID))
		if err != nil || len(material) != tokenKeySize {
			continue
		}
		aead, err := chacha20poly1305.NewX(material)
		if err != nil {
			continue
		}
		aeads[string(idBytes)] = aead
		if primary == "" {
			primary, created = string(idBytes), sk.CreatedAt
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.aeads, k.primary, k.created, k.lastLoad = aeads, primary, created, now
	return nil
}

// Reseal re-seals every stored key that secret.Sealer.NeedsReseal reports
// (after a master-key rotation), so the old master key can be dropped.
// It returns how many keys it re-sealed.
func (k *Keyring) Reseal(ctx context.Context) (int, error) {
	n := 0
	err := k.store.Tx(ctx, func(tx store.Txn) error {
		n = 0
		keys, err := tx.ListSessionKeys(ctx)
		if err != nil {
			return err
		}
		for _, sk := range keys {
			if !k.sealer.NeedsReseal(sk.KeySealed) {
				continue
			}
			material, err := k.sealer.Open(sk.KeySealed, sealLabel(sk.ID))
			if err != nil {
				return fmt.Errorf("open token key %s: %w", sk.ID, err)
			}
			sealed, err := k.sealer.Seal(material, sealLabel(sk.ID))
			if err != nil {
				return err
			}
			if err := tx.UpdateSessionKeySealed(ctx, sk.ID, sealed); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sts: reseal token keys: %w", err)
	}
	return n, nil
}
