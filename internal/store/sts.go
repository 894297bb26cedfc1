package store

import (
	"context"
	"time"
)

// Area: STS. The keys that seal STS session tokens. They belong to the
// deployment, not to an account: every iamd node that shares the store
// loads them to verify session tokens issued by any other node, so writes
// bump no account revision. Implemented in sqlite/sts.go, schema in
// sqlite/migrations/0050-0059_*.sql, conformance tests in storetest/sts.go.

// SessionKey is one token-sealing key. The key material is sealed by the
// domain under the master key (internal/secret) before it reaches the store.
type SessionKey struct {
	// ID names the key inside every token sealed with it: 16 lower-case hex
	// digits (8 random bytes), unique.
	ID string
	// KeySealed is the key material sealed under the master key.
	KeySealed []byte
	// CreatedAt is when the key was made; the newest key is the one new
	// tokens are sealed with.
	CreatedAt time.Time
}

// STSStore manages the session-token keys.
type STSStore interface {
	// CreateSessionKey adds a key; an ID already taken is ErrConflict.
	CreateSessionKey(ctx context.Context, k SessionKey) error
	// ListSessionKeys returns every key, newest first (CreatedAt
	// descending, then ID descending).
	ListSessionKeys(ctx context.Context) ([]SessionKey, error)
	// UpdateSessionKeySealed replaces a key's sealed material (re-sealing
	// after a master-key rotation); a missing key is ErrNotFound.
	UpdateSessionKeySealed(ctx context.Context, id string, sealed []byte) error
	// DeleteSessionKeysCreatedBefore deletes the keys created strictly
	// before t and returns how many it deleted.
	DeleteSessionKeysCreatedBefore(ctx context.Context, t time.Time) (int, error)
}
