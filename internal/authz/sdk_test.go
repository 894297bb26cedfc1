package authz_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/server/servertest"
)

func apiErr(t *testing.T, err error) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v, want an AWS error", err)
	}
	return ae
}

func wantAccessDenied(t *testing.T, err error, msg string) {
	t.Helper()
	ae := apiErr(t, err)
	if ae.ErrorCode() != "AccessDenied" || ae.ErrorMessage() != msg {
		t.Fatalf("got %s: %s\nwant AccessDenied: %s", ae.ErrorCode(), ae.ErrorMessage(), msg)
	}
}

// newUser creates a user with an access key through the root client and
// returns a client signed with that key.
func newUser(t *testing.T, env *servertest.Env, name, path string, groups ...string) *awsiam.Client {
	t.Helper()
	ctx := t.Context()
	root := env.IAM()
	if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name), Path: aws.String(path)}); err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if _, err := root.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String(g), UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return env.IAMAs(t, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey)
}

// TestEnforcedThroughTheSDK: the server's default authorizer decides every
// request with the caller's policies, with AWS's messages, and sees policy
// changes at the next request.
func TestEnforcedThroughTheSDK(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	root := env.IAM()
	acct := env.AccountID
	if _, err := root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("admins")}); err != nil {
		t.Fatal(err)
	}
	alice := newUser(t, env, "alice", "/eng/", "admins")

	// No policy yet.
	_, err := alice.ListUsers(ctx, &awsiam.ListUsersInput{})
	wantAccessDenied(t, err, "User: arn:aws:iam::"+acct+":user/eng/alice is not authorized to perform: iam:ListUsers on resource: * because no identity-based policy allows the iam:ListUsers action")

	// A group policy grants; the next request sees it.
	if _, err := root.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: aws.String("admins"), PolicyName: aws.String("users"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:GetUser","iam:CreateUser","iam:TagUser"],"Resource":"*"},
			{"Effect":"Deny","Action":"iam:CreateUser","Resource":"arn:aws:iam::*:user/admin/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatalf("after the group grant: %v", err)
	}
	// GetUser without a name is the caller's own user, with its path.
	out, err := alice.GetUser(ctx, &awsiam.GetUserInput{})
	if err != nil || *out.User.Arn != "arn:aws:iam::"+acct+":user/eng/alice" {
		t.Fatalf("GetUser self: %v %+v", err, out)
	}
	if _, err := alice.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}); err != nil {
		t.Fatalf("CreateUser with tags: %v", err)
	}
	_, err = alice.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("eve"), Path: aws.String("/admin/")})
	wantAccessDenied(t, err, "User: arn:aws:iam::"+acct+":user/eng/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+acct+":user/admin/eve with an explicit deny in an identity-based policy")

	// A permissions boundary caps the user.
	if _, err := root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("ReadOnly"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutUserPermissionsBoundary(ctx, &awsiam.PutUserPermissionsBoundaryInput{UserName: aws.String("alice"),
		PermissionsBoundary: aws.String("arn:aws:iam::" + acct + ":policy/ReadOnly")}); err != nil {
		t.Fatal(err)
	}
	_, err = alice.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("carol")})
	wantAccessDenied(t, err, "User: arn:aws:iam::"+acct+":user/eng/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+acct+":user/carol because no permissions boundary allows the iam:CreateUser action")
	if _, err := alice.ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatalf("inside the boundary: %v", err)
	}

	// Removing her from the group takes the grant away.
	if _, err := root.RemoveUserFromGroup(ctx, &awsiam.RemoveUserFromGroupInput{GroupName: aws.String("admins"), UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	_, err = alice.ListUsers(ctx, &awsiam.ListUsersInput{})
	wantAccessDenied(t, err, "User: arn:aws:iam::"+acct+":user/eng/alice is not authorized to perform: iam:ListUsers on resource: * because no identity-based policy allows the iam:ListUsers action")
}

// TestKeyRotationPolicy: a Deny on iamd:AccessKeyAgeDays forces rotation;
// the user rotates without downtime (create the second key while the old
// one still works, switch, delete the old one).
func TestKeyRotationPolicy(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	root := env.IAM()
	if _, err := root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("everyone")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: aws.String("everyone"), PolicyName: aws.String("rotation"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["iam:*AccessKey*","iam:GetUser"],"Resource":"arn:aws:iam::*:user/${aws:username}"},
			{"Sid":"RotateEvery90Days","Effect":"Deny","NotAction":["iam:CreateAccessKey","iam:DeleteAccessKey","iam:ListAccessKeys"],"Resource":"*",
			 "Condition":{"NumericGreaterThan":{"iamd:AccessKeyAgeDays":"90"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	old := newUser(t, env, "svc", "/", "everyone")
	if _, err := old.GetUser(ctx, &awsiam.GetUserInput{}); err != nil {
		t.Fatalf("fresh key: %v", err)
	}
	env.Advance(91 * 24 * time.Hour)
	_, err := old.GetUser(ctx, &awsiam.GetUserInput{})
	wantAccessDenied(t, err, "User: arn:aws:iam::"+env.AccountID+":user/svc is not authorized to perform: iam:GetUser on resource: arn:aws:iam::"+env.AccountID+":user/svc with an explicit deny in an identity-based policy")
	// The old key may still create its successor.
	k, err := old.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	fresh := env.IAMAs(t, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey)
	if _, err := fresh.GetUser(ctx, &awsiam.GetUserInput{}); err != nil {
		t.Fatalf("new key: %v", err)
	}
}

// TestAccountMaxKeyAge: the account-level setting refuses old keys,
// including the root's, and leaves rotation possible.
func TestAccountMaxKeyAge(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	if err := env.Service.SetMaxAccessKeyAge(ctx, env.AccountID, 90*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	root := env.IAM()
	if _, err := root.ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatalf("fresh root key: %v", err)
	}
	env.Advance(91 * 24 * time.Hour)
	_, err := root.ListUsers(ctx, &awsiam.ListUsersInput{})
	wantAccessDenied(t, err, "User: arn:aws:iam::"+env.AccountID+":root is not authorized to perform: iam:ListUsers on resource: * because the access key "+
		env.RootAccessKeyID+" is 91 days old and the account allows at most 90; create a new access key and delete this one")
	k, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatalf("root rotation: %v", err)
	}
	fresh := env.IAMAs(t, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey)
	if _, err := fresh.ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatalf("new root key: %v", err)
	}
	if _, err := fresh.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{AccessKeyId: aws.String(env.RootAccessKeyID)}); err != nil {
		t.Fatalf("delete the old key: %v", err)
	}
	// Removing the limit lets old keys work again (the next request sees it).
	if err := env.Service.SetMaxAccessKeyAge(ctx, env.AccountID, 0); err != nil {
		t.Fatal(err)
	}
	env.Advance(365 * 24 * time.Hour)
	if _, err := fresh.ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatalf("no limit: %v", err)
	}
}

