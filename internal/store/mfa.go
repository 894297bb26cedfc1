package store

import (
	"context"
	"time"
)

// Area: account. MFA devices: virtual TOTP devices, their assignment to a
// user or the root, and the last accepted time step (replay protection).
// The account itself, aliases and settings (password policy) are in
// account.go. Tags of devices: tags.go (TagKindMFADevice, keyed by the
// serial number).

// Assignment filters of ListVirtualMFADevices, spelled as the IAM API
// spells AssignmentStatus.
const (
	MFAAssigned   = "Assigned"
	MFAUnassigned = "Unassigned"
	MFAAny        = "Any"
)

// MFADevice is a virtual MFA device.
type MFADevice struct {
	// SerialNumber is the device's ARN, arn:aws:iam::<acct>:mfa<path><name>;
	// it identifies the device everywhere (lookups are exact, case included).
	SerialNumber string
	AccountID    string
	// Name and Path are unique per account, the name compared ignoring case
	// (NameKey).
	Name string
	Path string
	// SeedSealed is the TOTP seed sealed by the domain (internal/secret)
	// with the serial number as associated data. The store never sees the
	// plaintext.
	SeedSealed []byte
	CreatedAt  time.Time
	// EnableDate is when the device was assigned (EnableMFADevice); zero
	// means unassigned. UserID is the user it is assigned to, "" for the
	// account root (or when unassigned).
	EnableDate time.Time
	UserID     string
	// LastUsedStep is the last TOTP time step accepted for the device (a
	// code of that step or earlier is never accepted again); -1 when none.
	LastUsedStep int64
}

// Assigned reports whether the device is in use by a user or the root.
func (d MFADevice) Assigned() bool { return !d.EnableDate.IsZero() }

// AssignedToRoot reports whether the device is the root user's.
func (d MFADevice) AssignedToRoot() bool { return d.Assigned() && d.UserID == "" }

// MFAStore manages MFA devices.
type MFAStore interface {
	// CreateMFADevice inserts d (unassigned, LastUsedStep as given);
	// ErrConflict if the serial number exists or the account has a device
	// with the same path and name (ignoring case), ErrNotFound if the
	// account does not exist.
	CreateMFADevice(ctx context.Context, d MFADevice) error
	// GetMFADevice finds the account's device by serial number; ErrNotFound
	// if absent.
	GetMFADevice(ctx context.Context, accountID, serialNumber string) (MFADevice, error)
	// ListVirtualMFADevices lists the account's devices filtered by
	// assignment (MFAAssigned, MFAUnassigned or MFAAny), ordered by serial
	// number (the Page key).
	ListVirtualMFADevices(ctx context.Context, accountID, assignment string, p Page) ([]MFADevice, bool, error)
	// ListMFADevicesForUser lists the devices assigned to the user (userID
	// "" = the root), ordered by serial number (the Page key).
	ListMFADevicesForUser(ctx context.Context, accountID, userID string, p Page) ([]MFADevice, bool, error)
	// CountMFADevicesForUser counts the devices assigned to the user (userID
	// "" = the root): the MFADevicesPerUser quota and DeleteUser's conflict
	// check.
	CountMFADevicesForUser(ctx context.Context, accountID, userID string) (int, error)
	// AssignMFADevice assigns the device to the user (userID "" = the root)
	// as of enableDate and sets its last used step; ErrNotFound if the
	// device does not exist. Whether it was free is the domain's check.
	AssignMFADevice(ctx context.Context, accountID, serialNumber, userID string, enableDate time.Time, lastUsedStep int64) error
	// UnassignMFADevice makes the device unassigned again (DeactivateMFADevice);
	// the last used step is kept. ErrNotFound if the device does not exist.
	UnassignMFADevice(ctx context.Context, accountID, serialNumber string) error
	// AdvanceMFADeviceStep records step as the device's last used step if it
	// is greater than the recorded one, and reports whether it was: false
	// means the code's step was already used (a replay), which a concurrent
	// transaction may have just done. It is bookkeeping and does not bump the
	// account revision. ErrNotFound if the device does not exist.
	AdvanceMFADeviceStep(ctx context.Context, accountID, serialNumber string, step int64) (bool, error)
	// UpdateMFADeviceSeed replaces the device's sealed seed (re-sealing under
	// a new master key); nothing else changes. ErrNotFound if the device
	// does not exist.
	UpdateMFADeviceSeed(ctx context.Context, accountID, serialNumber string, sealed []byte) error
	// DeleteMFADevice deletes the device; ErrNotFound if absent. Its tags are
	// the domain's to delete (DeleteAllTags) in the same Tx.
	DeleteMFADevice(ctx context.Context, accountID, serialNumber string) error
	// CountMFADevices counts the account's devices (GetAccountSummary's
	// MFADevices).
	CountMFADevices(ctx context.Context, accountID string) (int, error)
	// CountMFADevicesInUse counts the account's assigned devices, the root's
	// included (GetAccountSummary's MFADevicesInUse).
	CountMFADevicesInUse(ctx context.Context, accountID string) (int, error)
}
