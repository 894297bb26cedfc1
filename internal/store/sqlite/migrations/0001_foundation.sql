-- Foundation: accounts, aliases, settings, access keys (root and user), tags.
-- Times are TEXT in the fixed-width UTC layout 2006-01-02T15:04:05.000000Z.

CREATE TABLE accounts (
    account_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    revision   INTEGER NOT NULL DEFAULT 0
);

-- Aliases are unique across all accounts.
CREATE TABLE account_aliases (
    alias      TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX account_aliases_by_account ON account_aliases (account_id, alias);

CREATE TABLE account_settings (
    account_id TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
);

-- Root keys have user_id NULL. user_id has no foreign key: the users table
-- comes in a later migration; the domain deletes a user's keys first.
CREATE TABLE access_keys (
    access_key_id     TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    user_id           TEXT,
    status            TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
    secret_sealed     BLOB NOT NULL,
    created_at        TEXT NOT NULL,
    last_used_at      TEXT,
    last_used_service TEXT,
    last_used_region  TEXT
);
CREATE INDEX access_keys_by_owner ON access_keys (account_id, user_id, created_at);

-- Tags of every taggable resource, addressed by kind and unique ID.
CREATE TABLE tags (
    account_id    TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    resource_kind TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    key_fold      TEXT NOT NULL,
    tag_key       TEXT NOT NULL,
    tag_value     TEXT NOT NULL,
    PRIMARY KEY (account_id, resource_kind, resource_id, key_fold)
);
