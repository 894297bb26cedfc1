package authzapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/iamd/iamd/authzclient"
)

// TestAnswerEncoding: the hand-written encoder writes what encoding/json
// writes, for every shape of answer and strings that need escaping.
func TestAnswerEncoding(t *testing.T) {
	pi := authzclient.PrincipalInfo{ARN: "arn:aws:iam::123456789012:user/alice", Type: "User", AccountID: "123456789012", UserID: "AIDAX", AccessKeyID: "AKIAX"}
	allow := authzclient.Result{Allowed: true, Decision: "Allow", Reason: "Allowed by identity policy p statement 0 (S)", Action: "s3:GetObject",
		Resource: "arn:aws:s3:::b/k", MatchedStatements: []authzclient.Statement{{Policy: "p", Sid: "S", Index: 0, Effect: "Allow", Type: "identity"}}}
	deny := authzclient.Result{Decision: "ExplicitDeny", DeniedBy: "identity", Reason: `User: a is not "authorized" <&> é ` + "\u2028\x01\n\t\xff",
		EncodedMessage: "abc+/=", Action: "s3:Get\\Object", Resource: "arn:aws:s3:::b/ü", MatchedStatements: []authzclient.Statement{
			{Policy: "arn:aws:iam::123456789012:policy/deny", Index: 12, Effect: "Deny", Type: "identity"}, {Policy: "q", Sid: "x", Index: -1, Effect: "Deny", Type: "boundary"}}}
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"allow", &authzclient.CheckResponse{Principal: pi, Result: allow}},
		{"deny with escapes", &authzclient.CheckResponse{Principal: authzclient.PrincipalInfo{ARN: "arn:aws:iam::1:root", Type: "Root"}, Result: deny}},
		{"nil statements", &authzclient.CheckResponse{Result: authzclient.Result{Decision: "ImplicitDeny"}}},
		{"empty statements", &authzclient.CheckResponse{Result: authzclient.Result{MatchedStatements: []authzclient.Statement{}}}},
		{"batch", &authzclient.BatchResponse{Principal: pi, Results: []authzclient.Result{allow, deny, {}}}},
		{"batch without results", &authzclient.BatchResponse{Principal: pi}},
		{"batch with no results", &authzclient.BatchResponse{Results: []authzclient.Result{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want bytes.Buffer
			if err := json.NewEncoder(&want).Encode(tc.v); err != nil {
				t.Fatal(err)
			}
			var got []byte
			switch v := tc.v.(type) {
			case *authzclient.CheckResponse:
				got = appendCheckResponse(nil, v)
			case *authzclient.BatchResponse:
				got = appendBatchResponse(nil, v)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("got  %s\nwant %s", got, want.Bytes())
			}
		})
	}
}

// TestAnswerLength: answers carry their length, also past the 2 KiB that
// net/http would otherwise send chunked (a batch answer).
func TestAnswerLength(t *testing.T) {
	res := make([]authzclient.Result, 40)
	for i := range res {
		res[i] = authzclient.Result{Decision: "ImplicitDeny", Reason: "no identity-based policy allows the s3:GetObject action", MatchedStatements: []authzclient.Statement{}}
	}
	var h Handler
	rec := httptest.NewRecorder()
	h.writeJSON(rec, http.StatusOK, &authzclient.BatchResponse{Results: res})
	if n := rec.Body.Len(); n < 2048 || rec.Header().Get("Content-Length") != strconv.Itoa(n) {
		t.Fatalf("Content-Length %q for %d bytes", rec.Header().Get("Content-Length"), n)
	}
}
