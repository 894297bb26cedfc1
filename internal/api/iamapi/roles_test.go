package iamapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/server/servertest"
)

const rolesEC2Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// rolesDecode undoes IAM's percent-encoding of policy documents in
// responses (the SDK hands the encoded text through).
func rolesDecode(t *testing.T, s *string) string {
	t.Helper()
	if s == nil {
		t.Fatal("no policy document in the response")
	}
	d, err := url.QueryUnescape(*s)
	if err != nil {
		t.Fatalf("policy document %q is not percent-encoded: %v", *s, err)
	}
	return d
}

func TestRolesCreateGetTrustRoundTrip(t *testing.T) {
	env := servertest.Start(t)
	client := env.IAM()
	ctx := t.Context()
	// Spacing, unicode, '+', '%' and '&' must survive the form encoding in
	// and the percent-encoding out byte for byte.
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\",\t\"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:root\"},\r\n" +
		"   \"Action\": \"sts:AssumeRole\", \"Condition\": {\"StringEquals\": {\"sts:ExternalId\": \"a+b c%20d&e=f ünï\"}}}]\n}\n"
	created, err := client.CreateRole(ctx, &awsiam.CreateRoleInput{
		RoleName: aws.String("Deployer"), Path: aws.String("/ci/"), AssumeRolePolicyDocument: aws.String(doc),
		Description: aws.String("deploys"), MaxSessionDuration: aws.Int32(7200),
		PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/AdministratorAccess"),
		Tags:                []types.Tag{{Key: aws.String("team"), Value: aws.String("infra")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := created.Role
	if !strings.HasPrefix(*r.RoleId, "AROA") || *r.Arn != "arn:aws:iam::123456789012:role/ci/Deployer" || *r.Path != "/ci/" ||
		!r.CreateDate.Equal(env.Now()) || *r.MaxSessionDuration != 7200 || len(r.Tags) != 1 ||
		*r.PermissionsBoundary.PermissionsBoundaryArn != "arn:aws:iam::aws:policy/AdministratorAccess" {
		t.Fatalf("CreateRole = %+v", r)
	}
	if got := rolesDecode(t, r.AssumeRolePolicyDocument); got != doc {
		t.Fatalf("CreateRole trust document:\n%q\nwant\n%q", got, doc)
	}

	got, err := client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("deployer")})
	if err != nil {
		t.Fatal(err)
	}
	g := got.Role
	if d := rolesDecode(t, g.AssumeRolePolicyDocument); d != doc {
		t.Fatalf("GetRole trust document:\n%q\nwant\n%q", d, doc)
	}
	if *g.RoleName != "Deployer" || *g.Description != "deploys" || *g.MaxSessionDuration != 7200 ||
		g.PermissionsBoundary == nil || string(g.PermissionsBoundary.PermissionsBoundaryType) != "PermissionsBoundaryPolicy" ||
		len(g.Tags) != 1 || *g.Tags[0].Key != "team" {
		t.Fatalf("GetRole = %+v", g)
	}
	if g.RoleLastUsed == nil || g.RoleLastUsed.LastUsedDate != nil {
		t.Fatalf("RoleLastUsed of an unused role = %+v, want empty", g.RoleLastUsed)
	}

	// STS records use without an IAM change; GetRole shows it.
	role, err := env.Service.GetRole(ctx, env.AccountID, "Deployer")
	if err != nil {
		t.Fatal(err)
	}
	env.Advance(time.Hour)
	if err := env.Service.RecordRoleUse(ctx, env.AccountID, role, "eu-central-1"); err != nil {
		t.Fatal(err)
	}
	got, err = client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("Deployer")})
	if err != nil {
		t.Fatal(err)
	}
	if lu := got.Role.RoleLastUsed; lu == nil || lu.LastUsedDate == nil || !lu.LastUsedDate.Equal(env.Now()) || *lu.Region != "eu-central-1" {
		t.Fatalf("RoleLastUsed = %+v", got.Role.RoleLastUsed)
	}

	_, err = client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("DEPLOYER"), AssumeRolePolicyDocument: aws.String(rolesEC2Trust)})
	wantAPIError(t, err, "EntityAlreadyExists", "Role with name DEPLOYER already exists.")
	_, err = client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("ghost")})
	wantAPIError(t, err, "NoSuchEntity", "The role with name ghost cannot be found.")
}

