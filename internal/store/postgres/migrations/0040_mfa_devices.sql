-- Account area: virtual MFA devices. The serial number is the device's ARN
-- (it names the account, so it is unique across accounts). A device is
-- assigned when enable_date is set: to the user user_id, or to the root
-- when user_id is NULL. user_id has no foreign key (users are another
-- area's table); the domain refuses to delete a user who has devices.
CREATE TABLE mfa_devices (
    serial_number  TEXT COLLATE "C" PRIMARY KEY,
    account_id     TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    name           TEXT COLLATE "C" NOT NULL,
    name_key       TEXT COLLATE "C" NOT NULL,
    path           TEXT COLLATE "C" NOT NULL,
    seed_sealed    BYTEA NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    enable_date    TIMESTAMPTZ,
    user_id        TEXT COLLATE "C",
    last_used_step BIGINT NOT NULL DEFAULT -1,
    UNIQUE (account_id, path, name_key)
);
CREATE INDEX mfa_devices_by_account ON mfa_devices (account_id, serial_number);
CREATE INDEX mfa_devices_by_user ON mfa_devices (account_id, user_id, serial_number);
