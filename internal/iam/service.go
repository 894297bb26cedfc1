package iam

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/store"
)

// Config is what the domain service needs; cmd/iamd builds it.
type Config struct {
	Store  store.Store
	Sealer *secret.Sealer // seals secret access keys and TOTP seeds
	// Passwords hashes console passwords; nil means argon2id with
	// secret.DefaultPasswordParams and Rand.
	Passwords *secret.PasswordHasher
	Now       func() time.Time
	Rand      io.Reader
	// Quotas; the zero value means DefaultQuotas().
	Quotas Quotas
	// Logger; nil discards.
	Logger *slog.Logger
}

// Validate reports a configuration New would refuse.
func (c Config) Validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("no store"))
	}
	if c.Sealer == nil {
		errs = append(errs, errors.New("no sealer"))
	}
	if c.Now == nil {
		errs = append(errs, errors.New("no clock"))
	}
	if c.Rand == nil {
		errs = append(errs, errors.New("no random source"))
	}
	if c.Quotas != (Quotas{}) {
		if err := c.Quotas.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("iam: invalid service configuration: %w", err)
	}
	return nil
}

// Service is the IAM domain: every IAM operation is a method on it, written
// in the file of its area (users.go, roles.go, policies.go, account.go, ...).
// Methods validate their input, run one transaction through s.tx or s.view,
// and return *Error values in AWS's words.
type Service struct {
	store     store.Store
	sealer    *secret.Sealer
	passwords *secret.PasswordHasher
	now       func() time.Time
	rand      io.Reader
	quotas    Quotas
	log       *slog.Logger
}

// New builds the service. It panics on an invalid Config (a wiring bug);
// call cfg.Validate first to report it as an error.
func New(cfg Config) *Service {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	if cfg.Quotas == (Quotas{}) {
		cfg.Quotas = DefaultQuotas()
	}
	if cfg.Passwords == nil {
		h, err := secret.NewPasswordHasher(cfg.Rand, secret.DefaultPasswordParams())
		if err != nil {
			panic(fmt.Errorf("iam: default password hasher: %w", err))
		}
		cfg.Passwords = h
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		store:     cfg.Store,
		sealer:    cfg.Sealer,
		passwords: cfg.Passwords,
		now:       cfg.Now,
		rand:      cfg.Rand,
		quotas:    cfg.Quotas,
		log:       cfg.Logger,
	}
}

// Quotas returns the quotas the service enforces (GetAccountSummary).
func (s *Service) Quotas() Quotas { return s.quotas }

// clock is the current time as the store keeps it (UTC, microseconds). Read
// it once per operation, before the transaction, so that a retried closure
// stamps the same time.
func (s *Service) clock() time.Time { return store.UTC(s.now()) }

// serviceFailureMessage is AWS's text for ServiceFailure.
const serviceFailureMessage = "The request processing has failed because of an unknown error, exception or failure."

// internalError wraps an unexpected error as ServiceFailure; the cause is
// kept for the log and never shown to the client. *Error values pass
// through.
func internalError(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeServiceFailure, Message: serviceFailureMessage, Cause: err}
}

// tx runs fn in a read-write transaction and returns either nil, an *Error
// that fn returned (possibly wrapped by the store), or ServiceFailure.
// fn may run more than once (see store.Store): compute IDs, times, sealed
// secrets and hashes BEFORE calling tx, and only read and write inside.
func (s *Service) tx(ctx context.Context, fn func(store.Txn) error) error {
	return internalError(s.store.Tx(ctx, fn))
}

// view is tx for read-only operations.
func (s *Service) view(ctx context.Context, fn func(store.Txn) error) error {
	return internalError(s.store.View(ctx, fn))
}

// mapStoreErr turns the store's sentinels into the AWS errors of the
// operation at hand: store.ErrNotFound becomes notFound, store.ErrConflict
// becomes conflict (each kept as the cause). A nil replacement, or any other
// error, passes err through (tx turns it into ServiceFailure).
//
//	if err := tx.CreateUser(ctx, u); err != nil {
//		return mapStoreErr(err, nil, EntityAlreadyExists("User with name %s already exists.", name))
//	}
func mapStoreErr(err error, notFound, conflict *Error) error {
	var repl *Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		repl = notFound
	case errors.Is(err, store.ErrConflict):
		repl = conflict
	}
	if repl == nil {
		return err
	}
	out := *repl
	out.Cause = err
	return &out
}

