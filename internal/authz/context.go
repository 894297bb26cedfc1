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

// session is what the engine needs of temporary credentials, read from the
// session facts iam.Identity carries (internal/sts fills them).
type session struct {
	// key identifies the session's compiled session policies in the cache
	// (its access key ID).
	key         string
	roleName    string   // assumed-role sessions: their role
	inline      string   // the inline session policy ("" none)
	arns        []string // the managed session policies
	policies    []Doc    // both, loaded by Authorizer.sessionDocs
	hasPolicies bool
	tags        []policy.Tag
	issuedAt    time.Time
	mfaPresent  bool
	mfaAuthAt   time.Time
	sourceID    string
}

// sessionOf returns the session facts of temporary credentials, nil for a
// long-term key.
func sessionOf(id *iam.Identity) *session {
	if id == nil || !id.Temporary {
		return nil
	}
	s := &session{key: id.AccessKey, roleName: id.RoleName, hasPolicies: id.HasSessionPolicy(),
		issuedAt: id.TokenIssueTime, mfaPresent: id.MFAPresent, mfaAuthAt: id.MFAAuthTime, sourceID: id.SourceIdentity,
		inline: id.SessionPolicy, arns: id.SessionPolicyARNs}
	if s.roleName == "" && id.Kind == iam.IdentityAssumedRole {
		s.roleName = roleOfSessionARN(id.ARN)
	}
	for _, t := range id.SessionTags {
		s.tags = append(s.tags, policy.Tag{Key: t.Key, Value: t.Value})
	}
	return s
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
func globalKeys(c *policy.Context, id *iam.Identity, sess *session, rf RequestFacts, withFacts bool, now time.Time) {
	if withFacts {
		if ip := sourceIP(rf.RemoteAddr); ip != "" {
			c.Set("aws:sourceip", ip)
		}
		c.Set("aws:securetransport", boolValue(rf.Secure)...)
		if rf.UserAgent != "" {
			c.Set("aws:useragent", rf.UserAgent)
		}
		if rf.Service == "iam" {
			// IAM is a global service: AWS reports its requests in us-east-1.
			c.Set("aws:requestedregion", usEast1...)
		}
	}
	c.Set("aws:viaawsservice", falseValue...)
	c.Set("aws:principalisawsservice", falseValue...)
	if id != nil && id.AccountID != "" {
		c.Set("aws:resourceaccount", id.AccountID)
	}
	if sess != nil {
		if !sess.issuedAt.IsZero() {
			c.Set("aws:TokenIssueTime", sess.issuedAt.UTC().Format(time.RFC3339))
		}
		// Sessions always say whether MFA was used; long-term keys leave
		// the key absent (the "BoolIfExists … false" idiom depends on it).
		c.Set("aws:multifactorauthpresent", boolValue(sess.mfaPresent)...)
		if sess.mfaPresent && !sess.mfaAuthAt.IsZero() {
			c.Set("aws:MultiFactorAuthAge", strconv.FormatInt(int64(now.Sub(sess.mfaAuthAt)/time.Second), 10))
		}
		if sess.sourceID != "" {
			c.Set("aws:SourceIdentity", sess.sourceID)
		}
	}
	if id != nil && sess != nil {
		// Keys the session carries from its creation (a web-identity
		// session's aws:FederatedProvider and <provider>:sub/aud/oaud/amr).
		for k, vs := range id.SessionContext {
			if len(vs) == 1 {
				c.Set(k, vs[0])
			} else {
				c.SetMulti(k, vs...)
			}
		}
	}
	if id != nil && sess == nil && !id.Credential.CreatedAt.IsZero() {
		c.Set(KeyAccessKeyAgeDays, strconv.FormatInt(AccessKeyAgeDays(id.Credential.CreatedAt, now), 10))
	}
}

// Values of the keys every request carries, shared by all requests (the
// engine never changes a context's values): no allocation per request.
// The keys above are spelled in lower case, as the engine keeps them, for
// the same reason.
var (
	falseValue = []string{"false"}
	trueValue  = []string{"true"}
	usEast1    = []string{"us-east-1"}
)

func boolValue(b bool) []string {
	if b {
		return trueValue
	}
	return falseValue
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
