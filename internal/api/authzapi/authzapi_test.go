package authzapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/authzclient"
	"github.com/iamd/iamd/internal/api/authzapi"
	"github.com/iamd/iamd/internal/server/servertest"
)

// client is an authorization-API client signing with the given key at the
// server's fake time.
func client(t *testing.T, env *servertest.Env, key, secret string) *authzclient.Client {
	t.Helper()
	c, err := authzclient.New(env.URL, credentials.NewStaticCredentialsProvider(key, secret, ""),
		authzclient.WithHTTPClient(env.HTTPClient), authzclient.WithClock(env.Now))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func putUserPolicy(t *testing.T, env *servertest.Env, user, name, doc string) {
	t.Helper()
	if _, err := env.IAM().PutUserPolicy(t.Context(), &awsiam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
}

func wantError(t *testing.T, err error, status int, code, msg string) {
	t.Helper()
	e, ok := err.(*authzclient.Error)
	if !ok {
		t.Fatalf("error %v, want %d %s", err, status, code)
	}
	if e.StatusCode != status || e.Code != code || msg != "" && e.Message != msg {
		t.Fatalf("error %d %s %q, want %d %s %q", e.StatusCode, e.Code, e.Message, status, code, msg)
	}
}

// signS3 is what an S3 client does: a request to the S3-style service,
// signed by key for service s3 at the server's time.
func signS3(t *testing.T, env *servertest.Env, method, url, key, secret, token string, body []byte) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	r.Header.Set("X-Amz-Content-Sha256", hash)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: token},
		r, hash, "s3", "eu-west-1", env.Now(), func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true /* as the S3 client */ }); err != nil {
		t.Fatal(err)
	}
	return r
}

// asReceived is r as the S3-style service's server would see it.
func asReceived(r *http.Request) *authzclient.SignedRequest {
	h := r.Header.Clone()
	h["Host"] = []string{r.URL.Host}
	if r.ContentLength > 0 {
		h["Content-Length"] = []string{strconv.FormatInt(r.ContentLength, 10)}
	}
	return &authzclient.SignedRequest{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Headers: h}
}

