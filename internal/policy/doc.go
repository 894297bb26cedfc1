// Package policy is iamd's IAM policy language: it parses, validates,
// compiles and evaluates AWS IAM policy documents. It is pure: no I/O, no
// clock (the request carries the time), no other iamd package.
//
// # Parsing and validation
//
//	Validate(kind, doc) []Finding         every finding, with line and column (errors first, then warnings)
//	Parse(kind, doc) (*Policy, error)     the AST; the error is a *ValidationError
//	ValidateManaged / ParseManaged        the same for CreatePolicy / CreatePolicyVersion (Version 2012-10-17 required)
//	CheckSize(kind, doc) error            the per-kind size quota (white space outside strings not counted)
//	CheckInlineSize(entity, name, docs…)  the aggregate inline-policy quota of a user, group or role
//
// A Kind selects the rules of one policy type: an identity policy must not
// name a Principal, a trust policy must, a trust policy must not have a
// Resource, and so on. Every rejection carries AWS's MalformedPolicyDocument
// message, e.g. "Syntax errors in policy." or "Policy statement must contain
// actions.". (*ValidationError).Error() is the first error's message, ready
// for the API layer; AWSErrorCode/AWSMessage let it recognise the error.
//
// # Compile once, evaluate many
//
//	c, err := Compile("arn:aws:iam::1:policy/p", KindIdentity, p)
//	set := &Set{Identity: []*Compiled{c}, Boundary: b, Session: s, HasSession: true}
//	var res Result                       // reuse between requests: no allocation
//	set.Evaluate(&Request{Principal: pr, Action: "s3:GetObject", Resource: arn, Context: ctx, Time: t}, &res)
//	res.Decision                         // Allow, ExplicitDeny or ImplicitDeny
//	res.Matched                          // the deciding statements (policy id, Sid, index, effect, kind)
//	res.Reason("s3:GetObject")           // "because no identity-based policy allows the s3:GetObject action"
//
// A Compiled policy indexes its statements by the action's service prefix
// and name (case-insensitively hashed), with wildcard actions in a side list
// per service and NotAction / "*" statements in a global list, so Evaluate
// never looks at a statement that cannot match the action. Evaluate writes
// into a caller-owned Result and reuses the capacity of its slices; in the
// common case it allocates nothing.
//
// Set is a plain struct: building one per request costs nothing. Its fields
// are the policy types of evaluation.md §2: SCP levels, the resource (or
// trust) policy, identity policies, the permissions boundary and the session
// policies. HasSession distinguishes "no session policies were passed"
// (a role session keeps its full permissions) from "session policies were
// passed" (they must allow; an empty list then allows nothing). Session
// policies limit role sessions and federated-user sessions only; a
// federated-user session without them has no permissions.
//
// Set.Prepare returns a *Prepared: the same set frozen with a cross-policy
// action index (one lookup for the whole set instead of one per policy).
// Build it when a principal's policies are loaded and cache it with them;
// Prepared.Evaluate gives exactly the Result of Set.Evaluate.
//
// Result.Matched holds the deciding statements: for ExplicitDeny every
// applicable Deny; for Allow the statements that had to allow (the
// identity Allow, the resource-policy Allow when it granted or was
// required, the boundary and session Allows when they applied). For an
// implicit deny Result.DeniedBy is the policy type that failed to allow;
// Result.Reason(action) and Result.AccessDeniedMessage(...) render AWS's
// AccessDenied wording.
//
// For the STS assume operations, EvaluateTrust evaluates a role's trust
// policy alone for a principal (evaluation.md §6): the trust policy must
// allow, an explicit deny wins. Put the trust policy in Set.Resource to run
// the full same-account / cross-account rules together with the caller's
// identity policies.
//
// # Context
//
// Context holds the request's condition keys, each with one or many string
// values; key names are case-insensitive. Build it once per request (Reset
// reuses its storage). Keys derived from the Principal (aws:username,
// aws:userid, aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
// aws:PrincipalTag/k) and from Request.Time (aws:CurrentTime, aws:EpochTime)
// are supplied by the engine when the Context does not set them.
//
// Set Result.CollectMissing to learn which condition keys the evaluated
// statements referred to but the request did not carry (Result.Missing);
// (*Policy).ConditionKeys lists every condition key a policy uses.
package policy
