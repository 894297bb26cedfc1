package iam

import (
	"context"
	"errors"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// LoginProfile is a user's console password as the API shows it (never the
// password or its hash).
type LoginProfile struct {
	UserName              string
	CreatedAt             time.Time
	PasswordResetRequired bool
}

func noSuchLoginProfile(userName string) *Error {
	return NoSuchEntity("Login Profile for User %s cannot be found.", userName)
}

// CreateLoginProfile gives a user a console password (CreateLoginProfile).
// The password must satisfy the account's password policy (AWS's built-in
// rules when it has none); it is stored as an argon2id hash. A user has at
// most one profile: a second is EntityAlreadyExists.
func (s *Service) CreateLoginProfile(ctx context.Context, accountID, userName, password string, resetRequired bool) (LoginProfile, error) {
	if err := ValidateExistingUserName(userName); err != nil {
		return LoginProfile{}, err
	}
	if err := ValidatePasswordInput("password", password); err != nil {
		return LoginProfile{}, err
	}
	if err := s.precheckPassword(ctx, accountID, userName, password); err != nil {
		return LoginProfile{}, err
	}
	hash, err := s.passwords.Hash(password)
	if err != nil {
		return LoginProfile{}, internalError(err)
	}
	now := s.clock()
	var out LoginProfile
	err = s.tx(ctx, func(tx store.Txn) error {
		u, err := lookupUser(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		exists := EntityAlreadyExists("Login Profile for user %s already exists.", u.Name)
		if _, err := tx.GetLoginProfile(ctx, accountID, u.ID); err == nil {
			return exists
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if _, err := checkNewPassword(ctx, tx, accountID, u.Name, password); err != nil {
			return err
		}
		err = tx.CreateLoginProfile(ctx, store.LoginProfile{
			AccountID: accountID, UserID: u.ID, PasswordHash: hash,
			PasswordResetRequired: resetRequired, CreatedAt: now, PasswordChangedAt: now,
		})
		if err != nil {
			return mapStoreErr(err, noSuchUser(userName), exists)
		}
		out = LoginProfile{UserName: u.Name, CreatedAt: now, PasswordResetRequired: resetRequired}
		return nil
	})
	return out, err
}

// precheckPassword refuses, before the costly hashing, a password the
// account's policy rejects for the user. The transaction that stores the
// hash checks again (the policy may change in between).
func (s *Service) precheckPassword(ctx context.Context, accountID, userName, password string) error {
	return s.view(ctx, func(tx store.Txn) error {
		u, err := lookupUser(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		_, err = checkNewPassword(ctx, tx, accountID, u.Name, password)
		return err
	})
}

// GetLoginProfile returns a user's login profile (GetLoginProfile);
// NoSuchEntity when the user has none.
func (s *Service) GetLoginProfile(ctx context.Context, accountID, userName string) (LoginProfile, error) {
	if err := ValidateExistingUserName(userName); err != nil {
		return LoginProfile{}, err
	}
	var out LoginProfile
	err := s.view(ctx, func(tx store.Txn) error {
		u, err := lookupUser(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		lp, err := tx.GetLoginProfile(ctx, accountID, u.ID)
		if err != nil {
			return mapStoreErr(err, noSuchLoginProfile(u.Name), nil)
		}
		out = LoginProfile{UserName: u.Name, CreatedAt: lp.CreatedAt, PasswordResetRequired: lp.PasswordResetRequired}
		return nil
	})
	return out, err
}

// UpdateLoginProfile changes a user's password and/or its reset flag
// (UpdateLoginProfile); nil means "keep". A new password is checked against
// the password policy like CreateLoginProfile's.
func (s *Service) UpdateLoginProfile(ctx context.Context, accountID, userName string, password *string, resetRequired *bool) error {
	if err := ValidateUserName(userName); err != nil {
		return err
	}
	var hash string
	if password != nil {
		if err := ValidatePasswordInput("password", *password); err != nil {
			return err
		}
		if err := s.precheckPassword(ctx, accountID, userName, *password); err != nil {
			return err
		}
		var err error
		if hash, err = s.passwords.Hash(*password); err != nil {
			return internalError(err)
		}
	}
	now := s.clock()
	return s.tx(ctx, func(tx store.Txn) error {
		u, err := lookupUser(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		lp, err := tx.GetLoginProfile(ctx, accountID, u.ID)
		if err != nil {
			return mapStoreErr(err, noSuchLoginProfile(u.Name), nil)
		}
		upd := lp
		if password != nil {
			if _, err := checkNewPassword(ctx, tx, accountID, u.Name, *password); err != nil {
				return err
			}
			upd.PasswordHash, upd.PasswordChangedAt = hash, now
			if err := tx.AddPasswordHistory(ctx, accountID, u.ID, lp.PasswordHash, now, MaxPasswordReuse); err != nil {
				return err
			}
		}
		if resetRequired != nil {
			upd.PasswordResetRequired = *resetRequired
		}
		if upd == lp {
			return nil
		}
		return mapStoreErr(tx.UpdateLoginProfile(ctx, upd), noSuchLoginProfile(u.Name), nil)
	})
}

// DeleteLoginProfile removes a user's console password (DeleteLoginProfile).
func (s *Service) DeleteLoginProfile(ctx context.Context, accountID, userName string) error {
	if err := ValidateExistingUserName(userName); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		u, err := lookupUser(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		return mapStoreErr(tx.DeleteLoginProfile(ctx, accountID, u.ID), noSuchLoginProfile(u.Name), nil)
	})
}

// ChangePassword changes the password of the calling IAM user
// (ChangePassword): the old password must match, the new one must satisfy
// the account's password policy and, under PasswordReusePrevention, differ
// from the current one and the previous ones it counts. A password expired
// under a HardExpiry policy cannot be changed by the user. Success clears
// PasswordResetRequired.
func (s *Service) ChangePassword(ctx context.Context, accountID, userName, oldPassword, newPassword string) error {
	if err := ValidatePasswordInput("oldPassword", oldPassword); err != nil {
		return err
	}
	if err := ValidatePasswordInput("newPassword", newPassword); err != nil {
		return err
	}
	var u store.User
	var lp store.LoginProfile
	var policy *PasswordPolicy
	var previous []string
	err := s.view(ctx, func(tx store.Txn) error {
		var err error
		if u, err = lookupUser(ctx, tx, accountID, userName); err != nil {
			return err
		}
		if lp, err = tx.GetLoginProfile(ctx, accountID, u.ID); err != nil {
			return mapStoreErr(err, noSuchLoginProfile(u.Name), nil)
		}
		if policy, err = checkNewPassword(ctx, tx, accountID, u.Name, newPassword); err != nil {
			return err
		}
		history, err := tx.ListPasswordHistory(ctx, accountID, u.ID)
		previous = append([]string{lp.PasswordHash}, history...)
		return err
	})
	if err != nil {
		return err
	}
	match, err := s.passwords.Verify(lp.PasswordHash, oldPassword)
	if err != nil {
		return internalError(err)
	}
	if !match {
		return &Error{Code: CodeAccessDenied, Message: "The old password is incorrect."}
	}
	now := s.clock()
	if policy != nil {
		if exp, ok := policy.Expiry(lp.PasswordChangedAt); ok && policy.HardExpiry && !now.Before(exp) {
			return &Error{Code: CodeAccessDenied, Message: "The password has expired and can only be reset by an administrator."}
		}
		if verr := policy.CheckReuse(newPassword, previous, func(hash, pw string) bool {
			ok, err := s.passwords.Verify(hash, pw)
			return err == nil && ok
		}); verr != nil {
			return verr
		}
	}
	hash, err := s.passwords.Hash(newPassword)
	if err != nil {
		return internalError(err)
	}
	return s.tx(ctx, func(tx store.Txn) error {
		cur, err := tx.GetLoginProfile(ctx, accountID, u.ID)
		if err != nil {
			return mapStoreErr(err, noSuchLoginProfile(u.Name), nil)
		}
		if cur.PasswordHash != lp.PasswordHash {
			// Changed since the old password was checked.
			return &Error{Code: CodeEntityTemporarilyUnmod,
				Message: "The password of user " + u.Name + " was changed by another request. Please try again."}
		}
		if _, err := checkNewPassword(ctx, tx, accountID, u.Name, newPassword); err != nil {
			return err
		}
		if err := tx.AddPasswordHistory(ctx, accountID, u.ID, cur.PasswordHash, now, MaxPasswordReuse); err != nil {
			return mapStoreErr(err, noSuchUser(userName), nil)
		}
		cur.PasswordHash, cur.PasswordChangedAt, cur.PasswordResetRequired = hash, now, false
		return mapStoreErr(tx.UpdateLoginProfile(ctx, cur), noSuchLoginProfile(u.Name), nil)
	})
}

// PasswordSignIn is the outcome of a successful VerifyUserPassword.
type PasswordSignIn struct {
	User User
	// ResetRequired: the user must choose a new password before doing
	// anything else (PasswordResetRequired, or an expired password under a
	// policy without HardExpiry).
	ResetRequired bool
	// Expired: the password is older than the policy's MaxPasswordAge.
	// With HardExpiry the user cannot sign in at all (ok is false).
	Expired bool
}

// VerifyUserPassword checks a console sign-in of an IAM user. ok is false
// for an unknown user, a user without a login profile, a wrong password and
// a password expired under a HardExpiry policy; callers report them all
// alike. On success it records the sign-in as the user's PasswordLastUsed
// (bookkeeping, no revision bump) and, when the stored hash was made with
// other argon2id parameters than the service's, stores a fresh hash.
func (s *Service) VerifyUserPassword(ctx context.Context, accountID, userName, password string) (PasswordSignIn, bool, error) {
	var u store.User
	var lp store.LoginProfile
	var policy *PasswordPolicy
	found := false
	err := s.view(ctx, func(tx store.Txn) error {
		found = false
		var err error
		if u, err = tx.GetUserByName(ctx, accountID, userName); errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if lp, err = tx.GetLoginProfile(ctx, accountID, u.ID); errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if policy, err = accountPasswordPolicy(ctx, tx, accountID); err != nil {
			return err
		}
		found = true
		return nil
	})
	if err != nil {
		return PasswordSignIn{}, false, err
	}
	if !found {
		// Spend what a verification costs so that response times do not
		// tell which user names have a password.
		_, _ = s.passwords.Hash(password)
		return PasswordSignIn{}, false, nil
	}
	match, err := s.passwords.Verify(lp.PasswordHash, password)
	if err != nil {
		return PasswordSignIn{}, false, internalError(err)
	}
	if !match {
		return PasswordSignIn{}, false, nil
	}
	now := s.clock()
	res := PasswordSignIn{User: userFromStore(u), ResetRequired: lp.PasswordResetRequired}
	if policy != nil {
		if exp, ok := policy.Expiry(lp.PasswordChangedAt); ok && !now.Before(exp) {
			res.Expired = true
			if policy.HardExpiry {
				return PasswordSignIn{}, false, nil
			}
			res.ResetRequired = true
		}
	}
	// A hash made with older parameters is replaced while the password is
	// at hand (its change time stays: the password did not change).
	var rehash string
	if s.passwords.NeedsRehash(lp.PasswordHash) {
		if rehash, err = s.passwords.Hash(password); err != nil {
			return PasswordSignIn{}, false, internalError(err)
		}
	}
	err = s.tx(ctx, func(tx store.Txn) error {
		err := tx.RecordUserPasswordUse(ctx, accountID, u.ID, now)
		if errors.Is(err, store.ErrNotFound) {
			return nil // deleted meanwhile: nothing to record
		}
		if err != nil || rehash == "" {
			return err
		}
		cur, err := tx.GetLoginProfile(ctx, accountID, u.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && cur.PasswordHash != lp.PasswordHash) {
			return nil // removed or changed meanwhile: leave it
		}
		if err != nil {
			return err
		}
		cur.PasswordHash = rehash
		return tx.UpdateLoginProfile(ctx, cur)
	})
	if err != nil {
		return PasswordSignIn{}, false, err
	}
	res.User.PasswordLastUsed = now
	return res, true, nil
}
