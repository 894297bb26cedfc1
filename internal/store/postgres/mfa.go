package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/iamd/iamd/internal/store"
)

const mfaColumns = `serial_number, account_id, name, path, seed_sealed, created_at, enable_date, user_id, last_used_step`

func scanMFADevice(sc scanner) (store.MFADevice, error) {
	var d store.MFADevice
	var created time.Time
	var enabled pgtype.Timestamptz
	var user pgtype.Text
	if err := sc.Scan(&d.SerialNumber, &d.AccountID, &d.Name, &d.Path, &d.SeedSealed, &created, &enabled, &user, &d.LastUsedStep); err != nil {
		return store.MFADevice{}, err
	}
	d.CreatedAt, d.EnableDate, d.UserID = created.UTC(), timeOf(enabled), user.String
	return d, nil
}

func (t *txn) CreateMFADevice(ctx context.Context, d store.MFADevice) error {
	_, err := t.exec(ctx, d.AccountID, `INSERT INTO mfa_devices (`+mfaColumns+`, name_key)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.SerialNumber, d.AccountID, d.Name, d.Path, d.SeedSealed, ts(d.CreatedAt),
		nullTime(d.EnableDate), nullString(d.UserID), d.LastUsedStep, store.NameKey(d.Name))
	return err
}

func (t *txn) GetMFADevice(ctx context.Context, accountID, serialNumber string) (store.MFADevice, error) {
	return queryOne(ctx, t, "MFA device "+serialNumber, scanMFADevice,
		`SELECT `+mfaColumns+` FROM mfa_devices WHERE account_id = ? AND serial_number = ?`, accountID, serialNumber)
}

func (t *txn) ListVirtualMFADevices(ctx context.Context, accountID, assignment string, p store.Page) ([]store.MFADevice, bool, error) {
	var filter string
	switch assignment {
	case store.MFAAssigned:
		filter = ` AND enable_date IS NOT NULL`
	case store.MFAUnassigned:
		filter = ` AND enable_date IS NULL`
	case store.MFAAny, "":
	default:
		return nil, false, fmt.Errorf("postgres: invalid MFA assignment filter %q", assignment)
	}
	return queryPage(ctx, t, p, scanMFADevice, `SELECT `+mfaColumns+` FROM mfa_devices
WHERE account_id = ? AND serial_number > ?`+filter+` ORDER BY serial_number`, accountID, p.After)
}

func (t *txn) ListMFADevicesForUser(ctx context.Context, accountID, userID string, p store.Page) ([]store.MFADevice, bool, error) {
	// userID "" selects the root's devices (user_id NULL).
	return queryPage(ctx, t, p, scanMFADevice, `SELECT `+mfaColumns+` FROM mfa_devices
WHERE account_id = ? AND enable_date IS NOT NULL AND user_id IS NOT DISTINCT FROM ?::text AND serial_number > ? ORDER BY serial_number`,
		accountID, nullString(userID), p.After)
}

func (t *txn) CountMFADevicesForUser(ctx context.Context, accountID, userID string) (int, error) {
	return t.count(ctx, `SELECT COUNT(*) FROM mfa_devices
WHERE account_id = ? AND enable_date IS NOT NULL AND user_id IS NOT DISTINCT FROM ?::text`, accountID, nullString(userID))
}

func (t *txn) AssignMFADevice(ctx context.Context, accountID, serialNumber, userID string, enableDate time.Time, lastUsedStep int64) error {
	if enableDate.IsZero() {
		return fmt.Errorf("postgres: assigning MFA device %s without an enable date", serialNumber)
	}
	return t.execOne(ctx, accountID, "MFA device "+serialNumber, `UPDATE mfa_devices
SET enable_date = ?, user_id = ?, last_used_step = ? WHERE account_id = ? AND serial_number = ?`,
		ts(enableDate), nullString(userID), lastUsedStep, accountID, serialNumber)
}

func (t *txn) UnassignMFADevice(ctx context.Context, accountID, serialNumber string) error {
	return t.execOne(ctx, accountID, "MFA device "+serialNumber, `UPDATE mfa_devices
SET enable_date = NULL, user_id = NULL WHERE account_id = ? AND serial_number = ?`, accountID, serialNumber)
}

func (t *txn) AdvanceMFADeviceStep(ctx context.Context, accountID, serialNumber string, step int64) (bool, error) {
	// The comparison is in the statement, so that of two transactions
	// accepting the same code only the first advances the step.
	tag, err := t.execNoBump(ctx, `UPDATE mfa_devices SET last_used_step = ?
WHERE account_id = ? AND serial_number = ? AND last_used_step < ?`, step, accountID, serialNumber, step)
	if err != nil {
		return false, err
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	if _, err := t.GetMFADevice(ctx, accountID, serialNumber); err != nil {
		return false, err
	}
	return false, nil
}

func (t *txn) UpdateMFADeviceSeed(ctx context.Context, accountID, serialNumber string, sealed []byte) error {
	return t.execOne(ctx, accountID, "MFA device "+serialNumber,
		`UPDATE mfa_devices SET seed_sealed = ? WHERE account_id = ? AND serial_number = ?`, sealed, accountID, serialNumber)
}

func (t *txn) DeleteMFADevice(ctx context.Context, accountID, serialNumber string) error {
	return t.execOne(ctx, accountID, "MFA device "+serialNumber,
		`DELETE FROM mfa_devices WHERE account_id = ? AND serial_number = ?`, accountID, serialNumber)
}

func (t *txn) CountMFADevices(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, `SELECT COUNT(*) FROM mfa_devices WHERE account_id = ?`, accountID)
}

func (t *txn) CountMFADevicesInUse(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, `SELECT COUNT(*) FROM mfa_devices WHERE account_id = ? AND enable_date IS NOT NULL`, accountID)
}
