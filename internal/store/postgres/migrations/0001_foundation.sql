-- Foundation: accounts, aliases, settings, access keys (root and user), tags.
-- Times are TIMESTAMPTZ (microseconds), blobs BYTEA, text keys COLLATE "C"
-- (byte order, like SQLite's BINARY: pagination compares keys as bytes).

CREATE TABLE accounts (
    account_id TEXT COLLATE "C" PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    revision   BIGINT NOT NULL DEFAULT 0
);

-- Aliases are unique across all accounts.
CREATE TABLE account_aliases (
    alias      TEXT COLLATE "C" PRIMARY KEY,
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX account_aliases_by_account ON account_aliases (account_id, alias);

CREATE TABLE account_settings (
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    name       TEXT COLLATE "C" NOT NULL,
    value      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, name)
);

-- Root keys have user_id NULL. user_id has no foreign key: the users table
-- comes in a later migration; the domain deletes a user's keys first.
CREATE TABLE access_keys (
    access_key_id     TEXT COLLATE "C" PRIMARY KEY,
    account_id        TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    user_id           TEXT COLLATE "C",
    status            TEXT COLLATE "C" NOT NULL CHECK (status IN ('Active', 'Inactive')),
    secret_sealed     BYTEA NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    last_used_at      TIMESTAMPTZ,
    last_used_service TEXT COLLATE "C",
    last_used_region  TEXT COLLATE "C"
);
CREATE INDEX access_keys_by_owner ON access_keys (account_id, user_id, created_at);

-- Tags of every taggable resource, addressed by kind and unique ID.
CREATE TABLE tags (
    account_id    TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    resource_kind TEXT COLLATE "C" NOT NULL,
    resource_id   TEXT COLLATE "C" NOT NULL,
    key_fold      TEXT COLLATE "C" NOT NULL,
    tag_key       TEXT COLLATE "C" NOT NULL,
    tag_value     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, resource_kind, resource_id, key_fold)
);
