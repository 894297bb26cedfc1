package stsapi

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Agent serves one instance's credentials on loopback to the processes that
// `iamd exec` runs, in the two forms the AWS SDKs' default chains know:
// container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI +
// AWS_CONTAINER_AUTHORIZATION_TOKEN; SDKs accept plain http only on
// loopback) and an IMDSv2-compatible metadata service
// (AWS_EC2_METADATA_SERVICE_ENDPOINT). It fetches credentials from the
// server's PathInstanceCredentials with the instance token, which never
// reaches the child processes, and refreshes them before they expire.
type Agent struct {
	cfg AgentConfig

	mu         sync.Mutex
	creds      *ContainerCredentials
	expiration time.Time
	imds       map[string]time.Time // IMDS session tokens and their expiry
}

// AgentConfig configures an Agent.
type AgentConfig struct {
	// Fetch gets fresh credentials (ServerFetcher).
	Fetch func(ctx context.Context) (ContainerCredentials, error)
	// AuthToken is what the container credentials path requires as its
	// Authorization header (AWS_CONTAINER_AUTHORIZATION_TOKEN).
	AuthToken string
	Now       func() time.Time
	Rand      io.Reader
}

// Agent paths.
const (
	AgentCredentialsPath = "/credentials"
	imdsTokenPath        = "/latest/api/token"
	imdsCredsPath        = "/latest/meta-data/iam/security-credentials/"
	imdsCredsExtPath     = "/latest/meta-data/iam/security-credentials-extended/"
	imdsInfoPath         = "/latest/meta-data/iam/info"
	imdsInstanceIDPath   = "/latest/meta-data/instance-id"
	// refreshBefore: credentials are fetched again when they have less
	// left (AWS publishes new ones at least 5 minutes before expiry).
	refreshBefore = 5 * time.Minute
	maxIMDSTTL    = 21600
)

// MaxIMDSTokens bounds the live IMDS session tokens of an Agent: anyone on
// the host may ask for tokens, and each is kept until it expires (up to six
// hours), so without a bound a loop of PUTs would grow the agent without
// limit. Beyond it the token request is refused (503, which SDKs retry)
// until tokens expire.
const MaxIMDSTokens = 1024

// NewAgent builds an Agent.
func NewAgent(cfg AgentConfig) (*Agent, error) {
	if cfg.Fetch == nil || cfg.AuthToken == "" || cfg.Now == nil || cfg.Rand == nil {
		return nil, errors.New("stsapi: agent needs Fetch, AuthToken, Now and Rand")
	}
	return &Agent{cfg: cfg, imds: map[string]time.Time{}}, nil
}

// ServerFetcher fetches an instance's credentials from an iamd server
// (baseURL such as https://iamd.example.com) with its instance token.
func ServerFetcher(client *http.Client, baseURL, instanceToken string) func(ctx context.Context) (ContainerCredentials, error) {
	return func(ctx context.Context) (ContainerCredentials, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(baseURL, "/")+PathInstanceCredentials, nil)
		if err != nil {
			return ContainerCredentials{}, err
		}
		req.Header.Set("Authorization", instanceToken)
		resp, err := client.Do(req)
		if err != nil {
			return ContainerCredentials{}, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return ContainerCredentials{}, err
		}
		if resp.StatusCode != http.StatusOK {
			var e errorBody
			_ = json.Unmarshal(body, &e)
			return ContainerCredentials{}, fmt.Errorf("instance credentials: HTTP %d %s: %s", resp.StatusCode, e.Code, e.Message)
		}
		var c ContainerCredentials
		if err := json.Unmarshal(body, &c); err != nil {
			return ContainerCredentials{}, fmt.Errorf("instance credentials: %w", err)
		}
		return c, nil
	}
}

// current returns credentials with more than refreshBefore left, fetching
// new ones when needed.
func (a *Agent) current(ctx context.Context) (ContainerCredentials, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.cfg.Now()
	if a.creds != nil && a.expiration.Sub(now) > refreshBefore {
		return *a.creds, nil
	}
	c, err := a.cfg.Fetch(ctx)
	if err != nil {
		if a.creds != nil && now.Before(a.expiration) {
			// The server is unreachable: the credentials still valid serve.
			return *a.creds, nil
		}
		return ContainerCredentials{}, err
	}
	exp, err := time.Parse(time.RFC3339, c.Expiration)
	if err != nil {
		return ContainerCredentials{}, fmt.Errorf("instance credentials: expiration %q: %w", c.Expiration, err)
	}
	a.creds, a.expiration = &c, exp
	return c, nil
}

