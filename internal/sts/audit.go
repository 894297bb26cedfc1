package sts

import (
	"context"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
	"github.com/iamd/iamd/internal/store"
)

// noteDecision reports a decision that an operation made itself (a trust
// policy with the caller's policies) to the audit trail of the request
// being served.
func noteDecision(ctx context.Context, caller *iam.Identity, action, resource string, res *policy.Result) {
	if audit.Noting(ctx) {
		noteFederated(ctx, caller.AccountID, caller.ARN, action, resource, res)
	}
}

// noteFederated is noteDecision for a caller known only by a principal ARN
// (a web identity: its provider's ARN).
func noteFederated(ctx context.Context, accountID, principalARN, action, resource string, res *policy.Result) {
	if !audit.Noting(ctx) {
		return
	}
	stmts := make([]store.AuditStatement, 0, len(res.Matched))
	for _, m := range res.Matched {
		stmts = append(stmts, store.AuditStatement{Policy: m.Policy, Sid: m.Sid, Index: m.Index, Effect: m.Effect.String(), Type: m.Kind.String()})
	}
	audit.Note(ctx, audit.Decision{AccountID: accountID, PrincipalARN: principalARN, Action: action,
		Resources: []string{resource}, Decision: res.Decision.String(), Statements: stmts})
}
