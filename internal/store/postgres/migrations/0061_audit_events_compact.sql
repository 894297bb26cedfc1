-- The audit trail in a compact row: columns only for what queries select
-- by (the ID, which orders the trail and starts with the event time, so
-- its key serves time ranges and retention; account; principal; access
-- key; service; action) and the rest packed into one column
-- (store.AppendAuditRecord). Indexes: the ID (order, time ranges,
-- retention), account (`iamd audit tail --account`) and principal
-- (`iamd audit query --principal`). Existing rows keep their fields as a
-- JSON object, which the reader also understands.
CREATE TABLE audit_events_compact (
    id            TEXT COLLATE "C" PRIMARY KEY,
    account_id    TEXT COLLATE "C",
    principal_arn TEXT COLLATE "C",
    access_key_id TEXT COLLATE "C",
    service       TEXT COLLATE "C" NOT NULL,
    action        TEXT COLLATE "C" NOT NULL,
    record        BYTEA NOT NULL
);
INSERT INTO audit_events_compact (id, account_id, principal_arn, access_key_id, service, action, record)
SELECT id, account_id, principal_arn, access_key_id, service, action,
       convert_to(json_build_object('time', to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                    'requestId', request_id, 'sourceIp', source_ip,
                                    'userAgent', user_agent, 'region', region, 'decision', decision,
                                    'errorCode', error_code, 'status', status,
                                    'resources', resources::json, 'statements', statements::json)::text, 'UTF8')
FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_compact RENAME TO audit_events;
CREATE INDEX audit_events_by_account ON audit_events (account_id, id);
CREATE INDEX audit_events_by_principal ON audit_events (principal_arn, id);
