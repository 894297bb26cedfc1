package iamapi_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/server/servertest"
)

// wantAPIError checks an SDK error's code and, when msg is not "", its
// exact message.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("error = %s: %q, want %s: %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// must(call(...))(t) is call's result, or a fatal test error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestUsersCreateGetListDelete(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()

	created := must(c.CreateUser(ctx, &awsiam.CreateUserInput{
		UserName: aws.String("Alice"), Path: aws.String("/eng/"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
	}))(t)
	u := created.User
	if aws.ToString(u.UserName) != "Alice" || aws.ToString(u.Path) != "/eng/" ||
		aws.ToString(u.Arn) != "arn:aws:iam::"+env.AccountID+":user/eng/Alice" ||
		len(aws.ToString(u.UserId)) != 21 || aws.ToString(u.UserId)[:4] != "AIDA" ||
		!u.CreateDate.Equal(env.Now()) || len(u.Tags) != 1 {
		t.Fatalf("CreateUser returned %+v", u)
	}

	// Names are unique ignoring case, whatever the path.
	_, err := c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "EntityAlreadyExists", "User with name alice already exists.")

	got := must(c.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("ALICE")}))(t).User
	if aws.ToString(got.UserName) != "Alice" || aws.ToString(got.UserId) != aws.ToString(u.UserId) ||
		len(got.Tags) != 1 || aws.ToString(got.Tags[0].Key) != "team" {
		t.Fatalf("GetUser = %+v", got)
	}
	_, err = c.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("nobody")})
	wantAPIError(t, err, "NoSuchEntity", "The user with name nobody cannot be found.")

	// The root without a UserName gets itself.
	root := must(c.GetUser(ctx, &awsiam.GetUserInput{}))(t).User
	if aws.ToString(root.UserId) != env.AccountID || aws.ToString(root.Arn) != "arn:aws:iam::"+env.AccountID+":root" {
		t.Fatalf("GetUser as root = %+v", root)
	}

	_, err = c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bad"), Path: aws.String("/no-trailing-slash")})
	wantAPIError(t, err, "ValidationError", "")

	must(c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")}))(t)
	_, err = c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "NoSuchEntity", "The user with name alice cannot be found.")
	list := must(c.ListUsers(ctx, &awsiam.ListUsersInput{}))(t)
	if len(list.Users) != 0 || list.IsTruncated {
		t.Fatalf("ListUsers after delete = %+v", list)
	}
}

func TestUsersListPagination(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("user%d", i)
		path := "/"
		if i%2 == 1 {
			path = "/odd/"
		}
		must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name), Path: aws.String(path)}))(t)
		want = append(want, name)
	}
	collect := func(prefix *string, max int32) []string {
		var names []string
		p := awsiam.NewListUsersPaginator(c, &awsiam.ListUsersInput{PathPrefix: prefix, MaxItems: aws.Int32(max)})
		for pages := 0; p.HasMorePages(); pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			out := must(p.NextPage(ctx))(t)
			if len(out.Users) > int(max) {
				t.Fatalf("page of %d users with MaxItems %d", len(out.Users), max)
			}
			if out.IsTruncated != (out.Marker != nil) {
				t.Fatalf("IsTruncated %v with Marker %v", out.IsTruncated, out.Marker)
			}
			for _, u := range out.Users {
				names = append(names, aws.ToString(u.UserName))
			}
		}
		return names
	}
	if got := collect(nil, 3); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ListUsers = %v, want %v", got, want)
	}
	if got := collect(aws.String("/odd/"), 2); fmt.Sprint(got) != "[user1 user3 user5]" {
		t.Fatalf("ListUsers(/odd/) = %v", got)
	}
	_, err := c.ListUsers(ctx, &awsiam.ListUsersInput{Marker: aws.String("not-a-marker")})
	wantAPIError(t, err, "InvalidInput", "")
}

