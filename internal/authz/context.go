package authz

import (
	"net"
	"strconv"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
)

// KeyAccessKeyAgeDays is iamd's own condition key: whole days since the
// access key that signed the request was created (long-term keys only). A
// rotation rule is then a policy:
//
//	{"Effect": "Deny", "Action": "*", "Resource": "*",
//	 "Condition": {"NumericGreaterThan": {"iamd:AccessKeyAgeDays": "90"}}}
const KeyAccessKeyAgeDays = "iamd:AccessKeyAgeDays"

// Session describes the temporary credentials a request was signed with
// (a role session). internal/sts supplies it: an api.Caller that
// implements SessionCarrier hands it to the Authorizer.
type Session struct {
	// ID identifies the session for the cache of its compiled session
	// policies ("" = do not cache them).
	ID string
	// RoleName is the assumed role (the role's policies and boundary apply).
	RoleName string
	// Policies are the session policies (inline Policy and PolicyArns);
	// HasPolicies is true when any were passed (then they must allow).
	Policies    []Doc
	HasPolicies bool
	// Tags are the session tags; they override the role's tags of the same
	// key in aws:PrincipalTag.
	Tags           []policy.Tag
	IssuedAt       time.Time // aws:TokenIssueTime
	MFAPresent     bool      // aws:MultiFactorAuthPresent
	MFAAuthAt      time.Time // aws:MultiFactorAuthAge counts from here (zero: no MFA)
	SourceIdentity string    // aws:SourceIdentity
}

// SessionCarrier is implemented by callers signed with temporary
// credentials.
type SessionCarrier interface {
	AuthzSession() *Session
}

// RequestFacts are the facts of the HTTP request that become global
// condition keys.
type RequestFacts struct {
	RemoteAddr string // host:port or host
	UserAgent  string
	Secure     bool
	Service    string // "iam" or "sts"
}

// globalKeys sets the condition keys every request of the caller carries
// (conditions.md §4); the principal-derived ones (aws:username, aws:userid,
// aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
// aws:PrincipalTag/*) and the time (aws:CurrentTime, aws:EpochTime) the
// engine derives from the Request.
func globalKeys(c *policy.Context, id *iam.Identity, sess *Session, rf RequestFacts, now time.Time) {
	if ip := sourceIP(rf.RemoteAddr); ip != "" {
		c.Set("aws:SourceIp", ip)
	}
	c.Set("aws:SecureTransport", strconv.FormatBool(rf.Secure))
	if rf.UserAgent != "" {
		c.Set("aws:UserAgent", rf.UserAgent)
	}
	if rf.Service == "iam" {
		// IAM is a global service: AWS reports its requests in us-east-1.
		c.Set("aws:RequestedRegion", "us-east-1")
	}
	c.Set("aws:ViaAWSService", "false")
	c.Set("aws:PrincipalIsAWSService", "false")
	if id != nil && id.AccountID != "" {
		c.Set("aws:ResourceAccount", id.AccountID)
	}
	if sess != nil {
		if !sess.IssuedAt.IsZero() {
			c.Set("aws:TokenIssueTime", sess.IssuedAt.UTC().Format(time.RFC3339))
		}
		// Sessions always say whether MFA was used; long-term keys leave
		// the key absent (the "BoolIfExists … false" idiom depends on it).
		c.Set("aws:MultiFactorAuthPresent", strconv.FormatBool(sess.MFAPresent))
		if sess.MFAPresent && !sess.MFAAuthAt.IsZero() {
			c.Set("aws:MultiFactorAuthAge", strconv.FormatInt(int64(now.Sub(sess.MFAAuthAt)/time.Second), 10))
		}
		if sess.SourceIdentity != "" {
			c.Set("aws:SourceIdentity", sess.SourceIdentity)
		}
	}
	if id != nil && sess == nil && !id.Credential.CreatedAt.IsZero() {
		c.Set(KeyAccessKeyAgeDays, strconv.FormatInt(AccessKeyAgeDays(id.Credential.CreatedAt, now), 10))
	}
}

// AccessKeyAgeDays is the whole number of days from created to now (0 for
// a key created less than 24 hours ago, or in the future).
func AccessKeyAgeDays(created, now time.Time) int64 {
	d := now.Sub(created)
	if d < 0 {
		return 0
	}
	return int64(d / (24 * time.Hour))
}

// sourceIP is the address part of a RemoteAddr, or "" when it is not an IP.
func sourceIP(remote string) string {
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return ""
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.String()
}
