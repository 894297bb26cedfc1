package store

import (
	"context"
	"time"
)

// Area: roles. Roles (with their trust policies, permissions boundaries and
// RoleLastUsed), instance profiles and OpenID Connect providers. Tags go
// through TagStore (TagKindRole with the role ID, TagKindInstanceProfile with
// the instance profile ID, TagKindOIDCProvider with the provider ARN).

// Role is an IAM role.
type Role struct {
	ID        string // AROA..., unique across accounts
	AccountID string
	Name      string // unique per account case-insensitively (NameKey)
	Path      string
	// AssumeRolePolicy is the trust policy exactly as submitted: GetRole
	// returns it byte for byte.
	AssumeRolePolicy string
	// TrustPrincipals maps each IAM user or role ARN the trust policy names
	// (as written) to the unique ID that entity had when the policy was
	// saved; nil when none.
	TrustPrincipals    map[string]string
	Description        string // "" = none
	MaxSessionDuration int    // seconds
	// PermissionsBoundaryARN is the managed policy used as the role's
	// permissions boundary, "" for none.
	PermissionsBoundaryARN string
	CreatedAt              time.Time
	// Last use (RoleLastUsed); zero LastUsedAt means never used. Written by
	// RecordRoleUse, which does not bump the revision.
	LastUsedAt     time.Time
	LastUsedRegion string
}

// RoleStore manages roles, their trust policies and permissions boundaries.
type RoleStore interface {
	// CreateRole inserts r; ErrConflict if the name (case-insensitively) or
	// the ID is taken, ErrNotFound if the account does not exist. The
	// RolesPerAccount quota is the domain's (CountRoles in the same Tx).
	CreateRole(ctx context.Context, r Role) error
	// GetRoleByName finds a role by name, case-insensitively; ErrNotFound.
	GetRoleByName(ctx context.Context, accountID, name string) (Role, error)
	// GetRoleByID finds a role by its unique ID; ErrNotFound.
	GetRoleByID(ctx context.Context, accountID, roleID string) (Role, error)
	// ListRoles lists the roles whose path starts with pathPrefix ("" = all),
	// ordered by NameKey(name).
	ListRoles(ctx context.Context, accountID, pathPrefix string, p Page) ([]Role, bool, error)
	// UpdateRole writes the mutable fields of r (AssumeRolePolicy,
	// TrustPrincipals, Description, MaxSessionDuration,
	// PermissionsBoundaryARN), addressed by
	// r.AccountID and r.ID; ErrNotFound if absent. Name, path, creation time
	// and last use are left as they are.
	UpdateRole(ctx context.Context, r Role) error
	// DeleteRole deletes the role; ErrNotFound if absent. Its dependents
	// (instance profiles, policies, tags) are the domain's to check or
	// delete first, in the same Tx.
	DeleteRole(ctx context.Context, accountID, roleID string) error
	// CountRoles counts the account's roles (quota, GetAccountSummary).
	CountRoles(ctx context.Context, accountID string) (int, error)
	// CountRolesWithPermissionsBoundary counts the roles whose permissions
	// boundary is policyARN (DeletePolicy's DeleteConflict).
	CountRolesWithPermissionsBoundary(ctx context.Context, accountID, policyARN string) (int, error)
	// RecordRoleUse stores the role's last use (an AssumeRole* that issued
	// credentials). It is bookkeeping, not an IAM change: it does NOT bump
	// the account revision. ErrNotFound if absent.
	RecordRoleUse(ctx context.Context, accountID, roleID string, at time.Time, region string) error
}

// InstanceProfile is an instance profile: a container for zero or one role.
type InstanceProfile struct {
	ID        string // AIPA..., unique across accounts
	AccountID string
	Name      string // unique per account case-insensitively (NameKey)
	Path      string
	CreatedAt time.Time
	// RoleID is the role in the profile, "" for none. The store does not
	// check that the role exists (the domain does, in the same Tx).
	RoleID string
}

// InstanceProfileStore manages instance profiles and their (0 or 1) role.
type InstanceProfileStore interface {
	// CreateInstanceProfile inserts ip; ErrConflict if the name or ID is
	// taken, ErrNotFound if the account does not exist.
	CreateInstanceProfile(ctx context.Context, ip InstanceProfile) error
	// GetInstanceProfileByName finds a profile case-insensitively; ErrNotFound.
	GetInstanceProfileByName(ctx context.Context, accountID, name string) (InstanceProfile, error)
	// ListInstanceProfiles lists the profiles whose path starts with
	// pathPrefix ("" = all), ordered by NameKey(name).
	ListInstanceProfiles(ctx context.Context, accountID, pathPrefix string, p Page) ([]InstanceProfile, bool, error)
	// ListInstanceProfilesForRole lists the profiles holding the role,
	// ordered by NameKey(name).
	ListInstanceProfilesForRole(ctx context.Context, accountID, roleID string, p Page) ([]InstanceProfile, bool, error)
	// SetInstanceProfileRole puts roleID in the profile, or empties it when
	// roleID is ""; ErrNotFound if the profile is absent. The one-role limit
	// is the domain's (read the profile first, in the same Tx).
	SetInstanceProfileRole(ctx context.Context, accountID, profileID, roleID string) error
	// DeleteInstanceProfile deletes the profile; ErrNotFound if absent.
	DeleteInstanceProfile(ctx context.Context, accountID, profileID string) error
	// CountInstanceProfiles counts the account's instance profiles.
	CountInstanceProfiles(ctx context.Context, accountID string) (int, error)
	// CountInstanceProfilesForRole counts the profiles holding the role
	// (DeleteRole's DeleteConflict).
	CountInstanceProfilesForRole(ctx context.Context, accountID, roleID string) (int, error)
}

// OIDCProvider is an OpenID Connect identity provider.
type OIDCProvider struct {
	ARN       string // arn:aws:iam::<acct>:oidc-provider/<URL>, the unique ID
	AccountID string
	// URL is the issuer without its https:// scheme (host[/path]), as
	// GetOpenIDConnectProvider returns it; unique per account.
	URL         string
	ClientIDs   []string // in the order added
	Thumbprints []string // in the order given
	CreatedAt   time.Time
}

// OIDCProviderStore manages OpenID Connect identity providers.
type OIDCProviderStore interface {
	// CreateOIDCProvider inserts p; ErrConflict if the ARN or the URL is
	// taken in the account, ErrNotFound if the account does not exist.
	CreateOIDCProvider(ctx context.Context, p OIDCProvider) error
	// GetOIDCProvider finds a provider by ARN (case-sensitive); ErrNotFound.
	GetOIDCProvider(ctx context.Context, accountID, arn string) (OIDCProvider, error)
	// GetOIDCProviderByURL finds a provider by its URL without scheme
	// (host[/path], as OIDCProvider.URL); ErrNotFound. STS web identity
	// resolves a token's issuer with it.
	GetOIDCProviderByURL(ctx context.Context, accountID, url string) (OIDCProvider, error)
	// ListOIDCProviders lists the account's providers ordered by ARN (AWS
	// does not paginate this list).
	ListOIDCProviders(ctx context.Context, accountID string) ([]OIDCProvider, error)
	// UpdateOIDCProvider replaces the client IDs and thumbprints of the
	// provider p.ARN; ErrNotFound if absent.
	UpdateOIDCProvider(ctx context.Context, p OIDCProvider) error
	// DeleteOIDCProvider deletes the provider; ErrNotFound if absent.
	DeleteOIDCProvider(ctx context.Context, accountID, arn string) error
	// CountOIDCProviders counts the account's providers.
	CountOIDCProviders(ctx context.Context, accountID string) (int, error)
}
