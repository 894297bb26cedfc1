// Package servertest runs a complete iamd server for tests: a fresh SQLite
// store in t.TempDir(), one account with a root access key, the real
// server.Server on a loopback httptest server, a fake clock shared by the
// server and by the SDK clients' signers, and AWS SDK v2 clients pointed at
// it.
//
//	env := servertest.Start(t)
//	out, err := env.IAM().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
//
// Everything is closed by t.Cleanup. When the test fails, the server's log
// is printed.
package servertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/server"
	"github.com/iamd/iamd/internal/sigv4"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/postgres"
	"github.com/iamd/iamd/internal/store/postgres/pgtest"
	"github.com/iamd/iamd/internal/store/sqlite"
	iamdsts "github.com/iamd/iamd/internal/sts"
)

// DefaultAccountID is the account Start creates unless WithAccountID says
// otherwise.
const DefaultAccountID = "123456789012"

// DefaultStart is the fake clock's initial time unless WithStart says
// otherwise: fixed, so that tests are reproducible, and recent.
var DefaultStart = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// Region is the region the SDK clients sign for.
const Region = "us-east-1"

// Env is a running server and what a test needs to talk to it.
type Env struct {
	// URL is the server's base URL, http://127.0.0.1:<port>.
	URL string
	// AccountID is the account created at start; RootAccessKeyID and
	// RootSecret are its root user's access key.
	AccountID       string
	RootAccessKeyID string
	RootSecret      string
	// Service is the domain service the server runs on (for set-up and
	// checks that bypass the API); Store is its store.
	Service *iam.Service
	Store   store.Store
	// STSService is the STS domain service (temporary credentials).
	STSService *iamdsts.Service
	// Server is the assembled server (OperationTable via Server.API, ...).
	Server *server.Server
	// HTTPClient talks to URL.
	HTTPClient *http.Client
	// Logs holds the server's log output (text format, debug level).
	Logs *Logs

	clock *Clock
}

// Option changes how Start builds the environment.
type Option func(*options)

type options struct {
	accountID  string
	start      time.Time
	authorizer api.Authorizer
	quotas     iam.Quotas
	register   []func(*api.Server, *iam.Service)
	sessions   func(*iam.Service) sigv4.Lookup
	postgres   bool
	audit      server.AuditConfig
}

// WithAccountID sets the account created at start.
func WithAccountID(id string) Option { return func(o *options) { o.accountID = id } }

// WithStart sets the fake clock's initial time.
func WithStart(t time.Time) Option { return func(o *options) { o.start = t } }

// WithAuthorizer replaces the default authorizer (server.RootOnly).
func WithAuthorizer(a api.Authorizer) Option { return func(o *options) { o.authorizer = a } }

// WithQuotas sets the domain's quotas (e.g. small ones to reach a limit).
func WithQuotas(q iam.Quotas) Option { return func(o *options) { o.quotas = q } }

// WithRegister adds operation handlers, as server.Config.Register.
func WithRegister(fn func(*api.Server, *iam.Service)) Option {
	return func(o *options) { o.register = append(o.register, fn) }
}

// WithSessions sets the lookup of temporary credentials, as
// server.Config.Sessions.
func WithSessions(fn func(*iam.Service) sigv4.Lookup) Option {
	return func(o *options) { o.sessions = fn }
}

// WithAudit sets the audit trail's configuration (a sink, the retention).
func WithAudit(c server.AuditConfig) Option { return func(o *options) { o.audit = c } }

// WithPostgres runs the server on PostgreSQL (a schema of its own on the
// test server, see internal/store/postgres/pgtest) instead of SQLite. The
// environment variable IAMD_TEST_STORE=postgres makes it the default of every
// Start, so that any SDK test suite runs on PostgreSQL.
func WithPostgres() Option { return func(o *options) { o.postgres = true } }

