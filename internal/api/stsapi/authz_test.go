package stsapi_test

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/server/servertest"
)

// These tests run with the server's default authorizer, the policy engine
// (internal/authz): AssumeRole's identity side and the permissions of the
// sessions are decided by policies.

func putUserPolicy(t *testing.T, env *servertest.Env, user, doc string) {
	t.Helper()
	if _, err := env.IAM().PutUserPolicy(t.Context(), &awsiam.PutUserPolicyInput{
		UserName: aws.String(user), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
}

func putRolePolicy(t *testing.T, env *servertest.Env, role, name, doc string) {
	t.Helper()
	if _, err := env.IAM().PutRolePolicy(t.Context(), &awsiam.PutRolePolicyInput{
		RoleName: aws.String(role), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
}

// iamWith and stsWith are clients signed with temporary credentials.
func iamWith(t *testing.T, env *servertest.Env, c *ststypes.Credentials) *awsiam.Client {
	return env.IAMWithToken(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

func stsWith(t *testing.T, env *servertest.Env, c *ststypes.Credentials) *sts.Client {
	return env.STSAs(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

func TestAssumeRoleByUserWithPolicies(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	akid, secret := env.CreateUserWithKey(t, "alice")
	alice := env.STSAs(t, akid, secret, "")
	aliceARN := "arn:aws:iam::" + env.AccountID + ":user/alice"
	byAccount := createRole(t, env, "by-account", trust(env.AccountID, ""))
	byAlice := createRole(t, env, "by-alice", trust(aliceARN, ""))

	// The trust policy naming alice is enough on its own.
	if _, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(byAlice), RoleSessionName: aws.String("s1")}); err != nil {
		t.Fatalf("trust policy naming the user: %v", err)
	}
	// Naming only the account needs alice's own permission.
	_, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(byAccount), RoleSessionName: aws.String("s1")})
	apiError(t, err, "AccessDenied", "User: "+aliceARN+" is not authorized to perform: sts:AssumeRole on resource: "+byAccount)
	putUserPolicy(t, env, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"`+byAccount+`"}]}`)
	if _, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(byAccount), RoleSessionName: aws.String("s1")}); err != nil {
		t.Fatalf("with an identity policy: %v", err)
	}
}

func TestRoleSessionPermissions(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	createRole(t, env, "admin", trust(env.AccountID, ""))
	roleARN := "arn:aws:iam::" + env.AccountID + ":role/admin"
	as, _ := assumer(t, env)
	putRolePolicy(t, env, "admin", "all-iam", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)

	// The role's policies apply to its sessions.
	full, err := as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("full")})
	if err != nil {
		t.Fatal(err)
	}
	fullIAM := iamWith(t, env, full.Credentials)
	if _, err := fullIAM.ListRoles(ctx, &awsiam.ListRolesInput{}); err != nil {
		t.Fatalf("role session with the role's policy: %v", err)
	}

	// A session policy narrows them.
	narrow, err := as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("narrow"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	narrowIAM := iamWith(t, env, narrow.Credentials)
	if _, err := narrowIAM.ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatalf("action the session policy allows: %v", err)
	}
	_, err = narrowIAM.ListRoles(ctx, &awsiam.ListRolesInput{})
	apiError(t, err, "AccessDenied", "arn:aws:sts::"+env.AccountID+":assumed-role/admin/narrow is not authorized to perform: iam:ListRoles")

	// "Revoke active sessions": a deny on aws:TokenIssueTime before now.
	env.Advance(time.Minute)
	putRolePolicy(t, env, "admin", "AWSRevokeOlderSessions", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*",
		"Condition":{"DateLessThan":{"aws:TokenIssueTime":"`+env.Now().UTC().Format(time.RFC3339)+`"}}}]}`)
	_, err = fullIAM.ListRoles(ctx, &awsiam.ListRolesInput{})
	apiError(t, err, "AccessDenied", "iam:ListRoles")
	fresh, err := as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("fresh")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iamWith(t, env, fresh.Credentials).ListRoles(ctx, &awsiam.ListRolesInput{}); err != nil {
		t.Fatalf("session issued after the revocation: %v", err)
	}
}

// GetSessionToken sessions without MFA may not call IAM (evaluation.md §8).
func TestSessionTokenWithoutMFACannotCallIAM(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	akid, secret := env.CreateUserWithKey(t, "bob")
	putUserPolicy(t, env, "bob", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
	out, err := env.STSAs(t, akid, secret, "").GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatalf("GetSessionToken needs no permission: %v", err)
	}
	// AWS answers as for an invalid token.
	_, err = iamWith(t, env, out.Credentials).ListUsers(ctx, &awsiam.ListUsersInput{})
	apiError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid")
	who, err := stsWith(t, env, out.Credentials).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::"+env.AccountID+":user/bob" {
		t.Fatalf("GetCallerIdentity = %v, %v", who, err)
	}
}

// A second account's user assumes a role of the first that trusts its
// account.
func TestAssumeRoleCrossAccount(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	const other = "210987654321"
	keyID, err := iam.NewAccessKeyID(rand.Reader, iam.PrefixAccessKey, other)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := iam.NewSecretAccessKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Service.EnsureAccount(ctx, other, keyID, secret); err != nil {
		t.Fatal(err)
	}
	shared := createRole(t, env, "shared", trust(other, ""))
	private := createRole(t, env, "private", trust(env.AccountID, ""))
	// The other account's user "ops", allowed sts:AssumeRole by its own
	// policy (the root may not assume roles).
	otherIAM := env.IAMAs(t, keyID, secret)
	if _, err := otherIAM.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("ops")}); err != nil {
		t.Fatal(err)
	}
	if _, err := otherIAM.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(servertest.AssumerPolicy)}); err != nil {
		t.Fatal(err)
	}
	key, err := otherIAM.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("ops")})
	if err != nil {
		t.Fatal(err)
	}
	otherUser := env.STSAs(t, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	out, err := otherUser.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(shared), RoleSessionName: aws.String("x-acct")})
	if err != nil {
		t.Fatal(err)
	}
	who, err := stsWith(t, env, out.Credentials).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Account) != env.AccountID || aws.ToString(who.Arn) != "arn:aws:sts::"+env.AccountID+":assumed-role/shared/x-acct" {
		t.Fatalf("cross-account session %+v", who)
	}
	_, err = otherUser.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(private), RoleSessionName: aws.String("x-acct")})
	apiError(t, err, "AccessDenied", "arn:aws:iam::"+other+":user/ops is not authorized to perform: sts:AssumeRole on resource: "+private)
}
