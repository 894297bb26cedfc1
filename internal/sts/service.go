// Package sts is iamd's Security Token Service: temporary credentials
// (GetSessionToken, AssumeRole) whose session token seals the whole session,
// so that any iamd node sharing the store verifies them without reading the
// session from anywhere (see token.go and docs/sts.md).
package sts

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/sigv4"
	"github.com/iamd/iamd/internal/store"
)

// CallerPolicies supplies the identity side of an AssumeRole decision: the
// caller as the policy engine sees it (with its principal tags) and its
// identity policies, permissions boundary and session policies, compiled
// (internal/authz gathers them). Set.Resource is ignored: the role's trust
// policy takes its place.
type CallerPolicies interface {
	CallerPolicySet(ctx context.Context, caller *iam.Identity) (policy.Principal, policy.Set, error)
}

// Config is what the service needs; the server wiring builds it.
type Config struct {
	Store  store.Store
	Sealer *secret.Sealer // seals the token keys at rest
	IAM    *iam.Service
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
	// KeyRotation is how long a token key seals new tokens (zero:
	// DefaultKeyRotation).
	KeyRotation time.Duration
	// CallerPolicies gives AssumeRole the caller's identity-side policies.
	// nil: the account root is allowed everything on its side and every
	// other caller nothing, so only a trust policy that names the calling
	// user, role or session itself (same account) lets it assume the role.
	CallerPolicies CallerPolicies

	// Web identity federation: OIDCTimeout bounds each discovery and JWKS
	// fetch (zero: DefaultOIDCTimeout); OIDCRoots replaces the system CAs
	// for issuers' certificates (nil: the system pool); plain-HTTP issuers
	// are accepted only on loopback addresses and only with
	// AllowLoopbackHTTPIssuers (local clusters, tests).
	OIDCTimeout              time.Duration
	OIDCRoots                *x509.CertPool
	AllowLoopbackHTTPIssuers bool
}

// Service issues and verifies STS credentials.
type Service struct {
	store    store.Store
	iam      *iam.Service
	keys     *Keyring
	now      func() time.Time
	rand     io.Reader
	log      *slog.Logger
	policies CallerPolicies
	oidc     *oidcKeys
}

// New builds the service.
func New(cfg Config) (*Service, error) {
	if cfg.IAM == nil {
		return nil, errors.New("sts: no IAM service")
	}
	keys, err := NewKeyring(KeyringConfig{Store: cfg.Store, Sealer: cfg.Sealer, Now: cfg.Now, Rand: cfg.Rand, Rotation: cfg.KeyRotation})
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		store: cfg.Store, iam: cfg.IAM, keys: keys, now: cfg.Now, rand: cfg.Rand, log: cfg.Logger,
		policies: cfg.CallerPolicies,
		oidc:     newOIDCKeys(cfg.Now, cfg.OIDCTimeout, cfg.AllowLoopbackHTTPIssuers, cfg.OIDCRoots),
	}, nil
}

// Keyring is the service's token keyring (key maintenance: Reseal).
func (s *Service) Keyring() *Keyring { return s.keys }

// clock is the current time at the store's precision.
func (s *Service) clock() time.Time { return store.UTC(s.now()) }

// IsSessionKey reports whether an access key ID is a temporary (ASIA…) one.
func IsSessionKey(accessKeyID string) bool {
	return strings.HasPrefix(accessKeyID, iam.PrefixSessionKey)
}

// LookupAccessKey resolves temporary credentials for the SigV4 verifier
// (it implements sigv4.Lookup for ASIA… keys): the secret, and the session's
// *iam.Identity as the Principal. Nothing is read from the store but the
// token keys, which are cached. A missing, forged or tampered token is
// sigv4.ErrInvalidSessionToken (InvalidClientTokenId); an expired session
// sigv4.ErrExpiredSessionToken (ExpiredToken).
func (s *Service) LookupAccessKey(ctx context.Context, accessKeyID, sessionToken string) (sigv4.Secret, error) {
	if !IsSessionKey(accessKeyID) {
		return sigv4.Secret{}, sigv4.ErrUnknownAccessKey
	}
	sess, err := s.keys.Open(ctx, accessKeyID, sessionToken, s.now())
	switch {
	case errors.Is(err, ErrExpiredToken):
		return sigv4.Secret{}, fmt.Errorf("%w: %w", sigv4.ErrExpiredSessionToken, err)
	case errors.Is(err, ErrInvalidToken):
		return sigv4.Secret{}, fmt.Errorf("%w: %w", sigv4.ErrInvalidSessionToken, err)
	case err != nil:
		return sigv4.Secret{}, err
	}
	return sigv4.Secret{SecretAccessKey: sess.SecretAccessKey, Principal: sess.Identity()}, nil
}

