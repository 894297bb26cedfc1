package store

import (
	"context"
	"time"
)

// Access key statuses, spelled as the IAM API spells them.
const (
	AccessKeyActive   = "Active"
	AccessKeyInactive = "Inactive"
)

// AccessKey is a long-term access key of an account's root (UserID == "")
// or of an IAM user. Root and user keys live in one table so that SigV4
// authentication has a single lookup path (GetAccessKey by ID).
type AccessKey struct {
	ID        string // AKIA..., globally unique
	AccountID string
	// UserID is the owning user's unique ID (AIDA...), "" for the root. The
	// store does not check that the user exists (the users area deletes a
	// user's keys before the user: DeleteUser fails with DeleteConflict
	// otherwise).
	UserID string
	Status string // AccessKeyActive or AccessKeyInactive
	// SecretSealed is the secret access key sealed by internal/secret with the
	// key ID as associated data. The store never sees the plaintext.
	SecretSealed []byte
	CreatedAt    time.Time
	// Last use (GetAccessKeyLastUsed, credential report); zero LastUsedAt
	// means never used.
	LastUsedAt      time.Time
	LastUsedService string
	LastUsedRegion  string
}

// AccessKeyStore manages root and user access keys.
type AccessKeyStore interface {
	// CreateAccessKey inserts k; ErrConflict if the ID exists anywhere,
	// ErrNotFound if the account does not exist. The per-owner quota (2) is
	// the domain's: count with ListAccessKeys in the same Tx.
	CreateAccessKey(ctx context.Context, k AccessKey) error
	// GetAccessKey finds a key by ID in any account (the SigV4 lookup);
	// ErrNotFound if absent.
	GetAccessKey(ctx context.Context, accessKeyID string) (AccessKey, error)
	// ListAccessKeys lists the keys of one owner (userID "" = the root),
	// oldest first (then by ID): the credential report's key 1 and key 2.
	ListAccessKeys(ctx context.Context, accountID, userID string) ([]AccessKey, error)
	// UpdateAccessKeyStatus sets the status; ErrNotFound if the account has
	// no such key.
	UpdateAccessKeyStatus(ctx context.Context, accountID, accessKeyID, status string) error
	// UpdateAccessKeySecret replaces the sealed secret (re-sealing under a new
	// master key, bootstrap of a configured root key); ErrNotFound if absent.
	UpdateAccessKeySecret(ctx context.Context, accountID, accessKeyID string, sealed []byte) error
	// DeleteAccessKey deletes the key; ErrNotFound if the account has no such
	// key.
	DeleteAccessKey(ctx context.Context, accountID, accessKeyID string) error
	// RecordAccessKeyUse stores the last use of a key. It is bookkeeping, not
	// an IAM change: it does NOT bump the account revision (it would
	// invalidate every cache on every request). ErrNotFound if absent.
	RecordAccessKeyUse(ctx context.Context, accessKeyID string, at time.Time, service, region string) error
}
