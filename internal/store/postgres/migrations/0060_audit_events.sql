-- Audit trail: one row per API call or authorization decision. No foreign
-- key: unauthenticated requests name no account, and the trail outlives a
-- deleted account until it is pruned. id starts with the event time
-- (fixed width), so id order is time order.
CREATE TABLE audit_events (
    id            TEXT COLLATE "C" PRIMARY KEY,
    event_time    TIMESTAMPTZ NOT NULL,
    request_id    TEXT COLLATE "C" NOT NULL,
    account_id    TEXT COLLATE "C",
    principal_arn TEXT COLLATE "C",
    access_key_id TEXT COLLATE "C",
    source_ip     TEXT COLLATE "C",
    user_agent    TEXT COLLATE "C",
    service       TEXT COLLATE "C" NOT NULL,
    region        TEXT COLLATE "C",
    action        TEXT COLLATE "C" NOT NULL,
    resources     TEXT COLLATE "C" NOT NULL, -- JSON array of strings
    decision      TEXT COLLATE "C",
    statements    TEXT COLLATE "C" NOT NULL, -- JSON array of {policy, sid, index, effect, type}
    error_code    TEXT COLLATE "C",
    status        INTEGER NOT NULL
);
-- Retention deletes by time.
CREATE INDEX audit_events_by_time ON audit_events (event_time);
-- `iamd audit tail --account`.
CREATE INDEX audit_events_by_account ON audit_events (account_id, id);
-- Queries by principal, and later "service last accessed" (principal,
-- service, latest time).
CREATE INDEX audit_events_by_principal ON audit_events (principal_arn, service, event_time);
