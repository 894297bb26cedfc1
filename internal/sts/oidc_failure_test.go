package sts

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/iamd/iamd/internal/sts/oidctest"
)

// TestFailedIssuerFetchIsNotRepeated: AssumeRoleWithWebIdentity needs no
// credentials, so while an issuer is failing, every call must not make iamd
// fetch (and wait up to the timeout) again: the failure is answered from
// memory for jwksRefetch, then the issuer is tried again.
func TestFailedIssuerFetchIsNotRepeated(t *testing.T) {
	var requests atomic.Int64
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(idp.Close)
	e := newWebEnv(t, true)
	provARN, host := e.provider(idp.URL, []string{"sts.amazonaws.com"}, nil)
	r := e.role(acct1, "r", webTrust(provARN, `{"StringEquals":{"`+host+`:aud":"sts.amazonaws.com"}}`, `"sts:AssumeRoleWithWebIdentity"`), 0)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	call := func() error {
		tok := oidctest.SignWith(t, key, "k1", idp.URL, e.clock.Now(), oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"))
		_, err := e.sts.AssumeRoleWithWebIdentity(t.Context(), AssumeRoleWithWebIdentityInput{RoleARN: r.ARN, RoleSessionName: "w1", WebIdentityToken: tok})
		return err
	}
	for range 5 {
		wantCode(t, call(), CodeIDPCommunicationError, "Couldn't retrieve verification key")
	}
	if n := requests.Load(); n != 1 {
		t.Fatalf("the issuer was asked %d times by five calls within jwksRefetch, want 1", n)
	}
	e.clock.Advance(jwksRefetch)
	wantCode(t, call(), CodeIDPCommunicationError, "Couldn't retrieve verification key")
	if n := requests.Load(); n != 2 {
		t.Fatalf("the issuer was asked %d times, want 2 (tried again after jwksRefetch)", n)
	}
}
