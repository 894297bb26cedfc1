package iamapi_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"errors"

	"github.com/iamd/iamd/internal/server/servertest"
)

// wantNotFound checks that a read of a deleted entity fails the way
// Terraform's provider detects a resource gone: NoSuchEntity, HTTP 404.
func wantNotFound(t *testing.T, err error) {
	t.Helper()
	wantAPIError(t, err, "NoSuchEntity", "")
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotFound {
		t.Fatalf("error = %v, want HTTP 404", err)
	}
}

// TestTerraformApplyDestroy replays the calls the Terraform AWS provider
// makes to apply and then destroy a user, a group, a managed policy, a role
// with an inline and an attached policy, and an instance profile: every
// Create is followed by its Get (and List*Tags), every Delete by a Get that
// must answer NoSuchEntity, and a role's destroy first lists its inline and
// attached policies and its instance profiles.
func TestTerraformApplyDestroy(t *testing.T) {
	env := servertest.Start(t)
	c := env.IAM()
	ctx := t.Context()
	tags := []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}}

	// aws_iam_user
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("tf-user"), Path: aws.String("/tf/"), Tags: tags}))(t)
	u := must(c.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("tf-user")}))(t).User
	if *u.Path != "/tf/" || len(u.Tags) != 1 || u.CreateDate == nil || u.UserId == nil {
		t.Fatalf("GetUser = %+v", u)
	}
	if ut := must(c.ListUserTags(ctx, &awsiam.ListUserTagsInput{UserName: aws.String("tf-user")}))(t); len(ut.Tags) != 1 || ut.IsTruncated {
		t.Fatalf("ListUserTags = %+v", ut)
	}

	// aws_iam_group and aws_iam_group_membership
	must(c.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("tf-group")}))(t)
	must(c.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("tf-group"), UserName: aws.String("tf-user")}))(t)
	g := must(c.GetGroup(ctx, &awsiam.GetGroupInput{GroupName: aws.String("tf-group")}))(t)
	if *g.Group.GroupName != "tf-group" || len(g.Users) != 1 || g.IsTruncated {
		t.Fatalf("GetGroup = %+v", g)
	}

	// aws_iam_policy
	p := must(c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("tf-policy"), Tags: tags,
		Description:    aws.String("terraform"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}))(t).Policy
	gp := must(c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: p.Arn}))(t).Policy
	if *gp.DefaultVersionId != "v1" || !gp.IsAttachable || *gp.AttachmentCount != 0 || *gp.Description != "terraform" || len(gp.Tags) != 1 {
		t.Fatalf("GetPolicy = %+v", gp)
	}
	must(c.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: p.Arn, VersionId: gp.DefaultVersionId}))(t)
	if pt := must(c.ListPolicyTags(ctx, &awsiam.ListPolicyTagsInput{PolicyArn: p.Arn}))(t); len(pt.Tags) != 1 {
		t.Fatalf("ListPolicyTags = %+v", pt)
	}
	must(c.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("tf-group"), PolicyArn: p.Arn}))(t)
	if ag := must(c.ListAttachedGroupPolicies(ctx, &awsiam.ListAttachedGroupPoliciesInput{GroupName: aws.String("tf-group")}))(t); len(ag.AttachedPolicies) != 1 {
		t.Fatalf("ListAttachedGroupPolicies = %+v", ag)
	}

	// aws_iam_role with inline_policy and managed_policy_arns
	must(c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("tf-role"), AssumeRolePolicyDocument: aws.String(rolesEC2Trust), Tags: tags}))(t)
	r := must(c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("tf-role")}))(t).Role
	if *r.MaxSessionDuration != 3600 || r.RoleLastUsed == nil || len(r.Tags) != 1 || *r.Path != "/" {
		t.Fatalf("GetRole = %+v", r)
	}
	must(c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("tf-role"), PolicyName: aws.String("inline"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}`)}))(t)
	must(c.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("tf-role"), PolicyName: aws.String("inline")}))(t)
	must(c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("tf-role"), PolicyArn: p.Arn}))(t)
	if rt := must(c.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("tf-role")}))(t); len(rt.Tags) != 1 {
		t.Fatalf("ListRoleTags = %+v", rt)
	}
	if gp := must(c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: p.Arn}))(t).Policy; *gp.AttachmentCount != 2 {
		t.Fatalf("AttachmentCount = %d, want 2", *gp.AttachmentCount)
	}

	// aws_iam_instance_profile
	must(c.CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("tf-profile"), Tags: tags}))(t)
	must(c.AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("tf-profile"), RoleName: aws.String("tf-role")}))(t)
	ip := must(c.GetInstanceProfile(ctx, &awsiam.GetInstanceProfileInput{InstanceProfileName: aws.String("tf-profile")}))(t).InstanceProfile
	if len(ip.Roles) != 1 || *ip.Roles[0].RoleName != "tf-role" || len(ip.Tags) != 1 {
		t.Fatalf("GetInstanceProfile = %+v", ip)
	}

	// destroy, in the reverse order of the dependency graph.
	must(c.RemoveRoleFromInstanceProfile(ctx, &awsiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("tf-profile"), RoleName: aws.String("tf-role")}))(t)
	must(c.DeleteInstanceProfile(ctx, &awsiam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("tf-profile")}))(t)
	_, err := c.GetInstanceProfile(ctx, &awsiam.GetInstanceProfileInput{InstanceProfileName: aws.String("tf-profile")})
	wantNotFound(t, err)

	// The role's delete: inline policies, attached policies, instance
	// profiles (each paginated), then DeleteRole.
	rp := awsiam.NewListRolePoliciesPaginator(c, &awsiam.ListRolePoliciesInput{RoleName: aws.String("tf-role"), MaxItems: aws.Int32(1)})
	for rp.HasMorePages() {
		for _, name := range must(rp.NextPage(ctx))(t).PolicyNames {
			must(c.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String("tf-role"), PolicyName: aws.String(name)}))(t)
		}
	}
	ap := awsiam.NewListAttachedRolePoliciesPaginator(c, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("tf-role"), MaxItems: aws.Int32(1)})
	for ap.HasMorePages() {
		for _, a := range must(ap.NextPage(ctx))(t).AttachedPolicies {
			must(c.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("tf-role"), PolicyArn: a.PolicyArn}))(t)
		}
	}
	if ipr := must(c.ListInstanceProfilesForRole(ctx, &awsiam.ListInstanceProfilesForRoleInput{RoleName: aws.String("tf-role")}))(t); len(ipr.InstanceProfiles) != 0 || ipr.IsTruncated {
		t.Fatalf("ListInstanceProfilesForRole = %+v", ipr)
	}
	must(c.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("tf-role")}))(t)
	_, err = c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("tf-role")})
	wantNotFound(t, err)
	_, err = c.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: aws.String("tf-role")})
	wantNotFound(t, err)

	// The group's membership and policy attachment, then the policy: its
	// non-default versions first, then DeletePolicy.
	must(c.RemoveUserFromGroup(ctx, &awsiam.RemoveUserFromGroupInput{GroupName: aws.String("tf-group"), UserName: aws.String("tf-user")}))(t)
	must(c.DetachGroupPolicy(ctx, &awsiam.DetachGroupPolicyInput{GroupName: aws.String("tf-group"), PolicyArn: p.Arn}))(t)
	for _, v := range must(c.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: p.Arn}))(t).Versions {
		if !v.IsDefaultVersion {
			must(c.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: p.Arn, VersionId: v.VersionId}))(t)
		}
	}
	must(c.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: p.Arn}))(t)
	_, err = c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: p.Arn})
	wantNotFound(t, err)
	_, err = c.ListPolicyTags(ctx, &awsiam.ListPolicyTagsInput{PolicyArn: p.Arn})
	wantNotFound(t, err)

	must(c.DeleteGroup(ctx, &awsiam.DeleteGroupInput{GroupName: aws.String("tf-group")}))(t)
	_, err = c.GetGroup(ctx, &awsiam.GetGroupInput{GroupName: aws.String("tf-group")})
	wantNotFound(t, err)

	// The user's delete: group memberships (ListGroupsForUser), then
	// DeleteUser.
	if gs := must(c.ListGroupsForUser(ctx, &awsiam.ListGroupsForUserInput{UserName: aws.String("tf-user")}))(t); len(gs.Groups) != 0 {
		t.Fatalf("ListGroupsForUser = %+v", gs)
	}
	must(c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("tf-user")}))(t)
	_, err = c.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("tf-user")})
	wantNotFound(t, err)
	_, err = c.ListUserTags(ctx, &awsiam.ListUserTagsInput{UserName: aws.String("tf-user")})
	wantNotFound(t, err)
}

// TestListTagsMarkerCheckedFirst: every List*Tags validates its Marker
// before looking the resource up (AWS checks the request's parameters before
// the entity), so a malformed marker on a missing resource is InvalidInput,
// and a good request on a missing resource is NoSuchEntity.
func TestListTagsMarkerCheckedFirst(t *testing.T) {
	env := servertest.Start(t)
	c := env.IAM()
	ctx := t.Context()
	missingPolicy := aws.String("arn:aws:iam::" + env.AccountID + ":policy/missing")
	missingOIDC := aws.String("arn:aws:iam::" + env.AccountID + ":oidc-provider/example.com")
	missingMFA := aws.String("arn:aws:iam::" + env.AccountID + ":mfa/missing")
	for _, tc := range []struct {
		name string
		call func(marker *string) error
	}{
		{"ListUserTags", func(m *string) error {
			_, err := c.ListUserTags(ctx, &awsiam.ListUserTagsInput{UserName: aws.String("missing"), Marker: m})
			return err
		}},
		{"ListRoleTags", func(m *string) error {
			_, err := c.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("missing"), Marker: m})
			return err
		}},
		{"ListPolicyTags", func(m *string) error {
			_, err := c.ListPolicyTags(ctx, &awsiam.ListPolicyTagsInput{PolicyArn: missingPolicy, Marker: m})
			return err
		}},
		{"ListInstanceProfileTags", func(m *string) error {
			_, err := c.ListInstanceProfileTags(ctx, &awsiam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("missing"), Marker: m})
			return err
		}},
		{"ListOpenIDConnectProviderTags", func(m *string) error {
			_, err := c.ListOpenIDConnectProviderTags(ctx, &awsiam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: missingOIDC, Marker: m})
			return err
		}},
		{"ListMFADeviceTags", func(m *string) error {
			_, err := c.ListMFADeviceTags(ctx, &awsiam.ListMFADeviceTagsInput{SerialNumber: missingMFA, Marker: m})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, tc.call(aws.String("not-a-marker")), "InvalidInput", "Invalid Marker.")
			wantNotFound(t, tc.call(nil))
		})
	}
}

// TestTerraformForceDestroyUser replays the Terraform AWS provider's
// destroy of an aws_iam_user with force_destroy: it lists and removes every
// kind of credential and policy of the user, SSH keys, signing certificates
// and service-specific credentials included (which iamd does not store, so
// the lists are empty), then deletes the user.
func TestTerraformForceDestroyUser(t *testing.T) {
	env := servertest.Start(t)
	c := env.IAM()
	ctx := t.Context()
	user := aws.String("tf-force")
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: user}))(t)
	must(c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: user}))(t)
	must(c.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: user, Password: aws.String("Tf-force-Passw0rd!")}))(t)
	must(c.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: user, PolicyName: aws.String("inline"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)}))(t)
	must(c.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: user, PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}))(t)

	for _, k := range must(c.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: user}))(t).AccessKeyMetadata {
		must(c.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: user, AccessKeyId: k.AccessKeyId}))(t)
	}
	if out := must(c.ListSSHPublicKeys(ctx, &awsiam.ListSSHPublicKeysInput{UserName: user}))(t); len(out.SSHPublicKeys) != 0 || out.IsTruncated {
		t.Fatalf("ListSSHPublicKeys = %+v", out)
	}
	for _, d := range must(c.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: user}))(t).MFADevices {
		must(c.DeactivateMFADevice(ctx, &awsiam.DeactivateMFADeviceInput{UserName: user, SerialNumber: d.SerialNumber}))(t)
	}
	must(c.DeleteLoginProfile(ctx, &awsiam.DeleteLoginProfileInput{UserName: user}))(t)
	if out := must(c.ListSigningCertificates(ctx, &awsiam.ListSigningCertificatesInput{UserName: user}))(t); out.Certificates == nil || len(out.Certificates) != 0 || out.IsTruncated {
		t.Fatalf("ListSigningCertificates = %+v", out)
	}
	if out := must(c.ListServiceSpecificCredentials(ctx, &awsiam.ListServiceSpecificCredentialsInput{UserName: user}))(t); len(out.ServiceSpecificCredentials) != 0 {
		t.Fatalf("ListServiceSpecificCredentials = %+v", out)
	}
	for _, name := range must(c.ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: user}))(t).PolicyNames {
		must(c.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: user, PolicyName: aws.String(name)}))(t)
	}
	for _, a := range must(c.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: user}))(t).AttachedPolicies {
		must(c.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: user, PolicyArn: a.PolicyArn}))(t)
	}
	must(c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: user}))(t)

	// Once the user is gone, or with a malformed marker, the three lists fail
	// as ListAccessKeys does.
	_, err := c.ListSSHPublicKeys(ctx, &awsiam.ListSSHPublicKeysInput{UserName: user})
	wantNotFound(t, err)
	_, err = c.ListSigningCertificates(ctx, &awsiam.ListSigningCertificatesInput{UserName: user})
	wantNotFound(t, err)
	_, err = c.ListServiceSpecificCredentials(ctx, &awsiam.ListServiceSpecificCredentialsInput{UserName: user})
	wantNotFound(t, err)
	_, err = c.ListSSHPublicKeys(ctx, &awsiam.ListSSHPublicKeysInput{Marker: aws.String("not-a-marker")})
	wantAPIError(t, err, "InvalidInput", "Invalid Marker.")
	// The root, naming no user, has none either.
	if out := must(c.ListSigningCertificates(ctx, &awsiam.ListSigningCertificatesInput{}))(t); len(out.Certificates) != 0 {
		t.Fatalf("root's ListSigningCertificates = %+v", out)
	}
}
