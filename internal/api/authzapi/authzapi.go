// Package authzapi is iamd's authorization API for other services: a
// service that received a request from one of its callers asks whether the
// caller may perform an action on a resource, and gets the decision of the
// engine that authorizes iamd's own requests (internal/authz), with the
// principal's policies, boundary, session policies and tags.
//
//	POST /authz/v1/check         one check   (authzclient.CheckRequest → CheckResponse)
//	POST /authz/v1/batch-check   up to 100   (authzclient.BatchRequest → BatchResponse)
//
// Both are SigV4-signed by the asking service (credential scope service
// "iam"), which must be allowed iamd:Authorize on the principal's ARN. The
// principal is named by its ARN or access key ID, or by the SigV4 elements
// of the request the service received (method, path, query, headers,
// payload hash): iamd then verifies that signature itself, for any service
// and region in the scope, and decides for the signer. The wire types are
// those of the public package authzclient; docs/authz-api.md is the
// protocol.
package authzapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/authzclient"
	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
	"github.com/iamd/iamd/internal/sigv4"
	"github.com/iamd/iamd/internal/store"
)

// Paths served; PathPrefix routes both to the Handler.
const (
	Path       = authzclient.PathCheck
	PathBatch  = authzclient.PathBatch
	PathPrefix = "/authz/v1/"
)

// ActionAuthorize is what the asking service needs, on the principal's
// ARN.
const ActionAuthorize = authzclient.ActionAuthorize

// MaxBodyBytes bounds a request (a batch with resource policies fits).
const MaxBodyBytes = 1 << 20

// keyCacheSize bounds the resolved access keys kept between requests.
const keyCacheSize = 4096

// Config is what the handler needs.
type Config struct {
	// IAM resolves long-term access keys and their owners. Required.
	IAM *iam.Service
	// Sessions resolves temporary credentials (ASIA… keys with a session
	// token); nil refuses them.
	Sessions sigv4.Lookup
	// Authz decides. Required. Its account revisions also say when a
	// resolved access key must be looked up again.
	Authz *authz.Authorizer
	// Now is the server's clock (SigV4's request-time check). Required.
	Now     func() time.Time
	MaxSkew time.Duration
	Logger  *slog.Logger
	// Messages, when set, adds to every denial an encoded authorization
	// message that sts:DecodeAuthorizationMessage opens (the decision's
	// details, for the principal's administrators only).
	Messages MessageEncoder
}

// MessageEncoder seals the details of a denied check.
type MessageEncoder interface {
	EncodeAuthorizationMessage(ctx context.Context, principal *iam.Identity, check authz.Check, d *authz.Decision) (string, error)
}

// Handler serves PathPrefix.
type Handler struct {
	cfg  Config
	v    *sigv4.Verifier
	keys keyCache
	bufs sync.Pool // *bytes.Buffer for answers
}

