package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/server"
	"github.com/iamd/iamd/internal/server/servertest"
	"github.com/iamd/iamd/internal/store"
)

// memorySink keeps the audit events the recorder hands to its sink.
type memorySink struct {
	mu  sync.Mutex
	evs []store.AuditEvent
}

func (s *memorySink) WriteEvents(evs []store.AuditEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evs = append(s.evs, evs...)
	return nil
}

func (s *memorySink) json(t *testing.T) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.Marshal(s.evs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSecretsAreNeverLoggedOrAudited runs the flows that handle secrets
// (access keys, passwords, MFA seeds and codes, session credentials, a
// signature mismatch with a session token, which logs the canonical request
// at debug level) and checks that neither the server log (debug level) nor
// the audit trail holds any of them.
func TestSecretsAreNeverLoggedOrAudited(t *testing.T) {
	sink := &memorySink{}
	env := servertest.Start(t, servertest.WithAudit(server.AuditConfig{Sink: sink}))
	ctx := context.Background()
	root := env.IAM()
	secrets := map[string]string{"root secret access key": env.RootSecret}

	if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	secrets["user secret access key"] = *key.AccessKey.SecretAccessKey
	const password, newPassword = "Corr3ct-Horse-Battery", "Stap1e-Tr0ubadour-X"
	secrets["password"], secrets["new password"] = password, newPassword
	if _, err := root.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String(password)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("all"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	alice := env.IAMAs(t, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey)
	if _, err := alice.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String(password), NewPassword: aws.String(newPassword)}); err != nil {
		t.Fatal(err)
	}
	// A wrong old password takes the failure path.
	if _, err := alice.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String(password + "x"), NewPassword: aws.String(newPassword + "y")}); err == nil {
		t.Fatal("ChangePassword with a wrong old password succeeded")
	}

	dev, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	b32 := string(dev.VirtualMFADevice.Base32StringSeed)
	secrets["TOTP seed (base32)"] = b32
	seed, err := iam.ParseBase32Seed(b32)
	if err != nil {
		t.Fatal(err)
	}
	secrets["TOTP seed (base64)"] = base64.StdEncoding.EncodeToString(seed)
	serial := dev.VirtualMFADevice.SerialNumber
	code1 := iam.TOTPCode(seed, env.Now().Add(-30*time.Second))
	code2 := iam.TOTPCode(seed, env.Now())
	if _, err := root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: serial,
		AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2)}); err != nil {
		t.Fatal(err)
	}
	env.Advance(30 * time.Second)
	code := iam.TOTPCode(seed, env.Now())
	sess, err := env.STSAs(t, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "").GetSessionToken(ctx,
		&sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: aws.String(code)})
	if err != nil {
		t.Fatal(err)
	}
	c := sess.Credentials
	secrets["session secret access key"], secrets["session token"] = *c.SecretAccessKey, *c.SessionToken
	if _, err := env.IAMWithToken(t, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
	// A session request signed with the wrong secret: the server logs the
	// canonical request it computed, which covers the token header.
	if _, err := env.IAMWithToken(t, *c.AccessKeyId, "wrong"+*c.SecretAccessKey, *c.SessionToken).ListUsers(ctx, &awsiam.ListUsersInput{}); err == nil {
		t.Fatal("a request signed with the wrong secret succeeded")
	}
	// The same with the token in the query string (the presigned form).
	ps, err := env.STSPresign(*c.AccessKeyId, "wrong"+*c.SecretAccessKey, *c.SessionToken).PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(ps.Method, ps.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range ps.SignedHeader {
		req.Header[k] = vs
	}
	if resp, _ := env.Do(t, req); resp.StatusCode == http.StatusOK {
		t.Fatal("a presigned request signed with the wrong secret succeeded")
	}
	if err := env.Server.Close(); err != nil { // commits what is queued, feeding the sink
		t.Fatal(err)
	}

	logs, audited := env.Logs.String(), sink.json(t)
	if !strings.Contains(logs, "signature mismatch") {
		t.Fatal("the flow did not reach the signature-mismatch log line it means to check")
	}
	if !strings.Contains(audited, "GetSessionToken") {
		t.Fatal("the audit sink received no GetSessionToken event")
	}
	for what, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the server log holds the %s", what)
		}
		if strings.Contains(audited, s) {
			t.Errorf("the audit trail holds the %s", what)
		}
	}
}
