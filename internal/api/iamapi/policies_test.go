package iamapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamd/iamd/internal/server/servertest"
)

const polDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`

func polVersionDoc(i int) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"V%d","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, i)
}

// unescape undoes the URL-encoding AWS applies to documents in responses
// (the Go SDK leaves it to the caller).
func unescape(t *testing.T, s *string) string {
	t.Helper()
	out, err := url.QueryUnescape(aws.ToString(s))
	if err != nil {
		t.Fatalf("document %q is not URL-encoded: %v", aws.ToString(s), err)
	}
	return out
}

func TestPoliciesSDKManagedLifecycle(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()

	// Byte-exact round trip: white space, key order, escapes, Latin-1.
	doc := "{\n  \"Version\" : \"2012-10-17\",\r\n\t\"Statement\": [ {\"Sid\": \"Caf\u00e9\\u00e9\\\"q\\\\+%20\", \"Effect\":\"Allow\"," +
		"\"Action\":[\"s3:Get*\"],\"Resource\":\"arn:aws:s3:::b/\u00fc ber/*\"} ]\n}\n"
	created := must(c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{
		PolicyName: aws.String("ReadBucket"), Path: aws.String("/team/"), PolicyDocument: aws.String(doc),
		Description: aws.String("reads the bucket"), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}},
	}))(t).Policy
	arn := "arn:aws:iam::" + env.AccountID + ":policy/team/ReadBucket"
	if aws.ToString(created.Arn) != arn || aws.ToString(created.DefaultVersionId) != "v1" || !created.IsAttachable ||
		aws.ToInt32(created.AttachmentCount) != 0 || !strings.HasPrefix(aws.ToString(created.PolicyId), "ANPA") ||
		aws.ToString(created.Description) != "reads the bucket" || !created.CreateDate.Equal(env.Now().Truncate(1e9)) {
		t.Fatalf("CreatePolicy = %+v", created)
	}
	got := must(c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)}))(t).Policy
	if aws.ToString(got.PolicyId) != aws.ToString(created.PolicyId) || len(got.Tags) != 1 || aws.ToString(got.Tags[0].Key) != "env" {
		t.Fatalf("GetPolicy = %+v", got)
	}
	v := must(c.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")}))(t).PolicyVersion
	if raw := aws.ToString(v.Document); strings.ContainsAny(raw, " {\"+") {
		t.Fatalf("document not percent-encoded (space as %%20): %q", raw)
	}
	if back := unescape(t, v.Document); back != doc {
		t.Fatalf("document round trip:\n got %q\nwant %q", back, doc)
	}
	if !v.IsDefaultVersion || aws.ToString(v.VersionId) != "v1" {
		t.Fatalf("GetPolicyVersion = %+v", v)
	}

	// Versions: four more, the sixth refused.
	for i := 2; i <= 5; i++ {
		pv := must(c.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(arn),
			PolicyDocument: aws.String(polVersionDoc(i)), SetAsDefault: i == 4}))(t).PolicyVersion
		if aws.ToString(pv.VersionId) != fmt.Sprintf("v%d", i) || pv.IsDefaultVersion != (i == 4) || pv.Document != nil {
			t.Fatalf("CreatePolicyVersion = %+v", pv)
		}
	}
	_, err := c.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(polVersionDoc(6))})
	wantAPIError(t, err, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")

	var versions []string
	pages := awsiam.NewListPolicyVersionsPaginator(c, &awsiam.ListPolicyVersionsInput{PolicyArn: aws.String(arn), MaxItems: aws.Int32(2)})
	for pages.HasMorePages() {
		page := must(pages.NextPage(ctx))(t)
		if len(page.Versions) > 2 {
			t.Fatalf("page of %d", len(page.Versions))
		}
		for _, v := range page.Versions {
			versions = append(versions, fmt.Sprintf("%s:%v", aws.ToString(v.VersionId), v.IsDefaultVersion))
		}
	}
	if strings.Join(versions, " ") != "v5:false v4:true v3:false v2:false v1:false" {
		t.Fatalf("ListPolicyVersions = %v", versions)
	}

	_, err = c.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v4")})
	wantAPIError(t, err, "DeleteConflict", "Cannot delete the default version of a policy.")
	_, err = c.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantAPIError(t, err, "DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	_, err = c.SetDefaultPolicyVersion(ctx, &awsiam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v9")})
	wantAPIError(t, err, "NoSuchEntity", "Policy "+arn+" version v9 does not exist or is not attachable.")
	env.Advance(60e9)
	must(c.SetDefaultPolicyVersion(ctx, &awsiam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")}))(t)
	got = must(c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)}))(t).Policy
	if aws.ToString(got.DefaultVersionId) != "v1" || !got.UpdateDate.After(*got.CreateDate) {
		t.Fatalf("after SetDefaultPolicyVersion: %+v", got)
	}
	for _, id := range []string{"v2", "v3", "v4", "v5"} {
		must(c.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(id)}))(t)
	}

	// Tags.
	must(c.TagPolicy(ctx, &awsiam.TagPolicyInput{PolicyArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}))(t)
	must(c.UntagPolicy(ctx, &awsiam.UntagPolicyInput{PolicyArn: aws.String(arn), TagKeys: []string{"env"}}))(t)
	tags := must(c.ListPolicyTags(ctx, &awsiam.ListPolicyTagsInput{PolicyArn: aws.String(arn)}))(t)
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" || tags.IsTruncated {
		t.Fatalf("ListPolicyTags = %+v", tags)
	}

	must(c.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(arn)}))(t)
	_, err = c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)})
	wantAPIError(t, err, "NoSuchEntity", "Policy "+arn+" was not found.")

	// Malformed documents get AWS's messages.
	_, err = c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("bad"),
		PolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
	wantAPIError(t, err, "MalformedPolicyDocument", "Policy document must be version 2012-10-17 or greater.")
	// Characters past U+00FF are outside the model's pattern (a JSON escape
	// of them is fine, see above).
	_, err = c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("check"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"✓","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
	wantAPIError(t, err, "ValidationError", "")
	_, err = c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::123:nonsense")})
	wantAPIError(t, err, "InvalidInput", "ARN arn:aws:iam::123:nonsense is not valid.")
}

func TestPoliciesSDKAWSManagedAndListPolicies(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	const admin = "arn:aws:iam::aws:policy/AdministratorAccess"
	p := must(c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(admin)}))(t).Policy
	if aws.ToString(p.PolicyName) != "AdministratorAccess" || aws.ToString(p.PolicyId) != "ANPAIWMBCKSKIEE64ZLYK" || !p.IsAttachable {
		t.Fatalf("GetPolicy(AdministratorAccess) = %+v", p)
	}
	v := must(c.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String(admin), VersionId: p.DefaultVersionId}))(t).PolicyVersion
	if doc := unescape(t, v.Document); !strings.Contains(doc, `"Action": "*"`) {
		t.Fatalf("AdministratorAccess document = %s", doc)
	}
	_, err := c.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(admin), PolicyDocument: aws.String(polDoc)})
	wantAPIError(t, err, "AccessDenied", "User: arn:aws:iam::"+env.AccountID+":root is not authorized to perform: iam:CreatePolicyVersion on resource: policy "+admin)
	_, err = c.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(admin)})
	wantAPIError(t, err, "AccessDenied", "User: arn:aws:iam::"+env.AccountID+":root is not authorized to perform: iam:DeletePolicy on resource: policy "+admin)

	for i := range 7 {
		must(c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprintf("local-%d", i)), PolicyDocument: aws.String(polDoc)}))(t)
	}
	count := func(in *awsiam.ListPoliciesInput) (int, []string) {
		t.Helper()
		n, pagesSeen := 0, 0
		var names []string
		pg := awsiam.NewListPoliciesPaginator(c, in)
		for pg.HasMorePages() {
			page := must(pg.NextPage(ctx))(t)
			pagesSeen++
			for _, p := range page.Policies {
				if p.Description != nil || p.Tags != nil {
					t.Fatalf("ListPolicies returned Description/Tags: %+v", p)
				}
				names = append(names, aws.ToString(p.PolicyName))
			}
			n += len(page.Policies)
		}
		if in.MaxItems != nil && pagesSeen < n/int(*in.MaxItems) {
			t.Fatalf("%d pages for %d items of %d", pagesSeen, n, *in.MaxItems)
		}
		return n, names
	}
	local, names := count(&awsiam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal, MaxItems: aws.Int32(3)})
	if local != 7 || names[0] != "local-0" || names[6] != "local-6" {
		t.Fatalf("Scope Local: %d %v", local, names)
	}
	awsN, _ := count(&awsiam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws, MaxItems: aws.Int32(4)})
	all, _ := count(&awsiam.ListPoliciesInput{MaxItems: aws.Int32(5)})
	if awsN < 15 || all != awsN+7 {
		t.Fatalf("AWS %d, All %d", awsN, all)
	}
	attached, _ := count(&awsiam.ListPoliciesInput{OnlyAttached: true})
	if attached != 0 {
		t.Fatalf("OnlyAttached = %d", attached)
	}
}

func TestPoliciesSDKAttachmentsAndInline(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}))(t)
	must(c.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("devs")}))(t)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + env.AccountID + `:root"},"Action":"sts:AssumeRole"}]}`
	must(c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trust)}))(t)
	arn := aws.ToString(must(c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("Mine"), PolicyDocument: aws.String(polDoc)}))(t).Policy.Arn)
	const ro = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"

	must(c.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(arn)}))(t)
	must(c.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(ro)}))(t)
	must(c.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(ro)}))(t) // no-op
	must(c.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String(arn)}))(t)
	must(c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String(arn)}))(t)
	_, err := c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String("arn:aws:iam::aws:policy/Nope")})
	wantAPIError(t, err, "NoSuchEntity", "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable.")
	_, err = c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("ghost"), PolicyArn: aws.String(ro)})
	wantAPIError(t, err, "NoSuchEntity", "The role with name ghost cannot be found.")

	lu := must(c.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: aws.String("alice"), MaxItems: aws.Int32(1)}))(t)
	if len(lu.AttachedPolicies) != 1 || !lu.IsTruncated || aws.ToString(lu.AttachedPolicies[0].PolicyName) != "IAMReadOnlyAccess" {
		t.Fatalf("ListAttachedUserPolicies page 1 = %+v", lu)
	}
	lu = must(c.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: aws.String("alice"), Marker: lu.Marker}))(t)
	if len(lu.AttachedPolicies) != 1 || lu.IsTruncated || aws.ToString(lu.AttachedPolicies[0].PolicyArn) != arn {
		t.Fatalf("ListAttachedUserPolicies page 2 = %+v", lu)
	}
	lg := must(c.ListAttachedGroupPolicies(ctx, &awsiam.ListAttachedGroupPoliciesInput{GroupName: aws.String("devs")}))(t)
	lr := must(c.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("app")}))(t)
	if len(lg.AttachedPolicies) != 1 || len(lr.AttachedPolicies) != 1 {
		t.Fatalf("group %+v role %+v", lg, lr)
	}
	p := must(c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)}))(t).Policy
	if aws.ToInt32(p.AttachmentCount) != 3 {
		t.Fatalf("AttachmentCount = %d", aws.ToInt32(p.AttachmentCount))
	}
	ents := must(c.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn)}))(t)
	if len(ents.PolicyUsers) != 1 || aws.ToString(ents.PolicyUsers[0].UserName) != "alice" || len(ents.PolicyGroups) != 1 ||
		len(ents.PolicyRoles) != 1 || aws.ToString(ents.PolicyRoles[0].RoleName) != "app" {
		t.Fatalf("ListEntitiesForPolicy = %+v", ents)
	}
	ents = must(c.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn), EntityFilter: types.EntityTypeRole}))(t)
	if len(ents.PolicyUsers)+len(ents.PolicyGroups) != 0 || len(ents.PolicyRoles) != 1 {
		t.Fatalf("EntityFilter Role = %+v", ents)
	}
	_, err = c.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantAPIError(t, err, "DeleteConflict", "Cannot delete a policy attached to entities.")
	_, err = c.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("app")})
	wantAPIError(t, err, "DeleteConflict", "")

	// Inline policies: byte-exact, URL-encoded, aggregate size.
	inline := "{ \"Statement\": [{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}] }\n"
	must(c.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("s3"), PolicyDocument: aws.String(inline)}))(t)
	must(c.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("g"), PolicyDocument: aws.String(inline)}))(t)
	must(c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("r"), PolicyDocument: aws.String(inline)}))(t)
	gu := must(c.GetUserPolicy(ctx, &awsiam.GetUserPolicyInput{UserName: aws.String("ALICE"), PolicyName: aws.String("s3")}))(t)
	if aws.ToString(gu.UserName) != "alice" || unescape(t, gu.PolicyDocument) != inline {
		t.Fatalf("GetUserPolicy = %+v", gu)
	}
	gr := must(c.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("r")}))(t)
	gg := must(c.GetGroupPolicy(ctx, &awsiam.GetGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("g")}))(t)
	if unescape(t, gr.PolicyDocument) != inline || unescape(t, gg.PolicyDocument) != inline {
		t.Fatalf("role/group documents differ")
	}
	names := must(c.ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: aws.String("alice")}))(t)
	if len(names.PolicyNames) != 1 || names.PolicyNames[0] != "s3" || names.IsTruncated {
		t.Fatalf("ListUserPolicies = %+v", names)
	}
	big := `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::` + strings.Repeat("x", 2000) + `"}]}`
	_, err = c.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("big"), PolicyDocument: aws.String(big)})
	wantAPIError(t, err, "LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user alice")
	_, err = c.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("none")})
	wantAPIError(t, err, "NoSuchEntity", "The role policy with name none cannot be found.")
	_, err = c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "DeleteConflict", "")

	// Clean up in AWS's order; then everything deletes.
	must(c.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("s3")}))(t)
	must(c.DeleteGroupPolicy(ctx, &awsiam.DeleteGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("g")}))(t)
	must(c.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("r")}))(t)
	must(c.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(arn)}))(t)
	must(c.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(ro)}))(t)
	_, err = c.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(ro)})
	wantAPIError(t, err, "NoSuchEntity", "Policy "+ro+" was not found.")
	must(c.DetachGroupPolicy(ctx, &awsiam.DetachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String(arn)}))(t)
	must(c.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String(arn)}))(t)
	must(c.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(arn)}))(t)
	must(c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")}))(t)
	must(c.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("app")}))(t)
	must(c.DeleteGroup(ctx, &awsiam.DeleteGroupInput{GroupName: aws.String("devs")}))(t)
}

