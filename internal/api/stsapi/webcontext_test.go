package stsapi_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/server/servertest"
	"github.com/iamd/iamd/internal/sts/oidctest"
)

// A web-identity session carries aws:FederatedProvider and the provider's
// sub, aud, oaud and amr keys to its later requests: the role's own
// policies can be conditioned on them.
func TestWebIdentitySessionCarriesClaims(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	iss := oidctest.Start(t, true)
	roleARN := oidcRole(t, env, iss, "k8s-app", "sts.amazonaws.com", "system:serviceaccount:*")
	prov := strings.TrimPrefix(iss.URL, "https://")
	provARN := "arn:aws:iam::" + env.AccountID + ":oidc-provider/" + prov
	putRolePolicy(t, env, "k8s-app", "claims", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{
			"StringEquals":{"aws:FederatedProvider":"`+provARN+`","`+prov+`:sub":"system:serviceaccount:prod:app","`+prov+`:aud":"sts.amazonaws.com"},
			"ForAnyValue:StringEquals":{"`+prov+`:amr":"mfa","`+prov+`:oaud":"sts.amazonaws.com"}}},
		{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*","Condition":{"StringLike":{"`+prov+`:sub":"system:serviceaccount:dev:*"}}}]}`)

	session := func(ns string, amr []string) *awsiam.Client {
		t.Helper()
		claims := oidctest.KubernetesClaims(ns, "app", "sts.amazonaws.com")
		if amr != nil {
			claims["amr"] = amr
		}
		out, err := env.STS().AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String(roleARN), RoleSessionName: aws.String("pod"), WebIdentityToken: aws.String(iss.Token(t, env.Now(), claims))})
		if err != nil {
			t.Fatal(err)
		}
		return iamWith(t, env, out.Credentials)
	}
	prod := session("prod", []string{"pwd", "mfa"})
	if _, err := prod.ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatalf("prod session, conditions on its claims: %v", err)
	}
	_, err := prod.ListRoles(ctx, &awsiam.ListRolesInput{})
	apiError(t, err, "AccessDenied", "iam:ListRoles")
	// Another subject, or the same without the amr value, does not match.
	dev := session("dev", []string{"mfa"})
	_, err = dev.ListUsers(ctx, &awsiam.ListUsersInput{})
	apiError(t, err, "AccessDenied", "iam:ListUsers")
	if _, err := dev.ListRoles(ctx, &awsiam.ListRolesInput{}); err != nil {
		t.Fatalf("dev session: %v", err)
	}
	_, err = session("prod", nil).ListUsers(ctx, &awsiam.ListUsersInput{})
	apiError(t, err, "AccessDenied", "iam:ListUsers")
	// A plain AssumeRole session has no provider keys.
	plainRole := createRole(t, env, "plain", trust(env.AccountID, ""))
	as, _ := assumer(t, env)
	putRolePolicy(t, env, "plain", "p", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*",
		"Condition":{"Null":{"aws:FederatedProvider":"false"}}}]}`)
	plain, err := as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(plainRole), RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = iamWith(t, env, plain.Credentials).ListUsers(ctx, &awsiam.ListUsersInput{})
	apiError(t, err, "AccessDenied", "iam:ListUsers")
}

// AssumeRole records the region of the request's SigV4 scope as the
// role's last use.
func TestAssumeRoleRecordsRegion(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	roleARN := createRole(t, env, "regional", trust(env.AccountID, ""))
	as, _ := assumer(t, env)
	if _, err := as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")},
		func(o *sts.Options) { o.Region = "eu-west-3" }); err != nil {
		t.Fatal(err)
	}
	got, err := env.IAM().GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("regional")})
	if err != nil {
		t.Fatal(err)
	}
	if lu := got.Role.RoleLastUsed; lu == nil || aws.ToString(lu.Region) != "eu-west-3" || lu.LastUsedDate == nil || !lu.LastUsedDate.Equal(env.Now()) {
		t.Fatalf("RoleLastUsed = %+v", lu)
	}
}
