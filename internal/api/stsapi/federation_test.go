package stsapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/iamd/iamd/internal/api/authzapi"
	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/server/servertest"
	"github.com/iamd/iamd/internal/sts/oidctest"
)

const allowFederation = `{"Version":"2012-10-17","Statement":[
	{"Effect":"Allow","Action":["sts:GetFederationToken","sts:TagSession"],"Resource":"arn:aws:sts::*:federated-user/*"},
	{"Effect":"Allow","Action":["iam:GetUser","iam:ListUsers"],"Resource":"*"}]}`

func TestGetFederationToken(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	akid, secret := env.CreateUserWithKey(t, "broker")
	broker := env.STSAs(t, akid, secret, "")
	brokerARN := "arn:aws:iam::" + env.AccountID + ":user/broker"
	fedARN := "arn:aws:sts::" + env.AccountID + ":federated-user/app-user"

	// Without sts:GetFederationToken on the federated user's ARN.
	_, err := broker.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("app-user")})
	apiError(t, err, "AccessDenied", "User: "+brokerARN+" is not authorized to perform: sts:GetFederationToken on resource: "+fedARN)

	putUserPolicy(t, env, "broker", allowFederation)
	out, err := broker.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("app-user"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`),
		Tags:   []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.FederatedUser.Arn) != fedARN || aws.ToString(out.FederatedUser.FederatedUserId) != env.AccountID+":app-user" {
		t.Fatalf("FederatedUser = %+v", out.FederatedUser)
	}
	if out.PackedPolicySize == nil || *out.PackedPolicySize <= 0 || !strings.HasPrefix(aws.ToString(out.Credentials.AccessKeyId), "ASIA") {
		t.Fatalf("output %+v", out)
	}
	if got, want := out.Credentials.Expiration.Sub(env.Now()), 12*time.Hour; got != want {
		t.Fatalf("default duration %v, want %v", got, want)
	}
	fed := stsWith(t, env, out.Credentials)
	who, err := fed.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != fedARN || aws.ToString(who.UserId) != env.AccountID+":app-user" || aws.ToString(who.Account) != env.AccountID {
		t.Fatalf("GetCallerIdentity = %+v", who)
	}
	// Federated credentials call no IAM and no other STS operation.
	_, err = iamWith(t, env, out.Credentials).GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("broker")})
	apiError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid")
	for name, call := range map[string]func() error{
		"GetFederationToken": func() error {
			_, err := fed.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("again")})
			return err
		},
		"GetSessionToken": func() error { _, err := fed.GetSessionToken(ctx, &sts.GetSessionTokenInput{}); return err },
		"DecodeAuthorizationMessage": func() error {
			_, err := fed.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String("x")})
			return err
		},
	} {
		apiError(t, call(), "AccessDenied", "Cannot call "+name+" with session credentials")
	}
	// Neither may a role session federate.
	roleARN := createRole(t, env, "r", trust(env.AccountID, ""))
	as, _ := assumer(t, env)
	putRolePolicy(t, env, "r", "fed", allowFederation)
	rs, err := as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = stsWith(t, env, rs.Credentials).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("app-user")})
	apiError(t, err, "AccessDenied", "Cannot call GetFederationToken with session credentials")

	for name, tc := range map[string]struct {
		in        *sts.GetFederationTokenInput
		code, msg string
	}{
		"name too short": {&sts.GetFederationTokenInput{Name: aws.String("a")}, "ValidationError", "at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		"name pattern":   {&sts.GetFederationTokenInput{Name: aws.String("a b")}, "ValidationError", "at 'name' failed to satisfy constraint"},
		"too long":       {&sts.GetFederationTokenInput{Name: aws.String("ab"), DurationSeconds: aws.Int32(129601)}, "ValidationError", "durationSeconds"},
		"too short":      {&sts.GetFederationTokenInput{Name: aws.String("ab"), DurationSeconds: aws.Int32(899)}, "ValidationError", "durationSeconds"},
		"bad policy":     {&sts.GetFederationTokenInput{Name: aws.String("ab"), Policy: aws.String(`{"Statement":[]}`)}, "MalformedPolicyDocument", ""},
		"bad policy ARN": {&sts.GetFederationTokenInput{Name: aws.String("ab"), PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:s3:::bucket-name-long")}}}, "InvalidParameterValue", "arn:aws:s3:::bucket-name-long"},
	} {
		_, err := broker.GetFederationToken(ctx, tc.in)
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		apiError(t, err, tc.code, tc.msg)
	}

	// The longest duration for a user; the root's are shortened to an hour.
	long, err := broker.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("ab"), DurationSeconds: aws.Int32(129600)})
	if err != nil || long.Credentials.Expiration.Sub(env.Now()) != 36*time.Hour {
		t.Fatalf("36 h: %v %+v", err, long)
	}
	rootFed, err := env.STS().GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("ops"), DurationSeconds: aws.Int32(7200)})
	if err != nil || rootFed.Credentials.Expiration.Sub(env.Now()) != time.Hour {
		t.Fatalf("root: %v %+v", err, rootFed)
	}
	// Expired federated credentials are refused.
	env.Advance(12*time.Hour + time.Second)
	_, err = fed.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	apiError(t, err, "ExpiredToken", "")
}

// The permissions of a federated session are the calling user's
// intersected with the session policies, none without them; the engine
// sees aws:PrincipalType FederatedUser, aws:userid <account>:<name> and the
// user's tags under the session's. (Federated credentials reach no iamd
// operation but GetCallerIdentity, so the decision is asked of the
// authorizer directly, as other services do through the check API.)
func TestFederatedUserPermissions(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	akid, secret := env.CreateUserWithKey(t, "broker")
	broker := env.STSAs(t, akid, secret, "")
	putUserPolicy(t, env, "broker", allowFederation)
	if _, err := env.IAM().TagUser(ctx, &awsiam.TagUserInput{UserName: aws.String("broker"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("core")}, {Key: aws.String("level"), Value: aws.String("2")}}}); err != nil {
		t.Fatal(err)
	}
	src := authz.NewStoreSource(env.Store)
	az, err := authz.New(authz.Config{Policies: src, Resolver: src, Revisions: src, Now: env.Now})
	if err != nil {
		t.Fatal(err)
	}
	user := "arn:aws:iam::" + env.AccountID + ":user/someone"
	decide := func(c *ststypes.Credentials, action string) *authz.Decision {
		t.Helper()
		d, err := az.Decide(ctx, authz.Query{Caller: identityOf(t, env, c), Checks: []authz.Check{{Action: action, Resource: user}}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	fedToken := func(in *sts.GetFederationTokenInput) *ststypes.Credentials {
		t.Helper()
		in.Name = aws.String("app-user")
		out, err := broker.GetFederationToken(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out.Credentials
	}

	scoped := fedToken(&sts.GetFederationTokenInput{
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:DeleteUser"],"Resource":"*"},
			{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{
				"aws:PrincipalType":"FederatedUser","aws:userid":"` + env.AccountID + `:app-user","aws:PrincipalTag/team":"web","aws:PrincipalTag/level":"2"}}}]}`),
		Tags: []ststypes.Tag{{Key: aws.String("Team"), Value: aws.String("web")}}})
	for action, want := range map[string]string{
		"iam:GetUser":    "Allow",    // both sides allow
		"iam:DeleteUser": "identity", // the session policy cannot add it
		"iam:ListUsers":  "Allow",    // conditions on the federated principal
		"iam:CreateUser": "identity", // nobody allows
	} {
		d := decide(scoped, action)
		got := "Allow"
		if !d.Allowed {
			got = d.Result.DeniedBy.String()
		}
		if got != want {
			t.Errorf("%s: %s (%s), want %s", action, got, d.Message(), want)
		}
	}
	// No session policy: no permissions at all.
	bare := fedToken(&sts.GetFederationTokenInput{})
	if d := decide(bare, "iam:GetUser"); d.Allowed || d.Result.DeniedBy.String() != "session" {
		t.Fatalf("without a session policy: %+v", d.Result)
	}
	// A managed session policy works as the inline one.
	if _, err := env.IAM().CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("list"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	managed := fedToken(&sts.GetFederationTokenInput{PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::" + env.AccountID + ":policy/list")}}})
	if d := decide(managed, "iam:ListUsers"); !d.Allowed {
		t.Fatalf("managed session policy: %s", d.Message())
	}
	if d := decide(managed, "iam:GetUser"); d.Allowed {
		t.Fatal("managed session policy: GetUser allowed")
	}
	// Federated by the root: the session policy alone limits it.
	rootFed, err := env.STS().GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("ops"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if d := decide(rootFed.Credentials, "iam:CreateUser"); !d.Allowed {
		t.Fatalf("root's federated user: %s", d.Message())
	}
	if d := decide(rootFed.Credentials, "iam:DeleteUser"); d.Allowed {
		t.Fatal("root's federated user: DeleteUser allowed")
	}
}

// identityOf opens temporary credentials as the server does.
func identityOf(t *testing.T, env *servertest.Env, c *ststypes.Credentials) *iam.Identity {
	t.Helper()
	s, err := env.STSService.LookupAccessKey(t.Context(), aws.ToString(c.AccessKeyId), aws.ToString(c.SessionToken))
	if err != nil {
		t.Fatal(err)
	}
	return s.Principal.(*iam.Identity)
}

var _ = authz.Check{}
var _ = bytes.NewReader
var _ = json.Marshal
var _ = http.MethodPost
var _ = authzapi.Path
var _ = oidctest.Start
