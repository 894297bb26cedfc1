package store

import (
	"context"
	"strings"
	"time"
)

// Area: policies. Customer managed policies and their versions, attachments
// of managed policies (customer and AWS managed) to users, groups and roles,
// the permissions boundaries in use, and the inline policies of users,
// groups and roles. Implemented in sqlite/policies.go, schema in
// sqlite/migrations/0030-0039_*.sql, conformance tests in
// storetest/policies.go. Tags: tags.go (TagKindPolicy, by policy ID).
//
// AWS managed policies (account "aws") are not rows: they are the same in
// every account and ship with the binary (iam.ManagedPolicies). Attachments
// and boundary usages name a policy by its ARN, which covers both kinds, so
// their per-account counts are read from the attachment tables.
//
// Principals are other areas' rows, referenced by kind (PrincipalUser,
// PrincipalGroup, PrincipalRole) and unique ID; nothing here is removed when
// a principal is deleted: the owning area refuses the delete while
// CountAttachedPolicies / CountInlinePolicies are not zero, and clears the
// principal's boundary usage (SetBoundaryUsage with "") in the same Tx.

// ManagedPolicy is a customer managed policy. AttachmentCount and
// BoundaryUsageCount are computed by Get/List (not written).
type ManagedPolicy struct {
	AccountID        string
	ID               string // ANPA...
	Name             string
	Path             string
	ARN              string // arn:aws:iam::<account>:policy<path><name>
	Description      string // "" = none
	DefaultVersionID string // "v1", ...
	// LastVersion is the highest version number ever used: version numbers
	// are not reused after DeletePolicyVersion.
	LastVersion int
	CreatedAt   time.Time
	UpdatedAt   time.Time

	AttachmentCount    int // attachments as a permissions policy
	BoundaryUsageCount int // users and roles using it as their permissions boundary
}

// PolicyVersion is one version of a customer managed policy. Document is
// the text exactly as submitted.
type PolicyVersion struct {
	AccountID string
	PolicyID  string
	VersionID string // "v<N>"
	Document  string
	CreatedAt time.Time
}

// PolicyKey is the sort key of managed policies in lists that mix customer
// and AWS managed policies (ListPolicies, attached-policy lists): the
// case-folded name, then the account of the ARN ("aws" or the 12 digits),
// so that a customer policy and an AWS managed policy of the same name both
// have a place in the order (the customer one first). Names are unique
// within each account, so the key is unique; it is kept short because it
// travels in markers, which the API limits to 320 characters.
func PolicyKey(name, arn string) string {
	account := arn
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 {
		account = parts[4]
	}
	return NameKey(name) + "\x00" + account
}

// Policy usage kinds (PolicyFilter.Usage, PolicyEntity.Usage).
const (
	UsageNone       = ""           // no usage filter
	UsagePermission = "permission" // attached as a permissions policy
	UsageBoundary   = "boundary"   // set as a permissions boundary
	UsageAny        = "any"        // either
)

// PolicyFilter selects customer managed policies in ListPolicies.
type PolicyFilter struct {
	PathPrefix string // "" = all
	// Usage restricts the list to policies in use that way in the account
	// (UsageNone: every policy).
	Usage string
}

// PolicyAttachment is a managed policy (customer or AWS managed) attached to
// a principal as a permissions policy. PolicyName and PolicyPath are copied
// from the policy (policies cannot be renamed or moved) so that attached
// lists need no join.
type PolicyAttachment struct {
	AccountID     string
	PrincipalKind string // PrincipalUser, PrincipalGroup or PrincipalRole
	PrincipalID   string
	PolicyARN     string
	PolicyName    string
	PolicyPath    string
	AttachedAt    time.Time
}

// PolicyEntity is one principal that uses a policy (ListEntitiesForPolicy).
type PolicyEntity struct {
	PrincipalKind string
	PrincipalID   string
	Usage         string // UsagePermission or UsageBoundary
}

// PolicyUsage counts how one policy is used in an account.
type PolicyUsage struct {
	Attachments int
	Boundaries  int
}

// AttachedDocument is an attached customer managed policy with the document
// of its default version (for the authorization layer).
type AttachedDocument struct {
	PolicyARN        string
	PolicyID         string
	DefaultVersionID string
	Document         string
}

