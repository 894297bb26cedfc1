-- Policies area: customer managed policies and their versions, attachments
-- of managed policies (customer and AWS managed, by ARN), permissions
-- boundaries in use, inline policies. Principals (users, groups, roles)
-- belong to other areas and are referenced by kind and unique ID without
-- foreign keys. AWS managed policies are not rows: they ship with the binary.

CREATE TABLE managed_policies (
    policy_id          TEXT COLLATE "C" PRIMARY KEY,
    account_id         TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    name               TEXT COLLATE "C" NOT NULL,
    name_key           TEXT COLLATE "C" NOT NULL,
    sort_key           BYTEA NOT NULL, -- store.PolicyKey holds a NUL: bytes, compared as bytes
    path               TEXT COLLATE "C" NOT NULL,
    arn                TEXT COLLATE "C" NOT NULL,
    description        TEXT COLLATE "C",
    default_version_id TEXT COLLATE "C" NOT NULL,
    last_version       INTEGER NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, name_key)
);
CREATE INDEX managed_policies_by_key ON managed_policies (account_id, sort_key);
CREATE INDEX managed_policies_by_arn ON managed_policies (account_id, arn);

-- Documents are kept exactly as submitted.
CREATE TABLE policy_versions (
    policy_id   TEXT COLLATE "C" NOT NULL REFERENCES managed_policies (policy_id) ON DELETE CASCADE,
    account_id  TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    version_id  TEXT COLLATE "C" NOT NULL,
    version_num INTEGER NOT NULL,
    document    TEXT COLLATE "C" NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (policy_id, version_id)
);
CREATE INDEX policy_versions_by_account ON policy_versions (account_id);

CREATE TABLE policy_attachments (
    account_id     TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    principal_kind TEXT COLLATE "C" NOT NULL CHECK (principal_kind IN ('user', 'group', 'role')),
    principal_id   TEXT COLLATE "C" NOT NULL,
    policy_arn     TEXT COLLATE "C" NOT NULL,
    policy_name    TEXT COLLATE "C" NOT NULL,
    policy_path    TEXT COLLATE "C" NOT NULL,
    sort_key       BYTEA NOT NULL,
    attached_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, principal_kind, principal_id, policy_arn)
);
CREATE INDEX policy_attachments_by_key ON policy_attachments (account_id, principal_kind, principal_id, sort_key);
CREATE INDEX policy_attachments_by_policy ON policy_attachments (account_id, policy_arn);

-- One permissions boundary per user or role.
CREATE TABLE policy_boundary_usage (
    account_id     TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    principal_kind TEXT COLLATE "C" NOT NULL CHECK (principal_kind IN ('user', 'group', 'role')),
    principal_id   TEXT COLLATE "C" NOT NULL,
    policy_arn     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, principal_kind, principal_id)
);
CREATE INDEX policy_boundary_usage_by_policy ON policy_boundary_usage (account_id, policy_arn);

CREATE TABLE inline_policies (
    account_id     TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    principal_kind TEXT COLLATE "C" NOT NULL CHECK (principal_kind IN ('user', 'group', 'role')),
    principal_id   TEXT COLLATE "C" NOT NULL,
    name           TEXT COLLATE "C" NOT NULL,
    name_key       TEXT COLLATE "C" NOT NULL,
    document       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, principal_kind, principal_id, name_key)
);
