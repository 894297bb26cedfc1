package iam

import (
	"context"
	"errors"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// Virtual MFA devices (RFC 6238 TOTP, see totp.go). A device is created
// unassigned (CreateVirtualMFADevice), assigned to a user or to the account
// root once two consecutive codes prove the user holds the seed
// (EnableMFADevice), and from then on its codes authenticate that principal
// (VerifyMFACode: STS, console). Every accepted code advances the device's
// last used time step, so no code is ever accepted twice.
//
// Throughout, userName "" means the account root.

// MFADevice is a virtual MFA device as the API shows it.
type MFADevice struct {
	SerialNumber string
	Name         string
	Path         string
	// EnableDate is when the device was assigned; zero when unassigned.
	EnableDate time.Time
	// User is the IAM user the device is assigned to (nil when unassigned
	// or assigned to the root; then Root tells which).
	User *User
	Root bool
	Tags []Tag
}

// Assigned reports whether the device is in use.
func (d MFADevice) Assigned() bool { return !d.EnableDate.IsZero() }

// NewVirtualMFADevice is CreateVirtualMFADevice's result: the device and,
// this one time, its secret seed, as Base32StringSeed and as the QR code an
// authenticator app scans.
type NewVirtualMFADevice struct {
	MFADevice
	Base32StringSeed string
	QRCodePNG        []byte
}

// Messages of AWS's MFA errors.
const (
	msgMFAExists       = "MFADevice entity at the same path and name already exists."
	msgMFAInUse        = "MFA Device is already in use."
	msgMFAStillInUse   = "MFA VirtualDevice in use. Must deactivate first."
	msgMFAInvalidUser  = "MFA Device invalid for user."
	msgInvalidAuthCode = "Authentication code for device is not valid."
)

func noSuchMFADevice(serial string) *Error {
	return NoSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
}

func invalidAuthenticationCode() *Error {
	return &Error{Code: CodeInvalidAuthenticationCode, Message: msgInvalidAuthCode}
}

// validateMFAOwner checks the user name of an MFA operation ("" = root).
func validateMFAOwner(userName string) *Error {
	if userName == "" {
		return nil
	}
	return ValidateExistingUserName(userName)
}

// mfaOwner resolves the principal an MFA operation is about inside a
// transaction: the user's ID, or "" for the root (userName "").
func mfaOwner(ctx context.Context, tx store.Txn, accountID, userName string) (string, error) {
	if userName == "" {
		return "", nil
	}
	u, err := lookupUser(ctx, tx, accountID, userName)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// getMFADevice reads a device inside a transaction, NoSuchEntity if absent.
func getMFADevice(ctx context.Context, tx store.Txn, accountID, serial string) (store.MFADevice, error) {
	d, err := tx.GetMFADevice(ctx, accountID, serial)
	return d, mapStoreErr(err, noSuchMFADevice(serial), nil)
}

// deviceOf reads a device that must be assigned to ownerID ("" = root):
// NoSuchEntity otherwise, the same answer whether the device is missing,
// unassigned or another principal's, so that it reveals nothing.
func deviceOf(ctx context.Context, tx store.Txn, accountID, ownerID, serial string) (store.MFADevice, error) {
	d, err := tx.GetMFADevice(ctx, accountID, serial)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!d.Assigned() || d.UserID != ownerID)) {
		return store.MFADevice{}, NoSuchEntity(msgMFAInvalidUser)
	}
	return d, err
}

// mfaDeviceFromStore builds the API view; the user (if any) is read in tx.
func mfaDeviceFromStore(ctx context.Context, tx store.Txn, d store.MFADevice) (MFADevice, error) {
	out := MFADevice{SerialNumber: d.SerialNumber, Name: d.Name, Path: d.Path, EnableDate: d.EnableDate, Root: d.AssignedToRoot()}
	if d.Assigned() && d.UserID != "" {
		u, err := tx.GetUserByID(ctx, d.AccountID, d.UserID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			// Cannot happen through the API (DeleteUser refuses while a
			// device is assigned); show the device as its user's anyway.
		case err != nil:
			return MFADevice{}, err
		default:
			uu := userFromStore(u)
			out.User = &uu
		}
	}
	return out, nil
}

