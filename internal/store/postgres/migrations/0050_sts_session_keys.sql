-- STS: the keys that seal session tokens. They belong to the deployment
-- (every node verifies every node's tokens), so no account_id; the key
-- material is sealed under the master key by the domain.
CREATE TABLE sts_session_keys (
    key_id     TEXT COLLATE "C" PRIMARY KEY,
    key_sealed BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sts_session_keys_by_created ON sts_session_keys (created_at);
