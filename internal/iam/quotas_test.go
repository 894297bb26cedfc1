package iam

import (
	"strings"
	"testing"
)

func TestDefaultQuotas(t *testing.T) {
	q := DefaultQuotas()
	tests := []struct {
		name      string
		got, want int
	}{
		{"UsersPerAccount", q.UsersPerAccount, 5000},
		{"GroupsPerAccount", q.GroupsPerAccount, 300},
		{"RolesPerAccount", q.RolesPerAccount, 1000},
		{"PoliciesPerAccount", q.PoliciesPerAccount, 1500},
		{"InstanceProfilesPerAccount", q.InstanceProfilesPerAccount, 1000},
		{"ServerCertificatesPerAccount", q.ServerCertificatesPerAccount, 20},
		{"OIDCProvidersPerAccount", q.OIDCProvidersPerAccount, 100},
		{"SAMLProvidersPerAccount", q.SAMLProvidersPerAccount, 100},
		{"GroupsPerUser", q.GroupsPerUser, 10},
		{"AttachedPoliciesPerUser", q.AttachedPoliciesPerUser, 10},
		{"AttachedPoliciesPerGroup", q.AttachedPoliciesPerGroup, 10},
		{"AttachedPoliciesPerRole", q.AttachedPoliciesPerRole, 10},
		{"AccessKeysPerUser", q.AccessKeysPerUser, 2},
		{"SigningCertsPerUser", q.SigningCertsPerUser, 2},
		{"SSHPublicKeysPerUser", q.SSHPublicKeysPerUser, 5},
		{"MFADevicesPerUser", q.MFADevicesPerUser, 8},
		{"VersionsPerPolicy", q.VersionsPerPolicy, 5},
		{"PolicyVersionsInUse", q.PolicyVersionsInUse, 10000},
		{"RolesPerInstanceProfile", q.RolesPerInstanceProfile, 1},
		{"ClientIDsPerOIDCProvider", q.ClientIDsPerOIDCProvider, 100},
		{"ThumbprintsPerOIDCProvider", q.ThumbprintsPerOIDCProvider, 5},
		{"TagsPerResource", q.TagsPerResource, 50},
		{"ManagedSessionPoliciesPerCall", q.ManagedSessionPoliciesPerCall, 10},
		{"SessionTagsPerSession", q.SessionTagsPerSession, 50},
		{"UserPolicySize", q.UserPolicySize, 2048},
		{"GroupPolicySize", q.GroupPolicySize, 5120},
		{"RolePolicySize", q.RolePolicySize, 10240},
		{"PolicySize", q.PolicySize, 6144},
		{"AssumeRolePolicySize", q.AssumeRolePolicySize, 2048},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
	if err := q.Validate(); err != nil {
		t.Errorf("DefaultQuotas().Validate() = %v", err)
	}
}

func TestQuotasValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Quotas)
		wantErr string
	}{
		{"raised roles", func(q *Quotas) { q.RolesPerAccount = 10000; q.AttachedPoliciesPerRole = 20 }, ""},
		{"zero users", func(q *Quotas) { q.UsersPerAccount = 0 }, "UsersPerAccount = 0: must be at least 1"},
		{"negative keys", func(q *Quotas) { q.AccessKeysPerUser = -1 }, "AccessKeysPerUser = -1"},
		{"two roles per profile", func(q *Quotas) { q.RolesPerInstanceProfile = 2 }, "RolesPerInstanceProfile = 2: must be between 1 and 1"},
		{"51 tags", func(q *Quotas) { q.TagsPerResource = 51 }, "TagsPerResource = 51"},
		{"huge policy", func(q *Quotas) { q.PolicySize = 200000 }, "PolicySize = 200000"},
	}
	for _, tc := range tests {
		q := DefaultQuotas()
		tc.mutate(&q)
		err := q.Validate()
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}

func TestSummaryQuotas(t *testing.T) {
	m := DefaultQuotas().SummaryQuotas()
	want := map[string]int{
		"UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000, "PoliciesQuota": 1500,
		"InstanceProfilesQuota": 1000, "ServerCertificatesQuota": 20, "GroupsPerUserQuota": 10,
		"AccessKeysPerUserQuota": 2, "SigningCertificatesPerUserQuota": 2,
		"AttachedPoliciesPerUserQuota": 10, "AttachedPoliciesPerGroupQuota": 10, "AttachedPoliciesPerRoleQuota": 10,
		"UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120, "RolePolicySizeQuota": 10240,
		"PolicySizeQuota": 6144, "AssumeRolePolicySizeQuota": 2048, "VersionsPerPolicyQuota": 5,
		"PolicyVersionsInUseQuota": 10000,
	}
	if len(m) != len(want) {
		t.Errorf("SummaryQuotas has %d keys, want %d", len(m), len(want))
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("SummaryQuotas[%s] = %d, want %d", k, m[k], v)
		}
	}
}

