package sts

import (
	"time"

	"github.com/iamd/iamd/internal/iam"
)

// Session is everything a session token seals: who the session is, what
// limits it, and the secret that signs its requests. A node that can open
// the token knows the session without reading the store.
//
// The JSON names are short because the token carries them on every request.
type Session struct {
	// AccessKeyID is the session's ASIA… key ID. It is also bound to the
	// token as associated data, so a token only opens with its own key ID.
	AccessKeyID string `json:"k"`
	// SecretAccessKey signs the session's requests.
	SecretAccessKey string `json:"s"`

	AccountID string `json:"a"`
	// Kind is iam.IdentityAssumedRole for role sessions, iam.IdentityUser
	// or iam.IdentityRoot for GetSessionToken sessions,
	// iam.IdentityFederatedUser for GetFederationToken sessions.
	Kind string `json:"t"`
	// ARN is the principal: arn:aws:sts::A:assumed-role/R/S, or the user's
	// or root's ARN for GetSessionToken sessions.
	ARN string `json:"r"`
	// PrincipalID is aws:userid: AROA…:session, AIDA…, the account ID, or
	// <account>:<name> for a federated user.
	PrincipalID string `json:"i"`
	// UserName and Path: the user of a GetSessionToken session, or the
	// user that called GetFederationToken ("" for the root).
	UserName string `json:"u,omitempty"`
	Path     string `json:"p,omitempty"`

	// Role sessions.
	RoleARN     string `json:"ra,omitempty"` // with the role's path
	RoleID      string `json:"ri,omitempty"`
	RoleName    string `json:"rn,omitempty"`
	SessionName string `json:"sn,omitempty"`
	// SourceIdentity is set once in a chain and carried by every session
	// assumed from this one.
	SourceIdentity string `json:"si,omitempty"`
	// Policy is the inline session policy as passed (at most 2048
	// characters, so the text itself travels); PolicyARNs are the managed
	// session policies, whose current default versions apply.
	Policy     string   `json:"sp,omitempty"`
	PolicyARNs []string `json:"pa,omitempty"`
	// Tags are the session tags (transitive tags of the calling session
	// included); TransitiveTagKeys are the keys passed on to chained
	// sessions.
	Tags              []iam.Tag `json:"tg,omitempty"`
	TransitiveTagKeys []string  `json:"tt,omitempty"`

	// MFA is aws:MultiFactorAuthPresent; MFAAuthTime is when the code was
	// checked (aws:MultiFactorAuthAge counts from it).
	MFA         bool      `json:"m,omitempty"`
	MFAAuthTime time.Time `json:"mt,omitzero"`

	// IssuedAt is aws:TokenIssueTime; the session is refused from
	// Expiration on.
	IssuedAt   time.Time `json:"ia"`
	Expiration time.Time `json:"ex"`
	// Chained is true when temporary credentials created this session
	// (role chaining: its own AssumeRole calls are capped at one hour).
	Chained bool `json:"c,omitempty"`
	// Context are condition keys every request of the session carries:
	// a web-identity session's aws:FederatedProvider and the provider's
	// aud, oaud, sub and amr claims.
	Context map[string][]string `json:"cx,omitempty"`
}

// Identity is the session as the API layer's caller.
func (s *Session) Identity() *iam.Identity {
	return &iam.Identity{
		Kind:              s.Kind,
		AccountID:         s.AccountID,
		ARN:               s.ARN,
		UserID:            s.PrincipalID,
		UserName:          s.UserName,
		Path:              s.Path,
		AccessKey:         s.AccessKeyID,
		Temporary:         true,
		RoleARN:           s.RoleARN,
		RoleID:            s.RoleID,
		RoleName:          s.RoleName,
		SessionName:       s.SessionName,
		SourceIdentity:    s.SourceIdentity,
		SessionPolicy:     s.Policy,
		SessionPolicyARNs: append([]string(nil), s.PolicyARNs...),
		SessionTags:       append([]iam.Tag(nil), s.Tags...),
		TransitiveTagKeys: append([]string(nil), s.TransitiveTagKeys...),
		MFAPresent:        s.MFA,
		MFAAuthTime:       s.MFAAuthTime,
		TokenIssueTime:    s.IssuedAt,
		Expiration:        s.Expiration,
		Chained:           s.Chained,
		SessionContext:    s.Context,
	}
}