// CreateVirtualMFADevice creates an unassigned virtual MFA device with a
// fresh seed (sealed at rest) and returns the seed once. The QR code's
// label is "<name>@<account alias or ID>", as AWS labels it.
func (s *Service) CreateVirtualMFADevice(ctx context.Context, accountID, path, name string, tags []Tag) (NewVirtualMFADevice, error) {
	if err := ValidatePath(path); err != nil {
		return NewVirtualMFADevice{}, err
	}
	if err := ValidateMFADeviceName(name); err != nil {
		return NewVirtualMFADevice{}, err
	}
	if err := ValidateTags(tags); err != nil {
		return NewVirtualMFADevice{}, err
	}
	path = pathOrRoot(path)
	serial := MFAARN(accountID, path, name)
	if err := ValidateSerialNumber(serial); err != nil {
		return NewVirtualMFADevice{}, err
	}
	seed, err := NewTOTPSeed(s.rand)
	if err != nil {
		return NewVirtualMFADevice{}, internalError(err)
	}
	sealed, err := s.seal(sealMFASeed, serial, seed)
	if err != nil {
		return NewVirtualMFADevice{}, err
	}
	now := s.clock()
	var label string
	err = s.tx(ctx, func(tx store.Txn) error {
		n, err := tx.CountMFADevices(ctx, accountID)
		if err != nil {
			return err
		}
		// AWS allows as many virtual devices as users.
		if err := CheckCount(QuotaVirtualMFADevicesPerAccount, n, s.quotas.UsersPerAccount); err != nil {
			return err
		}
		d := store.MFADevice{SerialNumber: serial, AccountID: accountID, Name: name, Path: path,
			SeedSealed: sealed, CreatedAt: now, LastUsedStep: -1}
		if err := tx.CreateMFADevice(ctx, d); err != nil {
			return mapStoreErr(err, noSuchAccount(accountID), EntityAlreadyExists(msgMFAExists))
		}
		if len(tags) > 0 {
			if err := tx.PutTags(ctx, accountID, store.TagKindMFADevice, serial, storeTags(tags)); err != nil {
				return err
			}
		}
		acct, err := accountLabel(ctx, tx, accountID)
		label = name + "@" + acct
		return err
	})
	if err != nil {
		return NewVirtualMFADevice{}, err
	}
	png, err := QRCodePNG(OTPAuthURI(MFAIssuer, label, seed))
	if err != nil {
		return NewVirtualMFADevice{}, internalError(err)
	}
	return NewVirtualMFADevice{
		MFADevice:        MFADevice{SerialNumber: serial, Name: name, Path: path, Tags: tags},
		Base32StringSeed: Base32Seed(seed),
		QRCodePNG:        png,
	}, nil
}

// QuotaVirtualMFADevicesPerAccount names the virtual-device quota in
// LimitExceeded messages; its limit is the users-per-account quota.
const QuotaVirtualMFADevicesPerAccount = "VirtualMFADevicesPerAccount"

func validateCodes(code1, code2 string) *Error {
	if err := ValidateAuthenticationCode("authenticationCode1", code1); err != nil {
		return err
	}
	return ValidateAuthenticationCode("authenticationCode2", code2)
}

// verifyTwoCodes checks code1 and code2 against device d (its seed sealed
// under serial) with VerifyTwoConsecutiveAfter and returns the step it
// reports; wrong codes are InvalidAuthenticationCode.
func (s *Service) verifyTwoCodes(serial string, d store.MFADevice, code1, code2 string, now time.Time) (int64, error) {
	seed, err := s.unseal(sealMFASeed, serial, d.SeedSealed)
	if err != nil {
		return 0, err
	}
	step, ok := VerifyTwoConsecutiveAfter(seed, code1, code2, now, d.LastUsedStep)
	if !ok {
		return 0, invalidAuthenticationCode()
	}
	return step, nil
}

