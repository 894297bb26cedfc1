package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/sigv4"
)

// Services are the SigV4 services whose credential scopes this server
// accepts.
var Services = []string{"iam", "sts"}

// Authenticator verifies SigV4 requests against the access keys of the IAM
// domain (and, when configured, session credentials) and produces the
// *iam.Identity that handlers receive as their api.Caller.
type Authenticator struct {
	svc      *iam.Service
	sessions sigv4.Lookup
	v        *sigv4.Verifier
	log      *slog.Logger

	keyUseAudited bool
}

// AuthnConfig configures NewAuthenticator.
type AuthnConfig struct {
	// IAM resolves long-term access keys (root and user). Required.
	IAM *iam.Service
	// Sessions resolves temporary credentials: requests with a session
	// token or an ASIA... key ID. Its Secret.Principal must be the
	// session's *iam.Identity. nil refuses every session token
	// (InvalidClientTokenId).
	Sessions sigv4.Lookup
	// Now is the server's clock (SigV4's request-time check). Required.
	Now func() time.Time
	// MaxSkew zero means sigv4.DefaultMaxSkew.
	MaxSkew time.Duration
	Logger  *slog.Logger
	// KeyUseAudited: the audit trail records the last use of long-term
	// keys with each request's events, so authentication does not.
	KeyUseAudited bool
}

// NewAuthenticator builds the Authenticator.
func NewAuthenticator(cfg AuthnConfig) (*Authenticator, error) {
	if cfg.IAM == nil {
		return nil, errors.New("server: AuthnConfig.IAM is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := &Authenticator{svc: cfg.IAM, sessions: cfg.Sessions, log: cfg.Logger, keyUseAudited: cfg.KeyUseAudited}
	v, err := sigv4.New(sigv4.Config{
		Lookup:   sigv4.LookupFunc(a.lookup),
		Clock:    cfg.Now,
		Services: Services,
		MaxSkew:  cfg.MaxSkew,
	})
	if err != nil {
		return nil, err
	}
	a.v = v
	return a, nil
}

// lookup resolves an access key: session credentials through the Sessions
// lookup, long-term keys through the IAM domain (inactive ones fail at
// once).
func (a *Authenticator) lookup(ctx context.Context, accessKeyID, sessionToken string) (sigv4.Secret, error) {
	if sessionToken != "" || strings.HasPrefix(accessKeyID, iam.PrefixSessionKey) {
		if a.sessions == nil {
			return sigv4.Secret{}, sigv4.ErrInvalidSessionToken
		}
		return a.sessions.LookupAccessKey(ctx, accessKeyID, sessionToken)
	}
	cred, err := a.svc.LookupAccessKey(ctx, accessKeyID)
	if err != nil {
		var e *iam.Error
		if errors.As(err, &e) && e.Code == iam.CodeNoSuchEntity {
			return sigv4.Secret{}, sigv4.ErrUnknownAccessKey
		}
		return sigv4.Secret{}, err
	}
	if !cred.Active {
		return sigv4.Secret{}, sigv4.ErrInactiveAccessKey
	}
	return sigv4.Secret{SecretAccessKey: cred.SecretAccessKey, Principal: cred}, nil
}

// invalidClientToken is the AWS error for a key whose owner vanished
// between lookup and resolution.
var invalidClientToken = &api.Error{Code: sigv4.CodeInvalidClientTokenID, Message: "The security token included in the request is invalid."}

// Authenticate implements api.Authenticator.
func (a *Authenticator) Authenticate(ctx context.Context, req api.AuthnRequest) (api.Caller, error) {
	sr := sigv4.FromHTTP(req.HTTP, req.Body)
	sr.Service = req.Service
	res, err := a.v.Verify(ctx, sr)
	if err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) && se.Code() == sigv4.CodeSignatureDoesNotMatch && se.CanonicalRequest() != "" {
			// What the server computed, for an operator comparing it with
			// the client's (the SDKs log theirs at debug level too).
			a.log.Debug("signature mismatch", "canonical_request", se.CanonicalRequest(), "string_to_sign", se.StringToSign())
		}
		return nil, err
	}
	if res.UnsignedPayload && len(req.Body) > 0 {
		// The Query protocol carries the operation and its parameters in
		// the body: a signature that does not cover it would let whoever
		// holds the request replace them.
		return nil, &api.Error{Code: sigv4.CodeIncompleteSignature, Message: "The request body must be signed: UNSIGNED-PAYLOAD is not accepted for this service."}
	}
	var cred iam.Credential
	switch p := res.Principal.(type) {
	case iam.Credential:
		cred = p
	case *iam.Identity:
		if p == nil {
			return nil, errors.New("server: session lookup returned a nil identity")
		}
		return p, nil // a session: its identity is sealed in the token
	default:
		return nil, fmt.Errorf("server: lookup returned principal %T", res.Principal)
	}
	id, err := a.svc.IdentityFor(ctx, cred)
	if err != nil {
		var e *iam.Error
		if errors.As(err, &e) && e.Code == iam.CodeNoSuchEntity {
			return nil, invalidClientToken
		}
		return nil, err
	}
	if a.keyUseAudited {
		return id, nil
	}
	if err := a.svc.RecordAccessKeyUse(ctx, cred, res.Scope.Service, res.Scope.Region); err != nil {
		// Bookkeeping only: the request was authenticated and proceeds.
		a.log.Warn("recording access key use failed", "access_key_id", cred.AccessKeyID, "error", err)
	}
	return id, nil
}

