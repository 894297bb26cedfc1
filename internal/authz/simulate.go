package authz

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
)

// The policy simulator (SimulateCustomPolicy, SimulatePrincipalPolicy):
// the engine evaluates given policies against actions and resources with
// the context the caller supplies instead of a real request's.

// ContextEntry is one ContextEntries element of a simulation.
type ContextEntry struct {
	Name   string
	Values []string
	Type   string // string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList
}

// SimRequest is a simulation.
type SimRequest struct {
	// Principal is the simulated caller (from CallerArn or the principal
	// whose policies are simulated); its derived keys (aws:username, …)
	// are available to the policies.
	Principal policy.Principal
	// Identity are the policies evaluated as identity policies; Boundary,
	// when not nil, the permissions boundary.
	Identity []Doc
	Boundary *Doc
	// ResourcePolicy is a resource-based policy ("" none).
	ResourcePolicy string
	// ResourceOwner is the account owning the resources ("" the one in
	// the ARN, else the caller's).
	ResourceOwner string
	Actions       []string
	Resources     []string // none: "*"
	Context       []ContextEntry
	Now           time.Time
}

// SimStatement is one MatchedStatements element.
type SimStatement struct {
	PolicyID   string
	Type       SourceType // "" for policies given in the request
	Start, End policy.Pos
}

// SimResult is one EvaluationResults element: an action on a resource.
type SimResult struct {
	Action, Resource string
	Decision         policy.Decision
	Matched          []SimStatement
	Missing          []string // condition keys the statements used that the context lacked, as spelled in the policies
	// BoundaryAllowed is set when a boundary takes part: whether the
	// boundary alone allows the action.
	BoundaryAllowed *bool
}

