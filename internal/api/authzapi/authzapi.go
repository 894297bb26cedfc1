// Package authzapi is iamd's authorization API for other services: a
// service that has authenticated one of its own callers as an iamd
// principal asks whether that principal may perform an action on a
// resource, and gets the decision of the engine that authorizes iamd's own
// requests (internal/authz), with the principal's policies, boundary and
// tags.
//
//	POST /authz/v1/check   (SigV4-signed, credential scope service "iam")
//	{"principal": {"arn": "arn:aws:iam::123456789012:user/eng/bob"},   // or {"accessKeyId": "AKIA…"}
//	 "action": "s3:GetObject",
//	 "resource": "arn:aws:s3:::bucket/key",
//	 "context": {"aws:SourceIp": ["203.0.113.7"], "s3:prefix": ["a/"]},
//	 "resourcePolicy": "{…}",       // optional: the resource's own policy
//	 "resourceAccount": "…"}        // optional
//	→ 200 {"allowed": false, "decision": "ImplicitDeny", "deniedBy": "identity",
//	       "message": "User: … is not authorized to perform: s3:GetObject on resource: … because …",
//	       "matchedStatements": [{"policy": "…", "sid": "…", "index": 0, "effect": "Deny", "type": "identity"}]}
//
// The signer of the request (the asking service) must itself be allowed
// iamd:CheckAccess on the principal's ARN, and the principal must be in the
// signer's account. Errors are {"code": "…", "message": "…"} with AWS-style
// codes and HTTP statuses.
package authzapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
)

// Path is where the check API is served.
const Path = "/authz/v1/check"

// ActionCheckAccess is what the asking service needs, on the principal's
// ARN.
const ActionCheckAccess = "iamd:CheckAccess"

// MaxBodyBytes bounds a check request (a resource policy fits many times).
const MaxBodyBytes = 256 << 10

// Keys resolves a long-term access key to its principal; *iam.Service
// (LookupAccessKey, IdentityFor) is wrapped by ServiceKeys.
type Keys interface {
	IdentityForKey(ctx context.Context, accessKeyID string) (*iam.Identity, error)
}

// ServiceKeys adapts the IAM domain service to Keys.
type ServiceKeys struct{ IAM *iam.Service }

// IdentityForKey implements Keys: an unknown or inactive key is
// InvalidClientTokenId.
func (k ServiceKeys) IdentityForKey(ctx context.Context, accessKeyID string) (*iam.Identity, error) {
	cred, err := k.IAM.LookupAccessKey(ctx, accessKeyID)
	var ie *iam.Error
	if errors.As(err, &ie) && ie.Code == iam.CodeNoSuchEntity || err == nil && !cred.Active {
		return nil, &iam.Error{Code: "InvalidClientTokenId", Message: "The access key " + accessKeyID + " does not exist or is not active."}
	}
	if err != nil {
		return nil, err
	}
	return k.IAM.IdentityFor(ctx, cred)
}

// Config is what the handler needs.
type Config struct {
	Authn  api.Authenticator
	Authz  *authz.Authorizer
	Keys   Keys
	Logger *slog.Logger
}

// Handler serves Path.
type Handler struct {
	cfg Config
}

// New returns the handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Authn == nil || cfg.Authz == nil || cfg.Keys == nil {
		return nil, errors.New("authzapi: Authn, Authz and Keys are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg}, nil
}

