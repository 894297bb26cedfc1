-- Previous console passwords of users (hashes), for the password policy's
-- PasswordReusePrevention. They go with the user.

CREATE TABLE password_history (
    account_id    TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    user_id       TEXT COLLATE "C" NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    password_hash TEXT COLLATE "C" NOT NULL,
    replaced_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, seq)
);
