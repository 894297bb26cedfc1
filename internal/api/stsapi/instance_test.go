package stsapi_test

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/api/stsapi"
	"github.com/iamd/iamd/internal/server"
	"github.com/iamd/iamd/internal/server/servertest"
)

const ec2Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// instanceEnv is a server (its clock at the wall clock's time, for SDK
// clients that sign with it) with a role "web" in an instance profile
// "web", and the instance endpoints served next to it.
type instanceEnv struct {
	*servertest.Env
	instURL string
}

func startInstanceEnv(t *testing.T) *instanceEnv {
	t.Helper()
	env := servertest.Start(t, servertest.WithStart(time.Now().UTC().Truncate(time.Second)))
	ctx := t.Context()
	createRole(t, env, "web", ec2Trust)
	if _, err := env.IAM().CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.IAM().AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{
		InstanceProfileName: aws.String("web"), RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	authn, err := server.NewAuthenticator(server.AuthnConfig{IAM: env.Service, Sessions: env.Server.STS, Now: env.Now})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(stsapi.InstanceHandler(env.Server.STS, authn, nil))
	t.Cleanup(hs.Close)
	return &instanceEnv{Env: env, instURL: hs.URL}
}

func (e *instanceEnv) start(t *testing.T, keyID, secret, form string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.instURL+stsapi.PathInstances, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if keyID != "" {
		e.Sign(t, req, []byte(form), "sts", keyID, secret)
	}
	resp, body := e.Do(t, req)
	return resp.StatusCode, body
}

func (e *instanceEnv) credentials(t *testing.T, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.instURL+stsapi.PathInstanceCredentials, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", token)
	resp, body := e.Do(t, req)
	return resp.StatusCode, body
}

func TestInstanceEndpoints(t *testing.T) {
	e := startInstanceEnv(t)
	ctx := t.Context()
	status, body := e.start(t, e.RootAccessKeyID, e.RootSecret, "InstanceProfileName=web&DurationSeconds=3600")
	if status != 200 {
		t.Fatalf("start: HTTP %d %s", status, body)
	}
	var inst stsapi.StartInstanceOutput
	if err := json.Unmarshal(body, &inst); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(inst.InstanceID, "i-") || inst.RoleArn != "arn:aws:iam::"+e.AccountID+":role/web" || inst.Token == "" {
		t.Fatalf("instance %+v", inst)
	}
	status, body = e.credentials(t, inst.Token)
	if status != 200 {
		t.Fatalf("credentials: HTTP %d %s", status, body)
	}
	var c stsapi.ContainerCredentials
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", c.Expiration); err != nil || c.RoleArn != inst.RoleArn || c.AccountID != e.AccountID {
		t.Fatalf("credentials %+v (%v)", c, err)
	}
	who, err := e.STSAs(t, c.AccessKeyID, c.SecretAccessKey, c.Token).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::" + e.AccountID + ":assumed-role/web/" + inst.InstanceID; aws.ToString(who.Arn) != want {
		t.Fatalf("caller %s, want %s", aws.ToString(who.Arn), want)
	}

	for name, tc := range map[string]struct {
		keyID, secret, form string
		status              int
		code                string
	}{
		"unsigned":        {"", "", "InstanceProfileName=web", 403, "MissingAuthenticationToken"},
		"no profile name": {e.RootAccessKeyID, e.RootSecret, "DurationSeconds=900", 400, "MissingParameter"},
		"no such profile": {e.RootAccessKeyID, e.RootSecret, "InstanceProfileName=nope", 404, "NoSuchEntity"},
		"too long":        {e.RootAccessKeyID, e.RootSecret, "InstanceProfileName=web&DurationSeconds=999999", 400, "ValidationError"},
	} {
		status, body := e.start(t, tc.keyID, tc.secret, tc.form)
		var eb struct{ Code string }
		_ = json.Unmarshal(body, &eb)
		if status != tc.status || eb.Code != tc.code {
			t.Errorf("%s: HTTP %d %s, want %d %s", name, status, body, tc.status, tc.code)
		}
	}
	// A user without iam:PassRole on the role.
	akid, secret := e.CreateUserWithKey(t, "alice")
	status, body = e.start(t, akid, secret, "InstanceProfileName=web")
	if status != 403 || !strings.Contains(string(body), "iam:PassRole") {
		t.Fatalf("user without PassRole: HTTP %d %s", status, body)
	}
	if status, _ := e.credentials(t, "not-a-token"); status != 401 {
		t.Fatalf("bad token: HTTP %d", status)
	}
}

