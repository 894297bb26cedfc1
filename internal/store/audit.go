package store

import (
	"context"
	"time"
)

// Audit decisions, as the policy engine names them. An event that carries
// none ("") was not decided: authentication or validation failed first, or
// the operation needs no permission.
const (
	AuditAllow        = "Allow"
	AuditExplicitDeny = "ExplicitDeny"
	AuditImplicitDeny = "ImplicitDeny"
)

// AuditEvent is one entry of the audit trail: an API call, or one
// authorization decision made while serving one (internal/audit builds
// them; see docs/audit.md).
type AuditEvent struct {
	// ID is unique and orders the trail: internal/audit makes it start with
	// the event time in a fixed-width form, so ID order is time order. It
	// is the sort key of ListAuditEvents. Backends rely on it: an ID must
	// begin with Time in Unix microseconds as 16 lower-case hex digits
	// (AuditIDBound), which is how they select time ranges and prune.
	ID        string
	Time      time.Time
	RequestID string
	// AccountID and PrincipalARN are the authenticated caller's (for a
	// decision of the check API: the principal asked about); "" when the
	// request was not authenticated.
	AccountID    string
	PrincipalARN string
	AccessKeyID  string // the key that signed (or claimed to sign) the request
	SourceIP     string
	UserAgent    string
	Service      string // "iam", "sts", "iamd", or the service of a checked action
	Region       string // of the SigV4 credential scope
	Action       string // "iam:CreateUser"
	Resources    []string
	Decision     string // AuditAllow, AuditExplicitDeny, AuditImplicitDeny or ""
	Statements   []AuditStatement
	ErrorCode    string // "" for success
	Status       int    // HTTP status of the response
}

// AuditStatement names a statement that decided a request.
type AuditStatement struct {
	Policy string `json:"policy"`
	Sid    string `json:"sid,omitempty"`
	Index  int    `json:"index"`
	Effect string `json:"effect"`
	Type   string `json:"type"`
}

// AuditFilter selects events; empty fields select everything. Strings
// compare exactly; the time range is [Since, Until).
type AuditFilter struct {
	AccountID    string
	PrincipalARN string
	AccessKeyID  string
	Service      string
	Action       string
	Decision     string
	RequestID    string
	Since        time.Time
	Until        time.Time
	// Descending lists newest first; Page.After is then exclusive in that
	// order (IDs less than After).
	Descending bool
}

// AuditStore keeps the audit trail. Its writes are not IAM changes: they
// never bump an account revision (they would invalidate every cache on
// every request) and the PostgreSQL backend sends no NOTIFY for them. Audit
// rows have no foreign key: events of unauthenticated requests name no
// account, and the trail outlives deleted accounts until it is pruned.
type AuditStore interface {
	// AppendAuditEvents inserts events; ErrConflict if an ID exists.
	AppendAuditEvents(ctx context.Context, events []AuditEvent) error
	// ListAuditEvents lists the events f selects, ordered by ID (ascending
	// unless f.Descending).
	ListAuditEvents(ctx context.Context, f AuditFilter, p Page) ([]AuditEvent, bool, error)
	// PruneAuditEvents deletes up to limit (> 0) events older than before,
	// oldest first, and returns how many it deleted.
	PruneAuditEvents(ctx context.Context, before time.Time, limit int) (int, error)
}

// DeferredSyncer is implemented by a backend that can commit a write
// transaction without waiting for it to reach stable storage, and make it
// durable afterwards. The audit writer uses it to pipeline: it runs the next
// group's transaction while the previous one is being synced, and
// consecutive transactions share one sync (docs/audit.md). Other readers
// may see the writes before they are durable; what depends on their
// durability (an audited response) waits for durable.
type DeferredSyncer interface {
	// TxDeferSync is Tx, except that it returns once the transaction is
	// committed, before it is durable: durable blocks until it is (every
	// earlier TxDeferSync transaction then is too) or returns the error
	// that prevents it. Call durable once.
	TxDeferSync(ctx context.Context, fn func(Txn) error) (durable func() error, err error)
}