// SimDecision is AWS's spelling of a decision: allowed, explicitDeny,
// implicitDeny.
func SimDecision(d policy.Decision) string {
	switch d {
	case policy.Allow:
		return "allowed"
	case policy.ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// simPolicy is a parsed and compiled policy of a simulation.
type simPolicy struct {
	doc Doc
	p   *policy.Policy
	c   *policy.Compiled
}

// invalidInput is the simulator's InvalidInput error.
func invalidInput(format string, args ...any) error {
	return &iam.Error{Code: iam.CodeInvalidInput, Message: fmt.Sprintf(format, args...)}
}

// parseSim parses a policy of a simulation; a malformed one is the
// validator's MalformedPolicyDocument error.
func parseSim(d Doc, kind policy.Kind, key string) (simPolicy, error) {
	p, err := policy.Parse(kind, []byte(d.Document))
	if err != nil {
		var ve *policy.ValidationError
		if errors.As(err, &ve) {
			return simPolicy{}, &iam.Error{Code: iam.CodeMalformedPolicyDocument, Message: ve.AWSMessage()}
		}
		return simPolicy{}, err
	}
	// Compiled under a key of its own: two inline policies of a user and
	// its group may share a name.
	c, err := policy.Compile(key, kind, p)
	if err != nil {
		return simPolicy{}, err
	}
	return simPolicy{doc: d, p: p, c: c}, nil
}

// Simulate evaluates every action on every resource.
func Simulate(req SimRequest) ([]SimResult, error) {
	var set policy.Set
	byID := map[string]simPolicy{}
	spell := map[string]string{} // lower-cased condition key -> as written
	key := func() string { return "#" + strconv.Itoa(len(byID)) }
	add := func(sp simPolicy) {
		byID[sp.c.ID] = sp
		for _, s := range sp.p.Statements {
			for _, c := range s.Conditions {
				if lk := strings.ToLower(c.Key); c.Key != "" && spell[lk] == "" {
					spell[lk] = c.Key
				}
			}
		}
	}
	for _, d := range req.Identity {
		sp, err := parseSim(d, policy.KindIdentity, key())
		if err != nil {
			return nil, err
		}
		add(sp)
		set.Identity = append(set.Identity, sp.c)
	}
	var boundaryAlone *policy.Set
	if req.Boundary != nil {
		sp, err := parseSim(*req.Boundary, policy.KindBoundary, key())
		if err != nil {
			return nil, err
		}
		add(sp)
		set.Boundary = sp.c
		asIdentity, _ := policy.Compile(sp.c.ID, policy.KindIdentity, sp.p)
		boundaryAlone = &policy.Set{Identity: []*policy.Compiled{asIdentity}}
	}
	if req.ResourcePolicy != "" {
		sp, err := parseSim(Doc{ID: "ResourcePolicy", Type: SourceResource, Document: req.ResourcePolicy}, policy.KindResource, key())
		if err != nil {
			return nil, err
		}
		add(sp)
		set.Resource = sp.c
	}
	ctx, err := simContext(req.Context)
	if err != nil {
		return nil, err
	}
	resources := req.Resources
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	var out []SimResult
	res := policy.Result{CollectMissing: true}
	var alone policy.Result
	for _, action := range req.Actions {
		for _, resource := range resources {
			r := policy.Request{Principal: req.Principal, Action: action, Resource: resource,
				ResourceAccount: req.ResourceOwner, Context: ctx, Time: req.Now}
			set.Evaluate(&r, &res)
			sr := SimResult{Action: action, Resource: resource, Decision: res.Decision}
			for _, m := range res.Matched {
				sp := byID[m.Policy]
				st := sp.p.Statements[m.Index]
				sr.Matched = append(sr.Matched, SimStatement{PolicyID: sp.doc.ID, Type: sp.doc.Type, Start: st.Pos, End: st.End})
			}
			for _, k := range res.Missing {
				name := spell[k]
				if name == "" {
					name = k // a key named by a policy variable
				}
				if !slices.Contains(sr.Missing, name) {
					sr.Missing = append(sr.Missing, name)
				}
			}
			if boundaryAlone != nil {
				boundaryAlone.Evaluate(&r, &alone)
				ok := alone.Decision == policy.Allow
				sr.BoundaryAllowed = &ok
			}
			out = append(out, sr)
		}
	}
	return out, nil
}

// simContext builds the context of a simulation from ContextEntries,
// checking each value against its declared type.
func simContext(entries []ContextEntry) (*policy.Context, error) {
	c := policy.NewContext()
	for _, e := range entries {
		if e.Name == "" {
			return nil, invalidInput("A context entry must have a ContextKeyName.")
		}
		typ := e.Type
		if typ == "" {
			typ = "string"
		}
		base, list := strings.CutSuffix(typ, "List")
		for _, v := range e.Values {
			if !validContextValue(base, v) {
				return nil, invalidInput("The value %s of the context key %s is not a valid %s.", v, e.Name, base)
			}
		}
		if !list && len(e.Values) > 1 {
			return nil, invalidInput("The context key %s has type %s and takes one value; use %sList for several.", e.Name, typ, typ)
		}
		if len(e.Values) == 0 {
			continue // a key without values is absent
		}
		if list {
			c.SetMulti(e.Name, e.Values...)
		} else {
			c.Set(e.Name, e.Values...)
		}
	}
	return c, nil
}

func validContextValue(typ, v string) bool {
	switch typ {
	case "numeric":
		_, err := strconv.ParseFloat(v, 64)
		return err == nil
	case "boolean":
		return strings.EqualFold(v, "true") || strings.EqualFold(v, "false")
	case "ip":
		if _, err := netip.ParsePrefix(v); err == nil {
			return true
		}
		_, err := netip.ParseAddr(v)
		return err == nil
	case "binary":
		_, err := base64.StdEncoding.DecodeString(v)
		return err == nil
	case "date":
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return true
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02", "2006-01", "2006"} {
			if _, err := time.Parse(layout, v); err == nil {
				return true
			}
		}
		return false
	}
	return true // string
}

// ContextKeys lists the condition keys the policies use (including the
// keys of policy variables), sorted case-insensitively and deduplicated,
// as spelled where first used (GetContextKeysFor*Policy).
func ContextKeys(docs []Doc) ([]string, error) {
	seen := map[string]string{}
	for _, d := range docs {
		p, err := policy.Parse(policy.KindIdentity, []byte(d.Document))
		if err != nil {
			var ve *policy.ValidationError
			if errors.As(err, &ve) {
				return nil, &iam.Error{Code: iam.CodeMalformedPolicyDocument, Message: ve.AWSMessage()}
			}
			return nil, err
		}
		for _, s := range p.Statements {
			for _, c := range s.Conditions {
				if lk := strings.ToLower(c.Key); c.Key != "" && seen[lk] == "" {
					seen[lk] = c.Key
				}
			}
		}
		for _, lk := range p.ConditionKeys() { // variables too
			if seen[lk] == "" {
				seen[lk] = lk
			}
		}
	}
	out := make([]string, 0, len(seen))
	for _, k := range seen {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out, nil
}

// SubjectOf tells which user, group or role of the account an ARN names
// (SimulatePrincipalPolicy's PolicySourceArn).
func SubjectOf(accountID, arn string) (Subject, error) {
	a, err := iam.ParseARN(arn)
	if err != nil {
		return Subject{}, err
	}
	typ, _, name, ok := a.PathName()
	if a.Service != "iam" || !ok || name == "" {
		return Subject{}, invalidInput("ARN %s is not the ARN of a user, group or role.", arn)
	}
	if a.Account != accountID {
		return Subject{}, invalidInput("ARN %s is not in account %s.", arn, accountID)
	}
	switch typ {
	case "user", "group", "role":
		return Subject{AccountID: accountID, Kind: typ, Name: name}, nil
	}
	return Subject{}, invalidInput("ARN %s is not the ARN of a user, group or role.", arn)
}

// PrincipalFor gathers the policies of the user, group or role arn names
// and the principal the simulator evaluates them for. A missing entity is
// NoSuchEntity with IAM's message.
func PrincipalFor(ctx context.Context, src PolicySource, accountID, arn string) (policy.Principal, Policies, error) {
	sub, err := SubjectOf(accountID, arn)
	if err != nil {
		return policy.Principal{}, Policies{}, err
	}
	info, err := src.Policies(ctx, sub)
	// The entity is found by name; an ARN with another path (or case)
	// names no entity. Simulating it anyway would show the policies of
	// user/ops/bob to a caller allowed to simulate user/teamx/* only.
	if errors.Is(err, ErrNoSuchSubject) || err == nil && info.ARN != arn {
		return policy.Principal{}, Policies{}, iam.NoSuchEntity("The %s with name %s cannot be found.", sub.Kind, sub.Name)
	}
	if err != nil {
		return policy.Principal{}, Policies{}, err
	}
	pr := policy.Principal{ARN: info.ARN, Account: accountID, UserID: info.ID, Tags: info.Tags}
	switch sub.Kind {
	case "user":
		pr.Type, pr.Username = policy.PrincipalUser, sub.Name
	case "role":
		pr.Type, pr.RoleARN = policy.PrincipalAssumedRole, info.ARN
	default:
		// A group is no principal: its policies are simulated for an
		// anonymous member.
		pr = policy.Principal{Type: policy.PrincipalUser, Account: accountID}
	}
	return pr, info, nil
}

// CallerPrincipal is the principal a CallerArn names.
func CallerPrincipal(arn string) (policy.Principal, error) {
	a, err := iam.ParseARN(arn)
	if err != nil {
		return policy.Principal{}, err
	}
	pr := policy.Principal{Type: policy.PrincipalUser, ARN: arn, Account: a.Account}
	typ, _, name, ok := a.PathName()
	switch {
	case a.Service == "iam" && a.Resource == "root":
		pr.Type, pr.UserID = policy.PrincipalRoot, a.Account
	case a.Service == "iam" && ok && typ == "user":
		pr.Username = name
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/"):
		pr.Type = policy.PrincipalAssumedRole
		if role := roleOfSessionARN(arn); role != "" {
			pr.RoleARN = iam.RoleARN(a.Account, "/", role)
		}
	default:
		return policy.Principal{}, invalidInput("CallerArn %s is not the ARN of a user.", arn)
	}
	return pr, nil
}