// agentFor serves an Agent of a new instance on loopback.
func agentFor(t *testing.T, e *instanceEnv) (url, authToken string) {
	t.Helper()
	status, body := e.start(t, e.RootAccessKeyID, e.RootSecret, "InstanceProfileName=web")
	if status != 200 {
		t.Fatalf("start: HTTP %d %s", status, body)
	}
	var inst stsapi.StartInstanceOutput
	if err := json.Unmarshal(body, &inst); err != nil {
		t.Fatal(err)
	}
	a, err := stsapi.NewAgent(stsapi.AgentConfig{Fetch: stsapi.ServerFetcher(http.DefaultClient, e.instURL, inst.Token),
		AuthToken: "local-secret", Now: e.Now, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(a)
	t.Cleanup(hs.Close)
	return hs.URL, "local-secret"
}

// sdkEnv leaves an SDK only the given credential sources.
func sdkEnv(t *testing.T, endpoint string, vars map[string]string) {
	t.Helper()
	base := map[string]string{
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_ROLE_ARN": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": "", "AWS_EC2_METADATA_DISABLED": "",
		"AWS_CONFIG_FILE":             filepath.Join(t.TempDir(), "none"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_REGION":                  servertest.Region,
		"AWS_ENDPOINT_URL":            endpoint,
	}
	for k, v := range vars {
		base[k] = v
	}
	for k, v := range base {
		t.Setenv(k, v)
	}
}

func callerARN(t *testing.T) string {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(who.Arn)
}

func TestAgentContainerCredentialsForSDK(t *testing.T) {
	e := startInstanceEnv(t)
	url, tok := agentFor(t, e)
	sdkEnv(t, e.URL, map[string]string{
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": url + stsapi.AgentCredentialsPath,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN":  tok,
		"AWS_EC2_METADATA_DISABLED":          "true",
	})
	if arn := callerARN(t); !strings.HasPrefix(arn, "arn:aws:sts::"+e.AccountID+":assumed-role/web/i-") {
		t.Fatalf("caller %s", arn)
	}
	// A wrong authorization token is refused.
	req, _ := http.NewRequest(http.MethodGet, url+stsapi.AgentCredentialsPath, nil)
	req.Header.Set("Authorization", "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("wrong token: HTTP %d", resp.StatusCode)
	}
}

func TestAgentIMDSForSDK(t *testing.T) {
	e := startInstanceEnv(t)
	url, _ := agentFor(t, e)
	sdkEnv(t, e.URL, map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": url + "/"})
	if arn := callerARN(t); !strings.HasPrefix(arn, "arn:aws:sts::"+e.AccountID+":assumed-role/web/i-") {
		t.Fatalf("caller %s", arn)
	}

	do := func(method, path string, hdr map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, url+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, _ := do("PUT", "/latest/api/token", nil); st != 400 {
		t.Fatalf("token without TTL: HTTP %d", st)
	}
	if st, _ := do("PUT", "/latest/api/token", map[string]string{"X-aws-ec2-metadata-token-ttl-seconds": "60", "X-Forwarded-For": "10.0.0.1"}); st != 403 {
		t.Fatalf("forwarded token request: HTTP %d", st)
	}
	if st, _ := do("GET", "/latest/meta-data/iam/security-credentials/", nil); st != 401 {
		t.Fatalf("metadata without a token: HTTP %d", st)
	}
	st, tok := do("PUT", "/latest/api/token", map[string]string{"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
	if st != 200 || tok == "" {
		t.Fatalf("token: HTTP %d", st)
	}
	h := map[string]string{"X-aws-ec2-metadata-token": tok}
	if st, role := do("GET", "/latest/meta-data/iam/security-credentials/", h); st != 200 || role != "web" {
		t.Fatalf("role listing: HTTP %d %q", st, role)
	}
	st, body := do("GET", "/latest/meta-data/iam/security-credentials/web", h)
	var c map[string]string
	if err := json.Unmarshal([]byte(body), &c); st != 200 || err != nil || c["Code"] != "Success" || c["Type"] != "AWS-HMAC" ||
		!strings.HasSuffix(c["Expiration"], "Z") || strings.Contains(c["Expiration"], ".") {
		t.Fatalf("credentials: HTTP %d %s", st, body)
	}
	if st, body := do("GET", "/latest/meta-data/iam/info", h); st != 200 || !strings.Contains(body, `"InstanceProfileArn":"arn:aws:iam::`+e.AccountID+`:instance-profile/web"`) {
		t.Fatalf("info: HTTP %d %s", st, body)
	}
	e.Advance(7 * time.Hour) // the IMDS session token has expired
	if st, _ := do("GET", "/latest/meta-data/iam/security-credentials/", h); st != 401 {
		t.Fatalf("expired IMDS token: HTTP %d", st)
	}
}

// The agent hands out the same credentials until they are within five
// minutes of expiring, then fetches new ones.
func TestAgentRefreshesBeforeExpiry(t *testing.T) {
	e := startInstanceEnv(t)
	url, tok := agentFor(t, e)
	get := func() stsapi.ContainerCredentials {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url+stsapi.AgentCredentialsPath, nil)
		req.Header.Set("Authorization", tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var c stsapi.ContainerCredentials
		if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != 200 {
			t.Fatalf("HTTP %d: %v", resp.StatusCode, err)
		}
		return c
	}
	first := get()
	e.Advance(54 * time.Minute)
	if again := get(); again.AccessKeyID != first.AccessKeyID {
		t.Fatal("credentials replaced while more than five minutes were left")
	}
	e.Advance(2 * time.Minute)
	second := get()
	if second.AccessKeyID == first.AccessKeyID || second.Expiration == first.Expiration {
		t.Fatalf("credentials not refreshed four minutes before expiry: %s until %s", second.AccessKeyID, second.Expiration)
	}
	exp, _ := time.Parse(time.RFC3339, second.Expiration)
	if !exp.Equal(e.Now().Add(time.Hour)) {
		t.Fatalf("new credentials expire %v, want an hour from %v", exp, e.Now())
	}
}
