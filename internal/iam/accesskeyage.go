package iam

import (
	"context"
	"errors"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// MaxAccessKeyAgeLimit bounds the account-level maximum access key age:
// longer than ten years is no rotation policy.
const MaxAccessKeyAgeLimit = 10 * 365 * 24 * time.Hour

// SetMaxAccessKeyAge sets the account's maximum access key age, an iamd
// setting AWS does not have: requests signed with a long-term access key
// older than it are refused (internal/authz), except the calls that rotate
// the caller's own keys. Whole days from 1 to 3650; 0 removes the limit.
func (s *Service) SetMaxAccessKeyAge(ctx context.Context, accountID string, age time.Duration) error {
	if age < 0 || age%(24*time.Hour) != 0 || age > MaxAccessKeyAgeLimit {
		return InvalidInput("The maximum access key age must be a whole number of days between 1 and 3650, or 0 for no limit.")
	}
	return s.tx(ctx, func(tx store.Txn) error {
		if _, err := tx.GetAccount(ctx, accountID); err != nil {
			return mapStoreErr(err, noSuchAccount(accountID), nil)
		}
		if age == 0 {
			err := tx.DeleteAccountSetting(ctx, accountID, store.SettingMaxAccessKeyAge)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}
		return tx.PutAccountSetting(ctx, accountID, store.SettingMaxAccessKeyAge, age.String())
	})
}

// MaxAccessKeyAge returns the account's maximum access key age, 0 when
// there is none.
func (s *Service) MaxAccessKeyAge(ctx context.Context, accountID string) (time.Duration, error) {
	var age time.Duration
	err := s.view(ctx, func(tx store.Txn) error {
		var err error
		age, err = ReadMaxAccessKeyAge(ctx, tx, accountID)
		return err
	})
	return age, err
}

// ReadMaxAccessKeyAge reads the setting inside a transaction (the
// authorization layer reads it with the account's other facts). An unset
// or unreadable value is no limit.
func ReadMaxAccessKeyAge(ctx context.Context, tx store.Txn, accountID string) (time.Duration, error) {
	v, err := tx.GetAccountSetting(ctx, accountID, store.SettingMaxAccessKeyAge)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, nil
	}
	return d, nil
}
