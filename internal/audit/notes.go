package audit

import (
	"context"
	"slices"
	"sync"

	"github.com/iamd/iamd/internal/store"
)

// Decision is one authorization decision as the deciding component reports
// it.
type Decision struct {
	AccountID    string // the principal's account
	PrincipalARN string
	Action       string // the action decided, e.g. "iam:CreateUser"
	Resources    []string
	Decision     string // store.AuditAllow, AuditExplicitDeny or AuditImplicitDeny
	Statements   []store.AuditStatement
}

// Notes collects the decisions made while serving one request. It is safe
// for concurrent use (a front end may decide checks in parallel).
type Notes struct {
	mu   sync.Mutex
	list []Decision
}

type notesKey struct{}

// WithNotes returns a context on which Note records into the returned
// Notes.
func WithNotes(ctx context.Context) (context.Context, *Notes) {
	n := &Notes{}
	return context.WithValue(ctx, notesKey{}, n), n
}

// Note records a decision on the request of ctx; without WithNotes it does
// nothing (a decision made outside a request, e.g. by the simulator or a
// test). Slices are copied: the caller may reuse its own.
func Note(ctx context.Context, d Decision) {
	n, _ := ctx.Value(notesKey{}).(*Notes)
	if n == nil {
		return
	}
	d.Resources = slices.Clone(d.Resources)
	d.Statements = slices.Clone(d.Statements)
	n.mu.Lock()
	n.list = append(n.list, d)
	n.mu.Unlock()
}

// Decisions returns the decisions noted so far, in order.
func (n *Notes) Decisions() []Decision {
	if n == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.list)
}

// Noting reports whether ctx collects decisions, so that a decider builds
// a Decision only when someone reads it.
func Noting(ctx context.Context) bool {
	_, ok := ctx.Value(notesKey{}).(*Notes)
	return ok
}
