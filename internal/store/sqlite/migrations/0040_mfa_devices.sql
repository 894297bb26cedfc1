-- Account area: virtual MFA devices. The serial number is the device's ARN
-- (it names the account, so it is unique across accounts). A device is
-- assigned when enable_date is set: to the user user_id, or to the root
-- when user_id is NULL. user_id has no foreign key (users are another
-- area's table); the domain refuses to delete a user who has devices.
CREATE TABLE mfa_devices (
    serial_number  TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    path           TEXT NOT NULL,
    seed_sealed    BLOB NOT NULL,
    created_at     TEXT NOT NULL,
    enable_date    TEXT,
    user_id        TEXT,
    last_used_step INTEGER NOT NULL DEFAULT -1,
    UNIQUE (account_id, path, name_key)
);
CREATE INDEX mfa_devices_by_account ON mfa_devices (account_id, serial_number);
CREATE INDEX mfa_devices_by_user ON mfa_devices (account_id, user_id, serial_number);