func TestCheckCount(t *testing.T) {
	tests := []struct {
		current, limit int
		want           string
	}{
		{0, 2, ""},
		{1, 2, ""},
		{2, 2, "Cannot exceed quota for AccessKeysPerUser: 2"},
		{5, 2, "Cannot exceed quota for AccessKeysPerUser: 2"},
	}
	for _, tc := range tests {
		err := CheckCount(QuotaAccessKeysPerUser, tc.current, tc.limit)
		if tc.want == "" {
			if err != nil {
				t.Errorf("CheckCount(%d, %d) = %v", tc.current, tc.limit, err)
			}
			continue
		}
		if err == nil || err.Code != CodeLimitExceeded || err.Message != tc.want {
			t.Errorf("CheckCount(%d, %d) = %v, want LimitExceeded %q", tc.current, tc.limit, err, tc.want)
		}
	}
	if e := QuotaExceeded(QuotaRolesPerInstanceProfile, 1); e.Message != "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1" {
		t.Errorf("QuotaExceeded = %q", e.Message)
	}
	if e := PolicyVersionsExceeded(5); e.Code != CodeLimitExceeded || !strings.HasPrefix(e.Message, "A managed policy can have up to 5 versions.") {
		t.Errorf("PolicyVersionsExceeded = %v", e)
	}
}

func TestPolicySize(t *testing.T) {
	tests := []struct {
		doc  string
		want int
	}{
		{"", 0},
		{"{}", 2},
		{"{ \"a\" :\n\t\"b\" }", 9},
		{`{"Version": "2012-10-17"}`, 24},
		{"é \u00a0x", 2}, // U+00A0 is white space too
	}
	for _, tc := range tests {
		if got := PolicySize(tc.doc); got != tc.want {
			t.Errorf("PolicySize(%q) = %d, want %d", tc.doc, got, tc.want)
		}
	}
}

func TestPolicySizeChecks(t *testing.T) {
	q := DefaultQuotas()
	big := func(n int) string { return strings.Repeat("x", n) }
	spaced := strings.Repeat("x ", 2048) // 2048 non-space characters, 4096 bytes

	if err := q.CheckInlinePolicySize(PrincipalUser, "alice", []string{big(1000), big(1048)}); err != nil {
		t.Errorf("2048 total: %v", err)
	}
	if err := q.CheckInlinePolicySize(PrincipalUser, "alice", []string{spaced}); err != nil {
		t.Errorf("white space counted: %v", err)
	}
	err := q.CheckInlinePolicySize(PrincipalUser, "alice", []string{big(1000), big(1049)})
	if err == nil || err.Code != CodeLimitExceeded || err.Message != "Maximum policy size of 2048 bytes exceeded for user alice" {
		t.Errorf("2049 total: %v", err)
	}
	if err := q.CheckInlinePolicySize(PrincipalRole, "r", []string{big(10240)}); err != nil {
		t.Errorf("role 10240: %v", err)
	}
	if err := q.CheckInlinePolicySize(PrincipalGroup, "g", []string{big(5121)}); err == nil || err.Message != "Maximum policy size of 5120 bytes exceeded for group g" {
		t.Errorf("group 5121: %v", err)
	}
	if err := q.CheckManagedPolicySize(big(6144)); err != nil {
		t.Errorf("managed 6144: %v", err)
	}
	if err := q.CheckManagedPolicySize(big(6145)); err == nil || err.Message != "Cannot exceed quota for PolicySize: 6144" {
		t.Errorf("managed 6145: %v", err)
	}
	if err := q.CheckTrustPolicySize(big(2049)); err == nil || err.Message != "Cannot exceed quota for ACLSizePerRole: 2048" {
		t.Errorf("trust 2049: %v", err)
	}
	if err := q.CheckTrustPolicySize(spaced); err != nil {
		t.Errorf("trust with spaces: %v", err)
	}
}
