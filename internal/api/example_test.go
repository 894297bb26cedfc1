package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/prometheus/client_golang/prometheus"
)

// Example shows the wiring: a Server with an Authenticator and an
// Authorizer, metrics on a registry, and one typed handler.
func Example() {
	reg := prometheus.NewRegistry()
	metrics, err := api.NewMetrics(reg)
	if err != nil {
		panic(err)
	}
	srv, err := api.New(api.Options{
		Authenticator: sigv4Authn{},   // the sigv4 verifier + store lookup, in cmd/iamd
		Authorizer:    denyKeyAuthz{}, // the authz engine, in cmd/iamd
		Logger:        slog.New(slog.DiscardHandler),
		Metrics:       metrics,
	})
	if err != nil {
		panic(err)
	}
	api.Handle(srv, "GetUser", func(ctx context.Context, c api.Caller, in *iamshape.GetUserInput) (*iamshape.GetUserOutput, error) {
		if in.UserName == nil {
			return nil, &api.Error{Code: "NoSuchEntity", Message: "The user with name " + c.AccessKeyID() + " cannot be found."}
		}
		return &iamshape.GetUserOutput{User: iamshape.User{Path: "/", UserName: *in.UserName, UserId: "AIDAEXAMPLE1234567890",
			Arn: "arn:aws:iam::123456789012:user/" + *in.UserName, CreateDate: fixedTime}}, nil
	})

	body := url.Values{"Action": {"GetUser"}, "Version": {"2010-05-08"}, "UserName": {"alice"}}.Encode()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	fmt.Println(strings.Contains(rec.Body.String(), "<UserName>alice</UserName>"))
	// Output:
	// 200
	// true
}
