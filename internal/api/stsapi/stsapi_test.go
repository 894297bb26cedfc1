package stsapi_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/server/servertest"
)

func apiError(t *testing.T, err error, code, msgPart string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msgPart) {
		t.Fatalf("error %s: %q, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msgPart)
	}
}

func trust(principal, condition string) string {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"`
	if condition != "" {
		doc += `,"Condition":` + condition
	}
	return doc + `}]}`
}

// assumer is the STS client of the IAM user "assumer", allowed
// sts:AssumeRole on every role (the root may not assume roles), and its ARN.
func assumer(t *testing.T, env *servertest.Env) (*sts.Client, string) {
	t.Helper()
	keyID, secret := env.CreateAssumerWithKey(t, "assumer")
	return env.STSAs(t, keyID, secret, ""), "arn:aws:iam::" + env.AccountID + ":user/assumer"
}

func createRole(t *testing.T, env *servertest.Env, name, doc string) string {
	t.Helper()
	out, err := env.IAM().CreateRole(t.Context(), &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Role.Arn)
}

func TestGetCallerIdentityRootAndUser(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	out, err := env.STS().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != env.AccountID || aws.ToString(out.Arn) != "arn:aws:iam::"+env.AccountID+":root" ||
		aws.ToString(out.UserId) != env.AccountID {
		t.Fatalf("root: %+v", out)
	}

	u, err := env.IAM().CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	k, err := env.IAM().CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice := env.STSAs(t, aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")
	out, err = alice.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != aws.ToString(u.User.Arn) || aws.ToString(out.UserId) != aws.ToString(u.User.UserId) {
		t.Fatalf("user: %+v", out)
	}

	// GetAccessKeyInfo names the account of any key.
	info, err := env.STS().GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: k.AccessKey.AccessKeyId})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(info.Account) != env.AccountID {
		t.Fatalf("GetAccessKeyInfo = %q", aws.ToString(info.Account))
	}
}

// The presigned GET form (EKS-style tokens, Vault's AWS auth).
func TestPresignedGetCallerIdentity(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	sess, err := env.STS().GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string][3]string{
		"root key":            {env.RootAccessKeyID, env.RootSecret, ""},
		"session credentials": {aws.ToString(sess.Credentials.AccessKeyId), aws.ToString(sess.Credentials.SecretAccessKey), aws.ToString(sess.Credentials.SessionToken)},
	} {
		p, err := env.STSPresign(c[0], c[1], c[2]).PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(p.Method, p.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range p.SignedHeader {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
		resp, err := env.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "<Arn>arn:aws:iam::"+env.AccountID+":root</Arn>") {
			t.Fatalf("%s: %s %s → HTTP %d %s", name, p.Method, p.URL, resp.StatusCode, body)
		}
	}
}

func TestGetSessionTokenCredentials(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	out, err := env.STS().GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(7200)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || aws.ToString(c.SessionToken) == "" ||
		!c.Expiration.Equal(env.Now().Add(time.Hour)) { // root sessions last at most an hour
		t.Fatalf("credentials %s, expiration %v (now %v)", aws.ToString(c.AccessKeyId), c.Expiration, env.Now())
	}
	client := env.STSAs(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	who, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != "arn:aws:iam::"+env.AccountID+":root" || aws.ToString(who.Account) != env.AccountID {
		t.Fatalf("session caller %+v", who)
	}
	_, err = client.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	apiError(t, err, "AccessDenied", "Cannot call GetSessionToken with session credentials")

	_, err = env.STS().GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(899)})
	apiError(t, err, "ValidationError", "durationSeconds")

	// Tampered token → InvalidClientTokenId; expired → ExpiredToken.
	tok := []byte(aws.ToString(c.SessionToken))
	tok[len(tok)/2] ^= 'A' ^ 'B'
	_, err = env.STSAs(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), string(tok)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	apiError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
	_, err = env.STSAs(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	apiError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
	env.Advance(time.Hour)
	_, err = client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	apiError(t, err, "ExpiredToken", "The security token included in the request is expired")
}

