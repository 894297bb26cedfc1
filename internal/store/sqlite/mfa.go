package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/iamd/iamd/internal/store"
)

const mfaColumns = `serial_number, account_id, name, path, seed_sealed, created_at, enable_date, user_id, last_used_step`

func scanMFADevice(sc scanner) (store.MFADevice, error) {
	var d store.MFADevice
	var created string
	var enabled, user sql.NullString
	if err := sc.Scan(&d.SerialNumber, &d.AccountID, &d.Name, &d.Path, &d.SeedSealed, &created, &enabled, &user, &d.LastUsedStep); err != nil {
		return store.MFADevice{}, err
	}
	var err error
	if d.CreatedAt, err = parseTime(created); err != nil {
		return store.MFADevice{}, err
	}
	if d.EnableDate, err = parseNullTime(enabled); err != nil {
		return store.MFADevice{}, err
	}
	d.UserID = user.String
	return d, nil
}

func (t *txn) CreateMFADevice(ctx context.Context, d store.MFADevice) error {
	_, err := t.exec(ctx, d.AccountID, `INSERT INTO mfa_devices (`+mfaColumns+`, name_key)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.SerialNumber, d.AccountID, d.Name, d.Path, d.SeedSealed, timeText(d.CreatedAt),
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
		return nil, false, fmt.Errorf("sqlite: invalid MFA assignment filter %q", assignment)
	}
	return queryPage(ctx, t, p, scanMFADevice, `SELECT `+mfaColumns+` FROM mfa_devices
WHERE account_id = ? AND serial_number > ?`+filter+` ORDER BY serial_number`, accountID, p.After)
}

func (t *txn) ListMFADevicesForUser(ctx context.Context, accountID, userID string, p store.Page) ([]store.MFADevice, bool, error) {
	// "user_id IS ?" is null-safe: userID "" selects the root's devices.
	return queryPage(ctx, t, p, scanMFADevice, `SELECT `+mfaColumns+` FROM mfa_devices
WHERE account_id = ? AND enable_date IS NOT NULL AND user_id IS ? AND serial_number > ? ORDER BY serial_number`,
		accountID, nullString(userID), p.After)
}

func (t *txn) mfaCount(ctx context.Context, query string, args ...any) (int, error) {
	return queryOne(ctx, t, "count", func(sc scanner) (int, error) {
		var n int
		err := sc.Scan(&n)
		return n, err
	}, query, args...)
}

func (t *txn) CountMFADevicesForUser(ctx context.Context, accountID, userID string) (int, error) {
	return t.mfaCount(ctx, `SELECT COUNT(*) FROM mfa_devices
WHERE account_id = ? AND enable_date IS NOT NULL AND user_id IS ?`, accountID, nullString(userID))
}

func (t *txn) AssignMFADevice(ctx context.Context, accountID, serialNumber, userID string, enableDate time.Time, lastUsedStep int64) error {
	if enableDate.IsZero() {
		return fmt.Errorf("sqlite: assigning MFA device %s without an enable date", serialNumber)
	}
	return t.execOne(ctx, accountID, "MFA device "+serialNumber, `UPDATE mfa_devices
SET enable_date = ?, user_id = ?, last_used_step = ? WHERE account_id = ? AND serial_number = ?`,
		timeText(enableDate), nullString(userID), lastUsedStep, accountID, serialNumber)
}

func (t *txn) UnassignMFADevice(ctx context.Context, accountID, serialNumber string) error {
	return t.execOne(ctx, accountID, "MFA device "+serialNumber, `UPDATE mfa_devices
SET enable_date = NULL, user_id = NULL WHERE account_id = ? AND serial_number = ?`, accountID, serialNumber)
}

func (t *txn) AdvanceMFADeviceStep(ctx context.Context, accountID, serialNumber string, step int64) (bool, error) {
	// The comparison is in the statement, so that of two transactions
	// accepting the same code only the first advances the step.
	res, err := t.execNoBump(ctx, `UPDATE mfa_devices SET last_used_step = ?
WHERE account_id = ? AND serial_number = ? AND last_used_step < ?`, step, accountID, serialNumber, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, classify(err)
	}
	if n == 1 {
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
	return t.mfaCount(ctx, `SELECT COUNT(*) FROM mfa_devices WHERE account_id = ?`, accountID)
}

func (t *txn) CountMFADevicesInUse(ctx context.Context, accountID string) (int, error) {
	return t.mfaCount(ctx, `SELECT COUNT(*) FROM mfa_devices WHERE account_id = ? AND enable_date IS NOT NULL`, accountID)
}