// PolicyStore manages customer managed policies, their versions,
// attachments of managed policies and permissions-boundary usage.
type PolicyStore interface {
	// CreatePolicy inserts a policy and its first version (v's PolicyID and
	// AccountID are the policy's). ErrConflict if the name is taken
	// (case-insensitively) in the account; ErrNotFound if the account does
	// not exist.
	CreatePolicy(ctx context.Context, p ManagedPolicy, v PolicyVersion) error
	// GetPolicy returns a policy by unique ID.
	GetPolicy(ctx context.Context, accountID, policyID string) (ManagedPolicy, error)
	// GetPolicyByName returns a policy by name (case-insensitively).
	GetPolicyByName(ctx context.Context, accountID, name string) (ManagedPolicy, error)
	// ListPolicies lists the account's customer managed policies ordered by
	// PolicyKey(name, arn), filtered by f; p.After is a PolicyKey.
	ListPolicies(ctx context.Context, accountID string, f PolicyFilter, p Page) ([]ManagedPolicy, bool, error)
	// UpdatePolicyVersions sets a policy's default version, last version
	// number and update time.
	UpdatePolicyVersions(ctx context.Context, accountID, policyID, defaultVersionID string, lastVersion int, updatedAt time.Time) error
	// DeletePolicy deletes a policy with all its versions. Tags are the
	// caller's (DeleteAllTags).
	DeletePolicy(ctx context.Context, accountID, policyID string) error
	// CountPolicies counts the account's customer managed policies.
	CountPolicies(ctx context.Context, accountID string) (int, error)

	// CreatePolicyVersion inserts a version. ErrConflict if the version ID
	// exists; ErrNotFound if the policy does not.
	CreatePolicyVersion(ctx context.Context, v PolicyVersion) error
	// GetPolicyVersion returns one version.
	GetPolicyVersion(ctx context.Context, accountID, policyID, versionID string) (PolicyVersion, error)
	// ListPolicyVersions returns every version of a policy, newest first.
	ListPolicyVersions(ctx context.Context, accountID, policyID string) ([]PolicyVersion, error)
	// DeletePolicyVersion deletes one version.
	DeletePolicyVersion(ctx context.Context, accountID, policyID, versionID string) error
	// CountPolicyVersionsInUse counts the versions of all the account's
	// customer managed policies (GetAccountSummary's PolicyVersionsInUse).
	CountPolicyVersionsInUse(ctx context.Context, accountID string) (int, error)

	// AttachPolicy records an attachment. ErrConflict if that policy is
	// already attached to that principal.
	AttachPolicy(ctx context.Context, a PolicyAttachment) error
	// DetachPolicy removes an attachment; ErrNotFound if it is not there.
	DetachPolicy(ctx context.Context, accountID, principalKind, principalID, policyARN string) error
	// ListAttachedPolicies lists the policies attached to a principal whose
	// path starts with pathPrefix ("" = all), ordered by
	// PolicyKey(PolicyName, PolicyARN); p.After is such a key.
	ListAttachedPolicies(ctx context.Context, accountID, principalKind, principalID, pathPrefix string, p Page) ([]PolicyAttachment, bool, error)
	// CountAttachedPolicies counts the policies attached to a principal.
	CountAttachedPolicies(ctx context.Context, accountID, principalKind, principalID string) (int, error)
	// ListAttachedPolicyDocuments returns the customer managed policies
	// attached to a principal with their default version's document, in
	// PolicyKey order. AWS managed attachments are not included (their
	// documents are not rows): list them with ListAttachedPolicies.
	ListAttachedPolicyDocuments(ctx context.Context, accountID, principalKind, principalID string) ([]AttachedDocument, error)
	// ListPolicyEntities lists the principals that use a policy, ordered by
	// kind then principal ID; usage selects UsagePermission, UsageBoundary
	// or UsageAny, principalKind one kind or "" for all.
	ListPolicyEntities(ctx context.Context, accountID, policyARN, principalKind, usage string) ([]PolicyEntity, error)
	// PolicyUsageByARN returns, for every policy ARN in use in the account
	// (attached or used as a boundary), its usage counts.
	PolicyUsageByARN(ctx context.Context, accountID string) (map[string]PolicyUsage, error)

	// SetBoundaryUsage records that the principal uses policyARN as its
	// permissions boundary, replacing any previous one; "" clears it.
	SetBoundaryUsage(ctx context.Context, accountID, principalKind, principalID, policyARN string) error
}

// InlinePolicy is an inline policy of a user, group or role. Names are
// unique per principal case-insensitively; Document is the text as
// submitted.
type InlinePolicy struct {
	AccountID     string
	PrincipalKind string
	PrincipalID   string
	Name          string
	Document      string
}

// InlinePolicyStore manages the inline policies of users, groups and roles.
type InlinePolicyStore interface {
	// PutInlinePolicy creates or replaces (by NameKey(name)) an inline
	// policy; a replacement takes the new name's case.
	PutInlinePolicy(ctx context.Context, p InlinePolicy) error
	// GetInlinePolicy returns one inline policy by name (case-insensitively).
	GetInlinePolicy(ctx context.Context, accountID, principalKind, principalID, name string) (InlinePolicy, error)
	// ListInlinePolicies lists a principal's inline policies (documents
	// included) ordered by NameKey(name); p.After is such a key.
	ListInlinePolicies(ctx context.Context, accountID, principalKind, principalID string, p Page) ([]InlinePolicy, bool, error)
	// DeleteInlinePolicy deletes one inline policy by name.
	DeleteInlinePolicy(ctx context.Context, accountID, principalKind, principalID, name string) error
	// CountInlinePolicies counts a principal's inline policies.
	CountInlinePolicies(ctx context.Context, accountID, principalKind, principalID string) (int, error)
}