func TestCheckByPrincipal(t *testing.T) {
	env := servertest.Start(t)
	acct := env.AccountID
	root := client(t, env, env.RootAccessKeyID, env.RootSecret)
	ctx := t.Context()

	// bob may read his own prefix of a bucket, from the office network.
	bobKey, _ := env.CreateUserWithKey(t, "bob")
	putUserPolicy(t, env, "bob", "s3", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Home","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/${aws:username}/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}},
		{"Sid":"NoKeys","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*/keys/*"}]}`)
	bob := "arn:aws:iam::" + acct + ":user/bob"
	req := &authzclient.CheckRequest{Principal: &authzclient.Principal{ARN: bob}, Check: authzclient.Check{
		Action: "s3:GetObject", Resource: "arn:aws:s3:::data/bob/report.csv", Context: map[string][]string{"aws:SourceIp": {"203.0.113.9"}}}}
	got, err := root.Check(ctx, req)
	if err != nil || !got.Allowed || got.Decision != "Allow" || len(got.MatchedStatements) != 1 || got.MatchedStatements[0].Sid != "Home" ||
		got.Reason != "Allowed by identity policy s3 statement 0 (Home)" || got.Principal.ARN != bob || got.Principal.Type != "User" ||
		!strings.HasPrefix(got.Principal.UserID, "AIDA") {
		t.Fatalf("allowed: %+v %v", got, err)
	}
	// The source address is the asking service's to give: none, no match.
	req.Context = nil
	got, err = root.Check(ctx, req)
	if err != nil || got.Allowed || got.Decision != "ImplicitDeny" || got.DeniedBy != "identity" ||
		got.Reason != "User: "+bob+" is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::data/bob/report.csv because no identity-based policy allows the s3:GetObject action" {
		t.Fatalf("no source ip: %+v %v", got, err)
	}
	// Several resources: allowed only when all are; the first denied one
	// decides.
	req.Context = map[string][]string{"aws:SourceIp": {"203.0.113.9"}}
	req.Resource, req.Resources = "", []string{"arn:aws:s3:::data/bob/a", "arn:aws:s3:::data/bob/keys/id_rsa", "arn:aws:s3:::data/bob/b"}
	got, err = root.Check(ctx, req)
	if err != nil || got.Allowed || got.Decision != "ExplicitDeny" || got.Resource != "arn:aws:s3:::data/bob/keys/id_rsa" ||
		got.MatchedStatements[0].Sid != "NoKeys" || !strings.HasSuffix(got.Reason, "with an explicit deny in an identity-based policy") {
		t.Fatalf("explicit deny: %+v %v", got, err)
	}
	// By access key, with a resource policy naming bob (same account: it
	// grants alone).
	req = &authzclient.CheckRequest{Principal: &authzclient.Principal{AccessKeyID: bobKey}, Check: authzclient.Check{
		Action: "s3:PutObject", Resource: "arn:aws:s3:::drop/x", ResourceAccount: acct,
		ResourcePolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"` + bob + `"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::drop/*"}}`}}
	if got, err = root.Check(ctx, req); err != nil || !got.Allowed || got.MatchedStatements[0].Type != "resource" || got.Principal.AccessKeyID != bobKey {
		t.Fatalf("resource policy: %+v %v", got, err)
	}
	// The root needs no policy.
	if got, err = root.Check(ctx, &authzclient.CheckRequest{Principal: &authzclient.Principal{ARN: "arn:aws:iam::" + acct + ":root"},
		Check: authzclient.Check{Action: "s3:DeleteBucket", Resource: "arn:aws:s3:::data"}}); err != nil || !got.Allowed || got.Principal.Type != "Root" {
		t.Fatalf("root: %+v %v", got, err)
	}
}

