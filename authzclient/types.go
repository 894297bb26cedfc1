package authzclient

// The wire types of iamd's authorization API. iamd's handler
// (internal/api/authzapi) decodes and encodes these same types, so the
// client and the server cannot drift apart.

// Paths of the authorization API, relative to iamd's base URL.
const (
	PathCheck = "/authz/v1/check"
	PathBatch = "/authz/v1/batch-check"
)

// ActionAuthorize is the action the asking service must be allowed, on the
// ARN of the principal it asks about.
const ActionAuthorize = "iamd:Authorize"

// MaxBatchChecks bounds the checks of one BatchRequest.
const MaxBatchChecks = 100

// Principal names the principal of a check by its ARN (a user, a role or
// the account root: arn:aws:iam::123456789012:user/bob) or by one of its
// long-term access keys. Exactly one of the two is set.
type Principal struct {
	ARN         string `json:"arn,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
}

// SignedRequest is the part of a request the asking service received that
// SigV4 covers. iamd verifies its signature as the service's own endpoint
// would and takes the signer as the principal of the check.
type SignedRequest struct {
	// Method is the HTTP method ("GET").
	Method string `json:"method"`
	// Path is the request path exactly as received, still escaped
	// ("/bucket/a%20b").
	Path string `json:"path"`
	// Query is the raw query string without '?'.
	Query string `json:"query,omitempty"`
	// Headers are the received headers, including Host (Go's net/http keeps
	// it apart in Request.Host) and Authorization.
	Headers map[string][]string `json:"headers"`
	// PayloadHash is the lower-hex SHA-256 of the body, or
	// "UNSIGNED-PAYLOAD". Empty means the X-Amz-Content-Sha256 header's
	// value when there is one (the service checks the body against it),
	// else the hash of an empty body.
	PayloadHash string `json:"payloadHash,omitempty"`
}

// Check is one question: may the principal perform Action on the
// resource(s)? With several resources the answer is Allow only when every
// one is allowed, as for an AWS request naming several resources.
type Check struct {
	Action    string   `json:"action"`
	Resource  string   `json:"resource,omitempty"`
	Resources []string `json:"resources,omitempty"`
	// ResourcePolicy is the resource's own policy (a bucket policy), JSON.
	ResourcePolicy string `json:"resourcePolicy,omitempty"`
	// ResourceAccount owns the resource (default: the account in the
	// resource ARN, else the principal's).
	ResourceAccount string `json:"resourceAccount,omitempty"`
	// Context holds the condition keys of the request that only the asking
	// service knows (aws:SourceIp, aws:SecureTransport, s3:prefix,
	// aws:ResourceTag/Owner ...). A key with one value is single-valued,
	// with several a multivalued key. The principal's keys (aws:username,
	// aws:PrincipalTag/*, ...) and the time are iamd's to supply.
	Context map[string][]string `json:"context,omitempty"`
}

// CheckRequest is the body of POST PathCheck: a principal (Principal or
// Request) and one Check.
type CheckRequest struct {
	Principal *Principal     `json:"principal,omitempty"`
	Request   *SignedRequest `json:"request,omitempty"`
	Check
}

// BatchRequest is the body of POST PathBatch: one principal and up to
// MaxBatchChecks checks, each answered on its own. Context is shared by
// every check; a check's own Context adds to it and overrides keys of the
// same name.
type BatchRequest struct {
	Principal *Principal          `json:"principal,omitempty"`
	Request   *SignedRequest      `json:"request,omitempty"`
	Context   map[string][]string `json:"context,omitempty"`
	Checks    []Check             `json:"checks"`
}

// PrincipalInfo is the principal a check was decided for.
type PrincipalInfo struct {
	ARN string `json:"arn"`
	// Type is "Root", "User" or "AssumedRole" (a role named by its ARN is
	// decided as one of its sessions without session policies).
	Type      string `json:"type"`
	AccountID string `json:"accountId"`
	UserID    string `json:"userId,omitempty"`
	// AccessKeyID is the key that signed the forwarded request or that
	// named the principal.
	AccessKeyID string `json:"accessKeyId,omitempty"`
}

// Statement is a statement that decided a check.
type Statement struct {
	// Policy is the policy's ID: an inline policy's name, a managed
	// policy's ARN, "resourcePolicy" or "session-policy".
	Policy string `json:"policy"`
	Sid    string `json:"sid,omitempty"`
	Index  int    `json:"index"`
	Effect string `json:"effect"` // Allow or Deny
	// Type is the policy's role in the decision: identity, boundary,
	// session or resource.
	Type string `json:"type"`
}

// Result is the answer to one Check.
type Result struct {
	Allowed bool `json:"allowed"`
	// Decision is Allow, ExplicitDeny or ImplicitDeny.
	Decision string `json:"decision"`
	// DeniedBy says which part denied: identity, boundary, session,
	// resource, or key-age (the account's maximum access key age).
	DeniedBy string `json:"deniedBy,omitempty"`
	// Reason explains the decision. For a denial it is AWS's AccessDenied
	// message ("User: … is not authorized to perform: … because …"), ready
	// to be returned to the principal.
	Reason string `json:"reason"`
	// EncodedMessage, on a denial, holds the decision's details sealed for
	// sts:DecodeAuthorizationMessage (in the principal's account), as AWS
	// services return them.
	EncodedMessage string `json:"encodedMessage,omitempty"`
	// Action and Resource are the pair that decided: the first denied
	// resource, or the last one when all were allowed.
	Action            string      `json:"action"`
	Resource          string      `json:"resource"`
	MatchedStatements []Statement `json:"matchedStatements"`
}

// CheckResponse answers a CheckRequest.
type CheckResponse struct {
	Principal PrincipalInfo `json:"principal"`
	Result
}

// BatchResponse answers a BatchRequest, one Result per check in order.
type BatchResponse struct {
	Principal PrincipalInfo `json:"principal"`
	Results   []Result      `json:"results"`
}

// ErrorResponse is the body of every non-200 answer.
type ErrorResponse struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
