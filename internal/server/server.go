// Package server wires iamd together as a library: the IAM domain service on
// a store, SigV4 authentication, an authorizer, the Query API with every
// registered operation, health endpoints and metrics, all behind one
// http.Handler. `iamd serve` and the test harness (servertest) build the
// same Server, so what the tests exercise is what runs.
package server

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/authzapi"
	"github.com/iamd/iamd/internal/api/iamapi"
	"github.com/iamd/iamd/internal/api/stsapi"
	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/sigv4"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/sts"
)

// Config is what New needs. Store, Sealer, Now and Rand are required.
type Config struct {
	Store  store.Store
	Sealer *secret.Sealer
	// Now is the server's clock: the domain's timestamps and SigV4's
	// request-time check both read it.
	Now  func() time.Time
	Rand io.Reader
	// Logger; nil discards.
	Logger *slog.Logger
	// Registry receives the API's metrics and is what /metrics serves; nil
	// creates one with the Go runtime and process collectors.
	Registry *prometheus.Registry
	// Authorizer decides every signed request after authentication; nil
	// means the policy engine over the store (internal/authz): the root may
	// do everything in its account, everyone else what their policies allow.
	Authorizer api.Authorizer
	// Passwords hashes console passwords; nil is the domain's default
	// (argon2id, secret.DefaultPasswordParams).
	Passwords *secret.PasswordHasher
	// Quotas; the zero value means iam.DefaultQuotas().
	Quotas iam.Quotas
	// MaxSkew is the SigV4 clock-skew tolerance; zero means
	// sigv4.DefaultMaxSkew (15 minutes, as AWS).
	MaxSkew time.Duration
	// Sessions, when set, builds the lookup of temporary credentials (see
	// AuthnConfig.Sessions) over the domain service.
	Sessions func(svc *iam.Service) sigv4.Lookup
	// Register adds further operation handlers (areas outside iamapi, such
	// as STS) to the API server after the IAM operations.
	Register []func(srv *api.Server, svc *iam.Service)
	// Web identity federation, passed to sts.Config: the bound on each
	// OIDC fetch (zero: sts.DefaultOIDCTimeout), the CAs trusted for
	// issuers instead of the system's (nil: the system pool), and whether
	// plain-HTTP loopback issuers are accepted.
	OIDCTimeout              time.Duration
	OIDCRoots                *x509.CertPool
	AllowLoopbackHTTPIssuers bool
	// Audit: every request is audited in the store (docs/audit.md); this
	// adds a file sink and sets the retention.
	Audit AuditConfig
}

// Server is the assembled service. It is an http.Handler.
type Server struct {
	// IAM is the domain service the handlers call.
	IAM *iam.Service
	// STS issues and verifies temporary credentials.
	STS *sts.Service
	// API is the Query API server (operation table, handlers).
	API *api.Server
	// Registry is what /metrics serves.
	Registry *prometheus.Registry

	store     store.Store
	instances http.Handler
	check     http.Handler // authzapi.Path, with the policy-engine authorizer
	log       *slog.Logger
	handler   http.Handler
	audit     *audit.Recorder
}

