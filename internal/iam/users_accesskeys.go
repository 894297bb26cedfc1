package iam

import (
	"context"
	"errors"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// AccessKey is a long-term access key as the API shows it. Secret is set
// only in CreateAccessKey's result: it is never shown again.
type AccessKey struct {
	ID        string // AKIA...
	UserName  string // "" for the root's keys
	Status    string // store.AccessKeyActive or store.AccessKeyInactive
	Secret    string
	CreatedAt time.Time
}

// AccessKeyLastUsed is GetAccessKeyLastUsed's answer. A key never used has
// a zero LastUsedAt and "N/A" as service and region, as AWS reports.
type AccessKeyLastUsed struct {
	UserName   string // "" for a root key
	LastUsedAt time.Time
	Service    string
	Region     string
}

// notApplicable is AWS's value for the service and region of a key never
// used.
const notApplicable = "N/A"

func noSuchAccessKey(id string) *Error {
	return NoSuchEntity("The Access Key with id %s cannot be found.", id)
}

// keyOwner resolves the owner of access keys named by an operation: a user
// name, or "" for the account root (the root calling without UserName).
// It returns the store user ID ("" for the root) and the display name.
func keyOwner(ctx context.Context, tx store.Txn, accountID, userName string) (userID, name string, err error) {
	if userName == "" {
		return "", "", nil
	}
	u, err := lookupUser(ctx, tx, accountID, userName)
	if err != nil {
		return "", "", err
	}
	return u.ID, u.Name, nil
}

// ownedKey reads an access key that must belong to the owner (userID, ""
// for the root) in the account; anything else is NoSuchEntity, so that a
// key ID of another owner is not disclosed.
func ownedKey(ctx context.Context, tx store.Txn, accountID, userID, keyID string) (store.AccessKey, error) {
	k, err := tx.GetAccessKey(ctx, keyID)
	if err != nil {
		return store.AccessKey{}, mapStoreErr(err, noSuchAccessKey(keyID), nil)
	}
	if k.AccountID != accountID || k.UserID != userID {
		return store.AccessKey{}, noSuchAccessKey(keyID)
	}
	return k, nil
}

// CreateAccessKey creates an access key for the user userName, or for the
// account root when userName is "" (CreateAccessKey). An owner with
// AccessKeysPerUser keys already is LimitExceeded. The result carries the
// secret, which is stored sealed and never returned again.
func (s *Service) CreateAccessKey(ctx context.Context, accountID, userName string) (AccessKey, error) {
	if userName != "" {
		if err := ValidateExistingUserName(userName); err != nil {
			return AccessKey{}, err
		}
	}
	// An ID carries 39 random bits per account: a collision is rare but
	// possible, and then a fresh ID is drawn.
	for attempt := 1; ; attempt++ {
		k, err := s.createAccessKey(ctx, accountID, userName)
		if errors.Is(err, errAccessKeyIDTaken) {
			if attempt < 5 {
				continue
			}
			return AccessKey{}, internalError(err)
		}
		return k, err
	}
}

// errAccessKeyIDTaken reports a generated access key ID that already exists.
var errAccessKeyIDTaken = errors.New("iam: generated access key ID exists")

func (s *Service) createAccessKey(ctx context.Context, accountID, userName string) (AccessKey, error) {
	keyID, err := NewAccessKeyID(s.rand, PrefixAccessKey, accountID)
	if err != nil {
		return AccessKey{}, internalError(err)
	}
	secretKey, err := NewSecretAccessKey(s.rand)
	if err != nil {
		return AccessKey{}, internalError(err)
	}
	sealed, err := s.sealAccessKeySecret(keyID, secretKey)
	if err != nil {
		return AccessKey{}, err
	}
	now := s.clock()
	var owner string
	err = s.store.Tx(ctx, func(tx store.Txn) error {
		userID, name, err := keyOwner(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		owner = name
		keys, err := tx.ListAccessKeys(ctx, accountID, userID)
		if err != nil {
			return err
		}
		if err := CheckCount(QuotaAccessKeysPerUser, len(keys), s.quotas.AccessKeysPerUser); err != nil {
			return err
		}
		if _, err := tx.GetAccessKey(ctx, keyID); err == nil {
			return errAccessKeyIDTaken
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		err = tx.CreateAccessKey(ctx, store.AccessKey{
			ID: keyID, AccountID: accountID, UserID: userID, Status: store.AccessKeyActive,
			SecretSealed: sealed, CreatedAt: now,
		})
		if errors.Is(err, store.ErrConflict) {
			return errAccessKeyIDTaken
		}
		return mapStoreErr(err, noSuchAccount(accountID), nil)
	})
	if errors.Is(err, errAccessKeyIDTaken) {
		return AccessKey{}, err
	}
	if err != nil {
		return AccessKey{}, internalError(err)
	}
	return AccessKey{ID: keyID, UserName: owner, Status: store.AccessKeyActive, Secret: secretKey, CreatedAt: now}, nil
}

// ListAccessKeys lists the keys (without secrets) of the user userName, or
// of the root when userName is "", oldest first (ListAccessKeys).
func (s *Service) ListAccessKeys(ctx context.Context, accountID, userName string) ([]AccessKey, error) {
	if userName != "" {
		if err := ValidateExistingUserName(userName); err != nil {
			return nil, err
		}
	}
	var out []AccessKey
	err := s.view(ctx, func(tx store.Txn) error {
		userID, name, err := keyOwner(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		keys, err := tx.ListAccessKeys(ctx, accountID, userID)
		if err != nil {
			return err
		}
		out = make([]AccessKey, len(keys))
		for i, k := range keys {
			out[i] = AccessKey{ID: k.ID, UserName: name, Status: k.Status, CreatedAt: k.CreatedAt}
		}
		return nil
	})
	return out, err
}

// UpdateAccessKey sets a key's status to Active or Inactive
// (UpdateAccessKey); an inactive key no longer authenticates.
func (s *Service) UpdateAccessKey(ctx context.Context, accountID, userName, keyID, status string) error {
	if status != store.AccessKeyActive && status != store.AccessKeyInactive {
		var v Validation
		v.Fail("status", status, "satisfy enum value set: [Active, Inactive]")
		return v.Err()
	}
	return s.tx(ctx, func(tx store.Txn) error {
		userID, _, err := keyOwner(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		k, err := ownedKey(ctx, tx, accountID, userID, keyID)
		if err != nil {
			return err
		}
		if k.Status == status {
			return nil
		}
		return mapStoreErr(tx.UpdateAccessKeyStatus(ctx, accountID, keyID, status), noSuchAccessKey(keyID), nil)
	})
}

// DeleteAccessKey deletes a key of the user userName, or of the root when
// userName is "" (DeleteAccessKey).
func (s *Service) DeleteAccessKey(ctx context.Context, accountID, userName, keyID string) error {
	return s.tx(ctx, func(tx store.Txn) error {
		userID, _, err := keyOwner(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		if _, err := ownedKey(ctx, tx, accountID, userID, keyID); err != nil {
			return err
		}
		return mapStoreErr(tx.DeleteAccessKey(ctx, accountID, keyID), noSuchAccessKey(keyID), nil)
	})
}

// GetAccessKeyLastUsed reports a key's last recorded use
// (GetAccessKeyLastUsed). Any key of the account may be asked about; the
// answer names its user.
func (s *Service) GetAccessKeyLastUsed(ctx context.Context, accountID, keyID string) (AccessKeyLastUsed, error) {
	var out AccessKeyLastUsed
	err := s.view(ctx, func(tx store.Txn) error {
		k, err := tx.GetAccessKey(ctx, keyID)
		if err != nil {
			return mapStoreErr(err, noSuchAccessKey(keyID), nil)
		}
		if k.AccountID != accountID {
			return noSuchAccessKey(keyID)
		}
		out = AccessKeyLastUsed{LastUsedAt: k.LastUsedAt, Service: k.LastUsedService, Region: k.LastUsedRegion}
		if k.UserID != "" {
			u, err := tx.GetUserByID(ctx, accountID, k.UserID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			out.UserName = u.Name
		}
		return nil
	})
	if out.LastUsedAt.IsZero() {
		out.Service, out.Region = notApplicable, notApplicable
	}
	if out.Service == "" {
		out.Service = notApplicable
	}
	if out.Region == "" {
		out.Region = notApplicable
	}
	return out, err
}