// RootOnly is the Authorizer used until the policy engine decides requests:
// the account root may do everything; any other principal is refused with
// AWS's implicit-deny message. Unsigned operations (federation) carry no
// identity and are left to their handlers, which check trust policies.
// sts:GetCallerIdentity needs no permission in AWS and is always allowed.
type RootOnly struct{}

// Authorize implements api.Authorizer.
func (RootOnly) Authorize(_ context.Context, req api.AuthzRequest) error {
	if req.Operation.Unsigned || req.Action() == "sts:GetCallerIdentity" {
		return nil
	}
	id, err := identityOf(req.Caller)
	if err != nil {
		return err
	}
	if id.IsRoot() {
		return nil
	}
	return AccessDenied(id.ARN, req.Action(), Resource(id.AccountID, req))
}

// AccessDenied is AWS's error for an implicit deny by identity policies.
func AccessDenied(principalARN, action, resource string) error {
	return &api.Error{Code: api.CodeAccessDenied, Message: fmt.Sprintf(
		"User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
		principalARN, action, resource, action)}
}

// Resource names the resource of a request for AccessDenied messages, as
// far as the input tells it: the user, group, role, instance profile or
// policy the operation addresses (without path, which the input does not
// carry), the account's users for user operations that default to the
// caller, else "*".
func Resource(accountID string, req api.AuthzRequest) string {
	field := func(name string) string {
		v := reflect.ValueOf(req.Input)
		if v.Kind() != reflect.Pointer || v.IsNil() {
			return ""
		}
		f := v.Elem().FieldByName(name)
		if !f.IsValid() {
			return ""
		}
		switch f.Kind() {
		case reflect.String:
			return f.String()
		case reflect.Pointer:
			if !f.IsNil() && f.Elem().Kind() == reflect.String {
				return f.Elem().String()
			}
		}
		return ""
	}
	if req.Operation.Service != "iam" {
		return "*"
	}
	switch {
	case field("PolicyArn") != "":
		return field("PolicyArn")
	case field("RoleName") != "":
		return iam.RoleARN(accountID, "/", field("RoleName"))
	case field("GroupName") != "":
		return iam.GroupARN(accountID, "/", field("GroupName"))
	case field("InstanceProfileName") != "":
		return iam.InstanceProfileARN(accountID, "/", field("InstanceProfileName"))
	case field("UserName") != "":
		return iam.UserARN(accountID, "/", field("UserName"))
	}
	return "*"
}