func TestAssumeRoleAsUser(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	roleARN := createRole(t, env, "deploy", trust(env.AccountID, ""))
	as, _ := assumer(t, env)
	out, err := as.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ci-42"), DurationSeconds: aws.Int32(900),
		Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("ops")}},
	})
	// The trust policy does not allow sts:TagSession.
	apiError(t, err, "AccessDenied", "sts:TagSession")
	out, err = as.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ci-42"), DurationSeconds: aws.Int32(900),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	wantARN := "arn:aws:sts::" + env.AccountID + ":assumed-role/deploy/ci-42"
	if aws.ToString(out.AssumedRoleUser.Arn) != wantARN || !strings.HasPrefix(aws.ToString(out.AssumedRoleUser.AssumedRoleId), "AROA") ||
		!strings.HasSuffix(aws.ToString(out.AssumedRoleUser.AssumedRoleId), ":ci-42") || out.PackedPolicySize == nil ||
		!out.Credentials.Expiration.Equal(env.Now().Add(15*time.Minute)) {
		t.Fatalf("AssumeRole = %+v / %+v", out.AssumedRoleUser, out.Credentials)
	}
	c := out.Credentials
	client := env.STSAs(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	who, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != wantARN || aws.ToString(who.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) {
		t.Fatalf("role session caller %+v", who)
	}
	// The session authenticates on IAM too; what it may do is the
	// authorizer's (the default one allows only the root, so AccessDenied
	// naming the session proves the request was authenticated).
	_, err = env.IAMWithToken(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).
		ListUsers(ctx, &awsiam.ListUsersInput{})
	apiError(t, err, "AccessDenied", "User: "+wantARN+" is not authorized to perform: iam:ListUsers")

	// The role's last use is recorded.
	r, err := env.IAM().GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("deploy")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Role.RoleLastUsed == nil || r.Role.RoleLastUsed.LastUsedDate == nil || !r.Role.RoleLastUsed.LastUsedDate.Equal(env.Now()) {
		t.Fatalf("RoleLastUsed = %+v", r.Role.RoleLastUsed)
	}

	env.Advance(15 * time.Minute)
	_, err = client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	apiError(t, err, "ExpiredToken", "The security token included in the request is expired")
}

func TestAssumeRoleRefused(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	as, asARN := assumer(t, env)
	other := createRole(t, env, "other-account", trust("210987654321", ""))
	_, err := as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(other), RoleSessionName: aws.String("s1")})
	apiError(t, err, "AccessDenied", "User: "+asARN+" is not authorized to perform: sts:AssumeRole on resource: "+other)

	missing := "arn:aws:iam::" + env.AccountID + ":role/missing"
	_, err = as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(missing), RoleSessionName: aws.String("s1")})
	apiError(t, err, "AccessDenied", "on resource: "+missing)

	vendor := createRole(t, env, "vendor", trust(env.AccountID, `{"StringEquals":{"sts:ExternalId":"ext-7"}}`))
	_, err = as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(vendor), RoleSessionName: aws.String("s1")})
	apiError(t, err, "AccessDenied", "sts:AssumeRole")
	_, err = as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(vendor), RoleSessionName: aws.String("s1"), ExternalId: aws.String("ext-8")})
	apiError(t, err, "AccessDenied", "sts:AssumeRole")
	if _, err := as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(vendor), RoleSessionName: aws.String("s1"), ExternalId: aws.String("ext-7")}); err != nil {
		t.Fatalf("with the ExternalId: %v", err)
	}

	_, err = as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(vendor), RoleSessionName: aws.String("s1"),
		ExternalId: aws.String("ext-7"), DurationSeconds: aws.Int32(7200)})
	apiError(t, err, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	_, err = as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(vendor), RoleSessionName: aws.String("bad:name")})
	apiError(t, err, "ValidationError", "roleSessionName")
	_, err = as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(vendor), RoleSessionName: aws.String("s1"),
		ExternalId: aws.String("ext-7"), ProvidedContexts: []ststypes.ProvidedContext{{
			ProviderArn: aws.String("arn:aws:iam::aws:contextProvider/IdentityCenter"), ContextAssertion: aws.String("abcd")}}})
	apiError(t, err, "InvalidParameterValue", "ProvidedContexts are not supported")
}

// AWS refuses AssumeRole to the root, with its long-term key or from one of
// its GetSessionToken sessions, even when the trust policy names the account.
func TestAssumeRoleRefusesRoot(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	roleARN := createRole(t, env, "deploy", trust(env.AccountID, ""))
	_, err := env.STS().AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")})
	apiError(t, err, "AccessDenied", "Roles may not be assumed by root accounts.")
	var re smithy.APIError
	if !errors.As(err, &re) || re.ErrorMessage() != "Roles may not be assumed by root accounts." {
		t.Fatalf("message = %v", err)
	}
	sess, err := env.STS().GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = stsWith(t, env, sess.Credentials).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")})
	if !errors.As(err, &re) || re.ErrorCode() != "AccessDenied" || re.ErrorMessage() != "Roles may not be assumed by root accounts." {
		t.Fatalf("from a root session: %v", err)
	}
	r, err := env.IAM().GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("deploy")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Role.RoleLastUsed != nil && r.Role.RoleLastUsed.LastUsedDate != nil {
		t.Fatalf("refused calls recorded a last use: %+v", r.Role.RoleLastUsed)
	}
}
