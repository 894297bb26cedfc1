package authz

import (
	"context"
	"slices"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
)

// noteDecision reports a decision to the audit trail of the request being
// served (nothing outside one). The statements are those of the deciding
// check: the denied one, or the last one when all were allowed.
func noteDecision(ctx context.Context, q Query, d *Decision) {
	if !audit.Noting(ctx) {
		return
	}
	res := make([]string, 0, len(q.Checks))
	for _, c := range q.Checks {
		if !slices.Contains(res, c.Resource) {
			res = append(res, c.Resource)
		}
	}
	stmts := make([]store.AuditStatement, 0, len(d.Result.Matched))
	for _, m := range d.Result.Matched {
		stmts = append(stmts, store.AuditStatement{Policy: m.Policy, Sid: m.Sid, Index: m.Index, Effect: m.Effect.String(), Type: m.Kind.String()})
	}
	audit.Note(ctx, audit.Decision{AccountID: q.Caller.AccountID, PrincipalARN: d.Principal.ARN, Action: d.Check.Action,
		Resources: res, Decision: d.Result.Decision.String(), Statements: stmts})
}

// KeyAgeStatement names the account setting that refuses keys older than
// its maximum age, as the deciding "statement" of such a denial.
const KeyAgeStatement = "account-setting:max-access-key-age-days"

// noteKeyAgeDenial reports a refusal by the account's maximum key age. No
// policy denied, so it is an implicit deny (as the check API answers it)
// whose deciding "statement" names the account setting.
func noteKeyAgeDenial(ctx context.Context, id *iam.Identity, c Check) {
	if !audit.Noting(ctx) {
		return
	}
	audit.Note(ctx, audit.Decision{AccountID: id.AccountID, PrincipalARN: id.ARN, Action: c.Action, Resources: []string{c.Resource},
		Decision: store.AuditImplicitDeny, Statements: []store.AuditStatement{{Policy: KeyAgeStatement, Effect: "Deny", Type: "account-setting"}}})
}
