package servertest_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/server/servertest"
)

// apiError extracts the AWS error code and message the SDK parsed.
func apiError(t *testing.T, err error) (code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an AWS API error", err, err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

// sdkCall calls the SDK client's method for operation name with an empty
// input. ok is false when the SDK refused the input itself (a required
// parameter), i.e. the request never reached the server.
func sdkCall(ctx context.Context, client any, name string) (err error, ok bool) {
	m := reflect.ValueOf(client).MethodByName(name)
	if !m.IsValid() {
		return nil, false
	}
	in := reflect.New(m.Type().In(1).Elem())
	out := m.Call([]reflect.Value{reflect.ValueOf(ctx), in})
	err, _ = out[1].Interface().(error)
	var invalid smithy.InvalidParamsError
	if errors.As(err, &invalid) {
		return err, false
	}
	return err, true
}

// Every operation without a handler answers NotImplemented (501) through
// the real SDK, once authentication and authorization passed.
func TestUnimplementedOperationsAnswerNotImplemented(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	clients := map[string]any{"iam": env.IAM(), "sts": env.STS()}
	reached := 0
	for _, op := range env.Server.API.OperationTable() {
		if op.Implemented || op.Unsigned {
			continue
		}
		err, ok := sdkCall(ctx, clients[op.Service], op.Name)
		if !ok {
			continue // needs input the SDK insists on; covered by the raw test below
		}
		reached++
		if err == nil {
			t.Errorf("%s:%s: succeeded without a handler", op.Service, op.Name)
			continue
		}
		code, msg := apiError(t, err)
		want := "The operation " + op.Name + " of " + strings.ToUpper(op.Service) + " is not implemented by this server."
		if code != "NotImplemented" || msg != want {
			t.Errorf("%s:%s: %s %q, want NotImplemented %q", op.Service, op.Name, code, msg, want)
		}
		var re interface{ HTTPStatusCode() int }
		if errors.As(err, &re) && re.HTTPStatusCode() != http.StatusNotImplemented {
			t.Errorf("%s:%s: HTTP %d, want 501", op.Service, op.Name, re.HTTPStatusCode())
		}
	}
	t.Logf("%d unimplemented operations reached the server through the SDK", reached)
}

// A raw signed request for an unimplemented operation with required
// parameters also gets NotImplemented, in IAM's error envelope.
func TestRawRequestNotImplemented(t *testing.T) {
	env := servertest.Start(t)
	var name string
	for _, op := range env.Server.API.OperationTable() {
		if op.Service == "iam" && !op.Implemented {
			name = op.Name
			break
		}
	}
	if name == "" {
		t.Skip("every IAM operation is implemented")
	}
	resp, body := env.Do(t, env.NewRequest(t, "iam", "Action="+name+"&Version=2010-05-08"))
	// Required parameters are missing: the API's decoder refuses first
	// (ValidationError), or the operation takes none and gets NotImplemented.
	s := string(body)
	switch {
	case resp.StatusCode == http.StatusNotImplemented && strings.Contains(s, "<Code>NotImplemented</Code>"):
	case resp.StatusCode == http.StatusBadRequest && strings.Contains(s, "<Code>ValidationError</Code>"):
	default:
		t.Fatalf("%s: HTTP %d\n%s", name, resp.StatusCode, s)
	}
	if !strings.Contains(s, `xmlns="https://iam.amazonaws.com/doc/2010-05-08/"`) || resp.Header.Get("x-amzn-RequestId") == "" {
		t.Fatalf("not IAM's error envelope:\n%s", s)
	}
}

func TestAuthenticationFailures(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	tests := []struct {
		name     string
		call     func() error
		code     string
		msg      string
		logMatch string
	}{
		{
			name: "wrong secret",
			call: func() error {
				_, err := env.IAMAs(t, env.RootAccessKeyID, env.RootSecret+"x").ListUsers(ctx, &awsiam.ListUsersInput{})
				return err
			},
			code: "SignatureDoesNotMatch",
			msg:  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
		},
		{
			name: "unknown key",
			call: func() error {
				_, err := env.IAMAs(t, "AKIAUNKNOWNKEY000000", "secretsecretsecret").ListUsers(ctx, &awsiam.ListUsersInput{})
				return err
			},
			code: "InvalidClientTokenId",
			msg:  "The security token included in the request is invalid.",
		},
		{
			name: "unknown key, STS",
			call: func() error {
				_, err := env.STSAs(t, "AKIAUNKNOWNKEY000000", "secretsecretsecret", "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				return err
			},
			code: "InvalidClientTokenId",
			msg:  "The security token included in the request is invalid.",
		},
		{
			name: "session token with a long-term key",
			call: func() error {
				_, err := env.IAMWithToken(t, env.RootAccessKeyID, env.RootSecret, "token").ListUsers(ctx, &awsiam.ListUsersInput{})
				return err
			},
			code: "InvalidClientTokenId",
			msg:  "The security token included in the request is invalid.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("call succeeded")
			}
			code, msg := apiError(t, err)
			if code != tc.code || msg != tc.msg {
				t.Fatalf("got %s %q, want %s %q", code, msg, tc.code, tc.msg)
			}
		})
	}
	if lines := env.Logs.Lines("error_code=SignatureDoesNotMatch", "claimed_access_key_id="+env.RootAccessKeyID); len(lines) == 0 {
		t.Errorf("no log line for the refused signature:\n%s", env.Logs.String())
	}
	if strings.Contains(env.Logs.String(), env.RootSecret) {
		t.Error("the log contains the root secret")
	}
}

