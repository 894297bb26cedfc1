package sigv4_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/sigv4"
)

// recorder is a loopback server that verifies every request it receives
// and answers with a canned body (or a 403 for a failed verification).
type recorder struct {
	v    *sigv4.Verifier
	mu   sync.Mutex
	errs []error
	res  []*sigv4.Result
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	res, err := rec.v.Verify(r.Context(), sigv4.FromHTTP(r, body))
	rec.mu.Lock()
	rec.errs = append(rec.errs, err)
	rec.res = append(rec.res, res)
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	if err != nil {
		w.WriteHeader(403)
		io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>x</Message></Error><RequestId>1</RequestId></ErrorResponse>`)
		return
	}
	if strings.Contains(string(body), "Action=GetUser") {
		io.WriteString(w, `<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult><User><Path>/</Path><UserName>alice</UserName><UserId>AIDAEXAMPLE</UserId><Arn>arn:aws:iam::123456789012:user/alice</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate></User></GetUserResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetUserResponse>`)
		return
	}
	io.WriteString(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
}

func (rec *recorder) last(t *testing.T) (*sigv4.Result, error) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.errs) == 0 {
		t.Fatal("the server received no request")
	}
	return rec.res[len(rec.res)-1], rec.errs[len(rec.errs)-1]
}

func startRecorder(t *testing.T, keys map[string]string) (*recorder, string) {
	t.Helper()
	lookup := sigv4.LookupFunc(func(_ context.Context, id, _ string) (sigv4.Secret, error) {
		s, ok := keys[id]
		if !ok {
			return sigv4.Secret{}, sigv4.ErrUnknownAccessKey
		}
		return sigv4.Secret{SecretAccessKey: s, Principal: id}, nil
	})
	// The SDK signs with the real clock; the server uses it too.
	v, err := sigv4.New(sigv4.Config{Lookup: lookup, Clock: time.Now, Services: []string{"iam", "sts"}})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{v: v}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

// TestRealSDKClients drives the real IAM and STS clients of aws-sdk-go-v2
// (with their own middleware stacks) against a loopback server that
// verifies with FromHTTP, the way the API layer will.
func TestRealSDKClients(t *testing.T) {
	const akid, secret, token = "ASIAEXAMPLEKEY", "s3cr3t/key+value", "session-token/+="
	rec, url := startRecorder(t, map[string]string{akid: secret})
	cfg := aws.Config{
		Region:      "eu-central-1",
		Credentials: credentials.NewStaticCredentialsProvider(akid, secret, token),
		HTTPClient:  http.DefaultClient,
	}
	ctx := context.Background()

	t.Run("iam GetUser", func(t *testing.T) {
		c := iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(url) })
		out, err := c.GetUser(ctx, &iam.GetUserInput{})
		if err != nil {
			_, verr := rec.last(t)
			t.Fatalf("GetUser: %v (server: %v)", err, verr)
		}
		res, verr := rec.last(t)
		if verr != nil || res.Scope.Service != "iam" || res.Scope.Region != "eu-central-1" || res.SecurityToken != token || aws.ToString(out.User.UserName) != "alice" {
			t.Fatalf("server: %+v, %v", res, verr)
		}
	})
	t.Run("sts GetCallerIdentity", func(t *testing.T) {
		c := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(url) })
		if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			_, verr := rec.last(t)
			t.Fatalf("GetCallerIdentity: %v (server: %v)", err, verr)
		}
		if res, verr := rec.last(t); verr != nil || res.Scope.Service != "sts" {
			t.Fatalf("server: %+v, %v", res, verr)
		}
	})
	t.Run("sts presigned GetCallerIdentity", func(t *testing.T) {
		c := sts.NewPresignClient(sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(url) }))
		p, err := c.PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(p.Method, p.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range p.SignedHeader {
			if !strings.EqualFold(k, "Host") {
				req.Header[k] = vs
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		res, verr := rec.last(t)
		if verr != nil || !res.Presigned || res.SecurityToken != token || resp.StatusCode != 200 {
			t.Fatalf("server: %+v, %v (HTTP %d)", res, verr, resp.StatusCode)
		}
	})
	t.Run("wrong secret is refused", func(t *testing.T) {
		bad := cfg.Copy()
		bad.Credentials = credentials.NewStaticCredentialsProvider(akid, "wrong", token)
		c := sts.NewFromConfig(bad, func(o *sts.Options) { o.BaseEndpoint = aws.String(url) })
		if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
			t.Fatal("call succeeded")
		}
		_, verr := rec.last(t)
		var e *sigv4.Error
		if !errors.As(verr, &e) || e.Code() != sigv4.CodeSignatureDoesNotMatch {
			t.Fatalf("server: %v", verr)
		}
	})
}
