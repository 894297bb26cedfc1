package iam

import (
	"fmt"
	"unicode"
)

// Quotas are the per-account limits iamd enforces and reports through
// GetAccountSummary. DefaultQuotas gives AWS's defaults; an operator may
// raise the adjustable ones in configuration (Validate checks the result).
type Quotas struct {
	// Entities per account.
	UsersPerAccount              int
	GroupsPerAccount             int
	RolesPerAccount              int
	PoliciesPerAccount           int // customer managed policies
	InstanceProfilesPerAccount   int
	ServerCertificatesPerAccount int
	OIDCProvidersPerAccount      int
	SAMLProvidersPerAccount      int

	// Per principal.
	GroupsPerUser            int
	AttachedPoliciesPerUser  int
	AttachedPoliciesPerGroup int
	AttachedPoliciesPerRole  int
	AccessKeysPerUser        int
	SigningCertsPerUser      int
	SSHPublicKeysPerUser     int
	MFADevicesPerUser        int

	// Per policy or container.
	VersionsPerPolicy             int
	PolicyVersionsInUse           int
	RolesPerInstanceProfile       int
	ClientIDsPerOIDCProvider      int
	ThumbprintsPerOIDCProvider    int
	TagsPerResource               int
	ManagedSessionPoliciesPerCall int
	SessionTagsPerSession         int

	// Policy sizes, in characters other than white space. Inline sizes are
	// the aggregate of all inline policies of the principal.
	UserPolicySize       int
	GroupPolicySize      int
	RolePolicySize       int
	PolicySize           int // one managed policy version
	AssumeRolePolicySize int // a role's trust policy
}

// DefaultQuotas returns AWS's default quotas (IAM User Guide, "IAM and AWS
// STS quotas").
func DefaultQuotas() Quotas {
	return Quotas{
		UsersPerAccount:              5000,
		GroupsPerAccount:             300,
		RolesPerAccount:              1000,
		PoliciesPerAccount:           1500,
		InstanceProfilesPerAccount:   1000,
		ServerCertificatesPerAccount: 20,
		OIDCProvidersPerAccount:      100,
		SAMLProvidersPerAccount:      100,

		GroupsPerUser:            10,
		AttachedPoliciesPerUser:  10,
		AttachedPoliciesPerGroup: 10,
		AttachedPoliciesPerRole:  10,
		AccessKeysPerUser:        2,
		SigningCertsPerUser:      2,
		SSHPublicKeysPerUser:     5,
		MFADevicesPerUser:        8,

		VersionsPerPolicy:             5,
		PolicyVersionsInUse:           10000,
		RolesPerInstanceProfile:       1,
		ClientIDsPerOIDCProvider:      100,
		ThumbprintsPerOIDCProvider:    5,
		TagsPerResource:               MaxTagsPerEntity,
		ManagedSessionPoliciesPerCall: 10,
		SessionTagsPerSession:         50,

		UserPolicySize:       2048,
		GroupPolicySize:      5120,
		RolePolicySize:       10240,
		PolicySize:           6144,
		AssumeRolePolicySize: 2048,
	}
}