// New assembles a Server. It does not migrate or close the store: the
// caller owns it. ctx bounds the server's background work (following the
// store's changes): cancel it when the server stops.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	svcCfg := iam.Config{
		Store: cfg.Store, Sealer: cfg.Sealer, Passwords: cfg.Passwords,
		Now: cfg.Now, Rand: cfg.Rand, Quotas: cfg.Quotas, Logger: cfg.Logger,
	}
	if err := svcCfg.Validate(); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	svc := iam.New(svcCfg)

	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		if err := reg.Register(collectors.NewGoCollector()); err != nil {
			return nil, fmt.Errorf("server: metrics: %w", err)
		}
		if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
			return nil, fmt.Errorf("server: metrics: %w", err)
		}
	}
	metrics, err := api.NewMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("server: metrics: %w", err)
	}

	if cfg.Authorizer == nil {
		src := authz.NewStoreSource(cfg.Store)
		var revs authz.Revisions = src
		if w, ok := cfg.Store.(store.Watcher); ok {
			// Revisions from memory, following the store's change
			// announcements (other nodes' through PostgreSQL NOTIFY) until
			// ctx ends.
			revs = authz.WatchRevisions(ctx, src, w, 0, cfg.Logger)
		}
		a, err := authz.New(authz.Config{Policies: src, Resolver: src, Revisions: revs, KeyAges: src, Now: cfg.Now, Logger: cfg.Logger})
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		cfg.Authorizer = a
	}
	stsCfg := sts.Config{Store: cfg.Store, Sealer: cfg.Sealer, IAM: svc, Now: cfg.Now, Rand: cfg.Rand, Logger: cfg.Logger,
		OIDCTimeout: cfg.OIDCTimeout, OIDCRoots: cfg.OIDCRoots, AllowLoopbackHTTPIssuers: cfg.AllowLoopbackHTTPIssuers}
	if cp, ok := cfg.Authorizer.(sts.CallerPolicies); ok {
		stsCfg.CallerPolicies = cp // the caller's side of AssumeRole
	}
	stsSvc, err := sts.New(stsCfg)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	var sessions sigv4.Lookup = stsSvc
	if cfg.Sessions != nil {
		sessions = cfg.Sessions(svc)
	}
	rec, err := audit.New(audit.Config{Store: cfg.Store, Sink: cfg.Audit.Sink, Rand: cfg.Rand, Logger: cfg.Logger, MaxBatch: cfg.Audit.MaxBatch})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	aud := &auditor{rec: rec, now: cfg.Now, rand: cfg.Rand}
	// The audit trail records each long-term key's last use with its events.
	authn, err := NewAuthenticator(AuthnConfig{IAM: svc, Sessions: sessions, Now: cfg.Now, MaxSkew: cfg.MaxSkew, Logger: cfg.Logger, KeyUseAudited: true})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	apiSrv, err := api.New(api.Options{
		Authenticator: authn,
		Authorizer:    cfg.Authorizer,
		Logger:        cfg.Logger,
		Metrics:       metrics,
		Rand:          cfg.Rand,
		Now:           cfg.Now,
		Auditor:       aud,
	})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	iamapi.Register(apiSrv, iamapi.Deps{IAM: svc})
	stsapi.Register(apiSrv, stsapi.Deps{STS: stsSvc})
	for _, r := range cfg.Register {
		r(apiSrv, svc)
	}

	s := &Server{IAM: svc, STS: stsSvc, API: apiSrv, Registry: reg, store: cfg.Store, log: cfg.Logger, audit: rec}
	s.instances = aud.auditHTTP(instanceAudit, stsapi.InstanceHandler(stsSvc, authn, cfg.Logger)) // iamd exec's instance endpoints
	if az, ok := cfg.Authorizer.(*authz.Authorizer); ok {
		if s.check, err = authzapi.New(authzapi.Config{IAM: svc, Sessions: sessions, Authz: az, Now: cfg.Now, MaxSkew: cfg.MaxSkew, Logger: cfg.Logger,
			Messages: stsapi.AuthorizationMessages{STS: stsSvc}}); err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
	}
	if s.check != nil {
		s.check = aud.auditHTTP(checkAudit, s.check)
	}
	go audit.RunRetention(ctx, cfg.Store, cfg.Now, auditRetention(cfg.Audit), cfg.Audit.PruneEvery, cfg.Logger)
	s.handler = s.routes()
	return s, nil
}

// Close commits the audit events still queued and stops the audit writer.
// Call it after the HTTP server stopped serving (requests arriving later
// fail with ServiceFailure), before closing the store.
func (s *Server) Close() error { return s.audit.Close() }

// Paths other than the API's.
const (
	PathHealth  = "/healthz"
	PathReady   = "/readyz"
	PathMetrics = "/metrics"
)

// readyTimeout bounds the store probe of /readyz.
const readyTimeout = 2 * time.Second

// routes is the HTTP surface: the Query API at "/" (GET and POST, as AWS;
// other methods get the API's MethodNotAllowed error), the health and
// metrics endpoints, and a plain-text 404 for any other path (no AWS client
// sends a request elsewhere, so AWS's XML would help nobody).
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/{$}", s.API)
	mux.HandleFunc("GET "+PathHealth, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET "+PathReady, s.ready)
	mux.Handle("GET "+PathMetrics, api.MetricsHandler(s.Registry))
	mux.Handle(stsapi.PathPrefix, s.instances)
	if s.check != nil {
		mux.Handle(authzapi.PathPrefix, s.check) // the authorization API for other services
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "404 not found: iamd serves the AWS Query API at /, and /healthz, /readyz, /metrics", http.StatusNotFound)
	})
	return mux
}

// ready answers 200 when the store answers a read, 503 otherwise (the cause
// is logged, not shown).
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	err := s.Ping(ctx)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err != nil {
		s.log.Warn("readiness check failed", "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "store unavailable\n")
		return
	}
	io.WriteString(w, "ok\n")
}

// Ping reads from the store in a read-only transaction.
func (s *Server) Ping(ctx context.Context) error {
	return s.store.View(ctx, func(tx store.Txn) error {
		_, _, err := tx.ListAccounts(ctx, store.Page{Limit: 1})
		return err
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// errMissingCaller guards against an Authenticator bug reaching a handler.
var errMissingCaller = errors.New("server: request without an identity")

// identityOf is the caller as the Authenticator produced it.
func identityOf(c api.Caller) (*iam.Identity, error) {
	id, ok := c.(*iam.Identity)
	if !ok || id == nil {
		return nil, errMissingCaller
	}
	return id, nil
}
