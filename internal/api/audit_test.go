package api_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/store"
)

// notingAuthz is denyKeyAuthz that reports its decision as the policy
// engine does.
type notingAuthz struct{}

func (notingAuthz) Authorize(ctx context.Context, r api.AuthzRequest) error {
	d := audit.Decision{PrincipalARN: "arn:aws:iam::" + testAccount + ":user/" + r.Caller.AccessKeyID(), Action: r.Action(),
		Resources: []string{"*"}, Decision: store.AuditAllow}
	err := denyKeyAuthz{}.Authorize(ctx, r)
	if err != nil {
		d.Decision = store.AuditImplicitDeny
	}
	audit.Note(ctx, d)
	return err
}

// fakeAuditor records exchanges; fail makes it fail, gate (when set) holds
// it until closed.
type fakeAuditor struct {
	mu    sync.Mutex
	got   []*api.Exchange
	fail  error
	gate  chan struct{}
	entry chan struct{}
}

func (a *fakeAuditor) Audit(_ context.Context, x *api.Exchange) error {
	if a.entry != nil {
		a.entry <- struct{}{}
	}
	if a.gate != nil {
		<-a.gate
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, x)
	return a.fail
}

func (a *fakeAuditor) last(t *testing.T) *api.Exchange {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.got) == 0 {
		t.Fatal("no request audited")
	}
	return a.got[len(a.got)-1]
}

func auditServer(t *testing.T, a api.Auditor) (*iam.Client, func(key string) *iam.Client, *int, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	srv, err := api.New(api.Options{Authenticator: sigv4Authn{}, Authorizer: notingAuthz{}, Auditor: a,
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	created := 0
	api.Handle(srv, "CreateUser", func(_ context.Context, _ api.Caller, in *iamshape.CreateUserInput) (*iamshape.CreateUserOutput, error) {
		mu.Lock()
		defer mu.Unlock()
		created++
		return &iamshape.CreateUserOutput{User: &iamshape.User{UserName: in.UserName, Path: "/", UserId: "AIDAX", Arn: "arn:aws:iam::" + testAccount + ":user/" + in.UserName, CreateDate: fixedTime}}, nil
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	client := func(key string) *iam.Client {
		return iam.New(iam.Options{BaseEndpoint: aws.String(hs.URL), Region: "eu-west-1",
			Credentials: credentials.NewStaticCredentialsProvider(key, testSecret, ""), RetryMaxAttempts: 1})
	}
	return client(testKey), client, &created, logs
}

func TestAuditorSeesEveryRequest(t *testing.T) {
	a := &fakeAuditor{}
	c, as, _, _ := auditServer(t, a)
	ctx := context.Background()
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	x := a.last(t)
	if x.Action != "iam:CreateUser" || x.Service != "iam" || x.Status != 200 || x.ErrorCode != "" || x.Region != "eu-west-1" ||
		x.Caller == nil || x.Caller.AccessKeyID() != testKey || x.Request.ID == "" || x.Request.UserAgent == "" {
		t.Errorf("allowed call: %+v", x)
	}
	if len(x.Decisions) != 1 || x.Decisions[0].Decision != store.AuditAllow || x.Decisions[0].Action != "iam:CreateUser" {
		t.Errorf("allowed call decisions: %+v", x.Decisions)
	}

	_, err := as(deniedKey).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")})
	if apiError(t, err).ErrorCode() != "AccessDenied" {
		t.Fatalf("denied call: %v", err)
	}
	x = a.last(t)
	if x.Status != 403 || x.ErrorCode != "AccessDenied" || len(x.Decisions) != 1 || x.Decisions[0].Decision != store.AuditImplicitDeny {
		t.Errorf("denied call: %+v", x)
	}

	// Authentication fails: no caller, the claimed key, no decision.
	_, err = iam.New(iam.Options{BaseEndpoint: c.Options().BaseEndpoint, Region: "us-east-1", Credentials: aws.AnonymousCredentials{},
		RetryMaxAttempts: 1}).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")})
	if err == nil {
		t.Fatal("unsigned call succeeded")
	}
	x = a.last(t)
	if x.Caller != nil || x.ErrorCode != "MissingAuthenticationToken" || x.Status != 403 || len(x.Decisions) != 0 || x.Action != "iam:CreateUser" {
		t.Errorf("unauthenticated call: %+v", x)
	}
	if len(a.got) != 3 {
		t.Errorf("%d requests audited, want 3", len(a.got))
	}
}

// TestAuditorHoldsTheResponse: the client has no answer until the auditor
// returned.
func TestAuditorHoldsTheResponse(t *testing.T) {
	a := &fakeAuditor{gate: make(chan struct{}), entry: make(chan struct{}, 1)}
	c, _, _, _ := auditServer(t, a)
	done := make(chan error, 1)
	go func() {
		_, err := c.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("alice")})
		done <- err
	}()
	<-a.entry
	select {
	case err := <-done:
		t.Fatalf("the response came before the audit finished (err %v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(a.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestFailingAuditorFailsTheRequest: the handler ran, but its answer is
// replaced by ServiceFailure and the cause is logged.
func TestFailingAuditorFailsTheRequest(t *testing.T) {
	a := &fakeAuditor{fail: errors.New("disk full")}
	c, _, created, logs := auditServer(t, a)
	_, err := c.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("alice")})
	ae := apiError(t, err)
	if ae.ErrorCode() != "ServiceFailure" {
		t.Fatalf("got %v, want ServiceFailure", err)
	}
	if *created != 1 {
		t.Errorf("handler ran %d times", *created)
	}
	if x := a.last(t); x.Status != 200 {
		t.Errorf("the auditor saw status %d, want the handler's 200", x.Status)
	}
	if !strings.Contains(logs.String(), "disk full") || !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("log does not tell the audit failure:\n%s", logs.String())
	}
}