func TestGroupsThroughTheSDK(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	g := must(c.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("Devs"), Path: aws.String("/eng/")}))(t).Group
	if aws.ToString(g.Arn) != "arn:aws:iam::"+env.AccountID+":group/eng/Devs" || aws.ToString(g.GroupId)[:4] != "AGPA" {
		t.Fatalf("CreateGroup = %+v", g)
	}
	_, err := c.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("devs")})
	wantAPIError(t, err, "EntityAlreadyExists", "Group with name devs already exists.")

	for i := range 5 {
		must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(fmt.Sprintf("u%d", i))}))(t)
		must(c.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String(fmt.Sprintf("U%d", i))}))(t)
	}
	// Adding a member again succeeds.
	must(c.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("u0")}))(t)
	_, err = c.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("nope"), UserName: aws.String("u0")})
	wantAPIError(t, err, "NoSuchEntity", "The group with name nope cannot be found.")

	var members []string
	p := awsiam.NewGetGroupPaginator(c, &awsiam.GetGroupInput{GroupName: aws.String("DEVS"), MaxItems: aws.Int32(2)})
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 5 {
			t.Fatal("GetGroup pagination does not end")
		}
		out := must(p.NextPage(ctx))(t)
		if aws.ToString(out.Group.GroupName) != "Devs" || len(out.Users) > 2 {
			t.Fatalf("GetGroup page = %+v", out)
		}
		for _, u := range out.Users {
			members = append(members, aws.ToString(u.UserName))
		}
	}
	if fmt.Sprint(members) != "[u0 u1 u2 u3 u4]" {
		t.Fatalf("members = %v", members)
	}

	_, err = c.DeleteGroup(ctx, &awsiam.DeleteGroupInput{GroupName: aws.String("devs")})
	wantAPIError(t, err, "DeleteConflict", "Cannot delete entity, must remove users from group first.")
	_, err = c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("u0")})
	wantAPIError(t, err, "DeleteConflict", "Cannot delete entity, must remove users from group first.")

	must(c.UpdateGroup(ctx, &awsiam.UpdateGroupInput{GroupName: aws.String("devs"), NewGroupName: aws.String("Developers"), NewPath: aws.String("/")}))(t)
	groups := must(c.ListGroupsForUser(ctx, &awsiam.ListGroupsForUserInput{UserName: aws.String("u3")}))(t).Groups
	if len(groups) != 1 || aws.ToString(groups[0].GroupName) != "Developers" || aws.ToString(groups[0].Arn) != "arn:aws:iam::"+env.AccountID+":group/Developers" {
		t.Fatalf("ListGroupsForUser after rename = %+v", groups)
	}
	for i := range 5 {
		must(c.RemoveUserFromGroup(ctx, &awsiam.RemoveUserFromGroupInput{GroupName: aws.String("developers"), UserName: aws.String(fmt.Sprintf("u%d", i))}))(t)
	}
	must(c.DeleteGroup(ctx, &awsiam.DeleteGroupInput{GroupName: aws.String("Developers")}))(t)
	list := must(c.ListGroups(ctx, &awsiam.ListGroupsInput{}))(t)
	if len(list.Groups) != 0 {
		t.Fatalf("ListGroups after delete = %+v", list.Groups)
	}
}

