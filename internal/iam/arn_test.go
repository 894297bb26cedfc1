package iam

import (
	"errors"
	"testing"
)

func TestEntityARNs(t *testing.T) {
	const a = "123456789012"
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"user root path", UserARN(a, "/", "alice"), "arn:aws:iam::123456789012:user/alice"},
		{"user nested path", UserARN(a, "/eng/dev/", "alice"), "arn:aws:iam::123456789012:user/eng/dev/alice"},
		{"user empty path", UserARN(a, "", "alice"), "arn:aws:iam::123456789012:user/alice"},
		{"group", GroupARN(a, "/", "Admins"), "arn:aws:iam::123456789012:group/Admins"},
		{"role", RoleARN(a, "/service-role/", "r"), "arn:aws:iam::123456789012:role/service-role/r"},
		{"customer policy", PolicyARN(a, "/", "P"), "arn:aws:iam::123456789012:policy/P"},
		{"aws managed policy", PolicyARN(AWSManagedAccount, "/job-function/", "ViewOnlyAccess"), "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"},
		{"instance profile", InstanceProfileARN(a, "/", "web"), "arn:aws:iam::123456789012:instance-profile/web"},
		{"mfa", MFAARN(a, "/", "alice"), "arn:aws:iam::123456789012:mfa/alice"},
		{"mfa path", MFAARN(a, "/x/", "alice"), "arn:aws:iam::123456789012:mfa/x/alice"},
		{"server cert", ServerCertificateARN(a, "/cloudfront/", "c"), "arn:aws:iam::123456789012:server-certificate/cloudfront/c"},
		{"oidc https", OIDCProviderARN(a, "https://token.actions.githubusercontent.com"), "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
		{"oidc with path", OIDCProviderARN(a, "https://oidc.eks.us-east-1.amazonaws.com/id/ABC123"), "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123"},
		{"oidc schemeless", OIDCProviderARN(a, "example.com"), "arn:aws:iam::123456789012:oidc-provider/example.com"},
		{"saml", SAMLProviderARN(a, "Okta"), "arn:aws:iam::123456789012:saml-provider/Okta"},
		{"root", RootARN(a), "arn:aws:iam::123456789012:root"},
		{"assumed role", AssumedRoleARN(a, "Deploy", "ci-42"), "arn:aws:sts::123456789012:assumed-role/Deploy/ci-42"},
		{"federated", FederatedUserARN(a, "bob"), "arn:aws:sts::123456789012:federated-user/bob"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestParseARN(t *testing.T) {
	tests := []struct {
		in   string
		want ARN
	}{
		{"arn:aws:iam::123456789012:user/eng/alice", ARN{"aws", "iam", "", "123456789012", "user/eng/alice"}},
		{"arn:aws:iam::aws:policy/AdministratorAccess", ARN{"aws", "iam", "", "aws", "policy/AdministratorAccess"}},
		{"arn:aws:sts::123456789012:assumed-role/R/s", ARN{"aws", "sts", "", "123456789012", "assumed-role/R/s"}},
		{"arn:aws:s3:::bucket/key:with:colons", ARN{"aws", "s3", "", "", "bucket/key:with:colons"}},
		{"arn:aws-cn:ec2:cn-north-1:123456789012:instance/i-1", ARN{"aws-cn", "ec2", "cn-north-1", "123456789012", "instance/i-1"}},
	}
	for _, tc := range tests {
		got, err := ParseARN(tc.in)
		if err != nil {
			t.Errorf("ParseARN(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseARN(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if got.String() != tc.in {
			t.Errorf("ParseARN(%q).String() = %q", tc.in, got.String())
		}
	}
}

func TestParseARNErrors(t *testing.T) {
	for _, in := range []string{"", "arn", "arn:aws:iam::123456789012", "urn:aws:iam::1:user/a", "arn::iam::1:user/a", "arn:aws:::1:user/a", "arn:aws:iam::1:"} {
		_, err := ParseARN(in)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidInput || e.Message != "ARN "+in+" is not valid." {
			t.Errorf("ParseARN(%q) err = %v, want InvalidInput \"ARN %s is not valid.\"", in, err, in)
		}
	}
}

func TestARNPathName(t *testing.T) {
	tests := []struct {
		res             string
		typ, path, name string
		ok              bool
	}{
		{"user/alice", "user", "/", "alice", true},
		{"user/eng/dev/alice", "user", "/eng/dev/", "alice", true},
		{"policy/service-role/AmazonSSMRole", "policy", "/service-role/", "AmazonSSMRole", true},
		{"root", "", "", "", false},
	}
	for _, tc := range tests {
		typ, path, name, ok := ARN{Resource: tc.res}.PathName()
		if typ != tc.typ || path != tc.path || name != tc.name || ok != tc.ok {
			t.Errorf("PathName(%q) = %q %q %q %v; want %q %q %q %v", tc.res, typ, path, name, ok, tc.typ, tc.path, tc.name, tc.ok)
		}
	}
	// Building then splitting gives the parts back.
	a, err := ParseARN(RoleARN("123456789012", "/a/b/", "R"))
	if err != nil {
		t.Fatal(err)
	}
	if typ, path, name, _ := a.PathName(); typ != "role" || path != "/a/b/" || name != "R" {
		t.Errorf("round trip = %q %q %q", typ, path, name)
	}
}
