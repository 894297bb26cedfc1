package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/iamd/iamd/authzclient"
	"github.com/iamd/iamd/internal/api/stsapi"
	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/server"
	"github.com/iamd/iamd/internal/server/servertest"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/sts/oidctest"
)

// eventsOf reads the audit events of one request ID.
func eventsOf(t *testing.T, env *servertest.Env, requestID string) []store.AuditEvent {
	t.Helper()
	if requestID == "" {
		t.Fatal("no request ID")
	}
	var evs []store.AuditEvent
	err := env.Store.View(context.Background(), func(tx store.Txn) error {
		var err error
		evs, _, err = tx.ListAuditEvents(context.Background(), store.AuditFilter{RequestID: requestID}, store.Page{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// oneEvent is the one event of a request (from its result metadata or its
// error), failing the test if there is not exactly one.
func oneEvent(t *testing.T, env *servertest.Env, md middleware.Metadata, err error) store.AuditEvent {
	t.Helper()
	id, _ := awsmw.GetRequestIDMetadata(md)
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		id = re.ServiceRequestID()
	}
	evs := eventsOf(t, env, id)
	if len(evs) != 1 {
		t.Fatalf("request %s left %d audit events, want 1: %+v", id, len(evs), evs)
	}
	return evs[0]
}

func allEvents(t *testing.T, env *servertest.Env) []store.AuditEvent {
	t.Helper()
	var evs []store.AuditEvent
	err := env.Store.View(context.Background(), func(tx store.Txn) error {
		var err error
		evs, _, err = tx.ListAuditEvents(context.Background(), store.AuditFilter{}, store.Page{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

const denyCreatePolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"ReadUsers","Effect":"Allow","Action":["iam:ListUsers","iam:GetUser","iam:CreateUser"],"Resource":"*"},
 {"Sid":"NoCreate","Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}`

func TestAuditEveryRequestLeavesOneEvent(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	root := env.IAM()
	rootARN := "arn:aws:iam::" + env.AccountID + ":root"

	// Allowed call (root).
	out, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	ev := oneEvent(t, env, out.ResultMetadata, nil)
	if ev.Action != "iam:CreateUser" || ev.Service != "iam" || ev.Decision != store.AuditAllow || ev.Status != 200 || ev.ErrorCode != "" ||
		ev.PrincipalARN != rootARN || ev.AccountID != env.AccountID || ev.AccessKeyID != env.RootAccessKeyID ||
		ev.SourceIP != "127.0.0.1" || !strings.Contains(ev.UserAgent, "aws-sdk-go-v2") || ev.Region != servertest.Region ||
		!ev.Time.Equal(env.Now()) || len(ev.Resources) != 1 || ev.Resources[0] != "arn:aws:iam::"+env.AccountID+":user/alice" {
		t.Errorf("allowed call: %+v", ev)
	}

	// Denied call by a user, with the deciding statement.
	if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(denyCreatePolicy)}); err != nil {
		t.Fatal(err)
	}
	keyOut, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	akid, secret := aws.ToString(keyOut.AccessKey.AccessKeyId), aws.ToString(keyOut.AccessKey.SecretAccessKey)
	alice := env.IAMAs(t, akid, secret)
	_, err = alice.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")})
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("denied call: %v", err)
	}
	ev = oneEvent(t, env, middleware.Metadata{}, err)
	aliceARN := "arn:aws:iam::" + env.AccountID + ":user/alice"
	if ev.Decision != store.AuditExplicitDeny || ev.ErrorCode != "AccessDenied" || ev.Status != 403 || ev.PrincipalARN != aliceARN ||
		ev.AccessKeyID != akid || len(ev.Statements) != 1 || ev.Statements[0].Sid != "NoCreate" || ev.Statements[0].Effect != "Deny" ||
		ev.Statements[0].Policy == "" || ev.Statements[0].Index != 1 {
		t.Errorf("denied call: %+v", ev)
	}

	// Allowed call by the user: the allowing statement is named.
	lout, err := alice.ListUsers(ctx, &awsiam.ListUsersInput{})
	if err != nil {
		t.Fatal(err)
	}
	ev = oneEvent(t, env, lout.ResultMetadata, nil)
	if ev.Decision != store.AuditAllow || len(ev.Statements) != 1 || ev.Statements[0].Sid != "ReadUsers" || ev.Action != "iam:ListUsers" {
		t.Errorf("user's allowed call: %+v", ev)
	}

	// Unauthenticated failure: a wrong secret.
	_, err = env.IAMAs(t, akid, "wrong"+secret[5:]).ListUsers(ctx, &awsiam.ListUsersInput{})
	if err == nil {
		t.Fatal("wrong secret accepted")
	}
	ev = oneEvent(t, env, middleware.Metadata{}, err)
	if ev.Decision != "" || ev.PrincipalARN != "" || ev.AccountID != "" || ev.AccessKeyID != akid || ev.ErrorCode != "SignatureDoesNotMatch" ||
		ev.Status != 403 || ev.Action != "iam:ListUsers" {
		t.Errorf("unauthenticated call: %+v", ev)
	}

	// STS call.
	sout, err := env.STSAs(t, akid, secret, "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	ev = oneEvent(t, env, sout.ResultMetadata, nil)
	if ev.Service != "sts" || ev.Action != "sts:GetCallerIdentity" || ev.PrincipalARN != aliceARN || ev.Status != 200 {
		t.Errorf("STS call: %+v", ev)
	}

	// Every request so far, and nothing else: 3 setup calls + 4.
	if n := len(allEvents(t, env)); n != 7 {
		t.Errorf("%d events for 7 requests", n)
	}
}

// TestAuditRoleSession: a role session's calls carry its session ARN and
// its temporary key; AssumeRole itself is audited once.
func TestAuditRoleSession(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	root := env.IAM()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + env.AccountID + `:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("ops"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("ops"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"List","Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	// The root may not assume roles: a user allowed sts:AssumeRole does.
	dkid, dsecret := env.CreateAssumerWithKey(t, "deployer")
	aout, err := env.STSAs(t, dkid, dsecret, "").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + env.AccountID + ":role/ops"), RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	ev := oneEvent(t, env, aout.ResultMetadata, nil)
	roleARN := "arn:aws:iam::" + env.AccountID + ":role/ops"
	if ev.Action != "sts:AssumeRole" || ev.Status != 200 || ev.PrincipalARN != "arn:aws:iam::"+env.AccountID+":user/deployer" ||
		ev.Decision != store.AuditAllow || len(ev.Resources) != 1 || ev.Resources[0] != roleARN {
		t.Errorf("AssumeRole: %+v", ev)
	}
	// A user the trust policy does not name and no policy allows.
	akid, secret := env.CreateUserWithKey(t, "mallory")
	_, err = env.STSAs(t, akid, secret, "").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("xx")})
	if err == nil {
		t.Fatal("mallory assumed the role")
	}
	ev = oneEvent(t, env, middleware.Metadata{}, err)
	if ev.Decision != store.AuditImplicitDeny || ev.ErrorCode != "AccessDenied" || ev.PrincipalARN != "arn:aws:iam::"+env.AccountID+":user/mallory" ||
		ev.Resources[0] != roleARN {
		t.Errorf("denied AssumeRole: %+v", ev)
	}
	c := aout.Credentials
	sess := env.IAMWithToken(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	lout, err := sess.ListRoles(ctx, &awsiam.ListRolesInput{})
	if err != nil {
		t.Fatal(err)
	}
	ev = oneEvent(t, env, lout.ResultMetadata, nil)
	if ev.PrincipalARN != "arn:aws:sts::"+env.AccountID+":assumed-role/ops/s1" || ev.AccessKeyID != aws.ToString(c.AccessKeyId) ||
		ev.Decision != store.AuditAllow || len(ev.Statements) != 1 || ev.Statements[0].Sid != "List" {
		t.Errorf("role session call: %+v", ev)
	}
}

// TestAuditLastUsedFromEvents: GetAccessKeyLastUsed answers the time,
// service and region of the key's last audited request.
func TestAuditLastUsedFromEvents(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	akid, secret := env.CreateUserWithKey(t, "carol")
	lu, err := env.IAM().GetAccessKeyLastUsed(ctx, &awsiam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(akid)})
	if err != nil {
		t.Fatal(err)
	}
	if lu.AccessKeyLastUsed.LastUsedDate != nil {
		t.Fatalf("unused key has a last use: %v", lu.AccessKeyLastUsed.LastUsedDate)
	}
	env.Advance(time.Hour)
	out, err := env.STSAs(t, akid, secret, "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	ev := oneEvent(t, env, out.ResultMetadata, nil)
	env.Advance(time.Hour)
	lu, err = env.IAM().GetAccessKeyLastUsed(ctx, &awsiam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(akid)})
	if err != nil {
		t.Fatal(err)
	}
	got := lu.AccessKeyLastUsed
	if got.LastUsedDate == nil || !got.LastUsedDate.Equal(ev.Time.Truncate(time.Second)) || aws.ToString(got.ServiceName) != "sts" ||
		aws.ToString(got.Region) != servertest.Region {
		t.Errorf("last used %v %s %s, want the event's %v sts %s", got.LastUsedDate, aws.ToString(got.ServiceName), aws.ToString(got.Region), ev.Time, servertest.Region)
	}
	// A failed signature is not a use.
	env.Advance(time.Hour)
	wrong := "x" + secret[1:]
	if wrong == secret { // the secret itself starts with x
		wrong = "y" + secret[1:]
	}
	_, err = env.IAMAs(t, akid, wrong).ListUsers(ctx, &awsiam.ListUsersInput{})
	if ae := (smithy.APIError)(nil); !errors.As(err, &ae) || ae.ErrorCode() != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: error %v, want SignatureDoesNotMatch", err)
	}
	lu2, err := env.IAM().GetAccessKeyLastUsed(ctx, &awsiam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(akid)})
	if err != nil {
		t.Fatal(err)
	}
	if !lu2.AccessKeyLastUsed.LastUsedDate.Equal(*got.LastUsedDate) {
		t.Errorf("a failed request moved the last use to %v", lu2.AccessKeyLastUsed.LastUsedDate)
	}
}

// TestAuditCheckAPI: a check through the authorization API leaves one event
// for the asker's own permission and one for the decision it asked for.
func TestAuditCheckAPI(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	root := env.IAM()
	if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("dave")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("dave"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"Get","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	before := len(allEvents(t, env))
	c, err := authzclient.New(env.URL, credentials.NewStaticCredentialsProvider(env.RootAccessKeyID, env.RootSecret, ""),
		authzclient.WithClock(env.Now), authzclient.WithHTTPClient(env.HTTPClient))
	if err != nil {
		t.Fatal(err)
	}
	daveARN := "arn:aws:iam::" + env.AccountID + ":user/dave"
	res, err := c.Check(ctx, &authzclient.CheckRequest{Principal: &authzclient.Principal{ARN: daveARN},
		Check: authzclient.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Allowed {
		t.Fatalf("check: %+v", res)
	}
	evs := allEvents(t, env)[before:]
	if len(evs) != 2 {
		t.Fatalf("check call left %d events: %+v", len(evs), evs)
	}
	ask, chk := evs[0], evs[1]
	if ask.RequestID != chk.RequestID || ask.Action != authzclient.ActionAuthorize || ask.PrincipalARN != "arn:aws:iam::"+env.AccountID+":root" ||
		ask.Decision != store.AuditAllow || ask.AccessKeyID != env.RootAccessKeyID {
		t.Errorf("asker's event: %+v", ask)
	}
	if chk.Action != "s3:GetObject" || chk.Service != "s3" || chk.PrincipalARN != daveARN || chk.Decision != store.AuditAllow ||
		len(chk.Statements) != 1 || chk.Statements[0].Sid != "Get" || chk.Resources[0] != "arn:aws:s3:::b/k" || chk.Status != 200 {
		t.Errorf("check's event: %+v", chk)
	}

	// A refused asker: one event, no decision made about anyone else.
	before = len(allEvents(t, env))
	bad, _ := authzclient.New(env.URL, credentials.NewStaticCredentialsProvider(env.RootAccessKeyID, "nope", ""),
		authzclient.WithClock(env.Now), authzclient.WithHTTPClient(env.HTTPClient))
	if _, err := bad.Check(ctx, &authzclient.CheckRequest{Principal: &authzclient.Principal{ARN: daveARN},
		Check: authzclient.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}}); err == nil {
		t.Fatal("bad signature accepted")
	}
	evs = allEvents(t, env)[before:]
	if len(evs) != 1 || evs[0].Action != authzclient.ActionAuthorize || evs[0].Decision != "" || evs[0].ErrorCode != "SignatureDoesNotMatch" || evs[0].Status != 403 {
		t.Errorf("refused asker: %+v", evs)
	}
}

// failingSink fails every write.
type failingSink struct{}

func (failingSink) WriteEvents([]store.AuditEvent) error { return errors.New("audit disk gone") }

// TestAuditFailingSinkFailsRequests: when the audit write fails, the
// client gets ServiceFailure, not the handler's answer.
func TestAuditFailingSinkFailsRequests(t *testing.T) {
	env := servertest.Start(t, servertest.WithAudit(server.AuditConfig{Sink: failingSink{}}))
	_, err := env.IAM().ListUsers(context.Background(), &awsiam.ListUsersInput{})
	if err == nil || !strings.Contains(err.Error(), "ServiceFailure") {
		t.Fatalf("got %v, want ServiceFailure", err)
	}
	if lines := env.Logs.Lines("audit disk gone", "status=500"); len(lines) == 0 {
		t.Errorf("the log does not tell the audit failure:\n%s", env.Logs.String())
	}
}

// TestAuditFileSink: the JSON-lines file holds the same events as the
// store.
func TestAuditFileSink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	sink, err := audit.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	env := servertest.Start(t, servertest.WithAudit(server.AuditConfig{Sink: sink}))
	for _, name := range []string{"u1", "u2"} {
		if _, err := env.IAM().CreateUser(context.Background(), &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []audit.JSONEvent
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e audit.JSONEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, e)
	}
	evs := allEvents(t, env)
	if len(lines) != 2 || len(evs) != 2 {
		t.Fatalf("%d lines, %d events; want 2 each", len(lines), len(evs))
	}
	for i := range evs {
		want := audit.ToJSON(evs[i])
		if lines[i].ID != want.ID || lines[i].RequestID != want.RequestID || lines[i].Action != "iam:CreateUser" ||
			lines[i].Decision != store.AuditAllow || !lines[i].Time.Equal(want.Time) || lines[i].Resources[0] != want.Resources[0] {
			t.Errorf("line %d: %+v, store has %+v", i, lines[i], want)
		}
	}
}

// TestAuditCredentialReportLastUsed: the credential report's last-used
// columns of a key are those of its last audited request.
func TestAuditCredentialReportLastUsed(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	akid, secret := env.CreateUserWithKey(t, "erin")
	env.Advance(2 * time.Hour)
	out, err := env.IAMAs(t, akid, secret).GetUser(ctx, &awsiam.GetUserInput{})
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("GetUser without a policy: %v %v", out, err)
	}
	ev := oneEvent(t, env, middleware.Metadata{}, err)
	env.Advance(time.Minute)
	root := env.IAM()
	for range 2 { // started, then complete
		if _, err := root.GenerateCredentialReport(ctx, &awsiam.GenerateCredentialReportInput{}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := root.GetCredentialReport(ctx, &awsiam.GetCredentialReportInput{})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(r.Content)), "\n")
	cols := strings.Split(lines[0], ",")
	var row []string
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "erin,") {
			row = strings.Split(l, ",")
		}
	}
	if row == nil {
		t.Fatalf("no row for erin:\n%s", r.Content)
	}
	get := func(name string) string {
		for i, c := range cols {
			if c == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	if got, want := get("access_key_1_last_used_date"), ev.Time.UTC().Format("2006-01-02T15:04:05+00:00"); got != want {
		t.Errorf("access_key_1_last_used_date %q, want the event's %q", got, want)
	}
	if get("access_key_1_last_used_service") != "iam" || get("access_key_1_last_used_region") != servertest.Region {
		t.Errorf("row %v", row)
	}
}

// TestAuditInstanceEndpoints: starting an instance is one event with the
// caller and its iam:PassRole decision; fetching its credentials is one
// event.
func TestAuditInstanceEndpoints(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	root := env.IAM()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("web"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	form := "InstanceProfileName=web"
	req, err := http.NewRequest(http.MethodPost, env.URL+stsapi.PathInstances, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	env.Sign(t, req, []byte(form), "sts", env.RootAccessKeyID, env.RootSecret)
	resp, body := env.Do(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	evs := eventsOf(t, env, resp.Header.Get("x-amzn-RequestId"))
	roleARN := "arn:aws:iam::" + env.AccountID + ":role/web"
	if len(evs) != 1 || evs[0].Action != "iamd:StartInstance" || evs[0].PrincipalARN != "arn:aws:iam::"+env.AccountID+":root" ||
		evs[0].Decision != store.AuditAllow || evs[0].Resources[0] != roleARN || evs[0].Status != 200 {
		t.Fatalf("start events: %+v", evs)
	}
	var inst stsapi.StartInstanceOutput
	if err := json.Unmarshal(body, &inst); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodGet, env.URL+stsapi.PathInstanceCredentials, nil)
	req.Header.Set("Authorization", inst.Token)
	resp, body = env.Do(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("credentials: %d %s", resp.StatusCode, body)
	}
	evs = eventsOf(t, env, resp.Header.Get("x-amzn-RequestId"))
	if len(evs) != 1 || evs[0].Action != "iamd:GetInstanceCredentials" || evs[0].Status != 200 {
		t.Fatalf("credentials events: %+v", evs)
	}
	// A bad token: one event with the error.
	req, _ = http.NewRequest(http.MethodGet, env.URL+stsapi.PathInstanceCredentials, nil)
	req.Header.Set("Authorization", "garbage")
	resp, _ = env.Do(t, req)
	evs = eventsOf(t, env, resp.Header.Get("x-amzn-RequestId"))
	if resp.StatusCode < 400 || len(evs) != 1 || evs[0].ErrorCode == "" || evs[0].Status != resp.StatusCode {
		t.Fatalf("bad token: %d, events %+v", resp.StatusCode, evs)
	}
	// A wrong method gets net/http's plain-text answer; its event still
	// carries a code without spaces.
	req, _ = http.NewRequest(http.MethodGet, env.URL+stsapi.PathInstances, nil)
	resp, _ = env.Do(t, req)
	evs = eventsOf(t, env, resp.Header.Get("x-amzn-RequestId"))
	if resp.StatusCode != http.StatusMethodNotAllowed || len(evs) != 1 || evs[0].ErrorCode != "MethodNotAllowed" || evs[0].Status != 405 {
		t.Fatalf("wrong method: %d, events %+v", resp.StatusCode, evs)
	}
}

// TestAuditWebIdentity: the unsigned AssumeRoleWithWebIdentity is one
// event whose principal is the identity provider the trust policy decided
// about.
func TestAuditWebIdentity(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	iss := oidctest.Start(t, true)
	p, err := env.IAM().CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{
		Url: aws.String(iss.URL), ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{iss.Thumbprint}})
	if err != nil {
		t.Fatal(err)
	}
	provARN := aws.ToString(p.OpenIDConnectProviderArn)
	key := strings.TrimPrefix(iss.URL, "https://")
	trust := `{"Version":"2012-10-17","Statement":[{"Sid":"Pods","Effect":"Allow","Principal":{"Federated":"` + provARN + `"},
		"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"` + key + `:sub":"system:serviceaccount:prod:*"}}}]}`
	if _, err := env.IAM().CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("k8s"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	roleARN := "arn:aws:iam::" + env.AccountID + ":role/k8s"
	for _, tc := range []struct {
		ns       string
		decision string
	}{{"prod", store.AuditAllow}, {"dev", store.AuditImplicitDeny}} {
		out, err := env.STS().AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String(roleARN), RoleSessionName: aws.String("pod-1"),
			WebIdentityToken: aws.String(iss.Token(t, env.Now(), oidctest.KubernetesClaims(tc.ns, "app", "sts.amazonaws.com")))})
		var md middleware.Metadata
		if out != nil {
			md = out.ResultMetadata
		}
		ev := oneEvent(t, env, md, err)
		if ev.Action != "sts:AssumeRoleWithWebIdentity" || ev.PrincipalARN != provARN || ev.AccountID != env.AccountID ||
			ev.Decision != tc.decision || ev.Resources[0] != roleARN || ev.AccessKeyID != "" {
			t.Errorf("%s: %+v (err %v)", tc.ns, ev, err)
		}
		if tc.decision == store.AuditAllow && (len(ev.Statements) != 1 || ev.Statements[0].Sid != "Pods" || ev.Statements[0].Type != "trust") {
			t.Errorf("%s: statements %+v", tc.ns, ev.Statements)
		}
	}
}