func TestAccessKeysThroughTheSDK(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}))(t)
	k1 := must(c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")}))(t).AccessKey
	if aws.ToString(k1.UserName) != "alice" || len(aws.ToString(k1.SecretAccessKey)) != 40 || k1.Status != types.StatusTypeActive {
		t.Fatalf("CreateAccessKey = %+v", k1)
	}
	k2 := must(c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")}))(t).AccessKey
	_, err := c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")

	keys := must(c.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: aws.String("alice"), MaxItems: aws.Int32(1)}))(t)
	if len(keys.AccessKeyMetadata) != 1 || !keys.IsTruncated || aws.ToString(keys.AccessKeyMetadata[0].UserName) != "alice" {
		t.Fatalf("ListAccessKeys page 1 = %+v", keys)
	}
	keys2 := must(c.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: aws.String("alice"), Marker: keys.Marker}))(t)
	if len(keys2.AccessKeyMetadata) != 1 || keys2.IsTruncated {
		t.Fatalf("ListAccessKeys page 2 = %+v", keys2)
	}
	// Both keys were created at the same (fake) time: oldest first, then
	// by ID.
	want := []string{aws.ToString(k1.AccessKeyId), aws.ToString(k2.AccessKeyId)}
	slices.Sort(want)
	if got := []string{aws.ToString(keys.AccessKeyMetadata[0].AccessKeyId), aws.ToString(keys2.AccessKeyMetadata[0].AccessKeyId)}; !slices.Equal(got, want) {
		t.Fatalf("ListAccessKeys pages = %v, want %v", got, want)
	}

	lu := must(c.GetAccessKeyLastUsed(ctx, &awsiam.GetAccessKeyLastUsedInput{AccessKeyId: k1.AccessKeyId}))(t)
	if aws.ToString(lu.UserName) != "alice" || aws.ToString(lu.AccessKeyLastUsed.ServiceName) != "N/A" ||
		aws.ToString(lu.AccessKeyLastUsed.Region) != "N/A" || lu.AccessKeyLastUsed.LastUsedDate != nil {
		t.Fatalf("never used = %+v", lu.AccessKeyLastUsed)
	}

	// The user authenticates with its own key: the root-only authorizer
	// refuses it by name (AccessDenied, not InvalidClientTokenId).
	alice := env.IAMAs(t, aws.ToString(k1.AccessKeyId), aws.ToString(k1.SecretAccessKey))
	_, err = alice.GetUser(ctx, &awsiam.GetUserInput{})
	wantAPIError(t, err, "AccessDenied", "")
	var ae smithy.APIError
	errors.As(err, &ae)
	if want := "User: arn:aws:iam::" + env.AccountID + ":user/alice is not authorized"; len(ae.ErrorMessage()) < len(want) || ae.ErrorMessage()[:len(want)] != want {
		t.Fatalf("AccessDenied message %q does not name the user", ae.ErrorMessage())
	}
	lu = must(c.GetAccessKeyLastUsed(ctx, &awsiam.GetAccessKeyLastUsedInput{AccessKeyId: k1.AccessKeyId}))(t)
	if aws.ToString(lu.AccessKeyLastUsed.ServiceName) != "iam" || aws.ToString(lu.AccessKeyLastUsed.Region) != servertest.Region ||
		lu.AccessKeyLastUsed.LastUsedDate == nil || !lu.AccessKeyLastUsed.LastUsedDate.Equal(env.Now()) {
		t.Fatalf("after use = %+v", lu.AccessKeyLastUsed)
	}

	// Inactive keys and deleted keys no longer authenticate.
	must(c.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: k1.AccessKeyId, Status: types.StatusTypeInactive}))(t)
	_, err = alice.GetUser(ctx, &awsiam.GetUserInput{})
	wantAPIError(t, err, "InvalidClientTokenId", "")
	must(c.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: k1.AccessKeyId, Status: types.StatusTypeActive}))(t)
	_, err = alice.GetUser(ctx, &awsiam.GetUserInput{})
	wantAPIError(t, err, "AccessDenied", "")

	_, err = c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
	for _, k := range []*string{k1.AccessKeyId, k2.AccessKeyId} {
		must(c.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: k}))(t)
	}
	_, err = c.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: k1.AccessKeyId})
	wantAPIError(t, err, "NoSuchEntity", "The Access Key with id "+aws.ToString(k1.AccessKeyId)+" cannot be found.")
	_, err = alice.GetUser(ctx, &awsiam.GetUserInput{})
	wantAPIError(t, err, "InvalidClientTokenId", "")
	must(c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")}))(t)

	// The root manages its own keys without a UserName.
	rootKeys := must(c.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{}))(t).AccessKeyMetadata
	if len(rootKeys) != 1 || aws.ToString(rootKeys[0].AccessKeyId) != env.RootAccessKeyID || rootKeys[0].UserName != nil {
		t.Fatalf("root keys = %+v", rootKeys)
	}
	must(c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{}))(t)
	_, err = c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{})
	wantAPIError(t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
}

