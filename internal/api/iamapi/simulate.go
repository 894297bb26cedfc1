package iamapi

import (
	"context"
	"fmt"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/iam"
)

// registerSimulator registers the policy simulator: SimulateCustomPolicy,
// SimulatePrincipalPolicy and the GetContextKeysFor*Policy operations. The
// decisions come from internal/authz, the same engine that authorizes
// every request.
func registerSimulator(srv *api.Server, d Deps) {
	handle(srv, "SimulateCustomPolicy", func(ctx context.Context, _ *iam.Identity, in *iamshape.SimulateCustomPolicyInput) (*iamshape.SimulateCustomPolicyOutput, error) {
		page, err := api.PageFrom(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		req, err := simRequest(d, simCommon{in.PolicyInputList, in.PermissionsBoundaryPolicyInputList, in.ActionNames,
			in.ResourceArns, in.ResourcePolicy, in.ResourceOwner, in.CallerArn, in.ContextEntries})
		if err != nil {
			return nil, err
		}
		res, err := authz.Simulate(req)
		if err != nil {
			return nil, err
		}
		return simOutput(res, page), nil
	})

	handle(srv, "SimulatePrincipalPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.SimulatePrincipalPolicyInput) (*iamshape.SimulatePrincipalPolicyOutput, error) {
		page, err := api.PageFrom(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		pr, info, err := authz.PrincipalFor(ctx, authz.NewStoreSource(d.IAM.Store()), id.AccountID, in.PolicySourceArn)
		if err != nil {
			return nil, err
		}
		req, err := simRequest(d, simCommon{in.PolicyInputList, in.PermissionsBoundaryPolicyInputList, in.ActionNames,
			in.ResourceArns, in.ResourcePolicy, in.ResourceOwner, in.CallerArn, in.ContextEntries})
		if err != nil {
			return nil, err
		}
		// The principal's own policies come first; PolicyInputList adds to
		// them and PermissionsBoundaryPolicyInputList replaces its boundary.
		req.Identity = append(append([]authz.Doc(nil), info.Identity...), req.Identity...)
		if req.Boundary == nil {
			req.Boundary = info.Boundary
		}
		if in.CallerArn == nil {
			req.Principal = pr
		}
		res, err := authz.Simulate(req)
		if err != nil {
			return nil, err
		}
		return simOutput(res, page), nil
	})

	handle(srv, "GetContextKeysForCustomPolicy", func(ctx context.Context, _ *iam.Identity, in *iamshape.GetContextKeysForCustomPolicyInput) (*iamshape.GetContextKeysForCustomPolicyOutput, error) {
		keys, err := authz.ContextKeys(simDocs("PolicyInputList", in.PolicyInputList))
		if err != nil {
			return nil, err
		}
		return &iamshape.GetContextKeysForCustomPolicyOutput{ContextKeyNames: keys}, nil
	})

	handle(srv, "GetContextKeysForPrincipalPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.GetContextKeysForPrincipalPolicyInput) (*iamshape.GetContextKeysForPrincipalPolicyOutput, error) {
		_, info, err := authz.PrincipalFor(ctx, authz.NewStoreSource(d.IAM.Store()), id.AccountID, in.PolicySourceArn)
		if err != nil {
			return nil, err
		}
		docs := append(append([]authz.Doc(nil), info.Identity...), simDocs("PolicyInputList", in.PolicyInputList)...)
		keys, err := authz.ContextKeys(docs)
		if err != nil {
			return nil, err
		}
		return &iamshape.GetContextKeysForPrincipalPolicyOutput{ContextKeyNames: keys}, nil
	})
}

// simCommon is what both simulate operations take.
type simCommon struct {
	policies, boundaries, actions, resources []string
	resourcePolicy, resourceOwner, callerArn *string
	context                                  []iamshape.ContextEntry
}

// simDocs names the policies of a request list as AWS does:
// PolicyInputList.1, PolicyInputList.2, ...
func simDocs(list string, docs []string) []authz.Doc {
	out := make([]authz.Doc, len(docs))
	for i, doc := range docs {
		out[i] = authz.Doc{ID: fmt.Sprintf("%s.%d", list, i+1), Document: doc}
	}
	return out
}

func simRequest(d Deps, in simCommon) (authz.SimRequest, error) {
	req := authz.SimRequest{
		Identity:  simDocs("PolicyInputList", in.policies),
		Actions:   in.actions,
		Resources: in.resources,
		Now:       d.IAM.Now(),
	}
	switch b := simDocs("PermissionsBoundaryPolicyInputList", in.boundaries); len(b) {
	case 0:
	case 1:
		req.Boundary = &b[0]
	default:
		return authz.SimRequest{}, iam.InvalidInput("Only one permissions boundary policy may be simulated.")
	}
	if in.resourcePolicy != nil {
		req.ResourcePolicy = *in.resourcePolicy
	}
	if in.resourceOwner != nil {
		// An account ID or an ARN naming the account (…:root).
		req.ResourceOwner = *in.resourceOwner
		if a, err := iam.ParseARN(*in.resourceOwner); err == nil {
			req.ResourceOwner = a.Account
		}
	}
	if in.callerArn != nil {
		pr, err := authz.CallerPrincipal(*in.callerArn)
		if err != nil {
			return authz.SimRequest{}, err
		}
		req.Principal = pr
	}
	for _, e := range in.context {
		ce := authz.ContextEntry{Values: e.ContextKeyValues}
		if e.ContextKeyName != nil {
			ce.Name = *e.ContextKeyName
		}
		if e.ContextKeyType != nil {
			ce.Type = *e.ContextKeyType
		}
		req.Context = append(req.Context, ce)
	}
	return req, nil
}

// simOutput converts the results and cuts the requested page; results are
// in request order (actions, then resources), the marker their index.
func simOutput(res []authz.SimResult, page api.Page) *iamshape.SimulateCustomPolicyOutput {
	type indexed struct {
		i int
		r authz.SimResult
	}
	all := make([]indexed, len(res))
	for i, r := range res {
		all[i] = indexed{i, r}
	}
	items, truncated, next := api.Paginate(all, func(x indexed) string { return fmt.Sprintf("%08d", x.i) }, page)
	out := &iamshape.SimulateCustomPolicyOutput{EvaluationResults: []iamshape.EvaluationResult{}, IsTruncated: &truncated, Marker: next}
	for _, x := range items {
		r := x.r
		er := iamshape.EvaluationResult{
			EvalActionName:       r.Action,
			EvalResourceName:     ptr(r.Resource),
			EvalDecision:         authz.SimDecision(r.Decision),
			MatchedStatements:    []iamshape.Statement{},
			MissingContextValues: append([]string{}, r.Missing...),
		}
		for _, m := range r.Matched {
			st := iamshape.Statement{
				SourcePolicyId: ptr(m.PolicyID),
				StartPosition:  &iamshape.Position{Line: ptr(int32(m.Start.Line)), Column: ptr(int32(m.Start.Column))},
				EndPosition:    &iamshape.Position{Line: ptr(int32(m.End.Line)), Column: ptr(int32(m.End.Column))},
			}
			if m.Type != "" {
				st.SourcePolicyType = ptr(string(m.Type))
			}
			er.MatchedStatements = append(er.MatchedStatements, st)
		}
		if r.BoundaryAllowed != nil {
			er.PermissionsBoundaryDecisionDetail = &iamshape.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: ptr(*r.BoundaryAllowed)}
		}
		out.EvaluationResults = append(out.EvaluationResults, er)
	}
	return out
}