// Validate reports a quota no deployment can use: a value below 1, or a
// value past a limit built into the API itself (the model caps tag lists at
// 50 and policy documents at 131072 characters; an instance profile holds
// one role). AWS's own "adjustable up to" maxima change over time and vary
// by source, so an operator may raise the adjustable quotas freely.
func (q Quotas) Validate() error {
	type bound struct {
		name     string
		val, max int
	}
	const unbounded = int(^uint(0) >> 1)
	const maxDocument = 131072 // policyDocumentType
	bounds := []bound{
		{"UsersPerAccount", q.UsersPerAccount, unbounded},
		{"GroupsPerAccount", q.GroupsPerAccount, unbounded},
		{"RolesPerAccount", q.RolesPerAccount, unbounded},
		{"PoliciesPerAccount", q.PoliciesPerAccount, unbounded},
		{"InstanceProfilesPerAccount", q.InstanceProfilesPerAccount, unbounded},
		{"ServerCertificatesPerAccount", q.ServerCertificatesPerAccount, unbounded},
		{"OIDCProvidersPerAccount", q.OIDCProvidersPerAccount, unbounded},
		{"SAMLProvidersPerAccount", q.SAMLProvidersPerAccount, unbounded},
		{"GroupsPerUser", q.GroupsPerUser, unbounded},
		{"AttachedPoliciesPerUser", q.AttachedPoliciesPerUser, unbounded},
		{"AttachedPoliciesPerGroup", q.AttachedPoliciesPerGroup, unbounded},
		{"AttachedPoliciesPerRole", q.AttachedPoliciesPerRole, unbounded},
		{"AccessKeysPerUser", q.AccessKeysPerUser, unbounded},
		{"SigningCertsPerUser", q.SigningCertsPerUser, unbounded},
		{"SSHPublicKeysPerUser", q.SSHPublicKeysPerUser, unbounded},
		{"MFADevicesPerUser", q.MFADevicesPerUser, unbounded},
		{"VersionsPerPolicy", q.VersionsPerPolicy, unbounded},
		{"PolicyVersionsInUse", q.PolicyVersionsInUse, unbounded},
		{"RolesPerInstanceProfile", q.RolesPerInstanceProfile, 1},
		{"ClientIDsPerOIDCProvider", q.ClientIDsPerOIDCProvider, unbounded},
		{"ThumbprintsPerOIDCProvider", q.ThumbprintsPerOIDCProvider, unbounded},
		{"TagsPerResource", q.TagsPerResource, MaxTagsPerEntity},
		{"ManagedSessionPoliciesPerCall", q.ManagedSessionPoliciesPerCall, unbounded},
		{"SessionTagsPerSession", q.SessionTagsPerSession, unbounded},
		{"UserPolicySize", q.UserPolicySize, maxDocument},
		{"GroupPolicySize", q.GroupPolicySize, maxDocument},
		{"RolePolicySize", q.RolePolicySize, maxDocument},
		{"PolicySize", q.PolicySize, maxDocument},
		{"AssumeRolePolicySize", q.AssumeRolePolicySize, maxDocument},
	}
	for _, b := range bounds {
		if b.val < 1 || b.val > b.max {
			if b.max == unbounded {
				return fmt.Errorf("iam: quota %s = %d: must be at least 1", b.name, b.val)
			}
			return fmt.Errorf("iam: quota %s = %d: must be between 1 and %d", b.name, b.val, b.max)
		}
	}
	return nil
}

// SummaryQuotas returns the quota entries of GetAccountSummary's
// SummaryMap, keyed as AWS keys them. The counts (Users, Groups, ...) come
// from the store.
func (q Quotas) SummaryQuotas() map[string]int {
	return map[string]int{
		"UsersQuota":                      q.UsersPerAccount,
		"GroupsQuota":                     q.GroupsPerAccount,
		"RolesQuota":                      q.RolesPerAccount,
		"PoliciesQuota":                   q.PoliciesPerAccount,
		"InstanceProfilesQuota":           q.InstanceProfilesPerAccount,
		"ServerCertificatesQuota":         q.ServerCertificatesPerAccount,
		"GroupsPerUserQuota":              q.GroupsPerUser,
		"AccessKeysPerUserQuota":          q.AccessKeysPerUser,
		"SigningCertificatesPerUserQuota": q.SigningCertsPerUser,
		"AttachedPoliciesPerUserQuota":    q.AttachedPoliciesPerUser,
		"AttachedPoliciesPerGroupQuota":   q.AttachedPoliciesPerGroup,
		"AttachedPoliciesPerRoleQuota":    q.AttachedPoliciesPerRole,
		"UserPolicySizeQuota":             q.UserPolicySize,
		"GroupPolicySizeQuota":            q.GroupPolicySize,
		"RolePolicySizeQuota":             q.RolePolicySize,
		"PolicySizeQuota":                 q.PolicySize,
		"AssumeRolePolicySizeQuota":       q.AssumeRolePolicySize,
		"VersionsPerPolicyQuota":          q.VersionsPerPolicy,
		"PolicyVersionsInUseQuota":        q.PolicyVersionsInUse,
	}
}

