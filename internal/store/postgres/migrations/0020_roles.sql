-- Roles area: roles, instance profiles, OpenID Connect providers.
-- No foreign keys to other areas' tables (only to accounts); the domain
-- checks dependencies in the transaction that deletes.

CREATE TABLE roles (
    role_id                  TEXT COLLATE "C" PRIMARY KEY,
    account_id               TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    name                     TEXT COLLATE "C" NOT NULL,
    name_key                 TEXT COLLATE "C" NOT NULL,
    path                     TEXT COLLATE "C" NOT NULL,
    assume_role_policy       TEXT COLLATE "C" NOT NULL,
    description              TEXT COLLATE "C",
    max_session_duration     INTEGER NOT NULL,
    permissions_boundary_arn TEXT COLLATE "C",
    created_at               TIMESTAMPTZ NOT NULL,
    last_used_at             TIMESTAMPTZ,
    last_used_region         TEXT COLLATE "C",
    UNIQUE (account_id, name_key)
);
CREATE INDEX roles_by_boundary ON roles (account_id, permissions_boundary_arn);

-- role_id is the profile's one role (NULL: none). The limit of one role is
-- structural; the role's existence is checked by the domain.
CREATE TABLE instance_profiles (
    instance_profile_id TEXT COLLATE "C" PRIMARY KEY,
    account_id          TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    name                TEXT COLLATE "C" NOT NULL,
    name_key            TEXT COLLATE "C" NOT NULL,
    path                TEXT COLLATE "C" NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    role_id             TEXT COLLATE "C",
    UNIQUE (account_id, name_key)
);
CREATE INDEX instance_profiles_by_role ON instance_profiles (account_id, role_id, name_key);

-- url is the issuer without scheme (host[/path]); client_ids and thumbprints
-- are JSON arrays of strings.
CREATE TABLE oidc_providers (
    arn         TEXT COLLATE "C" PRIMARY KEY,
    account_id  TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    url         TEXT COLLATE "C" NOT NULL,
    client_ids  TEXT COLLATE "C" NOT NULL,
    thumbprints TEXT COLLATE "C" NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, url)
);
