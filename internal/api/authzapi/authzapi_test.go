package authzapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/internal/api/authzapi"
	"github.com/iamd/iamd/internal/server/servertest"
)

type caller struct{ key, secret string }

// check posts a check request signed by c and decodes the answer into out.
func check(t *testing.T, env *servertest.Env, c caller, req any, out any) int {
	t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.NewRequest(http.MethodPost, env.URL+authzapi.Path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	env.Sign(t, r, body, "iam", c.key, c.secret)
	resp, data := env.Do(t, r)
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("response %d %s: %v", resp.StatusCode, data, err)
	}
	return resp.StatusCode
}

func TestCheckAPI(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	root := env.IAM()
	acct := env.AccountID
	rootCaller := caller{env.RootAccessKeyID, env.RootSecret}

	// bob may read his own prefix of a bucket, from the office network.
	bobKey, _ := env.CreateUserWithKey(t, "bob")
	if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("s3"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Sid":"Home","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/${aws:username}/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}},
			{"Sid":"NoKeys","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*/keys/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	bob := "arn:aws:iam::" + acct + ":user/bob"
	req := authzapi.CheckRequest{Principal: authzapi.Principal{ARN: bob}, Action: "s3:GetObject", Resource: "arn:aws:s3:::data/bob/report.csv",
		Context: map[string][]string{"aws:SourceIp": {"203.0.113.9"}}}
	var got authzapi.CheckResponse
	if st := check(t, env, rootCaller, req, &got); st != 200 || !got.Allowed || got.Decision != "Allow" || len(got.MatchedStatements) != 1 || got.MatchedStatements[0].Sid != "Home" {
		t.Fatalf("allowed: %d %+v", st, got)
	}
	// The source address is the caller's to give: none given, no match.
	req.Context = nil
	got = authzapi.CheckResponse{}
	check(t, env, rootCaller, req, &got)
	if got.Allowed || got.Decision != "ImplicitDeny" ||
		got.Message != "User: "+bob+" is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::data/bob/report.csv because no identity-based policy allows the s3:GetObject action" {
		t.Fatalf("no source ip: %+v", got)
	}
	req.Context = map[string][]string{"aws:SourceIp": {"203.0.113.9"}}
	req.Resource = "arn:aws:s3:::data/bob/keys/id_rsa"
	got = authzapi.CheckResponse{}
	check(t, env, rootCaller, req, &got)
	if got.Allowed || got.Decision != "ExplicitDeny" || got.DeniedBy != "identity" || got.MatchedStatements[0].Sid != "NoKeys" {
		t.Fatalf("explicit deny: %+v", got)
	}
	// By access key, with a resource policy naming bob (same account: it
	// grants alone).
	req = authzapi.CheckRequest{Principal: authzapi.Principal{AccessKeyID: bobKey}, Action: "s3:PutObject", Resource: "arn:aws:s3:::drop/x",
		ResourcePolicy:  `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"` + bob + `"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::drop/*"}}`,
		ResourceAccount: acct}
	got = authzapi.CheckResponse{}
	if st := check(t, env, rootCaller, req, &got); st != 200 || !got.Allowed || got.MatchedStatements[0].Type != "resource" {
		t.Fatalf("resource policy: %d %+v", st, got)
	}

	// A service user may ask only when allowed iamd:CheckAccess on the
	// principal.
	svcKey, svcSecret := env.CreateUserWithKey(t, "gateway")
	svc := caller{svcKey, svcSecret}
	var e authzapi.ErrorResponse
	if st := check(t, env, svc, authzapi.CheckRequest{Principal: authzapi.Principal{ARN: bob}, Action: "s3:GetObject", Resource: "*"}, &e); st != 403 || e.Code != "AccessDenied" ||
		e.Message != "User: arn:aws:iam::"+acct+":user/gateway is not authorized to perform: iamd:CheckAccess on resource: "+bob+" because no identity-based policy allows the iamd:CheckAccess action" {
		t.Fatalf("unauthorized asker: %d %+v", st, e)
	}
	if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("gateway"), PolicyName: aws.String("check"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iamd:CheckAccess","Resource":"arn:aws:iam::*:user/*"}}`)}); err != nil {
		t.Fatal(err)
	}
	got = authzapi.CheckResponse{}
	if st := check(t, env, svc, authzapi.CheckRequest{Principal: authzapi.Principal{ARN: bob}, Action: "s3:GetObject", Resource: "arn:aws:s3:::data/bob/a",
		Context: map[string][]string{"aws:SourceIp": {"203.0.113.9"}}}, &got); st != 200 || !got.Allowed {
		t.Fatalf("authorized asker: %d %+v", st, got)
	}

	// Bad requests.
	for _, tc := range []struct {
		req  any
		code string
		st   int
	}{
		{authzapi.CheckRequest{Principal: authzapi.Principal{ARN: bob}, Action: "GetObject", Resource: "*"}, "InvalidInput", 400},
		{authzapi.CheckRequest{Principal: authzapi.Principal{ARN: "arn:aws:iam::999999999999:user/x"}, Action: "s3:GetObject", Resource: "*"}, "InvalidInput", 400},
		{authzapi.CheckRequest{Principal: authzapi.Principal{AccessKeyID: "AKIANOSUCHKEY0000000"}, Action: "s3:GetObject", Resource: "*"}, "InvalidClientTokenId", 403},
		{map[string]any{"principal": map[string]string{"arn": bob}, "action": "s3:GetObject", "resource": "*", "extra": 1}, "InvalidInput", 400},
		{authzapi.CheckRequest{Principal: authzapi.Principal{ARN: bob}, Action: "s3:GetObject", Resource: "*", ResourcePolicy: `{"Statement":`}, "MalformedPolicyDocument", 400},
	} {
		e = authzapi.ErrorResponse{}
		if st := check(t, env, rootCaller, tc.req, &e); st != tc.st || e.Code != tc.code {
			t.Errorf("%+v: %d %+v, want %d %s", tc.req, st, e, tc.st, tc.code)
		}
	}
	// Unsigned.
	r, _ := http.NewRequest(http.MethodPost, env.URL+authzapi.Path, bytes.NewReader([]byte(`{}`)))
	resp, data := env.Do(t, r)
	if resp.StatusCode != 403 {
		t.Errorf("unsigned: %d %s", resp.StatusCode, data)
	}
}

// TestCheckAPIKeyAge: a principal named by an access key older than the
// account's limit is refused.
func TestCheckAPIKeyAge(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	key, _ := env.CreateUserWithKey(t, "old")
	if _, err := env.IAM().PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("old"), PolicyName: aws.String("all"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)}); err != nil {
		t.Fatal(err)
	}
	if err := env.Service.SetMaxAccessKeyAge(ctx, env.AccountID, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	// The root's key is as old: it rotates first.
	env.Advance(31 * 24 * time.Hour)
	k, err := env.IAM().CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	root := caller{*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey}
	var got authzapi.CheckResponse
	check(t, env, root, authzapi.CheckRequest{Principal: authzapi.Principal{AccessKeyID: key}, Action: "s3:GetObject", Resource: "*"}, &got)
	if got.Allowed || got.DeniedBy != "key-age" {
		t.Fatalf("old key: %+v", got)
	}
	got = authzapi.CheckResponse{}
	check(t, env, root, authzapi.CheckRequest{Principal: authzapi.Principal{ARN: "arn:aws:iam::" + env.AccountID + ":user/old"}, Action: "s3:GetObject", Resource: "*"}, &got)
	if !got.Allowed {
		t.Fatalf("by ARN the key does not matter: %+v", got)
	}
}
