-- Users area: users, groups, group membership, login profiles.
-- Names are unique per account case-insensitively through name_key
-- (store.NameKey). Other areas refer to users and groups by ID without
-- foreign keys; within the area, membership and login profiles follow their
-- user or group.

CREATE TABLE users (
    user_id                  TEXT COLLATE "C" PRIMARY KEY,
    account_id               TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    name                     TEXT COLLATE "C" NOT NULL,
    name_key                 TEXT COLLATE "C" NOT NULL,
    path                     TEXT COLLATE "C" NOT NULL,
    permissions_boundary_arn TEXT COLLATE "C",
    created_at               TIMESTAMPTZ NOT NULL,
    password_last_used       TIMESTAMPTZ,
    UNIQUE (account_id, name_key)
);
CREATE INDEX users_by_path ON users (account_id, path);

CREATE TABLE groups (
    group_id   TEXT COLLATE "C" PRIMARY KEY,
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    name       TEXT COLLATE "C" NOT NULL,
    name_key   TEXT COLLATE "C" NOT NULL,
    path       TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE group_members (
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    group_id   TEXT COLLATE "C" NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (account_id, user_id);

CREATE TABLE login_profiles (
    user_id                 TEXT COLLATE "C" PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    account_id              TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    password_hash           TEXT COLLATE "C" NOT NULL,
    password_reset_required BOOLEAN NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL,
    password_changed_at     TIMESTAMPTZ NOT NULL
);
