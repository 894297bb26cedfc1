package policy

// This file holds the entry points whose implementation lands in the
// following commits; the signatures are final.

// Validate returns every finding for doc parsed as a policy of the given
// kind, errors first in AWS's precedence order. An empty result means AWS
// would accept the document.
func Validate(kind Kind, doc []byte) []Finding {
	_, f := parseAndValidate(kind, doc)
	return f
}

// Parse parses and validates doc. The error, when not nil, is a
// *ValidationError whose Error() is the message AWS would return.
func Parse(kind Kind, doc []byte) (*Policy, error) {
	p, f := parseAndValidate(kind, doc)
	var errs []Finding
	for _, x := range f {
		if x.Severity == SeverityError {
			errs = append(errs, x)
		}
	}
	if len(errs) > 0 {
		return nil, &ValidationError{Findings: errs}
	}
	return p, nil
}

func parseAndValidate(kind Kind, doc []byte) (*Policy, []Finding) {
	return nil, []Finding{{Code: CodeMalformedPolicyDocument, Message: "Syntax errors in policy."}}
}

// Compiled is a policy ready for evaluation. It is immutable and safe for
// concurrent use.
type Compiled struct {
	ID     string
	Kind   Kind
	Policy *Policy
}

// Compile prepares p for evaluation; id is reported in Match.Policy.
func Compile(id string, kind Kind, p *Policy) (*Compiled, error) {
	return &Compiled{ID: id, Kind: kind, Policy: p}, nil
}

// Set is the policies that apply to one request, by type.
type Set struct {
	// SCP holds the service control policies of the principal's account,
	// one slice per level of the organization (root, OUs, account); every
	// level must allow. Empty: no organization.
	SCP [][]*Compiled
	// Resource is the resource-based policy of the target, or the role's
	// trust policy (Kind KindTrust) for sts:AssumeRole* and friends.
	Resource *Compiled
	Identity []*Compiled
	Boundary *Compiled
	// Session holds the session policies; HasSession tells whether the
	// session was created with session policies at all (it is implied by
	// a non-empty Session).
	Session    []*Compiled
	HasSession bool
}

// Evaluate decides req against the set and writes the outcome into res.
func (s *Set) Evaluate(req *Request, res *Result) {
	res.Decision = ImplicitDeny
	res.Matched = res.Matched[:0]
	res.Missing = res.Missing[:0]
	res.DeniedBy = KindIdentity
}

// EvaluateTrust evaluates a trust (or resource) policy alone for the
// request's principal: Allow only if the policy allows the principal and
// nothing in it denies (evaluation.md §6, e.g. AssumeRoleWithWebIdentity).
func EvaluateTrust(trust *Compiled, req *Request, res *Result) {
	s := Set{Resource: trust}
	s.Evaluate(req, res)
}

// Reason returns AWS's reason phrase for a denied request, e.g.
// "because no identity-based policy allows the s3:GetObject action" or
// "with an explicit deny in a permissions boundary"; "" for Allow.
func (r *Result) Reason(action string) string { return "" }

// CheckSize returns a LimitExceeded error when doc exceeds the size quota
// of its kind (white space outside strings is not counted).
func CheckSize(kind Kind, doc []byte) error { return nil }
