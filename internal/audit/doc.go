// Package audit is iamd's audit trail: every API call and every
// authorization decision becomes one event (store.AuditEvent), committed to
// the store, and optionally appended to a JSON-lines file, before the
// response is sent.
//
// The pieces:
//
//   - Notes: components that decide (internal/authz, internal/sts) report
//     each decision with Note on the request's context; the front end that
//     serves the request collects them (WithNotes) and builds the request's
//     events from them.
//   - Recorder: group commit. Record queues a request's events and waits
//     until the one writer goroutine has committed them, together with
//     whatever other requests queued meanwhile, in one store transaction
//     (no revision bump: audit rows are not IAM changes). The same
//     transaction records the last use of the long-term access key that
//     signed the request, so GetAccessKeyLastUsed and the credential report
//     agree with the trail.
//   - Prune / RunRetention: delete events older than the retention.
//
// docs/audit.md describes the event format and the guarantees.
package audit