// Start runs a server for the test and returns its environment. It fails
// the test (t.Fatal) if anything cannot be set up.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	o := options{accountID: DefaultAccountID, start: DefaultStart, postgres: os.Getenv("IAMD_TEST_STORE") == "postgres"}
	for _, fn := range opts {
		fn(&o)
	}
	// ctx bounds the server's background work; it ends after the HTTP
	// server closed and before the store does (cleanups run LIFO).
	ctx, cancel := context.WithCancel(context.Background())

	logs := &Logs{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})

	clock := NewClock(o.start)
	var st store.Store
	if o.postgres {
		st = pgtest.Open(t, postgres.Options{Now: clock.Now})
	} else {
		sq, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iamd.db"), sqlite.Options{Migrate: true, Now: clock.Now})
		if err != nil {
			t.Fatalf("servertest: open store: %v", err)
		}
		t.Cleanup(func() { sq.Close() })
		st = sq
	}
	t.Cleanup(cancel)

	masterKey := make([]byte, secret.KeySize)
	if _, err := io.ReadFull(rand.Reader, masterKey); err != nil {
		t.Fatal(err)
	}
	sealer, err := secret.NewSealer(rand.Reader, masterKey)
	if err != nil {
		t.Fatalf("servertest: sealer: %v", err)
	}
	// Cheap argon2id parameters: tests hash many passwords; production
	// uses secret.DefaultPasswordParams.
	hasher, err := secret.NewPasswordHasher(rand.Reader, secret.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, server.Config{
		Store: st, Sealer: sealer, Now: clock.Now, Rand: rand.Reader, Logger: logger,
		Authorizer: o.authorizer, Passwords: hasher, Quotas: o.quotas, Register: o.register, Sessions: o.sessions,
		Audit: o.audit,
	})
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}

	keyID, err := iam.NewAccessKeyID(rand.Reader, "AKIA", o.accountID)
	if err != nil {
		t.Fatalf("servertest: root access key ID: %v", err)
	}
	secretKey, err := iam.NewSecretAccessKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.IAM.EnsureAccount(ctx, o.accountID, keyID, secretKey); err != nil {
		t.Fatalf("servertest: create account: %v", err)
	}

	t.Cleanup(func() { srv.Close() }) // the audit writer stops after the HTTP server (LIFO)
	hs := httptest.NewServer(srv)     // listens on 127.0.0.1
	t.Cleanup(hs.Close)               // runs before the store closes (LIFO)

	return &Env{
		URL:             hs.URL,
		AccountID:       o.accountID,
		RootAccessKeyID: keyID,
		RootSecret:      secretKey,
		Service:         srv.IAM,
		Store:           st,
		STSService:      srv.STS,
		Server:          srv,
		HTTPClient:      hs.Client(),
		Logs:            logs,
		clock:           clock,
	}
}

// Now is the server's current (fake) time.
func (e *Env) Now() time.Time { return e.clock.Now() }

// Advance moves the server's clock forward. SDK clients from this Env sign
// with the same clock, so they keep working.
func (e *Env) Advance(d time.Duration) { e.clock.Advance(d) }

// Clock is the fake clock shared by server and clients.
func (e *Env) Clock() *Clock { return e.clock }

// AWSConfig is an SDK configuration for the given credentials (token ""
// for long-term keys): region us-east-1, this Env's HTTP client, retries
// off so that tests see every error at once.
func (e *Env) AWSConfig(keyID, secretKey, token string) aws.Config {
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider(keyID, secretKey, token),
		HTTPClient:  e.HTTPClient,
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// IAM is an IAM client signed with the root access key.
func (e *Env) IAM() *awsiam.Client {
	return e.iamClient(e.AWSConfig(e.RootAccessKeyID, e.RootSecret, ""))
}

// STS is an STS client signed with the root access key.
func (e *Env) STS() *sts.Client {
	return e.stsClient(e.AWSConfig(e.RootAccessKeyID, e.RootSecret, ""))
}

// IAMAs is an IAM client signed with other credentials.
func (e *Env) IAMAs(t testing.TB, keyID, secretKey string) *awsiam.Client {
	t.Helper()
	if keyID == "" || secretKey == "" {
		t.Fatal("servertest: IAMAs needs an access key ID and a secret")
	}
	return e.iamClient(e.AWSConfig(keyID, secretKey, ""))
}

// STSAs is an STS client signed with other credentials; token is the
// session token of temporary credentials ("" for long-term keys).
func (e *Env) STSAs(t testing.TB, keyID, secretKey, token string) *sts.Client {
	t.Helper()
	if keyID == "" || secretKey == "" {
		t.Fatal("servertest: STSAs needs an access key ID and a secret")
	}
	return e.stsClient(e.AWSConfig(keyID, secretKey, token))
}

// IAMWithToken is an IAM client signed with temporary credentials.
func (e *Env) IAMWithToken(t testing.TB, keyID, secretKey, token string) *awsiam.Client {
	t.Helper()
	return e.iamClient(e.AWSConfig(keyID, secretKey, token))
}

// STSPresign is a presigning STS client (presigned GetCallerIdentity)
// signing with the given credentials and the fake clock.
func (e *Env) STSPresign(keyID, secretKey, token string) *sts.PresignClient {
	return sts.NewPresignClient(e.stsClient(e.AWSConfig(keyID, secretKey, token)), func(o *sts.PresignOptions) {
		o.Presigner = clockPresigner{v4.NewSigner(), e.clock.Now}
	})
}

func (e *Env) iamClient(cfg aws.Config) *awsiam.Client {
	return awsiam.NewFromConfig(cfg, func(o *awsiam.Options) {
		o.BaseEndpoint = aws.String(e.URL)
		o.HTTPSignerV4 = clockSigner{v4.NewSigner(), e.clock.Now}
	})
}

func (e *Env) stsClient(cfg aws.Config) *sts.Client {
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.BaseEndpoint = aws.String(e.URL)
		o.HTTPSignerV4 = clockSigner{v4.NewSigner(), e.clock.Now}
	})
}

