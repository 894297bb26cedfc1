package authzapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/authzclient"
	"github.com/iamd/iamd/internal/server/servertest"
)

// TestPrincipalARNMustBeExact: policies are found by the name in the
// principal's ARN, so an ARN with another path (or another case) than the
// entity's would be decided with that entity's policies while the asker's
// iamd:Authorize was checked on the ARN as given: a service allowed to ask
// about user/teamx/* could learn the permissions of user/ops/bob by asking
// about user/teamx/bob. Such an ARN is refused, to askers allowed to ask
// about it; an ARN naming no entity is still decided (nothing allowed).
func TestPrincipalARNMustBeExact(t *testing.T) {
	env := servertest.Start(t)
	acct, ctx := env.AccountID, t.Context()
	allowAll := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`
	if _, err := env.IAM().CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("/ops/")}); err != nil {
		t.Fatal(err)
	}
	putUserPolicy(t, env, "bob", "s3", allowAll)
	trust := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`
	if _, err := env.IAM().CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("reader"), Path: aws.String("/svc/"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.IAM().PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("s3"), PolicyDocument: aws.String(allowAll)}); err != nil {
		t.Fatal(err)
	}
	key, secret := env.CreateUserWithKey(t, "gateway")
	gw := client(t, env, key, secret)
	putUserPolicy(t, env, "gateway", "ask", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iamd:Authorize","Resource":[
		"arn:aws:iam::*:user/teamx/*","arn:aws:iam::*:role/teamx/*","arn:aws:iam::*:user/ops/*","arn:aws:iam::*:role/svc/*"]}}`)
	arn := func(s string) string { return "arn:aws:iam::" + acct + ":" + s }
	chk := authzclient.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::data/x"}

	for _, tc := range []struct {
		name, principal, want string // want: a decision, or the error code
	}{
		{"user as it is", arn("user/ops/bob"), "Allow"},
		{"role as it is", arn("role/svc/reader"), "Allow"},
		{"user under another path", arn("user/teamx/bob"), "InvalidInput"},
		{"user without its path", arn("user/bob"), "AccessDenied"}, // gateway may not ask about user/bob
		{"user in another case", arn("user/ops/BOB"), "InvalidInput"},
		{"role under another path", arn("role/teamx/reader"), "InvalidInput"},
		{"no such user", arn("user/teamx/nobody"), "ImplicitDeny"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &authzclient.Principal{ARN: tc.principal}
			got, err := gw.Check(ctx, &authzclient.CheckRequest{Principal: p, Check: chk})
			batch, berr := gw.CheckBatch(ctx, &authzclient.BatchRequest{Principal: p, Checks: []authzclient.Check{chk}})
			switch tc.want {
			case "Allow", "ImplicitDeny":
				if err != nil || got.Decision != tc.want {
					t.Fatalf("check: %+v %v, want %s", got, err, tc.want)
				}
				if berr != nil || batch.Results[0].Decision != tc.want {
					t.Fatalf("batch: %+v %v, want %s", batch, berr, tc.want)
				}
			default:
				status := 400
				if tc.want == "AccessDenied" {
					status = 403
				}
				wantError(t, err, status, tc.want, "")
				wantError(t, berr, status, tc.want, "")
			}
		})
	}
}