func TestPoliciesSDKAttachQuota(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")}))(t)
	for i := range 11 {
		arn := must(c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprintf("p%02d", i)), PolicyDocument: aws.String(polDoc)}))(t).Policy.Arn
		_, err := c.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: arn})
		if i < 10 && err != nil {
			t.Fatal(err)
		}
		if i == 10 {
			wantAPIError(t, err, "LimitExceeded", "Cannot exceed quota for PoliciesPerUser: 10")
		}
	}
}

func TestPoliciesSDKAuthorizationDetails(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}))(t)
	must(c.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("devs")}))(t)
	must(c.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{UserName: aws.String("alice"), GroupName: aws.String("devs")}))(t)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	must(c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trust)}))(t)
	must(c.CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")}))(t)
	must(c.AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("app")}))(t)
	inline := "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]} "
	must(c.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("u"), PolicyDocument: aws.String(inline)}))(t)
	arn := must(c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("Mine"), PolicyDocument: aws.String(polDoc)}))(t).Policy.Arn
	must(c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: arn}))(t)
	must(c.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}))(t)

	out := must(c.GetAccountAuthorizationDetails(ctx, &awsiam.GetAccountAuthorizationDetailsInput{}))(t)
	if len(out.UserDetailList) != 1 || len(out.GroupDetailList) != 1 || len(out.RoleDetailList) != 1 || len(out.Policies) != 2 || out.IsTruncated {
		t.Fatalf("GAAD = %d/%d/%d/%d", len(out.UserDetailList), len(out.GroupDetailList), len(out.RoleDetailList), len(out.Policies))
	}
	u := out.UserDetailList[0]
	if len(u.GroupList) != 1 || u.GroupList[0] != "devs" || len(u.UserPolicyList) != 1 || unescape(t, u.UserPolicyList[0].PolicyDocument) != inline {
		t.Fatalf("user detail = %+v", u)
	}
	r := out.RoleDetailList[0]
	if unescape(t, r.AssumeRolePolicyDocument) != trust || len(r.InstanceProfileList) != 1 || len(r.InstanceProfileList[0].Roles) != 1 ||
		unescape(t, r.InstanceProfileList[0].Roles[0].AssumeRolePolicyDocument) != trust || len(r.AttachedManagedPolicies) != 1 {
		t.Fatalf("role detail = %+v", r)
	}
	for _, p := range out.Policies {
		if len(p.PolicyVersionList) != 1 || p.PolicyVersionList[0].Document == nil {
			t.Fatalf("policy detail %s without its version document", aws.ToString(p.PolicyName))
		}
	}
	if aws.ToString(out.Policies[1].Arn) != "arn:aws:iam::aws:policy/ReadOnlyAccess" || aws.ToInt32(out.Policies[1].AttachmentCount) != 1 {
		t.Fatalf("AWS managed entry = %+v", out.Policies[1])
	}

	// Pagination over the combined list, one entry a page.
	n := 0
	pages := awsiam.NewGetAccountAuthorizationDetailsPaginator(c, &awsiam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(1)})
	for pages.HasMorePages() {
		p := must(pages.NextPage(ctx))(t)
		n += len(p.UserDetailList) + len(p.GroupDetailList) + len(p.RoleDetailList) + len(p.Policies)
	}
	if n != 5 {
		t.Fatalf("paginated GAAD saw %d entries, want 5", n)
	}
	f := must(c.GetAccountAuthorizationDetails(ctx, &awsiam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{types.EntityTypeLocalManagedPolicy}}))(t)
	if len(f.Policies) != 1 || len(f.UserDetailList) != 0 {
		t.Fatalf("Filter LocalManagedPolicy = %+v", f)
	}
}