// The SDK clients sign with the fake clock: they keep working after
// Advance, while a request signed at the old time is refused.
func TestClockIsShared(t *testing.T) {
	env := servertest.Start(t)
	if got := env.Now(); !got.Equal(servertest.DefaultStart) {
		t.Fatalf("Now = %v, want %v", got, servertest.DefaultStart)
	}
	stale := env.NewRequest(t, "iam", "Action=ListUsers&Version=2010-05-08")
	env.Advance(48 * time.Hour)
	if got := env.Now(); !got.Equal(servertest.DefaultStart.Add(48 * time.Hour)) {
		t.Fatalf("Now after Advance = %v", got)
	}
	_, err := env.IAM().ListUsers(t.Context(), &awsiam.ListUsersInput{})
	if err != nil {
		// NotImplemented is fine (the users area may not be there yet):
		// what matters is that authentication passed.
		if code, _ := apiError(t, err); code != "NotImplemented" {
			t.Fatalf("ListUsers after Advance: %v", err)
		}
	}
	resp, body := env.Do(t, stale)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "Signature expired") {
		t.Fatalf("request signed 48h ago: HTTP %d\n%s", resp.StatusCode, body)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	env := servertest.Start(t)
	// One API request so that the API metrics have a sample.
	_, _ = env.IAMAs(t, "AKIAUNKNOWNKEY000000", "secretsecretsecret").ListUsers(t.Context(), &awsiam.ListUsersInput{})

	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/healthz", 200, "ok\n"},
		{"/readyz", 200, "ok\n"},
		{"/metrics", 200, `iamd_api_requests_total{action="ListUsers",code="InvalidClientTokenId",service="iam"} 1`},
		{"/metrics", 200, "go_goroutines"},
		{"/nope", 404, "iamd serves the AWS Query API at /"},
	}
	for _, tc := range tests {
		resp, body := env.Get(t, tc.path)
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.body) {
			t.Errorf("GET %s: HTTP %d, want %d with %q:\n%.2000s", tc.path, resp.StatusCode, tc.status, tc.body, body)
		}
	}

	// A closed store is not ready; liveness does not depend on it.
	env.Store.Close()
	if resp, body := env.Get(t, "/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz with a closed store: HTTP %d %s", resp.StatusCode, body)
	}
	if resp, _ := env.Get(t, "/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz with a closed store: HTTP %d", resp.StatusCode)
	}
}

// GetCallerIdentity needs no permission; whoever implements it gets the
// root identity here. Until then it answers NotImplemented, not
// AccessDenied.
func TestRootIsAuthorized(t *testing.T) {
	env := servertest.Start(t)
	out, err := env.STS().GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		if code, _ := apiError(t, err); code != "NotImplemented" {
			t.Fatal(err)
		}
		return
	}
	if aws.ToString(out.Account) != env.AccountID || aws.ToString(out.Arn) != "arn:aws:iam::"+env.AccountID+":root" {
		t.Fatalf("GetCallerIdentity = %+v", out)
	}
}

func TestOptions(t *testing.T) {
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	env := servertest.Start(t, servertest.WithAccountID("210987654321"), servertest.WithStart(start))
	if env.AccountID != "210987654321" || !env.Now().Equal(start) {
		t.Fatalf("account %s, now %v", env.AccountID, env.Now())
	}
	cred, err := env.Service.LookupAccessKey(t.Context(), env.RootAccessKeyID)
	if err != nil || cred.AccountID != "210987654321" || !cred.IsRoot() || !cred.CreatedAt.Equal(start) {
		t.Fatalf("root key: %+v, %v", cred, err)
	}
}

// A user made with CreateUserWithKey signs requests as itself.
func TestCreateUserWithKey(t *testing.T) {
	env := servertest.Start(t)
	keyID, secretKey := env.CreateUserWithKey(t, "alice")
	out, err := env.STSAs(t, keyID, secretKey, "").GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != "arn:aws:iam::"+env.AccountID+":user/alice" {
		t.Fatalf("caller %+v", out)
	}
	// Without policies the user may do nothing in IAM.
	_, err = env.IAMAs(t, keyID, secretKey).ListUsers(t.Context(), &awsiam.ListUsersInput{})
	if code, _ := apiError(t, err); code != "AccessDenied" {
		t.Fatalf("ListUsers as alice: %v", err)
	}
}
