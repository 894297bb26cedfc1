package stsapi_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/server/servertest"
	"github.com/iamd/iamd/internal/sts/oidctest"
)

// oidcRole registers the issuer as an OIDC provider (trusted by its
// certificate's thumbprint) and creates a role that trusts it for the
// given subject pattern and audience.
func oidcRole(t *testing.T, env *servertest.Env, iss *oidctest.Issuer, role, audience, subjectLike string) string {
	t.Helper()
	ctx := t.Context()
	p, err := env.IAM().CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{
		Url: aws.String(iss.URL), ClientIDList: []string{audience}, ThumbprintList: []string{iss.Thumbprint},
	})
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimPrefix(iss.URL, "https://")
	return createRole(t, env, role, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"Federated":"`+aws.ToString(p.OpenIDConnectProviderArn)+`"},"Action":"sts:AssumeRoleWithWebIdentity",
		"Condition":{"StringEquals":{"`+key+`:aud":"`+audience+`"},"StringLike":{"`+key+`:sub":"`+subjectLike+`"}}}]}`)
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	iss := oidctest.Start(t, true)
	roleARN := oidcRole(t, env, iss, "k8s-app", "sts.amazonaws.com", "system:serviceaccount:prod:*")

	// The operation is unsigned; any client works.
	anon := env.STS()
	out, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("pod-1"),
		WebIdentityToken: aws.String(iss.Token(t, env.Now(), oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"))),
	})
	if err != nil {
		t.Fatal(err)
	}
	wantARN := "arn:aws:sts::" + env.AccountID + ":assumed-role/k8s-app/pod-1"
	if aws.ToString(out.AssumedRoleUser.Arn) != wantARN || aws.ToString(out.SubjectFromWebIdentityToken) != "system:serviceaccount:prod:app" ||
		aws.ToString(out.Audience) != "sts.amazonaws.com" || aws.ToString(out.Provider) != iss.URL {
		t.Fatalf("AssumeRoleWithWebIdentity = %+v", out)
	}
	c := out.Credentials
	who, err := env.STSAs(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != wantARN {
		t.Fatalf("caller %s", aws.ToString(who.Arn))
	}

	for name, tc := range map[string]struct {
		token, code, msg string
	}{
		"wrong audience": {iss.Token(t, env.Now(), oidctest.KubernetesClaims("prod", "app", "vault")), "InvalidIdentityToken", "Incorrect token audience"},
		"wrong subject":  {iss.Token(t, env.Now(), oidctest.KubernetesClaims("dev", "app", "sts.amazonaws.com")), "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		"CI token":       {iss.Token(t, env.Now(), oidctest.GitLabClaims("infra/deploy", "main", "sts.amazonaws.com")), "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		"expired": {iss.Token(t, env.Now(), map[string]any{"aud": "sts.amazonaws.com", "sub": "system:serviceaccount:prod:app", "exp": env.Now().Add(-time.Minute).Unix()}),
			"ExpiredTokenException", "Token expired"},
	} {
		_, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String(roleARN), RoleSessionName: aws.String("pod-1"), WebIdentityToken: aws.String(tc.token)})
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		apiError(t, err, tc.code, tc.msg)
	}
}

// A GitLab-style CI job with its own role.
func TestAssumeRoleWithWebIdentityCI(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	iss := oidctest.Start(t, true)
	roleARN := oidcRole(t, env, iss, "ci-deploy", "https://gitlab.example.com", "project_path:infra/*:ref_type:branch:ref:main")
	in := &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("job-17")}
	in.WebIdentityToken = aws.String(iss.Token(t, env.Now(), oidctest.GitLabClaims("infra/deploy", "main", "https://gitlab.example.com")))
	if _, err := env.STS().AssumeRoleWithWebIdentity(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.WebIdentityToken = aws.String(iss.Token(t, env.Now(), oidctest.GitLabClaims("infra/deploy", "feature-x", "https://gitlab.example.com")))
	_, err := env.STS().AssumeRoleWithWebIdentity(ctx, in)
	apiError(t, err, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
}

// An unmodified SDK configured only by AWS_ROLE_ARN,
// AWS_WEB_IDENTITY_TOKEN_FILE and the endpoint gets role credentials.
func TestWebIdentitySDKCredentialChain(t *testing.T) {
	// The SDK signs with the wall clock: start the server's clock there.
	env := servertest.Start(t, servertest.WithStart(time.Now().UTC().Truncate(time.Second)))
	iss := oidctest.Start(t, true)
	roleARN := oidcRole(t, env, iss, "k8s-app", "sts.amazonaws.com", "system:serviceaccount:prod:app")
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(iss.Token(t, env.Now(), oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"))), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ROLE_ARN":                roleARN,
		"AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
		"AWS_ROLE_SESSION_NAME":       "sdk-chain",
		"AWS_ENDPOINT_URL_STS":        env.URL,
		"AWS_REGION":                  servertest.Region,
		"AWS_ACCESS_KEY_ID":           "",
		"AWS_SECRET_ACCESS_KEY":       "",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(t.TempDir(), "none"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::" + env.AccountID + ":assumed-role/k8s-app/sdk-chain"; aws.ToString(who.Arn) != want {
		t.Fatalf("caller %s, want %s", aws.ToString(who.Arn), want)
	}
}
