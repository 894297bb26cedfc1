package iam

import (
	"context"
	"time"
)

// Principal kinds of an authenticated identity.
const (
	IdentityRoot        = "root"
	IdentityUser        = "user"
	IdentityAssumedRole = "assumed-role"
	// IdentityFederatedUser is a GetFederationToken session: UserName and
	// Path name the IAM user that called it ("" for the root).
	IdentityFederatedUser = "federated-user"
)

// Identity is the authenticated caller of a request: who signed it, in
// which account. The API layer receives it as its api.Caller (it has
// AccessKeyID) and handlers use it for the account every operation acts in
// and for the operations whose UserName defaults to the caller's own user.
type Identity struct {
	Kind      string // IdentityRoot, IdentityUser or IdentityAssumedRole
	AccountID string
	ARN       string // arn:aws:iam::<acct>:root, ...:user/<path><name>, arn:aws:sts::<acct>:assumed-role/<role>/<session>
	// UserID is the principal's unique ID as aws:userid knows it: the
	// account ID for the root, AIDA... for a user, AROA...:session for a
	// role session.
	UserID   string
	UserName string // the IAM user's name ("" for root and role sessions)
	Path     string // the IAM user's path
	// AccessKey is the access key the request was signed with.
	AccessKey string
	// Credential is the long-term key as resolved for SigV4 (zero for
	// session credentials).
	Credential Credential

	// Session credentials (STS): the fields below are zero for long-term
	// keys. Temporary is true for every ASIA… key.
	Temporary bool
	// RoleARN (with the role's path), RoleID and RoleName name the role of
	// an assumed-role session; SessionName is its RoleSessionName.
	RoleARN     string
	RoleID      string
	RoleName    string
	SessionName string
	// SourceIdentity is aws:SourceIdentity ("" when none was set).
	SourceIdentity string
	// SessionPolicy (inline JSON) and SessionPolicyARNs (managed) are the
	// session policies the session was created with; the session's
	// permissions are its role's intersected with them. Both empty: no
	// session policy.
	SessionPolicy     string
	SessionPolicyARNs []string
	// SessionTags are the session's tags (aws:PrincipalTag over the role's
	// own); TransitiveTagKeys those passed on when chaining.
	SessionTags       []Tag
	TransitiveTagKeys []string
	// MFAPresent is aws:MultiFactorAuthPresent; MFAAuthTime is when the
	// MFA code was checked (aws:MultiFactorAuthAge).
	MFAPresent  bool
	MFAAuthTime time.Time
	// TokenIssueTime is aws:TokenIssueTime; Expiration ends the session.
	TokenIssueTime time.Time
	Expiration     time.Time
	// Chained: temporary credentials created this session (role chaining).
	Chained bool
	// SessionContext are condition keys the session carries to every
	// request it signs (a web-identity session's aws:FederatedProvider and
	// <provider>:sub, :aud, :oaud, :amr).
	SessionContext map[string][]string
}

// HasSessionPolicy reports whether the session was created with session
// policies (then they must allow too).
func (i *Identity) HasSessionPolicy() bool {
	return i.SessionPolicy != "" || len(i.SessionPolicyARNs) > 0
}

// AccessKeyID implements api.Caller.
func (i *Identity) AccessKeyID() string { return i.AccessKey }

// IsRoot reports whether the caller is the account's root user.
func (i *Identity) IsRoot() bool { return i.Kind == IdentityRoot }

// IdentityFor resolves the principal that owns a long-term access key
// (as LookupAccessKey returned it): the account root, or the IAM user.
func (s *Service) IdentityFor(ctx context.Context, cred Credential) (*Identity, error) {
	if cred.IsRoot() {
		return &Identity{
			Kind:       IdentityRoot,
			AccountID:  cred.AccountID,
			ARN:        RootARN(cred.AccountID),
			UserID:     cred.AccountID,
			AccessKey:  cred.AccessKeyID,
			Credential: cred,
		}, nil
	}
	return s.userIdentity(ctx, cred)
}
