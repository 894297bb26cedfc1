package iam

import "context"

// Principal kinds of an authenticated identity.
const (
	IdentityRoot        = "root"
	IdentityUser        = "user"
	IdentityAssumedRole = "assumed-role"
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