func TestLoginProfilesThroughTheSDK(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}))(t)
	_, err := c.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String("password")})
	wantAPIError(t, err, "PasswordPolicyViolation", "")
	lp := must(c.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("alice"),
		Password: aws.String("Tr0ub4dor&3-horse"), PasswordResetRequired: true}))(t).LoginProfile
	if aws.ToString(lp.UserName) != "alice" || !lp.PasswordResetRequired || !lp.CreateDate.Equal(env.Now()) {
		t.Fatalf("CreateLoginProfile = %+v", lp)
	}
	_, err = c.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String("Tr0ub4dor&3-horse")})
	wantAPIError(t, err, "EntityAlreadyExists", "Login Profile for user alice already exists.")
	must(c.UpdateLoginProfile(ctx, &awsiam.UpdateLoginProfileInput{UserName: aws.String("alice"), PasswordResetRequired: aws.Bool(false)}))(t)
	got := must(c.GetLoginProfile(ctx, &awsiam.GetLoginProfileInput{UserName: aws.String("alice")}))(t).LoginProfile
	if got.PasswordResetRequired {
		t.Fatalf("GetLoginProfile after update = %+v", got)
	}
	if _, ok, err := env.Service.VerifyUserPassword(ctx, env.AccountID, "alice", "Tr0ub4dor&3-horse"); !ok || err != nil {
		t.Fatalf("VerifyUserPassword = %v, %v", ok, err)
	}
	_, err = c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "DeleteConflict", "Cannot delete entity, must delete login profile first.")
	must(c.DeleteLoginProfile(ctx, &awsiam.DeleteLoginProfileInput{UserName: aws.String("alice")}))(t)
	_, err = c.GetLoginProfile(ctx, &awsiam.GetLoginProfileInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "NoSuchEntity", "Login Profile for User alice cannot be found.")
	// The root has no login profile of its own to name.
	_, err = c.GetLoginProfile(ctx, &awsiam.GetLoginProfileInput{})
	wantAPIError(t, err, "ValidationError", "Must specify userName when calling with non-User credentials")
	must(c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")}))(t)
}

func TestUserTagsRenameAndBoundaryThroughTheSDK(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice"),
		PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")}))(t)
	var tags []types.Tag
	for i := range 5 {
		tags = append(tags, types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	must(c.TagUser(ctx, &awsiam.TagUserInput{UserName: aws.String("alice"), Tags: tags}))(t)
	var keys []string
	p := awsiam.NewListUserTagsPaginator(c, &awsiam.ListUserTagsInput{UserName: aws.String("alice"), MaxItems: aws.Int32(2)})
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 5 {
			t.Fatal("ListUserTags pagination does not end")
		}
		for _, tg := range must(p.NextPage(ctx))(t).Tags {
			keys = append(keys, aws.ToString(tg.Key))
		}
	}
	if fmt.Sprint(keys) != "[k0 k1 k2 k3 k4]" {
		t.Fatalf("ListUserTags = %v", keys)
	}
	must(c.UntagUser(ctx, &awsiam.UntagUserInput{UserName: aws.String("alice"), TagKeys: []string{"K0", "k1"}}))(t)
	_, err := c.TagUser(ctx, &awsiam.TagUserInput{UserName: aws.String("alice"), Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}})
	wantAPIError(t, err, "InvalidInput", "Tag key 'aws:x' is not valid: tag keys starting with 'aws:' are reserved for AWS use.")

	must(c.UpdateUser(ctx, &awsiam.UpdateUserInput{UserName: aws.String("alice"), NewUserName: aws.String("alicia"), NewPath: aws.String("/x/")}))(t)
	u := must(c.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("alicia")}))(t).User
	if aws.ToString(u.Arn) != "arn:aws:iam::"+env.AccountID+":user/x/alicia" || len(u.Tags) != 3 || u.PermissionsBoundary == nil ||
		aws.ToString(u.PermissionsBoundary.PermissionsBoundaryArn) != "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" ||
		u.PermissionsBoundary.PermissionsBoundaryType != types.PermissionsBoundaryAttachmentTypePolicy {
		t.Fatalf("GetUser after rename = %+v", u)
	}
	_, err = c.PutUserPermissionsBoundary(ctx, &awsiam.PutUserPermissionsBoundaryInput{UserName: aws.String("alicia"),
		PermissionsBoundary: aws.String("arn:aws:iam::" + env.AccountID + ":policy/Missing")})
	wantAPIError(t, err, "NoSuchEntity", "Policy arn:aws:iam::"+env.AccountID+":policy/Missing does not exist or is not attachable.")
	must(c.DeleteUserPermissionsBoundary(ctx, &awsiam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("alicia")}))(t)
	u = must(c.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("alicia")}))(t).User
	if u.PermissionsBoundary != nil {
		t.Fatalf("boundary after delete = %+v", u.PermissionsBoundary)
	}
	must(c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alicia")}))(t)
}