// clockSigner signs at the fake clock's time instead of the SDK's wall
// clock, so that the server's skew check passes whatever Advance did.
type clockSigner struct {
	s   *v4.Signer
	now func() time.Time
}

func (c clockSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) error {
	return c.s.SignHTTP(ctx, creds, r, payloadHash, service, region, c.now(), optFns...)
}

type clockPresigner clockSigner

func (c clockPresigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return c.s.PresignHTTP(ctx, creds, r, payloadHash, service, region, c.now(), optFns...)
}

// CreateUserWithKey creates the IAM user name (path "/") through the API as
// root, with one access key, and returns the key. It fails the test if the
// users area refuses.
func (e *Env) CreateUserWithKey(t testing.TB, name string) (accessKeyID, secretKey string) {
	t.Helper()
	ctx := context.Background()
	c := e.IAM()
	if _, err := c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatalf("servertest: CreateUser %s: %v", name, err)
	}
	out, err := c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatalf("servertest: CreateAccessKey %s: %v", name, err)
	}
	return aws.ToString(out.AccessKey.AccessKeyId), aws.ToString(out.AccessKey.SecretAccessKey)
}

// Sign signs a raw request (whose body is body) for service ("iam" or
// "sts") with the given key at the fake clock's time, as an SDK would.
func (e *Env) Sign(t testing.TB, req *http.Request, body []byte, service, keyID, secretKey string) {
	t.Helper()
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secretKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, Region, e.Now()); err != nil {
		t.Fatalf("servertest: sign: %v", err)
	}
}

// NewRequest builds a raw POST to the API with a form body (values like
// "Action=ListUsers&Version=2010-05-08"), signed as root for service.
func (e *Env) NewRequest(t testing.TB, service, form string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+"/", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	e.Sign(t, req, []byte(form), service, e.RootAccessKeyID, e.RootSecret)
	return req
}

// Do sends a raw request and returns the response with its body read (and
// closed).
func (e *Env) Do(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := e.HTTPClient.Do(req)
	if err != nil {
		t.Fatalf("servertest: %s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("servertest: read response: %v", err)
	}
	return resp, body
}

// Get is Do for an unsigned GET of path (e.g. "/healthz").
func (e *Env) Get(t testing.TB, path string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e.Do(t, req)
}

// Clock is a fake clock safe for concurrent use. It only moves when told.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Logs collects log output; safe for concurrent use.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Lines returns the log lines that contain every one of substrs.
func (l *Logs) Lines(substrs ...string) []string {
	var out []string
next:
	for _, line := range strings.Split(l.String(), "\n") {
		if line == "" {
			continue
		}
		for _, s := range substrs {
			if !strings.Contains(line, s) {
				continue next
			}
		}
		out = append(out, line)
	}
	return out
}

// AssumerPolicy is the inline policy CreateAssumerWithKey gives its user:
// sts:AssumeRole (with sts:TagSession and sts:SetSourceIdentity) on every
// role.
const AssumerPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"*"}]}`

// CreateAssumerWithKey creates the user name with an access key and
// AssumerPolicy: the root may not assume roles (AWS refuses it), so tests
// of role sessions assume them as such a user.
func (e *Env) CreateAssumerWithKey(t testing.TB, name string) (accessKeyID, secretKey string) {
	t.Helper()
	keyID, secret := e.CreateUserWithKey(t, name)
	if _, err := e.IAM().PutUserPolicy(context.Background(), &awsiam.PutUserPolicyInput{UserName: aws.String(name),
		PolicyName: aws.String("assume-roles"), PolicyDocument: aws.String(AssumerPolicy)}); err != nil {
		t.Fatalf("servertest: PutUserPolicy %s: %v", name, err)
	}
	return keyID, secret
}
