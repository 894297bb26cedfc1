package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/api/query"
	"github.com/iamd/iamd/internal/api/stsshape"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/server"
	"github.com/iamd/iamd/internal/server/servertest"
	"github.com/iamd/iamd/internal/sigv4"
	"github.com/iamd/iamd/internal/store"
)

func operation(t *testing.T, service, name string) query.Operation {
	t.Helper()
	ops := iamshape.Operations()
	if service == "sts" {
		ops = stsshape.Operations()
	}
	for _, o := range ops {
		if o.Name == name {
			return o
		}
	}
	t.Fatalf("no operation %s:%s", service, name)
	return query.Operation{}
}

func TestRootOnly(t *testing.T) {
	root := &iam.Identity{Kind: iam.IdentityRoot, AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:root"}
	alice := &iam.Identity{Kind: iam.IdentityUser, AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:user/dev/alice", UserName: "alice"}
	tests := []struct {
		name    string
		caller  api.Caller
		service string
		op      string
		input   any
		wantErr string // "" allows
	}{
		{"root creates a user", root, "iam", "CreateUser", &iamshape.CreateUserInput{UserName: "bob"}, ""},
		{"user creates a user", alice, "iam", "CreateUser", &iamshape.CreateUserInput{UserName: "bob"},
			"User: arn:aws:iam::123456789012:user/dev/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/bob because no identity-based policy allows the iam:CreateUser action"},
		{"user lists users", alice, "iam", "ListUsers", &iamshape.ListUsersInput{},
			"User: arn:aws:iam::123456789012:user/dev/alice is not authorized to perform: iam:ListUsers on resource: * because no identity-based policy allows the iam:ListUsers action"},
		{"user attaches a role policy", alice, "iam", "AttachRolePolicy", &iamshape.AttachRolePolicyInput{RoleName: "r", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"},
			"User: arn:aws:iam::123456789012:user/dev/alice is not authorized to perform: iam:AttachRolePolicy on resource: arn:aws:iam::aws:policy/ReadOnlyAccess because no identity-based policy allows the iam:AttachRolePolicy action"},
		{"user gets a group", alice, "iam", "GetGroup", &iamshape.GetGroupInput{GroupName: "devs"},
			"User: arn:aws:iam::123456789012:user/dev/alice is not authorized to perform: iam:GetGroup on resource: arn:aws:iam::123456789012:group/devs because no identity-based policy allows the iam:GetGroup action"},
		{"user asks who they are", alice, "sts", "GetCallerIdentity", &stsshape.GetCallerIdentityInput{}, ""},
		{"anonymous federation", api.Anonymous{}, "sts", "AssumeRoleWithWebIdentity", &stsshape.AssumeRoleWithWebIdentityInput{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := server.RootOnly{}.Authorize(context.Background(), api.AuthzRequest{Caller: tc.caller, Operation: operation(t, tc.service, tc.op), Input: tc.input})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ae api.AWSError
			if !errors.As(err, &ae) || ae.AWSErrorCode() != "AccessDenied" || ae.AWSMessage() != tc.wantErr {
				t.Fatalf("got %v\nwant AccessDenied: %s", err, tc.wantErr)
			}
		})
	}
	// A signed operation without an identity is a wiring bug, not a deny.
	err := server.RootOnly{}.Authorize(context.Background(), api.AuthzRequest{Caller: api.Anonymous{}, Operation: operation(t, "iam", "ListUsers"), Input: &iamshape.ListUsersInput{}})
	if _, ok := err.(api.AWSError); err == nil || ok {
		t.Fatalf("anonymous ListUsers: %v", err)
	}
}

// The configured Authorizer replaces RootOnly and sees the caller's
// identity.
func TestAuthorizerIsConfigurable(t *testing.T) {
	var seen []string
	deny := authzFunc(func(_ context.Context, req api.AuthzRequest) error {
		id := req.Caller.(*iam.Identity)
		seen = append(seen, id.ARN+" "+req.Action())
		return server.AccessDenied(id.ARN, req.Action(), "*")
	})
	env := servertest.Start(t, servertest.WithAuthorizer(deny))
	_, err := env.IAM().ListUsers(t.Context(), &awsiam.ListUsersInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" ||
		ae.ErrorMessage() != "User: arn:aws:iam::123456789012:root is not authorized to perform: iam:ListUsers on resource: * because no identity-based policy allows the iam:ListUsers action" {
		t.Fatalf("ListUsers: %v", err)
	}
	if len(seen) != 1 || seen[0] != "arn:aws:iam::123456789012:root iam:ListUsers" {
		t.Fatalf("authorizer saw %q", seen)
	}
}

type authzFunc func(context.Context, api.AuthzRequest) error

func (f authzFunc) Authorize(ctx context.Context, req api.AuthzRequest) error { return f(ctx, req) }

func TestInactiveKeyIsRefused(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	err := env.Store.Tx(ctx, func(tx store.Txn) error {
		return tx.UpdateAccessKeyStatus(ctx, env.AccountID, env.RootAccessKeyID, store.AccessKeyInactive)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.IAM().ListUsers(ctx, &awsiam.ListUsersInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidClientTokenId" {
		t.Fatalf("ListUsers with an inactive key: %v", err)
	}
}

func TestAccessKeyUseIsRecorded(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	_, _ = env.IAM().ListUsers(ctx, &awsiam.ListUsersInput{}) // NotImplemented or not: it authenticated
	cred, err := env.Service.LookupAccessKey(ctx, env.RootAccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	if cred.LastUsedService != "iam" || cred.LastUsedRegion != servertest.Region || !cred.LastUsedAt.Equal(env.Now()) {
		t.Fatalf("last used: %v %q %q", cred.LastUsedAt, cred.LastUsedService, cred.LastUsedRegion)
	}
}

// A Query-protocol body that the signature does not cover is refused.
func TestUnsignedPayloadIsRefused(t *testing.T) {
	env := servertest.Start(t)
	form := "Action=ListUsers&Version=2010-05-08"
	req, err := http.NewRequest(http.MethodPost, env.URL+"/", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	signUnsigned(t, env, req)
	resp, body := env.Do(t, req)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "<Code>IncompleteSignature</Code>") {
		t.Fatalf("HTTP %d\n%s", resp.StatusCode, body)
	}
}

func signUnsigned(t *testing.T, env *servertest.Env, req *http.Request) {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: env.RootAccessKeyID, SecretAccessKey: env.RootSecret}
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, req, "UNSIGNED-PAYLOAD", "iam", servertest.Region, env.Now()); err != nil {
		t.Fatal(err)
	}
}

// Session credentials go to the Sessions lookup, whose identity becomes the
// caller as is.
func TestSessionLookup(t *testing.T) {
	const keyID, secretKey, token = "ASIAEXAMPLESESSION01", "session-secret-0123456789", "the-token"
	session := &iam.Identity{Kind: iam.IdentityAssumedRole, AccountID: "123456789012", ARN: "arn:aws:sts::123456789012:assumed-role/r/s", AccessKey: keyID}
	var seen []string
	lookup := sigv4.LookupFunc(func(_ context.Context, id, tok string) (sigv4.Secret, error) {
		seen = append(seen, id+" "+tok)
		if id != keyID || tok != token {
			return sigv4.Secret{}, sigv4.ErrInvalidSessionToken
		}
		return sigv4.Secret{SecretAccessKey: secretKey, Principal: session}, nil
	})
	var callers []api.Caller
	spy := authzFunc(func(_ context.Context, req api.AuthzRequest) error {
		callers = append(callers, req.Caller)
		return server.RootOnly{}.Authorize(context.Background(), req)
	})
	env := servertest.Start(t, servertest.WithAuthorizer(spy),
		servertest.WithSessions(func(*iam.Service) sigv4.Lookup { return lookup }))
	ctx := t.Context()

	_, err := env.IAMWithToken(t, keyID, secretKey, token).ListUsers(ctx, &awsiam.ListUsersInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || !strings.HasPrefix(ae.ErrorMessage(), "User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized") {
		t.Fatalf("ListUsers as a session: %v", err)
	}
	if len(callers) != 1 || callers[0] != api.Caller(session) {
		t.Fatalf("authorizer saw %v", callers)
	}
	_, err = env.IAMWithToken(t, keyID, secretKey, "forged").ListUsers(ctx, &awsiam.ListUsersInput{})
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidClientTokenId" {
		t.Fatalf("forged token: %v", err)
	}
	// A long-term key with a token also asks the session lookup (which
	// refuses it); root keys without a token never do.
	_, _ = env.IAMWithToken(t, env.RootAccessKeyID, env.RootSecret, token).ListUsers(ctx, &awsiam.ListUsersInput{})
	_, _ = env.IAM().ListUsers(ctx, &awsiam.ListUsersInput{})
	want := []string{keyID + " " + token, keyID + " forged", env.RootAccessKeyID + " " + token}
	if strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Fatalf("session lookups %q, want %q", seen, want)
	}
}
