package sts

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/sts/oidctest"
)

func newWebEnv(t *testing.T, allowLoopbackHTTP bool) *env {
	t.Helper()
	e := newEnv(t, nil)
	s, err := New(Config{Store: e.st, Sealer: newSealer(t, masterKey(7)), IAM: e.iam, Now: e.clock.Now, Rand: rand.Reader,
		AllowLoopbackHTTPIssuers: allowLoopbackHTTP, OIDCTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e.sts = s
	return e
}

// provider registers the issuer as an IAM OIDC provider of acct1 and
// returns its ARN and its URL without scheme (the condition-key prefix).
func (e *env) provider(issuer string, clientIDs []string, thumbprints []string) (string, string) {
	e.t.Helper()
	host := strings.TrimPrefix(strings.TrimPrefix(issuer, "http://"), "https://")
	p, err := e.iam.CreateOpenIDConnectProvider(e.t.Context(), acct1, "https://"+host, clientIDs, thumbprints, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return p.ARN, host
}

func webTrust(provARN, conditions, actions string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provARN + `"},
		"Action":` + actions + `,"Condition":` + conditions + `}]}`
}

func TestWebIdentityKubernetesAndCI(t *testing.T) {
	e := newWebEnv(t, true)
	ctx := t.Context()
	iss := oidctest.Start(t, false)
	provARN, key := e.provider(iss.URL, []string{"sts.amazonaws.com", "https://gitlab.example.com"}, nil)
	k8s := e.role(acct1, "k8s-app", webTrust(provARN,
		`{"StringEquals":{"`+key+`:aud":"sts.amazonaws.com","`+key+`:sub":"system:serviceaccount:prod:app"}}`,
		`"sts:AssumeRoleWithWebIdentity"`), 0)
	ci := e.role(acct1, "ci-deploy", webTrust(provARN,
		`{"StringEquals":{"`+key+`:aud":"https://gitlab.example.com"},"StringLike":{"`+key+`:sub":"project_path:infra/*:ref_type:branch:ref:main"}}`,
		`"sts:AssumeRoleWithWebIdentity"`), 0)

	assume := func(role iam.Role, token string) (AssumeRoleWithWebIdentityResult, error) {
		return e.sts.AssumeRoleWithWebIdentity(ctx, AssumeRoleWithWebIdentityInput{RoleARN: role.ARN, RoleSessionName: "web-1", WebIdentityToken: token})
	}
	now := e.clock.Now()
	res, err := assume(k8s, iss.Token(t, now, oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com")))
	if err != nil {
		t.Fatal(err)
	}
	if res.ARN != "arn:aws:sts::"+acct1+":assumed-role/k8s-app/web-1" || res.Subject != "system:serviceaccount:prod:app" ||
		res.Audience != "sts.amazonaws.com" || res.Provider != iss.URL || res.AssumedRoleID != k8s.ID+":web-1" {
		t.Fatalf("result %+v", res)
	}
	id := e.session(res.Credentials)
	if id.Kind != iam.IdentityAssumedRole || id.RoleName != "k8s-app" || id.Chained {
		t.Fatalf("session %+v", id)
	}
	if _, err := assume(ci, iss.Token(t, now, oidctest.GitLabClaims("infra/deploy", "main", "https://gitlab.example.com"))); err != nil {
		t.Fatalf("GitLab CI token: %v", err)
	}

	for _, tc := range []struct {
		name  string
		role  iam.Role
		token string
		code  string
		msg   string
	}{
		{"other service account", k8s, iss.Token(t, now, oidctest.KubernetesClaims("prod", "other", "sts.amazonaws.com")),
			iam.CodeAccessDenied, msgWebIdentityDenied},
		{"other branch", ci, iss.Token(t, now, oidctest.GitLabClaims("infra/deploy", "feature", "https://gitlab.example.com")),
			iam.CodeAccessDenied, msgWebIdentityDenied},
		{"audience of another role", k8s, iss.Token(t, now, oidctest.GitLabClaims("infra/deploy", "main", "https://gitlab.example.com")),
			iam.CodeAccessDenied, msgWebIdentityDenied},
		{"audience not a client ID", k8s, iss.Token(t, now, oidctest.KubernetesClaims("prod", "app", "vault")),
			CodeInvalidIdentityToken, "Incorrect token audience"},
		{"expired", k8s, iss.Token(t, now, mergeClaims(oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"), map[string]any{"exp": now.Add(-time.Second).Unix()})),
			CodeExpiredTokenException, "Token expired: current date/time"},
		{"not yet valid", k8s, iss.Token(t, now, mergeClaims(oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"), map[string]any{"nbf": now.Add(time.Hour).Unix()})),
			CodeInvalidIdentityToken, "nbf"},
		{"forged signature", k8s, forged(t, iss.URL, now), CodeInvalidIdentityToken, "could not be validated"},
		{"not a JWT", k8s, "not.a.jwt", CodeInvalidIdentityToken, "could not be validated"},
		{"issuer not registered", k8s, oidctest.SignWith(t, mustKey(t), "key-a", "https://issuer.example.com", now, oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com")),
			CodeInvalidIdentityToken, "No OpenIDConnect provider found in your account for https://issuer.example.com"},
	} {
		_, err := assume(tc.role, tc.token)
		if err == nil {
			t.Fatalf("%s: accepted", tc.name)
		}
		wantCode(t, err, tc.code, tc.msg)
	}
	_, err = e.sts.AssumeRoleWithWebIdentity(ctx, AssumeRoleWithWebIdentityInput{RoleARN: iam.RoleARN(acct1, "/", "missing"),
		RoleSessionName: "web-1", WebIdentityToken: iss.Token(t, now, oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"))})
	wantCode(t, err, iam.CodeAccessDenied, msgWebIdentityDenied)
	_, err = e.sts.AssumeRoleWithWebIdentity(ctx, AssumeRoleWithWebIdentityInput{RoleARN: k8s.ARN, RoleSessionName: "web-1", Duration: 2 * time.Hour,
		WebIdentityToken: iss.Token(t, now, oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"))})
	wantCode(t, err, iam.CodeValidationError, "MaxSessionDuration")
}

func mergeClaims(a, b map[string]any) map[string]any {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func mustKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// forged is a token naming the issuer and its key ID but signed by another key.
func forged(t *testing.T, issuer string, now time.Time) string {
	return oidctest.SignWith(t, mustKey(t), "key-a", issuer, now, oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"))
}

func TestWebIdentityTagsAndSourceIdentity(t *testing.T) {
	e := newWebEnv(t, true)
	iss := oidctest.Start(t, false)
	provARN, key := e.provider(iss.URL, []string{"sts.amazonaws.com"}, nil)
	cond := `{"StringEquals":{"` + key + `:aud":"sts.amazonaws.com"}}`
	plain := e.role(acct1, "plain", webTrust(provARN, cond, `"sts:AssumeRoleWithWebIdentity"`), 0)
	tagging := e.role(acct1, "tagging", webTrust(provARN, cond, `["sts:AssumeRoleWithWebIdentity","sts:TagSession","sts:SetSourceIdentity"]`), 0)
	claims := func() map[string]any {
		return mergeClaims(oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"), map[string]any{
			"https://aws.amazon.com/tags": map[string]any{
				"principal_tags":      map[string]any{"team": []string{"ops"}, "env": []string{"prod"}},
				"transitive_tag_keys": []string{"team"},
			},
			"https://aws.amazon.com/source_identity": "alice",
		})
	}
	now := e.clock.Now()
	_, err := e.sts.AssumeRoleWithWebIdentity(t.Context(), AssumeRoleWithWebIdentityInput{RoleARN: plain.ARN, RoleSessionName: "w1", WebIdentityToken: iss.Token(t, now, claims())})
	wantCode(t, err, iam.CodeAccessDenied, msgWebIdentityDenied)
	res, err := e.sts.AssumeRoleWithWebIdentity(t.Context(), AssumeRoleWithWebIdentityInput{RoleARN: tagging.ARN, RoleSessionName: "w1", WebIdentityToken: iss.Token(t, now, claims())})
	if err != nil {
		t.Fatal(err)
	}
	id := e.session(res.Credentials)
	if len(id.SessionTags) != 2 || id.SourceIdentity != "alice" || len(id.TransitiveTagKeys) != 1 || id.TransitiveTagKeys[0] != "team" || !res.HasPackedPolicy {
		t.Fatalf("session %+v, result %+v", id, res)
	}
}

func TestWebIdentityKeysAndTransport(t *testing.T) {
	ctx := t.Context()
	t.Run("key rotation at the issuer", func(t *testing.T) {
		e := newWebEnv(t, true)
		iss := oidctest.Start(t, false)
		provARN, key := e.provider(iss.URL, []string{"sts.amazonaws.com"}, nil)
		r := e.role(acct1, "r", webTrust(provARN, `{"StringEquals":{"`+key+`:aud":"sts.amazonaws.com"}}`, `"sts:AssumeRoleWithWebIdentity"`), 0)
		tok := func() string {
			return iss.Token(t, e.clock.Now(), oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"))
		}
		in := AssumeRoleWithWebIdentityInput{RoleARN: r.ARN, RoleSessionName: "w1"}
		for range 3 {
			in.WebIdentityToken = tok()
			if _, err := e.sts.AssumeRoleWithWebIdentity(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		if n := iss.Fetches(); n != 1 {
			t.Fatalf("JWKS fetched %d times for three tokens of one key, want 1 (cached)", n)
		}
		iss.Rotate(t)
		e.clock.Advance(jwksRefetch)
		in.WebIdentityToken = tok()
		if _, err := e.sts.AssumeRoleWithWebIdentity(ctx, in); err != nil {
			t.Fatalf("token of a new key: %v", err)
		}
		if n := iss.Fetches(); n != 2 {
			t.Fatalf("JWKS fetched %d times after a new key ID, want 2", n)
		}
	})
	t.Run("plain http needs the flag", func(t *testing.T) {
		e := newWebEnv(t, false)
		iss := oidctest.Start(t, false)
		provARN, key := e.provider(iss.URL, []string{"sts.amazonaws.com"}, nil)
		r := e.role(acct1, "r", webTrust(provARN, `{"StringEquals":{"`+key+`:aud":"sts.amazonaws.com"}}`, `"sts:AssumeRoleWithWebIdentity"`), 0)
		// Without the flag the http issuer is not even matched to the
		// https provider registered for its host.
		_, err := e.sts.AssumeRoleWithWebIdentity(ctx, AssumeRoleWithWebIdentityInput{RoleARN: r.ARN, RoleSessionName: "w1",
			WebIdentityToken: iss.Token(t, e.clock.Now(), oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"))})
		wantCode(t, err, CodeInvalidIdentityToken, "No OpenIDConnect provider found")
	})
	t.Run("https issuer trusted by thumbprint", func(t *testing.T) {
		e := newWebEnv(t, false)
		iss := oidctest.Start(t, true)
		provARN, key := e.provider(iss.URL, []string{"sts.amazonaws.com"}, []string{strings.ToUpper(iss.Thumbprint)})
		r := e.role(acct1, "r", webTrust(provARN, `{"StringEquals":{"`+key+`:aud":"sts.amazonaws.com"}}`, `"sts:AssumeRoleWithWebIdentity"`), 0)
		if _, err := e.sts.AssumeRoleWithWebIdentity(ctx, AssumeRoleWithWebIdentityInput{RoleARN: r.ARN, RoleSessionName: "w1",
			WebIdentityToken: iss.Token(t, e.clock.Now(), oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"))}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("https issuer with an untrusted certificate", func(t *testing.T) {
		e := newWebEnv(t, false)
		iss := oidctest.Start(t, true)
		provARN, key := e.provider(iss.URL, []string{"sts.amazonaws.com"}, []string{strings.Repeat("ab", 20)})
		r := e.role(acct1, "r", webTrust(provARN, `{"StringEquals":{"`+key+`:aud":"sts.amazonaws.com"}}`, `"sts:AssumeRoleWithWebIdentity"`), 0)
		_, err := e.sts.AssumeRoleWithWebIdentity(ctx, AssumeRoleWithWebIdentityInput{RoleARN: r.ARN, RoleSessionName: "w1",
			WebIdentityToken: iss.Token(t, e.clock.Now(), oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"))})
		wantCode(t, err, CodeInvalidIdentityToken, "Couldn't retrieve verification key")
	})
	t.Run("issuer down", func(t *testing.T) {
		e := newWebEnv(t, false)
		iss := oidctest.Start(t, true)
		provARN, key := e.provider(iss.URL, []string{"sts.amazonaws.com"}, []string{iss.Thumbprint})
		r := e.role(acct1, "r", webTrust(provARN, `{"StringEquals":{"`+key+`:aud":"sts.amazonaws.com"}}`, `"sts:AssumeRoleWithWebIdentity"`), 0)
		token := iss.Token(t, e.clock.Now(), oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com"))
		iss.Close()
		_, err := e.sts.AssumeRoleWithWebIdentity(ctx, AssumeRoleWithWebIdentityInput{RoleARN: r.ARN, RoleSessionName: "w1", WebIdentityToken: token})
		wantCode(t, err, CodeIDPCommunicationError, "Couldn't retrieve verification key")
	})
}