// New returns the handler.
func New(cfg Config) (*Handler, error) {
	if cfg.IAM == nil || cfg.Authz == nil || cfg.Now == nil {
		return nil, errors.New("authzapi: IAM, Authz and Now are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, keys: keyCache{m: map[string]*keyEntry{}}}
	// No service list: a forwarded request is signed for the asking
	// service's own name (s3, execute-api, …). The asking service's own
	// request must name iam (Request.Service below).
	v, err := sigv4.New(sigv4.Config{Lookup: sigv4.LookupFunc(h.lookup), Clock: cfg.Now, MaxSkew: cfg.MaxSkew})
	if err != nil {
		return nil, err
	}
	h.v = v
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var out any
	var err error
	switch {
	case r.Method != http.MethodPost:
		err = &iam.Error{Code: "MethodNotAllowed", Message: "Use POST."}
	case r.URL.Path == Path:
		out, err = h.check(r)
	case r.URL.Path == PathBatch:
		out, err = h.batch(r)
	default:
		h.writeJSON(w, http.StatusNotFound, authzclient.ErrorResponse{Code: "NotFound", Message: "Unknown path " + r.URL.Path + "; the authorization API serves " + Path + " and " + PathBatch + "."})
		return
	}
	if err != nil {
		code, msg, status := "ServiceFailure", "The request processing has failed because of an unknown error, exception or failure.", http.StatusInternalServerError
		var ae api.AWSError
		if errors.As(err, &ae) {
			code, msg, status = ae.AWSErrorCode(), ae.AWSMessage(), statusOf(ae.AWSErrorCode())
		} else {
			h.cfg.Logger.Error("authz check failed", "error", err)
		}
		h.writeJSON(w, status, authzclient.ErrorResponse{Code: code, Message: msg})
		return
	}
	h.writeJSON(w, http.StatusOK, out)
}

func statusOf(code string) int {
	switch code {
	case "AccessDenied", "InvalidClientTokenId", "SignatureDoesNotMatch", "MissingAuthenticationToken", "ExpiredToken", "IncompleteSignature":
		return http.StatusForbidden
	case "MethodNotAllowed":
		return http.StatusMethodNotAllowed
	case "ServiceFailure":
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// writeJSON encodes the answer whole, into a recycled buffer, so that
// Content-Length is set and the connection stays reusable.
func (h *Handler) writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := h.bufs.Get().(*bytes.Buffer)
	if b == nil {
		b = new(bytes.Buffer)
	}
	b.Reset()
	defer h.bufs.Put(b)
	switch v := v.(type) {
	case *authzclient.CheckResponse:
		b.Write(appendCheckResponse(b.AvailableBuffer(), v))
	case *authzclient.BatchResponse:
		b.Write(appendBatchResponse(b.AvailableBuffer(), v))
	default:
		_ = json.NewEncoder(b).Encode(v)
	}
	w.Header()["Content-Type"] = []string{"application/json"}
	// net/http would send a body over 2 KiB (a batch answer) chunked.
	w.Header()["Content-Length"] = []string{strconv.Itoa(b.Len())}
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func badRequest(format string, args ...any) error {
	return &iam.Error{Code: iam.CodeInvalidInput, Message: fmt.Sprintf(format, args...)}
}

// read authenticates the asking service and decodes the body into v.
func (h *Handler) read(r *http.Request, v any) (*iam.Identity, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		return nil, badRequest("The request body could not be read or exceeds %d bytes.", MaxBodyBytes)
	}
	sr := sigv4.FromHTTP(r, body)
	sr.Service = "iam"
	asker, res, err := h.authenticate(r.Context(), sr)
	if err != nil {
		return nil, err
	}
	if res.UnsignedPayload {
		// The body is the question: a signature that does not cover it
		// would let whoever holds the request change it.
		return nil, &iam.Error{Code: sigv4.CodeIncompleteSignature, Message: "The request body must be signed: UNSIGNED-PAYLOAD is not accepted for this service."}
	}
	switch v := v.(type) {
	case *authzclient.CheckRequest:
		if decodeCheckFast(body, v) {
			return asker, nil
		}
		*v = authzclient.CheckRequest{}
	case *authzclient.BatchRequest:
		if decodeBatchFast(body, v) {
			return asker, nil
		}
		*v = authzclient.BatchRequest{}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, badRequest("The request body is not a valid check request: %v", err)
	}
	return asker, nil
}

func (h *Handler) check(r *http.Request) (*authzclient.CheckResponse, error) {
	var req authzclient.CheckRequest
	asker, err := h.read(r, &req)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	subject, err := h.subject(ctx, asker, req.Principal, req.Request)
	if err != nil {
		return nil, err
	}
	if err := h.mayAsk(ctx, r, asker, subject); err != nil {
		return nil, err
	}
	if err := h.namedExactly(ctx, req.Principal, subject); err != nil {
		return nil, err
	}
	out := &authzclient.CheckResponse{Principal: principalInfo(subject)}
	if out.Result, err = h.decide(ctx, subject, &out.Principal, &req.Check, nil); err != nil {
		return nil, err
	}
	return out, nil
}

func (h *Handler) batch(r *http.Request) (*authzclient.BatchResponse, error) {
	var req authzclient.BatchRequest
	asker, err := h.read(r, &req)
	if err != nil {
		return nil, err
	}
	if n := len(req.Checks); n == 0 || n > authzclient.MaxBatchChecks {
		return nil, badRequest("checks must hold between 1 and %d checks; it holds %d.", authzclient.MaxBatchChecks, n)
	}
	ctx := r.Context()
	subject, err := h.subject(ctx, asker, req.Principal, req.Request)
	if err != nil {
		return nil, err
	}
	if err := h.mayAsk(ctx, r, asker, subject); err != nil {
		return nil, err
	}
	if err := h.namedExactly(ctx, req.Principal, subject); err != nil {
		return nil, err
	}
	out := &authzclient.BatchResponse{Principal: principalInfo(subject), Results: make([]authzclient.Result, len(req.Checks))}
	for i := range req.Checks {
		if out.Results[i], err = h.decide(ctx, subject, &out.Principal, &req.Checks[i], req.Context); err != nil {
			var ie *iam.Error
			if errors.As(err, &ie) {
				ie.Message = fmt.Sprintf("checks[%d]: %s", i, ie.Message)
			}
			return nil, err
		}
	}
	return out, nil
}

// mayAsk decides whether the asking service may ask about subject:
// iamd:Authorize on the subject's ARN, in the subject's account (another
// account's principal is then a cross-account request, which no resource
// policy can allow here).
func (h *Handler) mayAsk(ctx context.Context, r *http.Request, asker, subject *iam.Identity) error {
	c := authz.Check{Action: ActionAuthorize, Resource: subject.ARN}
	// The asking service's own key is held to the account's maximum age,
	// as on iamd's own API.
	if err := h.cfg.Authz.KeyAgeErr(ctx, asker, c); err != nil {
		return err
	}
	d, err := h.cfg.Authz.Decide(ctx, authz.Query{Caller: asker,
		Checks:          []authz.Check{c},
		ResourceAccount: subject.AccountID,
		Facts:           authz.RequestFacts{RemoteAddr: r.RemoteAddr, UserAgent: r.UserAgent(), Secure: r.TLS != nil}})
	if err != nil {
		return err
	}
	return d.Err()
}

// namedExactly refuses a user or role ARN that names an existing entity
// with another path (or another case of its name): policies are found by
// name, so "user/teamx/bob" would otherwise be decided with the policies
// of "user/ops/bob" by an asking service allowed iamd:Authorize on
// user/teamx/* only, and conditions on the principal's ARN would see the
// ARN as given. It runs after mayAsk so that only an asker allowed to ask
// about the ARN learns that it is wrong. An ARN naming no entity is decided
// as before (no policies).
func (h *Handler) namedExactly(ctx context.Context, p *authzclient.Principal, subject *iam.Identity) error {
	if p == nil || p.ARN == "" {
		return nil
	}
	var kind, name string
	switch subject.Kind {
	case iam.IdentityUser:
		kind, name = store.PrincipalUser, subject.UserName
	case iam.IdentityAssumedRole:
		kind, name = store.PrincipalRole, subject.RoleName
	default:
		return nil
	}
	arn, err := h.cfg.Authz.EntityARN(ctx, subject.AccountID, kind, name)
	if err != nil {
		return err
	}
	if arn != "" && arn != p.ARN {
		return badRequest("The principal %s is not a user, role or root of account %s.", p.ARN, subject.AccountID)
	}
	return nil
}

// decide answers one check for subject; shared are the batch's context
// keys under the check's own. It completes pi with what the engine found
// (the user ID of a user named by its ARN).
func (h *Handler) decide(ctx context.Context, subject *iam.Identity, pi *authzclient.PrincipalInfo, c *authzclient.Check, shared map[string][]string) (authzclient.Result, error) {
	if c.Action == "" || strings.IndexByte(c.Action, ':') <= 0 {
		return authzclient.Result{}, badRequest("action must be service:Action.")
	}
	resources := c.Resources
	switch {
	case c.Resource != "" && len(c.Resources) > 0:
		return authzclient.Result{}, badRequest("Give resource or resources, not both.")
	case c.Resource != "":
		resources = []string{c.Resource}
	case len(resources) == 0:
		return authzclient.Result{}, badRequest("resource must be an ARN or \"*\".")
	}
	var keys []authz.Key
	for k, vs := range shared {
		if _, over := c.Context[k]; !over {
			keys = append(keys, authz.Key{Name: k, Values: vs, Multi: len(vs) != 1})
		}
	}
	for k, vs := range c.Context {
		keys = append(keys, authz.Key{Name: k, Values: vs, Multi: len(vs) != 1})
	}
	q := authz.Query{Caller: subject, NoFacts: true, ResourceAccount: c.ResourceAccount, Checks: make([]authz.Check, 0, len(resources))}
	for _, res := range resources {
		if res == "" {
			return authzclient.Result{}, badRequest("resource must be an ARN or \"*\".")
		}
		q.Checks = append(q.Checks, authz.Check{Action: c.Action, Resource: res, Keys: keys})
	}
	// A principal that signed with (or was named by) an access key older
	// than the account allows is refused as iamd's own API refuses it.
	if err := h.cfg.Authz.KeyAgeErr(ctx, subject, q.Checks[0]); err != nil {
		var ie *iam.Error
		if errors.As(err, &ie) && ie.Code == iam.CodeAccessDenied {
			return authzclient.Result{Decision: policy.ImplicitDeny.String(), DeniedBy: "key-age", Reason: ie.Message,
				Action: c.Action, Resource: resources[0], MatchedStatements: []authzclient.Statement{}}, nil
		}
		return authzclient.Result{}, err
	}
	if c.ResourcePolicy != "" {
		p, err := policy.Parse(policy.KindResource, []byte(c.ResourcePolicy))
		if err != nil {
			var ve *policy.ValidationError
			if errors.As(err, &ve) {
				return authzclient.Result{}, &iam.Error{Code: iam.CodeMalformedPolicyDocument, Message: ve.AWSMessage()}
			}
			return authzclient.Result{}, err
		}
		if q.Resource, err = policy.Compile("resourcePolicy", policy.KindResource, p); err != nil {
			return authzclient.Result{}, err
		}
	}
	d, err := h.cfg.Authz.Decide(ctx, q)
	if err != nil {
		return authzclient.Result{}, err
	}
	if pi.UserID == "" {
		pi.UserID = d.Principal.UserID
	}
	out := authzclient.Result{Allowed: d.Allowed, Decision: d.Result.Decision.String(), Action: d.Check.Action, Resource: d.Check.Resource,
		MatchedStatements: make([]authzclient.Statement, 0, len(d.Result.Matched))}
	for _, m := range d.Result.Matched {
		out.MatchedStatements = append(out.MatchedStatements, authzclient.Statement{Policy: m.Policy, Sid: m.Sid, Index: m.Index, Effect: m.Effect.String(), Type: m.Kind.String()})
	}
	if d.Allowed {
		out.Reason = allowReason(out.MatchedStatements)
	} else {
		out.DeniedBy, out.Reason = d.Result.DeniedBy.String(), d.Message()
		if h.cfg.Messages != nil {
			if out.EncodedMessage, err = h.cfg.Messages.EncodeAuthorizationMessage(ctx, subject, d.Check, d); err != nil {
				return authzclient.Result{}, err
			}
		}
	}
	return out, nil
}

// allowReason names the statements that allowed.
func allowReason(ms []authzclient.Statement) string {
	var b strings.Builder
	b.WriteString("Allowed by ")
	n := 0
	for _, m := range ms {
		if m.Effect != "Allow" {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		n++
		fmt.Fprintf(&b, "%s policy %s statement %d", m.Type, m.Policy, m.Index)
		if m.Sid != "" {
			fmt.Fprintf(&b, " (%s)", m.Sid)
		}
	}
	if n == 0 {
		return "Allowed: the account root needs no policy in its own account"
	}
	return b.String()
}

func principalInfo(id *iam.Identity) authzclient.PrincipalInfo {
	pi := authzclient.PrincipalInfo{ARN: id.ARN, AccountID: id.AccountID, UserID: id.UserID, AccessKeyID: id.AccessKey}
	switch id.Kind {
	case iam.IdentityRoot:
		pi.Type = "Root"
	case iam.IdentityUser:
		pi.Type = "User"
	case iam.IdentityAssumedRole:
		pi.Type = "AssumedRole"
	case iam.IdentityFederatedUser:
		pi.Type = "FederatedUser"
	default:
		pi.Type = id.Kind
	}
	return pi
}

// subject resolves the principal of a check: named by ARN or access key
// (within the asking service's account), or the signer of a forwarded
// request (any account: asking about it needs iamd:Authorize, which is
// cross-account then).
func (h *Handler) subject(ctx context.Context, asker *iam.Identity, p *authzclient.Principal, fw *authzclient.SignedRequest) (*iam.Identity, error) {
	switch {
	case p != nil && fw != nil:
		return nil, badRequest("Give principal or request, not both.")
	case fw != nil:
		return h.forwarded(ctx, fw)
	case p == nil:
		return nil, badRequest("Give the principal (arn or accessKeyId) or the signed request.")
	case p.ARN != "" && p.AccessKeyID != "":
		return nil, badRequest("Give the principal's arn or accessKeyId, not both.")
	case p.AccessKeyID != "":
		e, err := h.keys.resolve(ctx, h, p.AccessKeyID)
		if err == nil && !e.cred.Active {
			err = sigv4.ErrInactiveAccessKey
		}
		if err != nil || e.id.AccountID != asker.AccountID {
			if err != nil && !errors.Is(err, sigv4.ErrUnknownAccessKey) && !errors.Is(err, sigv4.ErrInactiveAccessKey) {
				return nil, err
			}
			return nil, &iam.Error{Code: "InvalidClientTokenId", Message: "The access key " + p.AccessKeyID + " does not exist or is not active."}
		}
		return e.id, nil
	case p.ARN != "":
		a, err := iam.ParseARN(p.ARN)
		if err != nil {
			return nil, err
		}
		if a.Service != "iam" || a.Account != asker.AccountID {
			return nil, badRequest("The principal %s is not a user, role or root of account %s.", p.ARN, asker.AccountID)
		}
		if a.Resource == "root" {
			return &iam.Identity{Kind: iam.IdentityRoot, AccountID: a.Account, ARN: p.ARN, UserID: a.Account}, nil
		}
		typ, path, name, ok := a.PathName()
		switch {
		case ok && typ == "user":
			return &iam.Identity{Kind: iam.IdentityUser, AccountID: a.Account, ARN: p.ARN, UserName: name, Path: path}, nil
		case ok && typ == "role":
			// The role's permissions, as one of its sessions without
			// session policies would have them.
			return &iam.Identity{Kind: iam.IdentityAssumedRole, AccountID: a.Account, ARN: p.ARN, RoleARN: p.ARN, RoleName: name}, nil
		}
		return nil, badRequest("The principal %s is not a user, role or root of account %s.", p.ARN, asker.AccountID)
	}
	return nil, badRequest("principal needs an arn or an accessKeyId.")
}

// forwarded verifies the signature of a request the asking service
// received and returns its signer.
func (h *Handler) forwarded(ctx context.Context, fw *authzclient.SignedRequest) (*iam.Identity, error) {
	if fw.Method == "" || fw.Headers == nil {
		return nil, badRequest("request needs method and headers.")
	}
	sr := &sigv4.Request{Method: fw.Method, RawPath: fw.Path, RawQuery: fw.Query, Header: fw.Headers, PayloadHash: fw.PayloadHash}
	if sr.PayloadHash == "" {
		// The service read the body and checked it against the hash its
		// caller declared (or there is no body).
		sr.PayloadHash = headerValue(fw.Headers, "X-Amz-Content-Sha256")
	}
	id, _, err := h.authenticate(ctx, sr)
	return id, err
}

func headerValue(h map[string][]string, name string) string {
	if v := h[name]; len(v) > 0 {
		return v[0]
	}
	for k, v := range h {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// authenticate verifies a SigV4 request and returns its signer.
func (h *Handler) authenticate(ctx context.Context, sr *sigv4.Request) (*iam.Identity, *sigv4.Result, error) {
	res, err := h.v.Verify(ctx, sr)
	if err != nil {
		return nil, nil, err
	}
	switch p := res.Principal.(type) {
	case *keyEntry:
		h.recordUse(ctx, p, res.Scope)
		return p.id, res, nil
	case *iam.Identity:
		if p == nil {
			return nil, nil, errors.New("authzapi: session lookup returned a nil identity")
		}
		return p, res, nil
	}
	return nil, nil, fmt.Errorf("authzapi: lookup returned principal %T", res.Principal)
}

// lookup is the verifier's credential lookup: sessions through Sessions,
// long-term keys through the key cache.
func (h *Handler) lookup(ctx context.Context, accessKeyID, sessionToken string) (sigv4.Secret, error) {
	if sessionToken != "" || strings.HasPrefix(accessKeyID, iam.PrefixSessionKey) {
		if h.cfg.Sessions == nil {
			return sigv4.Secret{}, sigv4.ErrInvalidSessionToken
		}
		return h.cfg.Sessions.LookupAccessKey(ctx, accessKeyID, sessionToken)
	}
	e, err := h.keys.resolve(ctx, h, accessKeyID)
	if err != nil {
		return sigv4.Secret{}, err
	}
	if !e.cred.Active {
		return sigv4.Secret{}, sigv4.ErrInactiveAccessKey
	}
	return sigv4.Secret{SecretAccessKey: e.cred.SecretAccessKey, Principal: e}, nil
}

// recordUse records the key's last use (service and region of the
// signature's scope), as iamd's own endpoint does; a failure is logged, the
// request proceeds.
func (h *Handler) recordUse(ctx context.Context, e *keyEntry, scope sigv4.Scope) {
	c := e.cred
	if !c.LastUsedAt.IsZero() && h.cfg.Now().Sub(c.LastUsedAt) < iam.AccessKeyUseGranularity &&
		c.LastUsedService == scope.Service && c.LastUsedRegion == scope.Region {
		return
	}
	if err := h.cfg.IAM.RecordAccessKeyUse(ctx, c, scope.Service, scope.Region); err != nil {
		h.cfg.Logger.Warn("recording access key use failed", "access_key_id", c.AccessKeyID, "error", err)
		return
	}
	// Recording bumps no revision: remember it here, or every request
	// would write again.
	h.keys.touched(e, h.cfg.Now(), scope.Service, scope.Region)
}

// keyEntry is a resolved long-term access key and its owner, valid while
// its account's revision is rev.
type keyEntry struct {
	acct string
	rev  int64
	cred iam.Credential
	id   *iam.Identity // nil for an inactive key
}

// keyCache keeps resolved access keys so that a busy key costs no store
// read, no secret unsealing and no owner lookup per request. An entry is
// used only at the revision it was read at: every change to a key or its
// owner bumps the account's revision.
type keyCache struct {
	mu sync.RWMutex
	m  map[string]*keyEntry
}

func (c *keyCache) resolve(ctx context.Context, h *Handler, keyID string) (*keyEntry, error) {
	rev, cacheable := int64(0), false
	acct, err := iam.AccountFromAccessKeyID(keyID)
	if err == nil {
		// The revision is read before the key: a write in between makes
		// the entry stale at once, never fresh.
		rev, cacheable, err = h.cfg.Authz.Revision(ctx, acct)
		if err != nil {
			cacheable = false // an unknown account: the lookup answers
		}
	}
	if cacheable {
		c.mu.RLock()
		e := c.m[keyID]
		c.mu.RUnlock()
		if e != nil && e.acct == acct && e.rev == rev {
			return e, nil
		}
	}
	cred, err := h.cfg.IAM.LookupAccessKey(ctx, keyID)
	if err != nil {
		var ie *iam.Error
		if errors.As(err, &ie) && ie.Code == iam.CodeNoSuchEntity {
			return nil, sigv4.ErrUnknownAccessKey
		}
		return nil, err
	}
	e := &keyEntry{acct: cred.AccountID, rev: rev, cred: cred}
	if cred.Active {
		if e.id, err = h.cfg.IAM.IdentityFor(ctx, cred); err != nil {
			var ie *iam.Error
			if errors.As(err, &ie) && ie.Code == iam.CodeNoSuchEntity {
				return nil, sigv4.ErrUnknownAccessKey // its owner is gone
			}
			return nil, err
		}
	}
	if cacheable && cred.AccountID == acct {
		c.mu.Lock()
		if len(c.m) >= keyCacheSize {
			clear(c.m) // bounded: refilled on demand
		}
		c.m[keyID] = e
		c.mu.Unlock()
	}
	return e, nil
}

// touched replaces e by a copy that remembers the recorded use.
func (c *keyCache) touched(e *keyEntry, at time.Time, service, region string) {
	n := *e
	n.cred.LastUsedAt, n.cred.LastUsedService, n.cred.LastUsedRegion = at, service, region
	if n.id != nil {
		id := *n.id
		id.Credential = n.cred
		n.id = &id
	}
	c.mu.Lock()
	if c.m[e.cred.AccessKeyID] == e {
		c.m[e.cred.AccessKeyID] = &n
	}
	c.mu.Unlock()
}