func TestUsersQuotasThroughTheSDK(t *testing.T) {
	q := iam.DefaultQuotas()
	q.UsersPerAccount, q.GroupsPerUser = 3, 2
	env := servertest.Start(t, servertest.WithQuotas(q))
	ctx := t.Context()
	c := env.IAM()
	for i := range 3 {
		must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(fmt.Sprintf("u%d", i))}))(t)
	}
	_, err := c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("u3")})
	wantAPIError(t, err, "LimitExceeded", "Cannot exceed quota for UsersPerAccount: 3")
	for i := range 3 {
		must(c.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String(fmt.Sprintf("g%d", i))}))(t)
	}
	must(c.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("g0"), UserName: aws.String("u0")}))(t)
	must(c.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("g1"), UserName: aws.String("u0")}))(t)
	_, err = c.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("g2"), UserName: aws.String("u0")})
	wantAPIError(t, err, "LimitExceeded", "Cannot exceed quota for GroupsPerUser: 2")
	_, err = c.RemoveUserFromGroup(ctx, &awsiam.RemoveUserFromGroupInput{GroupName: aws.String("g2"), UserName: aws.String("u0")})
	wantAPIError(t, err, "NoSuchEntity", "User u0 is not in group g2.")
	// Deleting a user frees its place in the quota.
	must(c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("u2")}))(t)
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("u3")}))(t)
}

// allowAll lets every authenticated request through, so that operations a
// user performs on itself can be tested without the policy engine.
type allowAll struct{}

func (allowAll) Authorize(context.Context, api.AuthzRequest) error { return nil }

func TestChangePasswordThroughTheSDK(t *testing.T) {
	env := servertest.Start(t, servertest.WithAuthorizer(allowAll{}))
	ctx := t.Context()
	c := env.IAM()
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}))(t)
	must(c.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("alice"),
		Password: aws.String("First-Passw0rd"), PasswordResetRequired: true}))(t)
	k := must(c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")}))(t).AccessKey
	alice := env.IAMAs(t, aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey))

	// The user's own GetUser and ListAccessKeys default to itself.
	me := must(alice.GetUser(ctx, &awsiam.GetUserInput{}))(t).User
	if aws.ToString(me.UserName) != "alice" || aws.ToString(me.Arn) != "arn:aws:iam::"+env.AccountID+":user/alice" {
		t.Fatalf("GetUser as alice = %+v", me)
	}
	keys := must(alice.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{}))(t).AccessKeyMetadata
	if len(keys) != 1 || aws.ToString(keys[0].AccessKeyId) != aws.ToString(k.AccessKeyId) {
		t.Fatalf("ListAccessKeys as alice = %+v", keys)
	}

	_, err := alice.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String("Wrong-Passw0rd"), NewPassword: aws.String("Second-Passw0rd")})
	wantAPIError(t, err, "AccessDenied", "The old password is incorrect.")
	_, err = alice.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String("First-Passw0rd"), NewPassword: aws.String("weak")})
	wantAPIError(t, err, "PasswordPolicyViolation", "")
	must(alice.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String("First-Passw0rd"), NewPassword: aws.String("Second-Passw0rd")}))(t)
	lp := must(c.GetLoginProfile(ctx, &awsiam.GetLoginProfileInput{UserName: aws.String("alice")}))(t).LoginProfile
	if lp.PasswordResetRequired {
		t.Fatal("PasswordResetRequired still set after ChangePassword")
	}
	if _, ok, err := env.Service.VerifyUserPassword(ctx, env.AccountID, "alice", "Second-Passw0rd"); !ok || err != nil {
		t.Fatalf("new password: %v, %v", ok, err)
	}
	// The root has no IAM user password to change.
	_, err = c.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String("x"), NewPassword: aws.String("y")})
	wantAPIError(t, err, "InvalidUserType", "")
}
