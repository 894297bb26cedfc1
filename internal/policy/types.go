package policy

import (
	"fmt"
	"strings"
	"time"
)

// Kind is the type of a policy document; it selects the validation rules,
// the size quota and the role the policy plays in evaluation.
type Kind uint8

// The policy kinds.
const (
	KindIdentity Kind = iota // user, group or role policy (inline or managed)
	KindResource             // resource-based policy other than a role trust policy
	KindTrust                // role trust policy (AssumeRolePolicyDocument)
	KindBoundary             // permissions boundary (a managed policy)
	KindSession              // session policy passed to AssumeRole* / GetFederationToken
	KindSCP                  // service control policy
)

var kindNames = [...]string{"identity", "resource", "trust", "boundary", "session", "scp"}

// String returns the name ParseKind accepts.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind accepts "identity", "resource", "trust", "boundary", "session"
// and "scp" (case-insensitive).
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if strings.EqualFold(s, n) {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown policy kind %q (want one of %s)", s, strings.Join(kindNames[:], ", "))
}

// Severity of a Finding.
type Severity uint8

// Severities.
const (
	SeverityError   Severity = iota // AWS rejects the document
	SeverityWarning                 // AWS accepts the document but it likely does not do what was meant
)

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Finding is one problem found in a policy document. Errors carry AWS's
// code and message; Path is a JSON-path-like location
// ("Statement[1].Resource[0]") and Line/Column (1-based) point at the
// offending element in the document.
type Finding struct {
	Severity Severity
	Code     string // "MalformedPolicyDocument" for errors
	Message  string // AWS's message, e.g. "Syntax errors in policy."
	Path     string
	Line     int
	Column   int
}

func (f Finding) String() string {
	return fmt.Sprintf("%d:%d: %s: %s (%s)", f.Line, f.Column, f.Severity, f.Message, f.Path)
}

// CodeMalformedPolicyDocument is the AWS error code of every validation error.
const CodeMalformedPolicyDocument = "MalformedPolicyDocument"

// ValidationError is the error Parse returns: the findings of severity
// error, in AWS's precedence order. Error() is the first one's message.
type ValidationError struct {
	Findings []Finding
}

func (e *ValidationError) Error() string { return e.AWSMessage() }

// AWSErrorCode is "MalformedPolicyDocument".
func (e *ValidationError) AWSErrorCode() string { return CodeMalformedPolicyDocument }

// AWSMessage is the message AWS returns: the first error's.
func (e *ValidationError) AWSMessage() string {
	if len(e.Findings) == 0 {
		return "Syntax errors in policy."
	}
	return e.Findings[0].Message
}

// Effect of a statement.
type Effect uint8

// Effects.
const (
	EffectAllow Effect = iota + 1
	EffectDeny
)

func (e Effect) String() string {
	switch e {
	case EffectAllow:
		return "Allow"
	case EffectDeny:
		return "Deny"
	}
	return ""
}

// PrincipalType is the kind of the principal that signed a request.
type PrincipalType uint8

// Principal types.
const (
	PrincipalAnonymous     PrincipalType = iota // unsigned request
	PrincipalUser                               // IAM user (long-term key or GetSessionToken session)
	PrincipalAssumedRole                        // role session from AssumeRole
	PrincipalRoot                               // the account root
	PrincipalFederatedUser                      // GetFederationToken session
	PrincipalWebIdentity                        // AssumeRoleWithWebIdentity / AssumeRoleWithSAML caller (before the session exists) or its session
	PrincipalService                            // an AWS-style service principal, e.g. ec2.amazonaws.com
)

// awsPrincipalType is the value of aws:PrincipalType.
func (t PrincipalType) awsPrincipalType() string {
	switch t {
	case PrincipalUser:
		return "User"
	case PrincipalAssumedRole, PrincipalWebIdentity:
		return "AssumedRole"
	case PrincipalRoot:
		return "Account"
	case PrincipalFederatedUser:
		return "FederatedUser"
	case PrincipalAnonymous:
		return "Anonymous"
	case PrincipalService:
		return "Service"
	}
	return ""
}

func (t PrincipalType) String() string {
	if t == PrincipalWebIdentity {
		return "WebIdentity"
	}
	return t.awsPrincipalType()
}

// Tag is a principal tag. Keys are matched case-insensitively.
type Tag struct{ Key, Value string }

// Principal describes who signed the request.
type Principal struct {
	Type PrincipalType
	// ARN is the caller's ARN: the user ARN, the session ARN
	// (arn:aws:sts::A:assumed-role/R/S), the federated-user ARN, the root
	// ARN, or for a service principal its name (ec2.amazonaws.com).
	ARN      string
	Account  string
	UserID   string // aws:userid: AIDA…, AROA…:session, A:name, the account ID for root
	Username string // IAM users only
	// RoleARN is the role of a role session (with its path).
	RoleARN string
	// ParentUserARN is the IAM user that called GetFederationToken, for a
	// federated-user session.
	ParentUserARN string
	// Provider is the identity provider of a web-identity / SAML caller:
	// an IAM OIDC or SAML provider ARN, or a built-in provider such as
	// accounts.google.com. It matches "Principal": {"Federated": …}.
	Provider string
	// CanonicalUser matches "Principal": {"CanonicalUser": …}.
	CanonicalUser string
	Tags          []Tag
}

// Request is one authorization question.
type Request struct {
	Principal Principal
	Action    string // service:Action, any case
	Resource  string // ARN, or "*" for actions without a resource type
	// ResourceAccount is the account owning the resource. When empty it is
	// taken from the resource ARN; when that has none, the resource is in
	// the principal's account.
	ResourceAccount string
	Context         *Context // may be nil
	Time            time.Time
}

// Decision is the outcome of an evaluation.
type Decision uint8

// Decisions.
const (
	ImplicitDeny Decision = iota
	Allow
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// ParseDecision is the inverse of Decision.String.
func ParseDecision(s string) (Decision, error) {
	switch s {
	case "Allow":
		return Allow, nil
	case "ExplicitDeny":
		return ExplicitDeny, nil
	case "ImplicitDeny":
		return ImplicitDeny, nil
	}
	return 0, fmt.Errorf("unknown decision %q", s)
}

// Match identifies one statement that decided the request.
type Match struct {
	Policy string // the id given to Compile
	Sid    string
	Index  int // 0-based position of the statement in the policy
	Effect Effect
	Kind   Kind
}

// Result is the outcome of Set.Evaluate. Reuse one Result between requests:
// Evaluate resets it and reuses the capacity of its slices.
type Result struct {
	Decision Decision
	// Matched lists the deciding statements: for ExplicitDeny every
	// applicable Deny statement; for Allow the Allow statements that
	// granted it (one per policy type that had to allow); for ImplicitDeny
	// nothing.
	Matched []Match
	// DeniedBy is, for an explicit deny, the kind of the policy with the
	// (first) denying statement; for an implicit deny, the policy type that
	// failed to allow (KindIdentity, KindResource, KindTrust, KindBoundary,
	// KindSession or KindSCP).
	DeniedBy Kind
	// CollectMissing asks Evaluate to record in Missing the condition keys
	// (lower-cased, deduplicated) that evaluated statements referred to and
	// the request did not carry.
	CollectMissing bool
	Missing        []string

	scratch []byte
	lits    []bool
}