func roleNameOf(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// ServeHTTP implements http.Handler.
func (a *Agent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == AgentCredentialsPath && r.Method == http.MethodGet:
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(a.cfg.AuthToken)) != 1 {
			writeJSON(w, http.StatusUnauthorized, errorBody{Code: "InvalidToken", Message: "The authorization token is not valid."})
			return
		}
		c, err := a.current(r.Context())
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, errorBody{Code: "CredentialsUnavailable", Message: err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, ContainerCredentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
			Token: c.Token, Expiration: c.Expiration, RoleArn: c.RoleArn, AccountID: c.AccountID})
	case r.URL.Path == imdsTokenPath:
		a.imdsToken(w, r)
	case strings.HasPrefix(r.URL.Path, "/latest/"):
		a.metadata(w, r)
	default:
		http.NotFound(w, r)
	}
}

// imdsToken is IMDSv2's PUT /latest/api/token.
func (a *Agent) imdsToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", http.MethodPut)
		http.Error(w, "", http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get("X-Forwarded-For") != "" {
		// As IMDS: a forwarded request is refused (SSRF protection).
		http.Error(w, "", http.StatusForbidden)
		return
	}
	ttl, err := strconv.Atoi(r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds"))
	if err != nil || ttl < 1 || ttl > maxIMDSTTL {
		http.Error(w, "", http.StatusBadRequest)
		return
	}
	var b [32]byte
	if _, err := io.ReadFull(a.cfg.Rand, b[:]); err != nil {
		http.Error(w, "", http.StatusInternalServerError)
		return
	}
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	now := a.cfg.Now()
	a.mu.Lock()
	for t, exp := range a.imds {
		if !now.Before(exp) {
			delete(a.imds, t)
		}
	}
	if len(a.imds) >= MaxIMDSTokens {
		a.mu.Unlock()
		http.Error(w, "", http.StatusServiceUnavailable)
		return
	}
	a.imds[tok] = now.Add(time.Duration(ttl) * time.Second)
	a.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("X-aws-ec2-metadata-token-ttl-seconds", strconv.Itoa(ttl))
	_, _ = io.WriteString(w, tok)
}

// metadata serves the IMDS paths the SDKs read; every request needs an
// IMDSv2 session token (IMDSv1 is off, as on instances that require v2).
func (a *Agent) metadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "", http.StatusMethodNotAllowed)
		return
	}
	tok := r.Header.Get("X-aws-ec2-metadata-token")
	a.mu.Lock()
	exp, ok := a.imds[tok]
	a.mu.Unlock()
	if !ok || !a.cfg.Now().Before(exp) {
		http.Error(w, "", http.StatusUnauthorized)
		return
	}
	c, err := a.current(r.Context())
	if err != nil {
		http.Error(w, "", http.StatusServiceUnavailable)
		return
	}
	role := roleNameOf(c.RoleArn)
	text := func(s string) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, s)
	}
	imdsCreds := func(extended bool) {
		out := map[string]string{
			"Code": "Success", "LastUpdated": c.LastUpdated, "Type": "AWS-HMAC",
			"AccessKeyId": c.AccessKeyID, "SecretAccessKey": c.SecretAccessKey, "Token": c.Token, "Expiration": c.Expiration,
		}
		if extended {
			out["AccountId"] = c.AccountID
		}
		writeJSON(w, http.StatusOK, out)
	}
	switch p := r.URL.Path; {
	case p == imdsCredsPath || p == imdsCredsExtPath:
		text(role)
	case p == imdsCredsPath+role:
		imdsCreds(false)
	case p == imdsCredsExtPath+role:
		imdsCreds(true)
	case p == imdsInfoPath:
		writeJSON(w, http.StatusOK, map[string]string{"Code": "Success", "LastUpdated": c.LastUpdated,
			"InstanceProfileArn": c.InstanceProfileArn, "InstanceProfileId": c.InstanceProfileID})
	case p == imdsInstanceIDPath:
		text(c.InstanceID)
	default:
		http.NotFound(w, r)
	}
}