// EnableMFADevice assigns an unassigned device to a user (userName "" =
// the root) once code1 and code2 are the device's codes of two consecutive
// time steps near now. Neither code is accepted again afterwards.
func (s *Service) EnableMFADevice(ctx context.Context, accountID, userName, serial, code1, code2 string) error {
	if err := firstInvalid(validateMFAOwner(userName), ValidateSerialNumber(serial), validateCodes(code1, code2)); err != nil {
		return err
	}
	now := s.clock()
	return s.tx(ctx, func(tx store.Txn) error {
		ownerID, err := mfaOwner(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		d, err := getMFADevice(ctx, tx, accountID, serial)
		if err != nil {
			return err
		}
		if d.Assigned() {
			return EntityAlreadyExists(msgMFAInUse)
		}
		n, err := tx.CountMFADevicesForUser(ctx, accountID, ownerID)
		if err != nil {
			return err
		}
		if err := CheckCount(QuotaMFADevicesPerUser, n, s.quotas.MFADevicesPerUser); err != nil {
			return err
		}
		step, err := s.verifyTwoCodes(serial, d, code1, code2, now)
		if err != nil {
			return err
		}
		return mapStoreErr(tx.AssignMFADevice(ctx, accountID, serial, ownerID, now, step), noSuchMFADevice(serial), nil)
	})
}

// ResyncMFADevice brings a drifted device back in step: code1 and code2
// must be consecutive codes within five minutes of now and newer than any
// code used before.
func (s *Service) ResyncMFADevice(ctx context.Context, accountID, userName, serial, code1, code2 string) error {
	if err := firstInvalid(validateMFAOwner(userName), ValidateSerialNumber(serial), validateCodes(code1, code2)); err != nil {
		return err
	}
	now := s.clock()
	return s.tx(ctx, func(tx store.Txn) error {
		ownerID, err := mfaOwner(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		d, err := deviceOf(ctx, tx, accountID, ownerID, serial)
		if err != nil {
			return err
		}
		step, err := s.verifyTwoCodes(serial, d, code1, code2, now)
		if err != nil {
			return err
		}
		advanced, err := tx.AdvanceMFADeviceStep(ctx, accountID, serial, step)
		if err != nil {
			return mapStoreErr(err, noSuchMFADevice(serial), nil)
		}
		if !advanced {
			return invalidAuthenticationCode()
		}
		return nil
	})
}

// DeactivateMFADevice removes a device from the user (userName "" = the
// root) it is assigned to; the device itself remains, unassigned.
func (s *Service) DeactivateMFADevice(ctx context.Context, accountID, userName, serial string) error {
	if err := firstInvalid(validateMFAOwner(userName), ValidateSerialNumber(serial)); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		ownerID, err := mfaOwner(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		if _, err := deviceOf(ctx, tx, accountID, ownerID, serial); err != nil {
			return err
		}
		return mapStoreErr(tx.UnassignMFADevice(ctx, accountID, serial), noSuchMFADevice(serial), nil)
	})
}

// DeleteVirtualMFADevice deletes an unassigned device and its tags; an
// assigned one is DeleteConflict.
func (s *Service) DeleteVirtualMFADevice(ctx context.Context, accountID, serial string) error {
	if err := ValidateSerialNumber(serial); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		d, err := getMFADevice(ctx, tx, accountID, serial)
		if err != nil {
			return err
		}
		if d.Assigned() {
			return DeleteConflict(msgMFAStillInUse)
		}
		if err := tx.DeleteAllTags(ctx, accountID, store.TagKindMFADevice, serial); err != nil {
			return err
		}
		return mapStoreErr(tx.DeleteMFADevice(ctx, accountID, serial), noSuchMFADevice(serial), nil)
	})
}

// ListMFADevices lists the devices assigned to a user (userName "" = the
// root), one page ordered by serial number (the page key).
func (s *Service) ListMFADevices(ctx context.Context, accountID, userName string, p store.Page) ([]MFADevice, bool, error) {
	if err := validateMFAOwner(userName); err != nil {
		return nil, false, err
	}
	var out []MFADevice
	var more bool
	err := s.view(ctx, func(tx store.Txn) error {
		out = nil
		var user *User
		ownerID := ""
		if userName != "" {
			u, err := lookupUser(ctx, tx, accountID, userName)
			if err != nil {
				return err
			}
			uu := userFromStore(u)
			user, ownerID = &uu, u.ID
		}
		ds, m, err := tx.ListMFADevicesForUser(ctx, accountID, ownerID, p)
		if err != nil {
			return err
		}
		more = m
		for _, d := range ds {
			out = append(out, MFADevice{SerialNumber: d.SerialNumber, Name: d.Name, Path: d.Path,
				EnableDate: d.EnableDate, User: user, Root: userName == ""})
		}
		return nil
	})
	return out, more, err
}

