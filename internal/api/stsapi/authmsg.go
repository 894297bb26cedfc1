package stsapi

import (
	"context"
	"slices"
	"strings"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
	"github.com/iamd/iamd/internal/sts"
)

// AuthorizationMessages encodes the denials of the authorization API
// (internal/api/authzapi) as AWS-style encoded authorization messages that
// DecodeAuthorizationMessage opens: it implements authzapi.MessageEncoder.
type AuthorizationMessages struct {
	STS *sts.Service
}

// EncodeAuthorizationMessage seals the decision d of check for principal
// (in principal's account, where it can be decoded).
func (m AuthorizationMessages) EncodeAuthorizationMessage(ctx context.Context, principal *iam.Identity, check authz.Check, d *authz.Decision) (string, error) {
	return m.STS.EncodeAuthorizationMessage(ctx, principal.AccountID, DecisionMessage(principal, check, d))
}

// DecisionMessage is the decoded message of a decision: AWS's fields, the
// deciding statements, and the condition keys the request carried (those
// of the check and the principal's own).
func DecisionMessage(principal *iam.Identity, check authz.Check, d *authz.Decision) sts.AuthorizationMessage {
	msg := sts.AuthorizationMessage{
		Allowed:           d.Allowed,
		ExplicitDeny:      d.Result.Decision == policy.ExplicitDeny,
		MatchedStatements: sts.Items[sts.MatchedStatement]{Items: []sts.MatchedStatement{}},
		Failures:          sts.Items[string]{Items: []string{}},
	}
	for _, st := range d.Result.Matched {
		msg.MatchedStatements.Items = append(msg.MatchedStatements.Items, sts.MatchedStatement{
			StatementID: st.Sid, Effect: strings.ToUpper(st.Effect.String()),
			Policy: st.Policy, PolicyType: st.Kind.String(), Index: st.Index,
		})
	}
	pr := d.Principal
	name := principal.UserName
	if principal.Kind == iam.IdentityAssumedRole || principal.Kind == iam.IdentityFederatedUser {
		name = principal.SessionName
	}
	userID := pr.UserID
	if userID == "" {
		userID = principal.UserID
	}
	arn := pr.ARN
	if arn == "" {
		arn = principal.ARN
	}
	msg.Context = sts.MessageContext{
		Principal: sts.MessagePrincipal{ID: userID, Name: name, ARN: arn},
		Action:    check.Action,
		Resource:  check.Resource,
	}
	conds := map[string][]string{}
	for _, k := range check.Keys {
		conds[k.Name] = append(conds[k.Name], k.Values...)
	}
	if userID != "" {
		conds["aws:userid"] = []string{userID}
	}
	if pr.Username != "" {
		conds["aws:username"] = []string{pr.Username}
	}
	switch {
	case pr.RoleARN != "":
		conds["aws:PrincipalArn"] = []string{pr.RoleARN} // a role session's is its role's
	case arn != "":
		conds["aws:PrincipalArn"] = []string{arn}
	}
	if pr.Account != "" {
		conds["aws:PrincipalAccount"] = []string{pr.Account}
	}
	conds["aws:PrincipalType"] = []string{pr.Type.String()}
	for _, t := range pr.Tags {
		conds["aws:PrincipalTag/"+t.Key] = []string{t.Value}
	}
	keys := make([]string, 0, len(conds))
	for k := range conds {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	msg.Context.Conditions.Items = []sts.MessageCondition{}
	for _, k := range keys {
		c := sts.MessageCondition{Key: k, Values: sts.Items[sts.MessageValue]{Items: []sts.MessageValue{}}}
		for _, v := range conds[k] {
			c.Values.Items = append(c.Values.Items, sts.MessageValue{Value: v})
		}
		msg.Context.Conditions.Items = append(msg.Context.Conditions.Items, c)
	}
	return msg
}
