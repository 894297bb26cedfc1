package store

import "context"

// Tag is one key/value tag. Keys are unique per resource case-insensitively
// (NameKey); the case given last is kept.
type Tag struct {
	Key   string
	Value string
}

// Kinds of taggable resources (TagStore's resourceKind). A resource is
// addressed by kind + its unique ID (AIDA..., AROA..., ANPA..., the MFA
// serial number, the OIDC provider ARN), never by name, so renames keep tags.
const (
	TagKindUser            = "user"
	TagKindRole            = "role"
	TagKindPolicy          = "policy"
	TagKindInstanceProfile = "instance-profile"
	TagKindOIDCProvider    = "oidc-provider"
	TagKindSAMLProvider    = "saml-provider"
	TagKindMFADevice       = "mfa"
	TagKindServerCert      = "server-certificate"
)

// TagStore keeps the tags of every taggable resource in one place so that
// each area does not grow its own tag table. The store does not check that
// the resource exists: the owning area looks the resource up first, and
// deletes its tags (DeleteAllTags) in the same Tx that deletes the resource.
// The 50-tags quota is the domain's: ListTags, merge, check, PutTags, in one
// Tx.
type TagStore interface {
	// ListTags returns the resource's tags ordered by NameKey(key).
	ListTags(ctx context.Context, accountID, resourceKind, resourceID string) ([]Tag, error)
	// PutTags adds tags or replaces the values of existing keys (compared
	// case-insensitively; the new key's case replaces the old one).
	// ErrNotFound if the account does not exist.
	PutTags(ctx context.Context, accountID, resourceKind, resourceID string, tags []Tag) error
	// DeleteTags removes the given keys (case-insensitively); absent keys are
	// ignored, as UntagUser/UntagRole do.
	DeleteTags(ctx context.Context, accountID, resourceKind, resourceID string, keys []string) error
	// DeleteAllTags removes every tag of the resource.
	DeleteAllTags(ctx context.Context, accountID, resourceKind, resourceID string) error
}