func TestRolesInvalidTrustPolicies(t *testing.T) {
	env := servertest.Start(t)
	client := env.IAM()
	must(client.CreateRole(t.Context(), &awsiam.CreateRoleInput{RoleName: aws.String("existing"), AssumeRolePolicyDocument: aws.String(rolesEC2Trust)}))(t)
	tests := []struct {
		name, doc, code, msg string
	}{
		{"no principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`,
			"MalformedPolicyDocument", "Missing required field Principal"},
		{"identity policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}`,
			"MalformedPolicyDocument", "Has prohibited field Resource."},
		{"permissions policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`,
			"MalformedPolicyDocument", "AssumeRole policy may only specify STS AssumeRole actions."},
		{"bad JSON", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",}]}`, "MalformedPolicyDocument", "Syntax errors in policy."},
		{"unknown principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/ghost"},"Action":"sts:AssumeRole"}]}`,
			"MalformedPolicyDocument", `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/ghost"`},
		{"too large", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"` +
			strings.Repeat("x", 2100) + `"}}}]}`, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.CreateRole(t.Context(), &awsiam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(tc.doc)})
			wantAPIError(t, err, tc.code, tc.msg)
			_, err = client.UpdateAssumeRolePolicy(t.Context(), &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("existing"), PolicyDocument: aws.String(tc.doc)})
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}
	_, err := client.CreateRole(t.Context(), &awsiam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(rolesEC2Trust), MaxSessionDuration: aws.Int32(60)})
	wantAPIError(t, err, "ValidationError", "")
}

func TestRolesListPaginationAndUpdates(t *testing.T) {
	env := servertest.Start(t)
	client := env.IAM()
	ctx := t.Context()
	var want []string
	for i := range 7 {
		path := "/"
		if i%3 == 0 {
			path = "/svc/"
		}
		name := fmt.Sprintf("role-%d", i)
		want = append(want, name)
		must(client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String(name), Path: aws.String(path), AssumeRolePolicyDocument: aws.String(rolesEC2Trust),
			Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))(t)
	}
	var names []string
	pages := 0
	pager := awsiam.NewListRolesPaginator(client, &awsiam.ListRolesInput{MaxItems: aws.Int32(3)})
	for pager.HasMorePages() {
		out, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.Roles {
			if r.Tags != nil || r.RoleLastUsed != nil || rolesDecode(t, r.AssumeRolePolicyDocument) != rolesEC2Trust {
				t.Fatalf("listed role %+v", r)
			}
			names = append(names, *r.RoleName)
		}
	}
	if pages != 3 || fmt.Sprint(names) != fmt.Sprint(want) {
		t.Fatalf("%d pages: %v, want 3 pages of %v", pages, names, want)
	}
	svc, err := client.ListRoles(ctx, &awsiam.ListRolesInput{PathPrefix: aws.String("/svc/")})
	if err != nil || len(svc.Roles) != 3 || svc.IsTruncated {
		t.Fatalf("PathPrefix /svc/: %+v %v", svc, err)
	}
	_, err = client.ListRoles(ctx, &awsiam.ListRolesInput{Marker: aws.String("bogus")})
	wantAPIError(t, err, "InvalidInput", "")

	must(client.UpdateRole(ctx, &awsiam.UpdateRoleInput{RoleName: aws.String("role-1"), Description: aws.String("d1"), MaxSessionDuration: aws.Int32(43200)}))(t)
	upd := must(client.UpdateRoleDescription(ctx, &awsiam.UpdateRoleDescriptionInput{RoleName: aws.String("role-1"), Description: aws.String("d2")}))(t)
	if *upd.Role.Description != "d2" || *upd.Role.MaxSessionDuration != 43200 {
		t.Fatalf("UpdateRoleDescription = %+v", upd.Role)
	}

	// Tags with pagination.
	must(client.TagRole(ctx, &awsiam.TagRoleInput{RoleName: aws.String("role-1"), Tags: []types.Tag{
		{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("K"), Value: aws.String("2")}}}))(t)
	tp := must(client.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("role-1"), MaxItems: aws.Int32(1)}))(t)
	if len(tp.Tags) != 1 || *tp.Tags[0].Key != "a" || !tp.IsTruncated {
		t.Fatalf("ListRoleTags page 1 = %+v", tp)
	}
	tp = must(client.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("role-1"), Marker: tp.Marker}))(t)
	if len(tp.Tags) != 1 || *tp.Tags[0].Key != "K" || *tp.Tags[0].Value != "2" || tp.IsTruncated {
		t.Fatalf("ListRoleTags page 2 = %+v", tp)
	}
	must(client.UntagRole(ctx, &awsiam.UntagRoleInput{RoleName: aws.String("role-1"), TagKeys: []string{"A", "k"}}))(t)
	tp = must(client.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("role-1")}))(t)
	if len(tp.Tags) != 0 || tp.Tags == nil {
		t.Fatalf("after untag: %+v", tp.Tags)
	}

	// Permissions boundary.
	must(client.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: aws.String("role-1"),
		PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")}))(t)
	_, err = client.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: aws.String("role-1"),
		PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/NoSuchThing")})
	wantAPIError(t, err, "NoSuchEntity", "Policy arn:aws:iam::aws:policy/NoSuchThing does not exist or is not attachable.")
	g := must(client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("role-1")}))(t)
	if g.Role.PermissionsBoundary == nil || *g.Role.PermissionsBoundary.PermissionsBoundaryArn != "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" {
		t.Fatalf("boundary = %+v", g.Role.PermissionsBoundary)
	}
	must(client.DeleteRolePermissionsBoundary(ctx, &awsiam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("role-1")}))(t)
	g = must(client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("role-1")}))(t)
	if g.Role.PermissionsBoundary != nil {
		t.Fatalf("boundary not removed: %+v", g.Role.PermissionsBoundary)
	}
}