// Associated-data labels for sealed secrets: a sealed value only opens for
// the row it was sealed for.
const (
	sealAccessKey = "access-key"
	sealMFASeed   = "mfa-seed"
)

// seal seals plaintext for the row (kind, id).
func (s *Service) seal(kind, id string, plaintext []byte) ([]byte, error) {
	sealed, err := s.sealer.Seal(plaintext, []byte("iamd/"+kind+"/"+id))
	if err != nil {
		return nil, internalError(err)
	}
	return sealed, nil
}

// unseal opens what seal sealed for (kind, id).
func (s *Service) unseal(kind, id string, sealed []byte) ([]byte, error) {
	pt, err := s.sealer.Open(sealed, []byte("iamd/"+kind+"/"+id))
	if err != nil {
		return nil, internalError(fmt.Errorf("open sealed %s %s: %w", kind, id, err))
	}
	return pt, nil
}

// sealAccessKeySecret and openAccessKeySecret are the one way access key
// secrets are stored and read, for root keys (here) and user keys (users).
func (s *Service) sealAccessKeySecret(accessKeyID, secretAccessKey string) ([]byte, error) {
	return s.seal(sealAccessKey, accessKeyID, []byte(secretAccessKey))
}

func (s *Service) openAccessKeySecret(k store.AccessKey) (string, error) {
	pt, err := s.unseal(sealAccessKey, k.ID, k.SecretSealed)
	return string(pt), err
}

// Revision returns the account's revision (see store.Account.Revision);
// caches compare it to know they are stale.
func (s *Service) Revision(ctx context.Context, accountID string) (int64, error) {
	var rev int64
	err := s.view(ctx, func(tx store.Txn) error {
		var err error
		rev, err = tx.Revision(ctx, accountID)
		return mapStoreErr(err, noSuchAccount(accountID), nil)
	})
	return rev, err
}

func noSuchAccount(accountID string) *Error {
	return NoSuchEntity("The account %s cannot be found.", accountID)
}

// validateBootstrapKey checks a configured root access key: the ID as the
// IAM model constrains accessKeyIdType ([\w]+, 16-128), the secret as
// printable ASCII without spaces, at least 16 characters.
func validateBootstrapKey(accessKeyID, secretAccessKey string) *Error {
	var v Validation
	v.Length("accessKeyId", accessKeyID, 16, 128)
	v.Pattern("accessKeyId", accessKeyID, `[\w]+`, allRunes(accessKeyID, isWordChar))
	if n := len(secretAccessKey); n < 16 || n > 128 {
		v.FailSensitive("secretAccessKey", "have length between 16 and 128")
	}
	if !allRunes(secretAccessKey, func(r rune) bool { return r > ' ' && r < 0x7f }) {
		v.FailSensitive("secretAccessKey", "consist of printable ASCII characters other than space")
	}
	return v.Err()
}