func TestAskerNeedsAuthorize(t *testing.T) {
	env := servertest.Start(t)
	acct := env.AccountID
	ctx := t.Context()
	env.CreateUserWithKey(t, "bob")
	bob := "arn:aws:iam::" + acct + ":user/bob"
	svcKey, svcSecret := env.CreateUserWithKey(t, "gateway")
	svc := client(t, env, svcKey, svcSecret)
	req := &authzclient.CheckRequest{Principal: &authzclient.Principal{ARN: bob}, Check: authzclient.Check{Action: "s3:GetObject", Resource: "*"}}
	_, err := svc.Check(ctx, req)
	wantError(t, err, 403, "AccessDenied", "User: arn:aws:iam::"+acct+":user/gateway is not authorized to perform: iamd:Authorize on resource: "+bob+
		" because no identity-based policy allows the iamd:Authorize action")
	// The old action name grants nothing.
	putUserPolicy(t, env, "gateway", "old", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iamd:CheckAccess","Resource":"*"}}`)
	_, err = svc.Check(ctx, req)
	wantError(t, err, 403, "AccessDenied", "")
	putUserPolicy(t, env, "gateway", "check", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iamd:Authorize","Resource":"arn:aws:iam::*:user/*"}}`)
	if got, err := svc.Check(ctx, req); err != nil || got.Allowed || got.Decision != "ImplicitDeny" {
		t.Fatalf("authorized asker: %+v %v", got, err)
	}
	// Only on users: not on the root.
	_, err = svc.Check(ctx, &authzclient.CheckRequest{Principal: &authzclient.Principal{ARN: "arn:aws:iam::" + acct + ":root"}, Check: req.Check})
	wantError(t, err, 403, "AccessDenied", "")
}

func TestCheckBadRequests(t *testing.T) {
	env := servertest.Start(t)
	root := client(t, env, env.RootAccessKeyID, env.RootSecret)
	bob := &authzclient.Principal{ARN: "arn:aws:iam::" + env.AccountID + ":user/bob"}
	for _, tc := range []struct {
		name string
		req  *authzclient.CheckRequest
		code string
		st   int
	}{
		{"action without service", &authzclient.CheckRequest{Principal: bob, Check: authzclient.Check{Action: "GetObject", Resource: "*"}}, "InvalidInput", 400},
		{"no resource", &authzclient.CheckRequest{Principal: bob, Check: authzclient.Check{Action: "s3:GetObject"}}, "InvalidInput", 400},
		{"resource and resources", &authzclient.CheckRequest{Principal: bob, Check: authzclient.Check{Action: "s3:GetObject", Resource: "*", Resources: []string{"*"}}}, "InvalidInput", 400},
		{"no principal", &authzclient.CheckRequest{Check: authzclient.Check{Action: "s3:GetObject", Resource: "*"}}, "InvalidInput", 400},
		{"both principal forms", &authzclient.CheckRequest{Principal: bob, Request: &authzclient.SignedRequest{Method: "GET", Headers: map[string][]string{}},
			Check: authzclient.Check{Action: "s3:GetObject", Resource: "*"}}, "InvalidInput", 400},
		{"other account", &authzclient.CheckRequest{Principal: &authzclient.Principal{ARN: "arn:aws:iam::999999999999:user/x"}, Check: authzclient.Check{Action: "s3:GetObject", Resource: "*"}}, "InvalidInput", 400},
		{"unknown key", &authzclient.CheckRequest{Principal: &authzclient.Principal{AccessKeyID: "AKIANOSUCHKEY0000000"}, Check: authzclient.Check{Action: "s3:GetObject", Resource: "*"}}, "InvalidClientTokenId", 403},
		{"bad resource policy", &authzclient.CheckRequest{Principal: bob, Check: authzclient.Check{Action: "s3:GetObject", Resource: "*", ResourcePolicy: `{"Statement":`}}, "MalformedPolicyDocument", 400},
		{"unsigned forwarded request", &authzclient.CheckRequest{Request: &authzclient.SignedRequest{Method: "GET", Path: "/b/k", Headers: map[string][]string{"Host": {"s3.local"}}},
			Check: authzclient.Check{Action: "s3:GetObject", Resource: "*"}}, "MissingAuthenticationToken", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := root.Check(t.Context(), tc.req)
			wantError(t, err, tc.st, tc.code, "")
		})
	}
	// Unknown fields, unsigned requests, other paths and methods.
	body := []byte(`{"principal":{"arn":"` + bob.ARN + `"},"action":"s3:GetObject","resource":"*","extra":1}`)
	r, _ := http.NewRequest(http.MethodPost, env.URL+authzapi.Path, bytes.NewReader(body))
	env.Sign(t, r, body, "iam", env.RootAccessKeyID, env.RootSecret)
	if resp, data := env.Do(t, r); resp.StatusCode != 400 || !strings.Contains(string(data), `"InvalidInput"`) {
		t.Errorf("unknown field: %d %s", resp.StatusCode, data)
	}
	r, _ = http.NewRequest(http.MethodPost, env.URL+authzapi.Path, bytes.NewReader([]byte(`{}`)))
	if resp, data := env.Do(t, r); resp.StatusCode != 403 || !strings.Contains(string(data), "MissingAuthenticationToken") {
		t.Errorf("unsigned: %d %s", resp.StatusCode, data)
	}
	// Signed for sts: the asking service's own request must name iam.
	body = []byte(`{}`)
	r, _ = http.NewRequest(http.MethodPost, env.URL+authzapi.Path, bytes.NewReader(body))
	env.Sign(t, r, body, "sts", env.RootAccessKeyID, env.RootSecret)
	if resp, data := env.Do(t, r); resp.StatusCode != 403 {
		t.Errorf("scope sts: %d %s", resp.StatusCode, data)
	}
	r, _ = http.NewRequest(http.MethodGet, env.URL+authzapi.Path, nil)
	if resp, data := env.Do(t, r); resp.StatusCode != 405 {
		t.Errorf("GET: %d %s", resp.StatusCode, data)
	}
	r, _ = http.NewRequest(http.MethodPost, env.URL+"/authz/v1/nothing", nil)
	if resp, data := env.Do(t, r); resp.StatusCode != 404 {
		t.Errorf("unknown path: %d %s", resp.StatusCode, data)
	}
}

// TestCheckForwardedRequest: the asking service forwards the SigV4
// elements of the request it received; iamd verifies them and decides for
// the signer.
func TestCheckForwardedRequest(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	acct := env.AccountID
	root := client(t, env, env.RootAccessKeyID, env.RootSecret)
	bobKey, bobSecret := env.CreateUserWithKey(t, "bob")
	putUserPolicy(t, env, "bob", "s3", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}}`)

	r := signS3(t, env, "GET", "http://s3.local:9000/photos/2026/a%20b.jpg?versionId=3", bobKey, bobSecret, "", nil)
	check := authzclient.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/2026/a b.jpg"}
	got, err := root.Check(ctx, &authzclient.CheckRequest{Request: asReceived(r), Check: check})
	if err != nil || !got.Allowed || got.Principal.ARN != "arn:aws:iam::"+acct+":user/bob" || got.Principal.AccessKeyID != bobKey {
		t.Fatalf("forwarded: %+v %v", got, err)
	}
	// A tampered path does not verify.
	fw := asReceived(r)
	fw.Path = "/photos/2026/other.jpg"
	_, err = root.Check(ctx, &authzclient.CheckRequest{Request: fw, Check: check})
	wantError(t, err, 403, "SignatureDoesNotMatch", "")
	// A body: the forwarded hash must be the signed one.
	body := []byte("hello")
	r = signS3(t, env, "PUT", "http://s3.local:9000/photos/new.jpg", bobKey, bobSecret, "", body)
	fw = asReceived(r)
	if got, err = root.Check(ctx, &authzclient.CheckRequest{Request: fw, Check: authzclient.Check{Action: "s3:PutObject", Resource: "arn:aws:s3:::photos/new.jpg"}}); err != nil ||
		got.Allowed || got.Decision != "ImplicitDeny" {
		t.Fatalf("put: %+v %v", got, err)
	}
	fw.PayloadHash = strings.Repeat("0", 64)
	_, err = root.Check(ctx, &authzclient.CheckRequest{Request: fw, Check: authzclient.Check{Action: "s3:PutObject", Resource: "arn:aws:s3:::photos/new.jpg"}})
	wantError(t, err, 400, "XAmzContentSHA256Mismatch", "")

	// A presigned URL (the query-string form S3 clients hand out): the
	// payload is unsigned and says nothing about it.
	pr, _ := http.NewRequest("GET", "http://s3.local:9000/photos/shared.jpg", nil)
	url, _, err := v4.NewSigner().PresignHTTP(ctx, aws.Credentials{AccessKeyID: bobKey, SecretAccessKey: bobSecret}, pr,
		"UNSIGNED-PAYLOAD", "s3", "us-east-1", env.Now(), func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		t.Fatal(err)
	}
	path, query, _ := strings.Cut(strings.TrimPrefix(url, "http://s3.local:9000"), "?")
	got, err = root.Check(ctx, &authzclient.CheckRequest{Request: &authzclient.SignedRequest{Method: "GET", Path: path, Query: query,
		Headers: map[string][]string{"Host": {"s3.local:9000"}}}, Check: authzclient.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/shared.jpg"}})
	if err != nil || !got.Allowed || got.Principal.AccessKeyID != bobKey {
		t.Fatalf("presigned: %+v %v", got, err)
	}

	// A role session signs: the role's policies decide.
	if _, err := env.IAM().CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("reader"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.IAM().PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}}`)}); err != nil {
		t.Fatal(err)
	}
	// The root may not assume roles: a user allowed sts:AssumeRole does.
	jkid, jsecret := env.CreateAssumerWithKey(t, "scheduler")
	as, err := env.STSAs(t, jkid, jsecret, "").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acct + ":role/reader"), RoleSessionName: aws.String("job")})
	if err != nil {
		t.Fatal(err)
	}
	c := as.Credentials
	r = signS3(t, env, "GET", "http://s3.local:9000/shared/x", *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken, nil)
	got, err = root.Check(ctx, &authzclient.CheckRequest{Request: asReceived(r), Check: authzclient.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::shared/x"}})
	if err != nil || !got.Allowed || got.Principal.Type != "AssumedRole" || got.Principal.ARN != "arn:aws:sts::"+acct+":assumed-role/reader/job" {
		t.Fatalf("role session: %+v %v", got, err)
	}
	got, err = root.Check(ctx, &authzclient.CheckRequest{Request: asReceived(r), Check: authzclient.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/x"}})
	if err != nil || got.Allowed || got.Reason != "User: arn:aws:sts::"+acct+":assumed-role/reader/job is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::photos/x because no identity-based policy allows the s3:GetObject action" {
		t.Fatalf("role session denied: %+v %v", got, err)
	}

	// The role named by its ARN: its policies, as a session without
	// session policies.
	got, err = root.Check(ctx, &authzclient.CheckRequest{Principal: &authzclient.Principal{ARN: "arn:aws:iam::" + acct + ":role/reader"},
		Check: authzclient.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::shared/y"}})
	if err != nil || !got.Allowed || got.Principal.Type != "AssumedRole" || got.MatchedStatements[0].Policy != "read" {
		t.Fatalf("role by ARN: %+v %v", got, err)
	}

	// A deactivated key stops at once (the resolved key is cached per
	// account revision).
	r = signS3(t, env, "GET", "http://s3.local:9000/photos/y", bobKey, bobSecret, "", nil)
	if got, err := root.Check(ctx, &authzclient.CheckRequest{Request: asReceived(r), Check: check}); err != nil || !got.Allowed {
		t.Fatalf("before deactivation: %+v %v", got, err)
	}
	if _, err := env.IAM().UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(bobKey), Status: types.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	_, err = root.Check(ctx, &authzclient.CheckRequest{Request: asReceived(r), Check: check})
	wantError(t, err, 403, "InvalidClientTokenId", "")

	// A request signed long ago is refused as the service's endpoint would.
	r = signS3(t, env, "GET", "http://s3.local:9000/photos/z", env.RootAccessKeyID, env.RootSecret, "", nil)
	env.Advance(20 * time.Minute)
	root = client(t, env, env.RootAccessKeyID, env.RootSecret)
	_, err = root.Check(ctx, &authzclient.CheckRequest{Request: asReceived(r), Check: check})
	wantError(t, err, 403, "SignatureDoesNotMatch", "")
}

// TestForwardedRequestOfAnotherAccount: the signer of a forwarded request
// may be of another account; asking about it is then cross-account, which
// nothing can allow.
func TestForwardedRequestOfAnotherAccount(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	const other = "210987654321"
	key, secret := "AKIAOTHERACCOUNT0001", "otherAccountSecretKey0123456789"
	if err := env.Service.EnsureAccount(ctx, other, key, secret); err != nil {
		t.Fatal(err)
	}
	r := signS3(t, env, "GET", "http://s3.local/b/k", key, secret, "", nil)
	_, err := client(t, env, env.RootAccessKeyID, env.RootSecret).Check(ctx, &authzclient.CheckRequest{Request: asReceived(r),
		Check: authzclient.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}})
	wantError(t, err, 403, "AccessDenied", "User: arn:aws:iam::"+env.AccountID+":root is not authorized to perform: iamd:Authorize on resource: arn:aws:iam::"+other+
		":root because no resource-based policy allows the iamd:Authorize action")
}

func TestCheckBatch(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	root := client(t, env, env.RootAccessKeyID, env.RootSecret)
	env.CreateUserWithKey(t, "ann")
	putUserPolicy(t, env, "ann", "p", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}},
		{"Effect":"Deny","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/ro/*"}]}`)
	req := &authzclient.BatchRequest{Principal: &authzclient.Principal{ARN: "arn:aws:iam::" + env.AccountID + ":user/ann"},
		Context: map[string][]string{"aws:SecureTransport": {"true"}},
		Checks: []authzclient.Check{
			{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/x"},
			{Action: "s3:PutObject", Resource: "arn:aws:s3:::b/ro/x"},
			{Action: "s3:DeleteObject", Resource: "arn:aws:s3:::b/x"},
			{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/x", Context: map[string][]string{"aws:SecureTransport": {"false"}}},
		}}
	got, err := root.CheckBatch(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Allow", "ExplicitDeny", "ImplicitDeny", "ImplicitDeny"}
	for i, r := range got.Results {
		if r.Decision != want[i] || r.Action != req.Checks[i].Action {
			t.Errorf("check %d: %+v, want %s", i, r, want[i])
		}
	}
	if got.Principal.Type != "User" {
		t.Errorf("principal %+v", got.Principal)
	}
	_, err = root.CheckBatch(ctx, &authzclient.BatchRequest{Principal: req.Principal})
	wantError(t, err, 400, "InvalidInput", "checks must hold between 1 and 100 checks; it holds 0.")
	req.Checks = append(req.Checks, authzclient.Check{Action: "bad"})
	_, err = root.CheckBatch(ctx, req)
	wantError(t, err, 400, "InvalidInput", "checks[4]: action must be service:Action.")
}

// TestCheckAPIKeyAge: a principal named by (or signing with) an access key
// older than the account's limit is refused.
func TestCheckAPIKeyAge(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	key, secret := env.CreateUserWithKey(t, "old")
	putUserPolicy(t, env, "old", "all", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)
	if err := env.Service.SetMaxAccessKeyAge(ctx, env.AccountID, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	// The root's key is as old: it may not ask until it rotates.
	env.Advance(31 * 24 * time.Hour)
	_, err := client(t, env, env.RootAccessKeyID, env.RootSecret).Check(ctx, &authzclient.CheckRequest{
		Principal: &authzclient.Principal{ARN: "arn:aws:iam::" + env.AccountID + ":user/old"}, Check: authzclient.Check{Action: "s3:GetObject", Resource: "*"}})
	wantError(t, err, 403, "AccessDenied", "User: arn:aws:iam::"+env.AccountID+":root is not authorized to perform: iamd:Authorize on resource: arn:aws:iam::"+env.AccountID+
		":user/old because the access key "+env.RootAccessKeyID+" is 31 days old and the account allows at most 30; create a new access key and delete this one")
	k, err := env.IAM().CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	root := client(t, env, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey)
	check := authzclient.Check{Action: "s3:GetObject", Resource: "*"}
	got, err := root.Check(ctx, &authzclient.CheckRequest{Principal: &authzclient.Principal{AccessKeyID: key}, Check: check})
	if err != nil || got.Allowed || got.DeniedBy != "key-age" || !strings.Contains(got.Reason, "is 31 days old and the account allows at most 30") {
		t.Fatalf("old key: %+v %v", got, err)
	}
	r := signS3(t, env, "GET", "http://s3.local/b/k", key, secret, "", nil)
	if got, err = root.Check(ctx, &authzclient.CheckRequest{Request: asReceived(r), Check: check}); err != nil || got.Allowed || got.DeniedBy != "key-age" {
		t.Fatalf("old key signing: %+v %v", got, err)
	}
	got, err = root.Check(ctx, &authzclient.CheckRequest{Principal: &authzclient.Principal{ARN: "arn:aws:iam::" + env.AccountID + ":user/old"}, Check: check})
	if err != nil || !got.Allowed {
		t.Fatalf("by ARN the key does not matter: %+v %v", got, err)
	}
}