// Markers stay within the 320 characters the API accepts back, even for
// the longest policy names and paths.
func TestPoliciesSDKMarkersFitTheModel(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	path := "/" + strings.Repeat("p", 509) + "/"
	for i := range 2 {
		name := fmt.Sprintf("%s%d", strings.Repeat("n", 127), i)
		must(c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String(name), Path: aws.String(path), PolicyDocument: aws.String(polDoc)}))(t)
	}
	page := must(c.ListPolicies(ctx, &awsiam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal, MaxItems: aws.Int32(1)}))(t)
	if !page.IsTruncated || len(aws.ToString(page.Marker)) > 320 {
		t.Fatalf("marker of %d characters", len(aws.ToString(page.Marker)))
	}
	page = must(c.ListPolicies(ctx, &awsiam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal, MaxItems: aws.Int32(1), Marker: page.Marker}))(t)
	if page.IsTruncated || len(page.Policies) != 1 || !strings.HasSuffix(aws.ToString(page.Policies[0].PolicyName), "1") {
		t.Fatalf("second page = %+v", page)
	}
}

// A permissions boundary set by the users and roles operations counts as a
// use of the policy: PermissionsBoundaryUsageCount, ListEntitiesForPolicy,
// ListPolicies' usage filter and DeletePolicy's conflict all see it.
func TestPoliciesSDKBoundaryUsage(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	arn := must(c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("Boundary"), PolicyDocument: aws.String(polDoc)}))(t).Policy.Arn
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("carol"), PermissionsBoundary: arn}))(t)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	must(c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("svc"), AssumeRolePolicyDocument: aws.String(trust)}))(t)
	must(c.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: aws.String("svc"), PermissionsBoundary: arn}))(t)

	p := must(c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: arn}))(t).Policy
	if aws.ToInt32(p.PermissionsBoundaryUsageCount) != 2 || aws.ToInt32(p.AttachmentCount) != 0 {
		t.Fatalf("usage counts = %d boundary, %d attached", aws.ToInt32(p.PermissionsBoundaryUsageCount), aws.ToInt32(p.AttachmentCount))
	}
	ents := must(c.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: arn, PolicyUsageFilter: types.PolicyUsageTypePermissionsBoundary}))(t)
	if len(ents.PolicyUsers) != 1 || len(ents.PolicyRoles) != 1 {
		t.Fatalf("boundary entities = %+v", ents)
	}
	ents = must(c.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: arn, PolicyUsageFilter: types.PolicyUsageTypePermissionsPolicy}))(t)
	if len(ents.PolicyUsers)+len(ents.PolicyRoles)+len(ents.PolicyGroups) != 0 {
		t.Fatalf("permission entities = %+v", ents)
	}
	ps := must(c.ListPolicies(ctx, &awsiam.ListPoliciesInput{PolicyUsageFilter: types.PolicyUsageTypePermissionsBoundary}))(t)
	if len(ps.Policies) != 1 || aws.ToString(ps.Policies[0].Arn) != aws.ToString(arn) {
		t.Fatalf("ListPolicies PermissionsBoundary = %+v", ps.Policies)
	}
	_, err := c.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: arn})
	wantAPIError(t, err, "DeleteConflict", "Cannot delete a policy attached to entities.")

	must(c.DeleteUserPermissionsBoundary(ctx, &awsiam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("carol")}))(t)
	must(c.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("svc")}))(t)
	p = must(c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: arn}))(t).Policy
	if aws.ToInt32(p.PermissionsBoundaryUsageCount) != 0 {
		t.Fatalf("usage after clearing = %d", aws.ToInt32(p.PermissionsBoundaryUsageCount))
	}
	must(c.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: arn}))(t)
}