// Quota names as they appear in AWS's "Cannot exceed quota for <Name>: <n>"
// LimitExceeded messages.
const (
	QuotaUsersPerAccount            = "UsersPerAccount"
	QuotaGroupsPerAccount           = "GroupsPerAccount"
	QuotaRolesPerAccount            = "RolesPerAccount"
	QuotaPoliciesPerAccount         = "PoliciesPerAccount"
	QuotaInstanceProfilesPerAccount = "InstanceProfilesPerAccount"
	QuotaServerCertsPerAccount      = "ServerCertificatesPerAccount"
	QuotaOIDCProvidersPerAccount    = "OpenIdConnectProvidersPerAccount"
	QuotaSAMLProvidersPerAccount    = "SAMLProvidersPerAccount"
	QuotaGroupsPerUser              = "GroupsPerUser"
	QuotaPoliciesPerUser            = "PoliciesPerUser"
	QuotaPoliciesPerGroup           = "PoliciesPerGroup"
	QuotaPoliciesPerRole            = "PoliciesPerRole"
	QuotaAccessKeysPerUser          = "AccessKeysPerUser"
	QuotaCertificatesPerUser        = "CertificatesPerUser"
	QuotaSSHPublicKeysPerUser       = "PublicKeysPerUser"
	QuotaMFADevicesPerUser          = "MFADevicesPerUser"
	QuotaRolesPerInstanceProfile    = "InstanceSessionsPerInstanceProfile"
	QuotaClientIDsPerOIDCProvider   = "ClientIdsPerOpenIdConnectProvider"
	QuotaThumbprintsPerOIDCProvider = "ThumbprintsPerOpenIdConnectProvider"
	QuotaPolicySize                 = "PolicySize"
	QuotaAssumeRolePolicySize       = "ACLSizePerRole"
)

// QuotaExceeded is the LimitExceeded error AWS returns when an operation
// would go past a count quota, e.g. "Cannot exceed quota for
// GroupsPerUser: 10".
func QuotaExceeded(quota string, limit int) *Error {
	return LimitExceeded("Cannot exceed quota for %s: %d", quota, limit)
}

// CheckCount returns QuotaExceeded when adding one more entity to current
// would exceed limit.
func CheckCount(quota string, current, limit int) *Error {
	if current+1 > limit {
		return QuotaExceeded(quota, limit)
	}
	return nil
}

// PolicyVersionsExceeded is AWS's error for CreatePolicyVersion when the
// policy already holds the maximum number of versions.
func PolicyVersionsExceeded(limit int) *Error {
	return LimitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", limit)
}

// PolicySize is the size AWS charges a policy document against its quotas:
// the number of characters that are not white space.
func PolicySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// Principal kinds for inline-policy size messages.
const (
	PrincipalUser  = "user"
	PrincipalGroup = "group"
	PrincipalRole  = "role"
)

// InlineSizeLimit returns the aggregate inline-policy quota for a principal
// kind (PrincipalUser, PrincipalGroup or PrincipalRole).
func (q Quotas) InlineSizeLimit(kind string) int {
	switch kind {
	case PrincipalUser:
		return q.UserPolicySize
	case PrincipalGroup:
		return q.GroupPolicySize
	case PrincipalRole:
		return q.RolePolicySize
	}
	return 0
}

// CheckInlinePolicySize checks that the inline policies of a principal
// together (docs: every inline document the principal will have after the
// change) stay within its aggregate quota. AWS reports "Maximum policy
// size of 2048 bytes exceeded for user alice".
func (q Quotas) CheckInlinePolicySize(kind, name string, docs []string) *Error {
	total := 0
	for _, d := range docs {
		total += PolicySize(d)
	}
	limit := q.InlineSizeLimit(kind)
	if total > limit {
		return LimitExceeded("Maximum policy size of %d bytes exceeded for %s %s", limit, kind, name)
	}
	return nil
}

// CheckManagedPolicySize checks one customer managed policy version.
func (q Quotas) CheckManagedPolicySize(doc string) *Error {
	if PolicySize(doc) > q.PolicySize {
		return QuotaExceeded(QuotaPolicySize, q.PolicySize)
	}
	return nil
}

// CheckTrustPolicySize checks a role's trust policy.
func (q Quotas) CheckTrustPolicySize(doc string) *Error {
	if PolicySize(doc) > q.AssumeRolePolicySize {
		return QuotaExceeded(QuotaAssumeRolePolicySize, q.AssumeRolePolicySize)
	}
	return nil
}