// EnsureAccount makes sure the account exists and, when rootAccessKeyID is
// given, that the root user has that access key with that secret (sealed at
// rest). It is what `iamd serve` runs at start-up with the configured
// bootstrap credentials, so it is idempotent: an existing account is kept;
// an existing key of the same root keeps its status and gets the configured
// secret if that changed (or if it was sealed under an older master key). A
// key ID that belongs to anyone else is EntityAlreadyExists; a third root key
// is LimitExceeded (AccessKeysPerUser).
func (s *Service) EnsureAccount(ctx context.Context, accountID, rootAccessKeyID, rootSecret string) error {
	if !ValidAccountID(accountID) {
		return InvalidInput("Account ID %q must be 12 digits.", accountID)
	}
	if (rootAccessKeyID == "") != (rootSecret == "") {
		return InvalidInput("The root access key ID and secret must be given together.")
	}
	var sealed []byte
	if rootAccessKeyID != "" {
		if err := validateBootstrapKey(rootAccessKeyID, rootSecret); err != nil {
			return err
		}
		var err error
		if sealed, err = s.sealAccessKeySecret(rootAccessKeyID, rootSecret); err != nil {
			return err
		}
	}
	now := s.clock()
	created := false
	err := s.tx(ctx, func(tx store.Txn) error {
		created = false
		if _, err := tx.GetAccount(ctx, accountID); errors.Is(err, store.ErrNotFound) {
			if err := tx.CreateAccount(ctx, store.Account{ID: accountID, CreatedAt: now}); err != nil {
				return err
			}
			created = true
		} else if err != nil {
			return err
		}
		if rootAccessKeyID == "" {
			return nil
		}
		k, err := tx.GetAccessKey(ctx, rootAccessKeyID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			keys, err := tx.ListAccessKeys(ctx, accountID, "")
			if err != nil {
				return err
			}
			if err := CheckCount("AccessKeysPerUser", len(keys), s.quotas.AccessKeysPerUser); err != nil {
				return err
			}
			return tx.CreateAccessKey(ctx, store.AccessKey{
				ID: rootAccessKeyID, AccountID: accountID, Status: store.AccessKeyActive,
				SecretSealed: sealed, CreatedAt: now,
			})
		case err != nil:
			return err
		case k.AccountID != accountID || k.UserID != "":
			return EntityAlreadyExists("The access key %s already belongs to another principal.", rootAccessKeyID)
		}
		current, err := s.openAccessKeySecret(k)
		if err == nil && subtle.ConstantTimeCompare([]byte(current), []byte(rootSecret)) == 1 && !s.sealer.NeedsReseal(k.SecretSealed) {
			return nil // already as configured: no write, no revision bump
		}
		if err != nil {
			// Sealed under a master key we no longer have: the configured
			// secret is authoritative, so replace it rather than refuse to start.
			s.log.Warn("root access key secret could not be opened; replacing it with the configured one",
				"account", accountID, "access_key_id", rootAccessKeyID, "error", err)
		}
		return tx.UpdateAccessKeySecret(ctx, accountID, rootAccessKeyID, sealed)
	})
	if err == nil && created {
		s.log.Info("account created", "account", accountID)
	}
	return err
}

// Credential is a long-term access key resolved for SigV4 verification.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	AccountID       string
	// UserID is the owning IAM user's unique ID; "" for the account root.
	// The caller resolves the user (name, path, ARN) through the users area.
	UserID    string
	Active    bool
	CreatedAt time.Time
	// Last recorded use (zero time: never used).
	LastUsedAt      time.Time
	LastUsedService string
	LastUsedRegion  string
}

// IsRoot reports whether the key belongs to the account root.
func (c Credential) IsRoot() bool { return c.UserID == "" }

// LookupAccessKey finds an access key of any account, root or user, active
// or not, with its secret opened; the SigV4 verifier calls it (and rejects
// inactive keys itself, as InvalidClientTokenId). A key that does not exist
// is NoSuchEntity.
func (s *Service) LookupAccessKey(ctx context.Context, accessKeyID string) (Credential, error) {
	var k store.AccessKey
	err := s.view(ctx, func(tx store.Txn) error {
		var err error
		k, err = tx.GetAccessKey(ctx, accessKeyID)
		return mapStoreErr(err, NoSuchEntity("The Access Key with id %s cannot be found.", accessKeyID), nil)
	})
	if err != nil {
		return Credential{}, err
	}
	plain, err := s.openAccessKeySecret(k)
	if err != nil {
		return Credential{}, err
	}
	return Credential{
		AccessKeyID:     k.ID,
		SecretAccessKey: plain,
		AccountID:       k.AccountID,
		UserID:          k.UserID,
		Active:          k.Status == store.AccessKeyActive,
		CreatedAt:       k.CreatedAt,
		LastUsedAt:      k.LastUsedAt,
		LastUsedService: k.LastUsedService,
		LastUsedRegion:  k.LastUsedRegion,
	}, nil
}

// AccessKeyUseGranularity is how stale a key's recorded last use may get.
// AWS records last use at about this granularity; iamd does the same so
// that a busy key does not cost a write on every request.
const AccessKeyUseGranularity = 15 * time.Minute

// RecordAccessKeyUse records that cred (as LookupAccessKey returned it)
// authenticated a request for service ("iam", "sts", ...) in region. It
// writes only when the recorded use is older than AccessKeyUseGranularity
// or names another service or region, and never bumps the account revision.
// A key deleted meanwhile is not an error.
func (s *Service) RecordAccessKeyUse(ctx context.Context, cred Credential, service, region string) error {
	now := s.clock()
	if !cred.LastUsedAt.IsZero() && now.Sub(cred.LastUsedAt) < AccessKeyUseGranularity &&
		cred.LastUsedService == service && cred.LastUsedRegion == region {
		return nil
	}
	return s.tx(ctx, func(tx store.Txn) error {
		err := tx.RecordAccessKeyUse(ctx, cred.AccessKeyID, now, service, region)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
}
