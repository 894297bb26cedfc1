package iam

import (
	"testing"
)

// summaryKeys is the model's summaryKeyType enum: AWS returns every key.
var summaryKeys = []string{"Users", "UsersQuota", "Groups", "GroupsQuota", "ServerCertificates",
	"ServerCertificatesQuota", "UserPolicySizeQuota", "GroupPolicySizeQuota", "GroupsPerUserQuota",
	"SigningCertificatesPerUserQuota", "AccessKeysPerUserQuota", "MFADevices", "MFADevicesInUse",
	"AccountMFAEnabled", "AccountAccessKeysPresent", "AccountPasswordPresent", "AccountSigningCertificatesPresent",
	"AttachedPoliciesPerGroupQuota", "AttachedPoliciesPerRoleQuota", "AttachedPoliciesPerUserQuota", "Policies",
	"PoliciesQuota", "PolicySizeQuota", "PolicyVersionsInUse", "PolicyVersionsInUseQuota", "VersionsPerPolicyQuota",
	"GlobalEndpointTokenVersion", "AssumeRolePolicySizeQuota", "InstanceProfiles", "InstanceProfilesQuota",
	"Providers", "RolePolicySizeQuota", "Roles", "RolesQuota"}

func TestGetAccountSummary(t *testing.T) {
	e := newMFAEnv(t, Quotas{})
	ctx := t.Context()
	got, err := e.svc.GetAccountSummary(ctx, testAccount)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range summaryKeys {
		if _, ok := got[k]; !ok {
			t.Errorf("SummaryMap lacks %s", k)
		}
	}
	if len(got) != len(summaryKeys) {
		t.Errorf("SummaryMap has %d keys, the model %d: %v", len(got), len(summaryKeys), got)
	}
	want := map[string]int{"Users": 0, "MFADevices": 0, "AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1,
		"UsersQuota": 5000, "AccessKeysPerUserQuota": 2, "VersionsPerPolicyQuota": 5, "GlobalEndpointTokenVersion": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d", k, got[k], v)
		}
	}

	e.user(t, "alice")
	e.user(t, "bob")
	e.device(t, "/", "spare")
	serial, seed := e.device(t, "/", "root-account-mfa-device")
	c1, c2 := e.codes(seed)
	if err := e.svc.EnableMFADevice(ctx, testAccount, "", serial, c1, c2); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetSecurityTokenServicePreferences(ctx, testAccount, GlobalEndpointTokenV2); err != nil {
		t.Fatal(err)
	}
	got, err = e.svc.GetAccountSummary(ctx, testAccount)
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]int{"Users": 2, "MFADevices": 2, "MFADevicesInUse": 1, "AccountMFAEnabled": 1, "GlobalEndpointTokenVersion": 2}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d", k, got[k], v)
		}
	}
	_, err = e.svc.GetAccountSummary(ctx, "999999999999")
	wantCode(t, err, CodeNoSuchEntity)
}