// ListVirtualMFADevices lists the account's devices by assignment status
// (store.MFAAssigned, MFAUnassigned or MFAAny; "" = any), one page ordered
// by serial number (the page key). Assigned devices carry their user; tags
// are not listed (ListMFADeviceTags), as in AWS.
func (s *Service) ListVirtualMFADevices(ctx context.Context, accountID, assignment string, p store.Page) ([]MFADevice, bool, error) {
	switch assignment {
	case "":
		assignment = store.MFAAny
	case store.MFAAssigned, store.MFAUnassigned, store.MFAAny:
	default:
		var v Validation
		v.Fail("assignmentStatus", assignment, "satisfy enum value set: [Assigned, Unassigned, Any]")
		return nil, false, v.Err()
	}
	var out []MFADevice
	var more bool
	err := s.view(ctx, func(tx store.Txn) error {
		out = nil
		ds, m, err := tx.ListVirtualMFADevices(ctx, accountID, assignment, p)
		if err != nil {
			return err
		}
		more = m
		for _, d := range ds {
			md, err := mfaDeviceFromStore(ctx, tx, d)
			if err != nil {
				return err
			}
			out = append(out, md)
		}
		return nil
	})
	return out, more, err
}

// GetMFADevice returns a device assigned to the user (userName "" = the
// root); NoSuchEntity for any other device.
func (s *Service) GetMFADevice(ctx context.Context, accountID, userName, serial string) (MFADevice, error) {
	if err := validateMFAOwner(userName); err != nil {
		return MFADevice{}, err
	}
	if err := ValidateSerialNumber(serial); err != nil {
		return MFADevice{}, err
	}
	var out MFADevice
	err := s.view(ctx, func(tx store.Txn) error {
		ownerID, err := mfaOwner(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		d, err := deviceOf(ctx, tx, accountID, ownerID, serial)
		if err != nil {
			return err
		}
		out, err = mfaDeviceFromStore(ctx, tx, d)
		return err
	})
	return out, err
}

// mfaDeviceTags is the device serial number as a tagged resource.
func mfaDeviceTags(accountID, serial string) taggable {
	return taggable{
		kind:  store.TagKindMFADevice,
		check: func() error { return checked(ValidateSerialNumber(serial)) },
		find: func(ctx context.Context, tx store.Txn, _ string) (string, error) {
			if _, err := getMFADevice(ctx, tx, accountID, serial); err != nil {
				return "", err
			}
			return serial, nil
		},
	}
}

// TagMFADevice adds or replaces tags of a device; more than 50 in all is
// LimitExceeded.
func (s *Service) TagMFADevice(ctx context.Context, accountID, serial string, tags []Tag) error {
	return s.tagResource(ctx, accountID, "TagMFADevice", mfaDeviceTags(accountID, serial), tags)
}

// UntagMFADevice removes tags (keys compared ignoring case; absent keys are
// ignored).
func (s *Service) UntagMFADevice(ctx context.Context, accountID, serial string, keys []string) error {
	return s.untagResource(ctx, accountID, "UntagMFADevice", mfaDeviceTags(accountID, serial), keys)
}

// ListMFADeviceTags returns a device's tags ordered by key (ignoring case).
func (s *Service) ListMFADeviceTags(ctx context.Context, accountID, serial string) ([]Tag, error) {
	return s.listResourceTags(ctx, accountID, "ListMFADeviceTags", mfaDeviceTags(accountID, serial))
}

// VerifyMFACode checks a TokenCode (STS GetSessionToken/AssumeRole, console
// sign-in) for the device serial that must be assigned to the principal
// userID (a user's unique ID, "" = the account root). It accepts the code of
// the current time step or one either side, once: the accepted step is
// recorded and no code of it or an earlier step is accepted again. It
// reports false (and no error) for any wrong code, replay, unknown device or
// device of another principal; err is only for failures of the service.
func (s *Service) VerifyMFACode(ctx context.Context, accountID, userID, serial, code string) (bool, error) {
	now := s.clock()
	ok := false
	err := s.tx(ctx, func(tx store.Txn) error {
		ok = false
		d, err := tx.GetMFADevice(ctx, accountID, serial)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if !d.Assigned() || d.UserID != userID {
			return nil
		}
		seed, err := s.unseal(sealMFASeed, serial, d.SeedSealed)
		if err != nil {
			return err
		}
		step, match := VerifyCode(seed, code, now, d.LastUsedStep)
		if !match {
			return nil
		}
		// The store compares and advances atomically, so of two requests
		// racing with the same code only one succeeds.
		ok, err = tx.AdvanceMFADeviceStep(ctx, accountID, serial, step)
		return err
	})
	if err != nil {
		return false, err
	}
	return ok, nil
}