func TestRolesInstanceProfilesWithSDK(t *testing.T) {
	env := servertest.Start(t)
	client := env.IAM()
	ctx := t.Context()
	for _, n := range []string{"app", "other"} {
		must(client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String(n), AssumeRolePolicyDocument: aws.String(rolesEC2Trust)}))(t)
	}
	ip := must(client.CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web"), Path: aws.String("/w/"),
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))(t)
	if !strings.HasPrefix(*ip.InstanceProfile.InstanceProfileId, "AIPA") || *ip.InstanceProfile.Arn != "arn:aws:iam::123456789012:instance-profile/w/web" ||
		ip.InstanceProfile.Roles == nil || len(ip.InstanceProfile.Roles) != 0 {
		t.Fatalf("CreateInstanceProfile = %+v", ip.InstanceProfile)
	}
	_, err := client.CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("WEB")})
	wantAPIError(t, err, "EntityAlreadyExists", "Instance Profile WEB already exists.")

	must(client.AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("app")}))(t)
	_, err = client.AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("other")})
	wantAPIError(t, err, "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")

	got := must(client.GetInstanceProfile(ctx, &awsiam.GetInstanceProfileInput{InstanceProfileName: aws.String("web")}))(t)
	if len(got.InstanceProfile.Roles) != 1 || *got.InstanceProfile.Roles[0].RoleName != "app" ||
		rolesDecode(t, got.InstanceProfile.Roles[0].AssumeRolePolicyDocument) != rolesEC2Trust || len(got.InstanceProfile.Tags) != 1 {
		t.Fatalf("GetInstanceProfile = %+v", got.InstanceProfile)
	}
	forRole := must(client.ListInstanceProfilesForRole(ctx, &awsiam.ListInstanceProfilesForRoleInput{RoleName: aws.String("app")}))(t)
	if len(forRole.InstanceProfiles) != 1 || *forRole.InstanceProfiles[0].InstanceProfileName != "web" || forRole.IsTruncated {
		t.Fatalf("ListInstanceProfilesForRole = %+v", forRole)
	}

	_, err = client.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("app")})
	wantAPIError(t, err, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
	_, err = client.DeleteInstanceProfile(ctx, &awsiam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web")})
	wantAPIError(t, err, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")

	// Pagination of ListInstanceProfiles.
	for i := range 4 {
		must(client.CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: aws.String(fmt.Sprintf("p%d", i))}))(t)
	}
	var names []string
	pager := awsiam.NewListInstanceProfilesPaginator(client, &awsiam.ListInstanceProfilesInput{MaxItems: aws.Int32(2)})
	for pager.HasMorePages() {
		out, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.InstanceProfiles {
			names = append(names, *p.InstanceProfileName)
		}
	}
	if fmt.Sprint(names) != "[p0 p1 p2 p3 web]" {
		t.Fatalf("ListInstanceProfiles = %v", names)
	}

	must(client.RemoveRoleFromInstanceProfile(ctx, &awsiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("app")}))(t)
	must(client.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("app")}))(t)
	must(client.DeleteInstanceProfile(ctx, &awsiam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web")}))(t)
	_, err = client.GetInstanceProfile(ctx, &awsiam.GetInstanceProfileInput{InstanceProfileName: aws.String("web")})
	wantAPIError(t, err, "NoSuchEntity", "Instance Profile web cannot be found.")
}

func TestRolesOIDCProvidersWithSDK(t *testing.T) {
	env := servertest.Start(t)
	client := env.IAM()
	ctx := t.Context()
	const arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
	out := must(client.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://token.actions.githubusercontent.com"), ClientIDList: []string{"sts.amazonaws.com"},
	}))(t)
	if *out.OpenIDConnectProviderArn != arn {
		t.Fatalf("ARN %s", *out.OpenIDConnectProviderArn)
	}
	_, err := client.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String("https://token.actions.githubusercontent.com")})
	wantAPIError(t, err, "EntityAlreadyExists", "Provider with url https://token.actions.githubusercontent.com already exists.")
	_, err = client.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String("http://insecure.example.com")})
	wantAPIError(t, err, "ValidationError", "")

	must(client.AddClientIDToOpenIDConnectProvider(ctx, &awsiam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn), ClientID: aws.String("other")}))(t)
	must(client.UpdateOpenIDConnectProviderThumbprint(ctx, &awsiam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: aws.String(arn),
		ThumbprintList: []string{"6938fd4d98bab03faadb97b34396831e3780aea1"}}))(t)
	must(client.TagOpenIDConnectProvider(ctx, &awsiam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn),
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))(t)
	g := must(client.GetOpenIDConnectProvider(ctx, &awsiam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)}))(t)
	if *g.Url != "token.actions.githubusercontent.com" || fmt.Sprint(g.ClientIDList) != "[sts.amazonaws.com other]" ||
		fmt.Sprint(g.ThumbprintList) != "[6938fd4d98bab03faadb97b34396831e3780aea1]" || len(g.Tags) != 1 || !g.CreateDate.Equal(env.Now()) {
		t.Fatalf("GetOpenIDConnectProvider = %+v", g)
	}
	must(client.RemoveClientIDFromOpenIDConnectProvider(ctx, &awsiam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn), ClientID: aws.String("other")}))(t)
	must(client.UntagOpenIDConnectProvider(ctx, &awsiam.UntagOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn), TagKeys: []string{"k"}}))(t)
	tags := must(client.ListOpenIDConnectProviderTags(ctx, &awsiam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: aws.String(arn)}))(t)
	if len(tags.Tags) != 0 {
		t.Fatalf("tags = %+v", tags.Tags)
	}
	l := must(client.ListOpenIDConnectProviders(ctx, &awsiam.ListOpenIDConnectProvidersInput{}))(t)
	if len(l.OpenIDConnectProviderList) != 1 || *l.OpenIDConnectProviderList[0].Arn != arn {
		t.Fatalf("ListOpenIDConnectProviders = %+v", l.OpenIDConnectProviderList)
	}
	must(client.DeleteOpenIDConnectProvider(ctx, &awsiam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)}))(t)
	_, err = client.GetOpenIDConnectProvider(ctx, &awsiam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
	wantAPIError(t, err, "NoSuchEntity", "OpenIDConnect Provider not found for arn "+arn)
}

