-- Audit trail: one row per API call or authorization decision. No foreign
-- key: unauthenticated requests name no account, and the trail outlives a
-- deleted account until it is pruned. id starts with the event time
-- (fixed width), so id order is time order.
CREATE TABLE audit_events (
    id            TEXT PRIMARY KEY,
    event_time    TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    account_id    TEXT,
    principal_arn TEXT,
    access_key_id TEXT,
    source_ip     TEXT,
    user_agent    TEXT,
    service       TEXT NOT NULL,
    region        TEXT,
    action        TEXT NOT NULL,
    resources     TEXT NOT NULL, -- JSON array of strings
    decision      TEXT,
    statements    TEXT NOT NULL, -- JSON array of {policy, sid, index, effect, type}
    error_code    TEXT,
    status        INTEGER NOT NULL
);
-- Retention deletes by time.
CREATE INDEX audit_events_by_time ON audit_events (event_time);
-- `iamd audit tail --account`.
CREATE INDEX audit_events_by_account ON audit_events (account_id, id);
-- Queries by principal, and later "service last accessed" (principal,
-- service, latest time).
CREATE INDEX audit_events_by_principal ON audit_events (principal_arn, service, event_time);
