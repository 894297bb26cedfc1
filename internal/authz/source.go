package authz

import (
	"context"
	"errors"
	"time"

	"github.com/iamd/iamd/internal/policy"
)

// EntityKind names the IAM resource types the Resolver looks up.
type EntityKind string

// Entity kinds. Named kinds are looked up by name; ARN kinds by the ARN (or
// serial number) the request carries.
const (
	EntityUser              EntityKind = "user"
	EntityGroup             EntityKind = "group"
	EntityRole              EntityKind = "role"
	EntityInstanceProfile   EntityKind = "instance-profile"
	EntityServerCertificate EntityKind = "server-certificate"
	EntityPolicy            EntityKind = "policy"        // by ARN
	EntityMFADevice         EntityKind = "mfa"           // by serial number (the ARN of a virtual device)
	EntityOIDCProvider      EntityKind = "oidc-provider" // by ARN
	EntitySAMLProvider      EntityKind = "saml-provider" // by ARN
	// EntityAccessKeyOwner resolves an access key ID to the IAM user that
	// owns it (GetAccessKeyLastUsed names no user).
	EntityAccessKeyOwner EntityKind = "access-key"
)

// Entity is what authorization needs to know about an existing resource.
type Entity struct {
	ARN string // with the entity's path
	// Tags become aws:ResourceTag/<key> (and iam:ResourceTag/<key> for users
	// and roles).
	Tags []policy.Tag
	// PermissionsBoundary is the ARN of the boundary currently set on a user
	// or role ("" when none): iam:PermissionsBoundary of the operations that
	// act on the entity without setting a boundary.
	PermissionsBoundary string
	// Kind is the kind of the entity found (EntityUser for
	// EntityAccessKeyOwner; "" means the account root).
	Kind EntityKind
}

// Resolver looks up existing entities of an account so that resource ARNs
// carry the entity's path and conditions see its tags. ok is false (and err
// nil) when the entity does not exist: the request is then authorized
// against the ARN the name would have at path "/" and the operation itself
// reports NoSuchEntity.
type Resolver interface {
	Entity(ctx context.Context, accountID string, kind EntityKind, key string) (e Entity, ok bool, err error)
}

// SourceType is how the simulator labels a policy (the model's
// PolicySourceType enum).
type SourceType string

// Source types of policies.
const (
	SourceUser        SourceType = "user"         // inline policy of a user
	SourceGroup       SourceType = "group"        // inline policy of a group
	SourceRole        SourceType = "role"         // inline policy of a role
	SourceAWSManaged  SourceType = "aws-managed"  // AWS managed policy
	SourceUserManaged SourceType = "user-managed" // customer managed policy
	SourceResource    SourceType = "resource"     // resource or trust policy
	SourceNone        SourceType = "none"         // a policy given in the request (simulator)
)

// Doc is one policy document of a principal.
type Doc struct {
	// ID identifies the policy in logs and in the simulator's
	// MatchedStatements: the policy ARN for managed policies, the policy
	// name for inline ones.
	ID       string
	Type     SourceType
	Document string // JSON as stored
}

// Subject names a principal whose policies are gathered.
type Subject struct {
	AccountID string
	Kind      string // store.PrincipalUser, store.PrincipalGroup or store.PrincipalRole
	Name      string
}

// Policies is what a PolicySource gathers for a subject.
type Policies struct {
	ARN    string // the entity's ARN (with its path)
	ID     string // its unique ID (AIDA…, AROA…, AGPA…)
	Tags   []policy.Tag
	Groups []string // a user's groups, by name (informational)
	// Identity holds the inline and attached managed policies of the
	// entity and, for a user, of each of its groups.
	Identity []Doc
	// Boundary is the permissions boundary of a user or role (nil: none).
	Boundary *Doc
}

// ErrNoSuchSubject is what a PolicySource returns (wrapped) when the
// subject does not exist.
var ErrNoSuchSubject = errors.New("authz: no such principal")

// PolicySource gathers the policies of a user, group or role, and the
// managed policies a session names as its session policies.
type PolicySource interface {
	Policies(ctx context.Context, s Subject) (Policies, error)
	// Managed returns the default-version documents of the managed
	// policies (AWS or of the account) named by arns, in order; ARNs that
	// name no policy are left out (they allow nothing).
	Managed(ctx context.Context, accountID string, arns []string) ([]Doc, error)
}

// Revisions reports an account's revision, which every committed write
// increases; cached policy sets of the account are stale once it moved.
// *iam.Service implements it.
type Revisions interface {
	Revision(ctx context.Context, accountID string) (int64, error)
}

// KeyAgeLimits reports an account's maximum access key age (0: none), the
// iamd setting that refuses requests signed with older long-term keys.
type KeyAgeLimits interface {
	MaxAccessKeyAge(ctx context.Context, accountID string) (time.Duration, error)
}