// Credentials are temporary credentials as STS returns them.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// issue fills in the session's key ID and secret, seals it and returns the
// credentials.
func (s *Service) issue(ctx context.Context, sess *Session) (Credentials, error) {
	akid, err := iam.NewAccessKeyID(s.rand, iam.PrefixSessionKey, sess.AccountID)
	if err != nil {
		return Credentials{}, serviceFailure(err)
	}
	secretKey, err := iam.NewSecretAccessKey(s.rand)
	if err != nil {
		return Credentials{}, serviceFailure(err)
	}
	sess.AccessKeyID, sess.SecretAccessKey = akid, secretKey
	tok, err := s.keys.Seal(ctx, sess)
	if err != nil {
		return Credentials{}, serviceFailure(err)
	}
	return Credentials{AccessKeyID: akid, SecretAccessKey: secretKey, SessionToken: tok, Expiration: sess.Expiration}, nil
}

// CallerIdentity is GetCallerIdentity's answer.
type CallerIdentity struct {
	UserID  string
	Account string
	ARN     string
}

// GetCallerIdentity describes the caller. It needs no permission and reads
// nothing: the identity is what authentication established.
func (s *Service) GetCallerIdentity(caller *iam.Identity) CallerIdentity {
	return CallerIdentity{UserID: caller.UserID, Account: caller.AccountID, ARN: caller.ARN}
}

// GetAccessKeyInfo returns the account of any access key ID: a stored long-
// term key's owner, else the account encoded in the ID (as AWS, it answers
// for keys that do not exist).
func (s *Service) GetAccessKeyInfo(ctx context.Context, accessKeyID string) (string, error) {
	if !IsSessionKey(accessKeyID) {
		cred, err := s.iam.LookupAccessKey(ctx, accessKeyID)
		if err == nil {
			return cred.AccountID, nil
		}
		var e *iam.Error
		if !errors.As(err, &e) || e.Code != iam.CodeNoSuchEntity {
			return "", err
		}
	}
	acct, err := iam.AccountFromAccessKeyID(accessKeyID)
	if err != nil {
		return "", &iam.Error{Code: CodeInvalidParameterValue, Message: fmt.Sprintf("The specified access key ID %s is not valid.", accessKeyID)}
	}
	return acct, nil
}

// Session durations (evaluation.md §6.5).
const (
	MinDuration                 = 900 * time.Second
	DefaultSessionTokenDuration = 43200 * time.Second
	MaxSessionTokenDuration     = 129600 * time.Second
	MaxRootSessionDuration      = 3600 * time.Second
	DefaultRoleDuration         = 3600 * time.Second
	MaxChainedRoleDuration      = 3600 * time.Second
)

// GetSessionTokenInput is GetSessionToken's request. Duration zero means
// the default.
type GetSessionTokenInput struct {
	Duration     time.Duration
	SerialNumber string
	TokenCode    string
}

// GetSessionToken issues temporary credentials for the caller's own user
// (or root), with MFA when a device serial number and code are given.
// Session credentials may not call it.
func (s *Service) GetSessionToken(ctx context.Context, caller *iam.Identity, in GetSessionTokenInput) (Credentials, error) {
	if caller.Temporary {
		return Credentials{}, accessDenied("Cannot call GetSessionToken with session credentials")
	}
	d := in.Duration
	if d == 0 {
		d = DefaultSessionTokenDuration
	}
	var v iam.Validation
	v.Range("durationSeconds", int64(d/time.Second), int64(MinDuration/time.Second), int64(MaxSessionTokenDuration/time.Second))
	if err := v.Err(); err != nil {
		return Credentials{}, err
	}
	if caller.IsRoot() && d > MaxRootSessionDuration {
		// AWS shortens root sessions to one hour rather than refusing.
		d = MaxRootSessionDuration
	}
	now := s.clock()
	mfa, err := s.checkMFA(ctx, caller, in.SerialNumber, in.TokenCode, now)
	if err != nil {
		return Credentials{}, err
	}
	sess := &Session{
		AccountID:   caller.AccountID,
		Kind:        caller.Kind,
		ARN:         caller.ARN,
		PrincipalID: caller.UserID,
		UserName:    caller.UserName,
		Path:        caller.Path,
		MFA:         mfa,
		IssuedAt:    now,
		Expiration:  now.Add(d),
	}
	if mfa {
		sess.MFAAuthTime = now
	}
	return s.issue(ctx, sess)
}