// A role trusting a user trusts that user, not the name: once the user is
// deleted and re-created, AssumeRole is refused until the trust policy is
// saved again, and GetRole shows the old user's unique ID.
func TestRolesTrustSurvivesOnlyTheSameUser(t *testing.T) {
	env := servertest.Start(t)
	client := env.IAM()
	ctx := t.Context()
	newAlice := func() (string, *awsiam.CreateAccessKeyOutput) {
		u := must(client.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}))(t)
		return *u.User.UserId, must(client.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")}))(t)
	}
	assume := func(k *awsiam.CreateAccessKeyOutput) error {
		_, err := env.STSAs(t, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "").AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::123456789012:role/app"), RoleSessionName: aws.String("session"),
		})
		return err
	}
	oldID, key := newAlice()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}`
	must(client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trust)}))(t)
	if err := assume(key); err != nil {
		t.Fatalf("AssumeRole by the trusted user: %v", err)
	}

	must(client.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: key.AccessKey.AccessKeyId}))(t)
	must(client.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")}))(t)
	_, key = newAlice()
	wantAPIError(t, assume(key), "AccessDenied", "")
	got := must(client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("app")}))(t)
	if want := strings.Replace(trust, "arn:aws:iam::123456789012:user/alice", oldID, 1); rolesDecode(t, got.Role.AssumeRolePolicyDocument) != want {
		t.Fatalf("trust policy shown as\n%s\nwant\n%s", rolesDecode(t, got.Role.AssumeRolePolicyDocument), want)
	}

	must(client.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("app"), PolicyDocument: aws.String(trust)}))(t)
	if err := assume(key); err != nil {
		t.Fatalf("AssumeRole after the policy was saved again: %v", err)
	}
}