// TestRoleSessionsThroughSTS: AssumeRole with the caller's side from the
// authorizer, then the session's requests decided with the role's
// policies and the session policy.
func TestRoleSessionsThroughSTS(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	root := env.IAM()
	acct := env.AccountID
	if _, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("reader"), Path: aws.String("/app/"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:List*","iam:Get*"],"Resource":"*"}}`)}); err != nil {
		t.Fatal(err)
	}
	key, secret := env.CreateUserWithKey(t, "dev")
	stsc := env.STSAs(t, key, secret, "")
	roleARN := "arn:aws:iam::" + acct + ":role/app/reader"
	// The trust policy names only the account: dev needs an identity allow.
	if _, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")}); err == nil {
		t.Fatal("AssumeRole without an identity allow")
	}
	if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/app/*"}}`)}); err != nil {
		t.Fatal(err)
	}
	out, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}}`)})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := out.Credentials
	sess := env.IAMWithToken(t, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	if _, err := sess.ListRoles(ctx, &awsiam.ListRolesInput{}); err != nil {
		t.Fatalf("session ListRoles: %v", err)
	}
	_, err = sess.ListUsers(ctx, &awsiam.ListUsersInput{})
	wantAccessDenied(t, err, "User: arn:aws:sts::"+acct+":assumed-role/reader/s1 is not authorized to perform: iam:ListUsers on resource: * because no session policy allows the iam:ListUsers action")
	_, err = sess.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("x")})
	wantAccessDenied(t, err, "User: arn:aws:sts::"+acct+":assumed-role/reader/s1 is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+acct+":user/x because no identity-based policy allows the iam:CreateUser action")
}
