// Package oidctest runs a local OpenID Connect issuer for tests: a loopback
// HTTP or HTTPS server publishing /.well-known/openid-configuration and a
// JWKS, and a signer of ID tokens (Kubernetes service-account or CI-job
// style) with its RSA key.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer is a running OIDC issuer.
type Issuer struct {
	// URL is the issuer (the iss claim): http://127.0.0.1:<port> or
	// https://127.0.0.1:<port>.
	URL string
	// Thumbprint is the SHA-1 fingerprint (hex) of the HTTPS server's
	// certificate, for an IAM OIDC provider's ThumbprintList ("" for HTTP).
	Thumbprint string

	mu     sync.Mutex
	keys   []*rsa.PrivateKey // the last one signs
	kids   []string
	server *httptest.Server
	// Fetches counts the JWKS requests served.
	fetches int
}

// Start runs an issuer on loopback, over HTTPS when tls is true (with
// httptest's self-signed certificate), and closes it with t.Cleanup.
func Start(t testing.TB, tls bool) *Issuer {
	t.Helper()
	iss := &Issuer{}
	iss.Rotate(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                iss.URL,
			"jwks_uri":                              iss.URL + "/keys",
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		iss.mu.Lock()
		iss.fetches++
		var set jose.JSONWebKeySet
		for i, k := range iss.keys {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: iss.kids[i], Algorithm: string(jose.RS256), Use: "sig"})
		}
		iss.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	})
	iss.server = httptest.NewUnstartedServer(mux)
	// Refused handshakes (an untrusted certificate is a test case) are
	// expected: keep them out of the test output.
	iss.server.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tls {
		iss.server.StartTLS()
		sum := sha1.Sum(iss.server.Certificate().Raw)
		iss.Thumbprint = hex.EncodeToString(sum[:])
	} else {
		iss.server.Start()
	}
	iss.URL = iss.server.URL
	t.Cleanup(iss.server.Close)
	return iss
}

// Rotate adds a new signing key (the JWKS keeps the old ones).
func (i *Issuer) Rotate(t testing.TB) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = append(i.keys, k)
	i.kids = append(i.kids, "key-"+string(rune('a'+len(i.kids))))
}

// Fetches is how many times the JWKS was fetched.
func (i *Issuer) Fetches() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.fetches
}

// Token signs claims with the issuer's newest key; iss, iat and exp are
// filled in (exp one hour after now) unless claims sets them.
func (i *Issuer) Token(t testing.TB, now time.Time, claims map[string]any) string {
	t.Helper()
	i.mu.Lock()
	key, kid := i.keys[len(i.keys)-1], i.kids[len(i.kids)-1]
	i.mu.Unlock()
	return SignWith(t, key, kid, i.URL, now, claims)
}

// SignWith signs claims with any RSA key (a forged token when the key is
// not the issuer's).
func SignWith(t testing.TB, key *rsa.PrivateKey, kid, issuer string, now time.Time, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]any{"iss": issuer, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range claims {
		all[k] = v
	}
	tok, err := jwt.Signed(signer).Claims(all).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// KubernetesClaims are the claims of a projected service-account token.
func KubernetesClaims(namespace, serviceAccount, audience string) map[string]any {
	return map[string]any{
		"aud": []string{audience},
		"sub": "system:serviceaccount:" + namespace + ":" + serviceAccount,
		"kubernetes.io": map[string]any{
			"namespace":      namespace,
			"serviceaccount": map[string]any{"name": serviceAccount, "uid": "5d1c2f0e-0000-4000-8000-000000000001"},
		},
	}
}

// GitLabClaims are the claims of a GitLab CI id_token.
func GitLabClaims(project, branch, audience string) map[string]any {
	return map[string]any{
		"aud":             audience,
		"sub":             "project_path:" + project + ":ref_type:branch:ref:" + branch,
		"project_path":    project,
		"ref":             branch,
		"ref_type":        "branch",
		"ref_protected":   "true",
		"pipeline_source": "push",
	}
}

// Close stops the issuer (an unreachable identity provider).
func (i *Issuer) Close() { i.server.Close() }