// Principal names the principal a check is about: its ARN (a user, a role
// or the account root) or one of its long-term access keys.
type Principal struct {
	ARN         string `json:"arn,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
}

// CheckRequest is the request body.
type CheckRequest struct {
	Principal       Principal           `json:"principal"`
	Action          string              `json:"action"`
	Resource        string              `json:"resource"`
	Context         map[string][]string `json:"context,omitempty"`
	ResourcePolicy  string              `json:"resourcePolicy,omitempty"`
	ResourceAccount string              `json:"resourceAccount,omitempty"`
}

// Statement is one deciding statement of a CheckResponse.
type Statement struct {
	Policy string `json:"policy"`
	Sid    string `json:"sid,omitempty"`
	Index  int    `json:"index"`
	Effect string `json:"effect"`
	Type   string `json:"type"` // identity, boundary, session, resource
}

// CheckResponse is the answer.
type CheckResponse struct {
	Allowed           bool        `json:"allowed"`
	Decision          string      `json:"decision"` // Allow, ExplicitDeny, ImplicitDeny
	DeniedBy          string      `json:"deniedBy,omitempty"`
	Message           string      `json:"message,omitempty"`
	MatchedStatements []Statement `json:"matchedStatements"`
}

// ErrorResponse is the body of every error.
type ErrorResponse struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	resp, err := h.serve(r)
	if err != nil {
		code, msg, status := "ServiceFailure", "The request processing has failed because of an unknown error, exception or failure.", http.StatusInternalServerError
		var ae api.AWSError
		if errors.As(err, &ae) {
			code, msg, status = ae.AWSErrorCode(), ae.AWSMessage(), statusOf(ae.AWSErrorCode())
		} else {
			h.cfg.Logger.Error("authz check failed", "error", err)
		}
		writeJSON(w, status, ErrorResponse{Code: code, Message: msg})
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func statusOf(code string) int {
	switch code {
	case "AccessDenied", "InvalidClientTokenId", "SignatureDoesNotMatch", "MissingAuthenticationToken", "ExpiredToken":
		return http.StatusForbidden
	case "NoSuchEntity":
		return http.StatusNotFound
	case "ServiceFailure":
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func badRequest(format string, args ...any) error {
	return &iam.Error{Code: iam.CodeInvalidInput, Message: fmt.Sprintf(format, args...)}
}

func (h *Handler) serve(r *http.Request) (*CheckResponse, error) {
	ctx := r.Context()
	if r.Method != http.MethodPost {
		return nil, &iam.Error{Code: "MethodNotAllowed", Message: "Use POST."}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		return nil, badRequest("The request body could not be read or exceeds %d bytes.", MaxBodyBytes)
	}
	c, err := h.cfg.Authn.Authenticate(ctx, api.AuthnRequest{HTTP: r, Body: body, Service: "iam", Operation: "CheckAccess"})
	if err != nil {
		return nil, err
	}
	asker, ok := c.(*iam.Identity)
	if !ok || asker == nil {
		return nil, errors.New("authzapi: the authenticator returned no identity")
	}
	var req CheckRequest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, badRequest("The request body is not a valid check request: %v", err)
	}
	if req.Action == "" || !strings.Contains(req.Action, ":") {
		return nil, badRequest("action must be service:Action.")
	}
	if req.Resource == "" {
		return nil, badRequest("resource must be an ARN or \"*\".")
	}
	subject, err := h.subject(ctx, asker, req.Principal)
	if err != nil {
		return nil, err
	}
	// The asker must be allowed to ask about this principal.
	d, err := h.cfg.Authz.Decide(ctx, authz.Query{Caller: asker, Checks: []authz.Check{{Action: ActionCheckAccess, Resource: subject.ARN}},
		Facts: authz.RequestFacts{RemoteAddr: r.RemoteAddr, UserAgent: r.UserAgent(), Secure: r.TLS != nil}})
	if err != nil {
		return nil, err
	}
	if err := d.Err(); err != nil {
		return nil, err
	}

	q := authz.Query{Caller: subject, NoFacts: true, ResourceAccount: req.ResourceAccount}
	check := authz.Check{Action: req.Action, Resource: req.Resource}
	for k, vs := range req.Context {
		check.Keys = append(check.Keys, authz.Key{Name: k, Values: vs, Multi: len(vs) != 1})
	}
	// A principal named by an old access key is refused as iamd's own API
	// would refuse it.
	if err := h.cfg.Authz.KeyAgeErr(ctx, subject, check); err != nil {
		var ie *iam.Error
		if errors.As(err, &ie) && ie.Code == iam.CodeAccessDenied {
			return &CheckResponse{Decision: policy.ImplicitDeny.String(), DeniedBy: "key-age", Message: ie.Message, MatchedStatements: []Statement{}}, nil
		}
		return nil, err
	}
	q.Checks = []authz.Check{check}
	if req.ResourcePolicy != "" {
		p, err := policy.Parse(policy.KindResource, []byte(req.ResourcePolicy))
		if err != nil {
			var ve *policy.ValidationError
			if errors.As(err, &ve) {
				return nil, &iam.Error{Code: iam.CodeMalformedPolicyDocument, Message: ve.AWSMessage()}
			}
			return nil, err
		}
		if q.Resource, err = policy.Compile("resourcePolicy", policy.KindResource, p); err != nil {
			return nil, err
		}
	}
	d, err = h.cfg.Authz.Decide(ctx, q)
	if err != nil {
		return nil, err
	}
	out := &CheckResponse{Allowed: d.Allowed, Decision: d.Result.Decision.String(), MatchedStatements: []Statement{}}
	if !d.Allowed {
		out.DeniedBy, out.Message = d.Result.DeniedBy.String(), d.Message()
	}
	for _, m := range d.Result.Matched {
		out.MatchedStatements = append(out.MatchedStatements, Statement{Policy: m.Policy, Sid: m.Sid, Index: m.Index, Effect: m.Effect.String(), Type: m.Kind.String()})
	}
	return out, nil
}

// subject resolves the principal of a check within the asker's account.
func (h *Handler) subject(ctx context.Context, asker *iam.Identity, p Principal) (*iam.Identity, error) {
	switch {
	case p.ARN != "" && p.AccessKeyID != "":
		return nil, badRequest("Give the principal's arn or accessKeyId, not both.")
	case p.AccessKeyID != "":
		id, err := h.cfg.Keys.IdentityForKey(ctx, p.AccessKeyID)
		if err != nil {
			return nil, err
		}
		if id.AccountID != asker.AccountID {
			return nil, &iam.Error{Code: "InvalidClientTokenId", Message: "The access key " + p.AccessKeyID + " does not exist or is not active."}
		}
		return id, nil
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
