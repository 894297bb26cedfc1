package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
	"github.com/iamd/iamd/internal/store"
)

// Config is what an Authorizer needs; cmd/iamd (or internal/server) builds
// it.
type Config struct {
	// Policies gathers the policies of users, groups and roles. Required.
	Policies PolicySource
	// Resolver looks up target entities (path, tags, boundary). Optional:
	// without it targets are taken to be at path "/" without tags.
	Resolver Resolver
	// Revisions invalidates the cache of compiled policy sets. Optional:
	// without it nothing is cached.
	Revisions Revisions
	Now       func() time.Time
	Logger    *slog.Logger // nil discards
	// CacheSize bounds the cached principals (0: DefaultCacheSize).
	CacheSize int
	// KeyAges enforces the account-level maximum access key age.
	// Optional: without it there is no such limit.
	KeyAges KeyAgeLimits
}

// Authorizer is the one place iamd decides whether a caller may do what a
// request asks. It implements api.Authorizer for the IAM and STS Query APIs
// and offers Decide to the operations that decide themselves (STS with a
// trust policy) and to other front ends.
type Authorizer struct {
	src   PolicySource
	res   Resolver
	revs  Revisions
	now   func() time.Time
	log   *slog.Logger
	cache *setCache
	ages  KeyAgeLimits

	agesMu sync.Mutex
	ageOf  map[string]keyAge // account -> limit at a revision

	ctxs sync.Pool // *policy.Context, reused by Decide

	decisions decisionCache // Allows of request-independent sets
}

type keyAge struct {
	rev int64
	max time.Duration
}

// New builds an Authorizer.
func New(cfg Config) (*Authorizer, error) {
	if cfg.Policies == nil {
		return nil, errors.New("authz: Config.Policies is required")
	}
	if cfg.Now == nil {
		return nil, errors.New("authz: Config.Now is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Authorizer{
		src: cfg.Policies, res: cfg.Resolver, revs: cfg.Revisions,
		now: cfg.Now, log: cfg.Logger, cache: newSetCache(cfg.CacheSize),
		ages: cfg.KeyAges, ageOf: map[string]keyAge{},
	}, nil
}

// Query is one authorization question: a caller and the checks of its
// request.
type Query struct {
	// Caller is who signed the request; for temporary credentials its
	// session facts (role, session policies and tags, MFA) take part.
	Caller *iam.Identity
	Checks []Check
	Facts  RequestFacts
	// NoFacts leaves out the keys derived from the HTTP request
	// (aws:SourceIp, aws:SecureTransport, aws:UserAgent,
	// aws:RequestedRegion): the check API gets them from its caller in the
	// checks' keys instead.
	NoFacts bool
	// Resource is the resource-based policy taking part in the decision:
	// the role's trust policy (compiled as policy.KindTrust) for
	// sts:AssumeRole. IAM has no other resource policies; other services
	// asking through the check API may bring theirs.
	Resource *policy.Compiled
	// ResourceAccount is the account owning the resources (default: the
	// account in the resource ARN, else the caller's).
	ResourceAccount string
}

// Decision is the outcome of a Query. It is read-only: an Allow may be
// shared by several Decisions (the cache of request-independent sets).
type Decision struct {
	Allowed bool
	// Check is the first check that was not allowed (the last one when
	// all were).
	Check  Check
	Result policy.Result
	// Principal is the caller as the engine saw it.
	Principal policy.Principal
}

// Message is AWS's AccessDenied message of a denied decision.
func (d *Decision) Message() string {
	return d.Result.AccessDeniedMessage(d.Principal.ARN, d.Check.Action, d.Check.Resource)
}

// Err is nil for an allowed decision, else the AccessDenied error to send.
func (d *Decision) Err() error {
	if d.Allowed {
		return nil
	}
	return &iam.Error{Code: iam.CodeAccessDenied, Message: d.Message()}
}

// Authorize implements api.Authorizer.
func (a *Authorizer) Authorize(ctx context.Context, req api.AuthzRequest) error {
	id, _ := req.Caller.(*iam.Identity)
	self := Self{}
	if id != nil {
		self = Self{AccountID: id.AccountID, ARN: id.ARN}
		if id.Kind == iam.IdentityUser {
			self.UserName = id.UserName
		}
	}
	res := a.res
	if id != nil && id.Kind == iam.IdentityRoot {
		res = nil // the root is allowed everything: no lookups needed
	}
	plan, err := BuildPlan(ctx, res, self, req.Operation.Service, req.Operation.Name, req.Input)
	if err != nil {
		return err
	}
	switch plan.Disposition {
	case AlwaysAllowed, ByOperation:
		return nil
	}
	if id == nil {
		// Only the unsigned STS operations have no identity, and those are
		// decided by the operation.
		return &iam.Error{Code: iam.CodeAccessDenied, Message: "User: anonymous is not authorized to perform: " + req.Action()}
	}
	if id.Temporary && id.Kind != iam.IdentityAssumedRole && req.Operation.Service == "sts" {
		// GetSessionToken credentials may call only AssumeRole and
		// GetCallerIdentity in STS (evaluation.md §8; both are decided
		// elsewhere), as AWS says.
		return &iam.Error{Code: iam.CodeAccessDenied, Message: "Cannot call " + req.Operation.Name + " with session credentials"}
	}
	if id.Temporary && (!id.MFAPresent || id.Kind == iam.IdentityFederatedUser) && id.Kind != iam.IdentityAssumedRole && req.Operation.Service == "iam" {
		// GetSessionToken credentials reach the IAM API only when the
		// session was created with MFA, GetFederationToken credentials never
		// (evaluation.md §8); AWS answers as for an invalid token.
		return &iam.Error{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid"}
	}
	ctx = context.WithValue(ctx, revMemoKey{}, &revMemo{})
	if err := a.KeyAgeErr(ctx, id, plan.Checks[0]); err != nil {
		return err
	}
	q := Query{Caller: id, Checks: plan.Checks}
	if ri := req.Request; ri != nil {
		q.Facts = RequestFacts{RemoteAddr: ri.RemoteAddr, UserAgent: ri.UserAgent, Secure: ri.Secure, Service: ri.Service}
	} else if ri := api.RequestFromContext(ctx); ri != nil {
		q.Facts = RequestFacts{RemoteAddr: ri.RemoteAddr, UserAgent: ri.UserAgent, Secure: ri.Secure, Service: ri.Service}
	}
	if q.Facts.Service == "" {
		q.Facts.Service = req.Operation.Service
	}
	d, err := a.Decide(ctx, q)
	if err != nil {
		return err
	}
	return d.Err()
}

// Decide evaluates every check of q with the caller's policies; the
// decision is Allowed when all checks are. The error is for failures to
// gather the policies, never for a denial.
func (a *Authorizer) Decide(ctx context.Context, q Query) (*Decision, error) {
	if q.Caller == nil {
		return nil, errors.New("authz: Query without a caller")
	}
	now := a.now()
	sess := sessionOf(q.Caller)
	pr, set, err := a.principalSet(ctx, q.Caller, sess)
	if err != nil {
		return nil, err
	}
	if q.Resource != nil {
		s := set.Set()
		s.Resource = q.Resource
		set = s.Prepare()
	}
	// One check without keys against a cached set whose policies read
	// nothing of the request (no condition, no variable): its Allow can be
	// reused. Sets are cached (and so worth a key) for users and role
	// sessions when revisions are followed.
	var dk decisionKey
	remember := a.revs != nil && q.Resource == nil && len(q.Checks) == 1 && len(q.Checks[0].Keys) == 0 &&
		(q.Caller.Kind == iam.IdentityUser || q.Caller.Kind == iam.IdentityAssumedRole) && set.RequestIndependent()
	if remember {
		c := q.Checks[0]
		dk = decisionKey{set: set, arn: pr.ARN, account: pr.Account, typ: pr.Type,
			action: c.Action, resource: c.Resource, resourceAccount: q.ResourceAccount}
		if r, ok := a.decisions.get(dk); ok {
			d := &Decision{Principal: pr, Allowed: true, Check: c, Result: r}
			if a.log.Enabled(ctx, slog.LevelDebug) {
				a.log.LogAttrs(ctx, slog.LevelDebug, "access allowed",
					slog.String("principal", pr.ARN), slog.String("action", c.Action),
					slog.String("resource", c.Resource), slog.String("statements", matches(d.Result.Matched)))
			}
			noteDecision(ctx, q, d)
			return d, nil
		}
	}
	// A pooled context keeps its capacity: no slice growth per decision.
	// Nothing of it outlives Decide (the Result holds no reference).
	pctx, _ := a.ctxs.Get().(*policy.Context)
	if pctx == nil {
		pctx = new(policy.Context)
	}
	defer a.ctxs.Put(pctx)
	d := &Decision{Principal: pr, Allowed: true}
	for _, c := range q.Checks {
		pctx.Reset()
		globalKeys(pctx, q.Caller, sess, q.Facts, !q.NoFacts, now)
		for _, k := range c.Keys {
			if k.Multi {
				pctx.SetMulti(k.Name, k.Values...)
			} else {
				pctx.Set(k.Name, k.Values...)
			}
		}
		req := policy.Request{Principal: pr, Action: c.Action, Resource: c.Resource,
			ResourceAccount: q.ResourceAccount, Context: pctx, Time: now}
		set.Evaluate(&req, &d.Result)
		d.Check = c
		if d.Result.Decision != policy.Allow {
			d.Allowed = false
			a.log.LogAttrs(ctx, slog.LevelInfo, "access denied",
				slog.String("principal", pr.ARN), slog.String("action", c.Action),
				slog.String("resource", c.Resource), slog.String("decision", d.Result.Decision.String()),
				slog.String("denied_by", d.Result.DeniedBy.String()), slog.String("statements", matches(d.Result.Matched)))
			noteDecision(ctx, q, d)
			return d, nil
		}
		if a.log.Enabled(ctx, slog.LevelDebug) {
			a.log.LogAttrs(ctx, slog.LevelDebug, "access allowed",
				slog.String("principal", pr.ARN), slog.String("action", c.Action),
				slog.String("resource", c.Resource), slog.String("statements", matches(d.Result.Matched)))
		}
	}
	if remember {
		a.decisions.put(dk, &d.Result)
	}
	noteDecision(ctx, q, d)
	return d, nil
}

// keyRotationActions are what a caller may still do with a key older than
// the account's maximum age, on its own user: rotate it.
var keyRotationActions = map[string]bool{
	"iam:CreateAccessKey": true, "iam:UpdateAccessKey": true, "iam:DeleteAccessKey": true,
	"iam:ListAccessKeys": true, "iam:GetAccessKeyLastUsed": true, "iam:GetUser": true,
}

// KeyAgeErr is the AccessDenied error for a request (its main check c)
// signed with a long-term key older than the account's maximum access key
// age (whole days, as iamd:AccessKeyAgeDays counts them), nil when the key
// is young enough or the request rotates the caller's own keys. It applies
// to the root too: no policy binds the root, this setting does.
func (a *Authorizer) KeyAgeErr(ctx context.Context, id *iam.Identity, c Check) error {
	if a.ages == nil || id.Temporary || id.Credential.CreatedAt.IsZero() {
		return nil
	}
	if keyRotationActions[c.Action] && c.Resource == id.ARN {
		return nil
	}
	max, err := a.maxKeyAge(ctx, id.AccountID)
	if err != nil || max <= 0 {
		return err
	}
	maxDays := int64(max / (24 * time.Hour))
	age := AccessKeyAgeDays(id.Credential.CreatedAt, a.now())
	if age <= maxDays {
		return nil
	}
	a.log.LogAttrs(ctx, slog.LevelInfo, "access denied: access key too old",
		slog.String("principal", id.ARN), slog.String("access_key_id", id.AccessKey),
		slog.Int64("age_days", age), slog.Int64("max_days", maxDays), slog.String("action", c.Action))
	noteKeyAgeDenial(ctx, id, c)
	return &iam.Error{Code: iam.CodeAccessDenied, Message: fmt.Sprintf(
		"User: %s is not authorized to perform: %s on resource: %s because the access key %s is %d days old and the account allows at most %d; create a new access key and delete this one",
		id.ARN, c.Action, c.Resource, id.AccessKey, age, maxDays)}
}

// maxKeyAge is the account's limit, read again when the revision moved.
func (a *Authorizer) maxKeyAge(ctx context.Context, acct string) (time.Duration, error) {
	rev := int64(-1)
	if a.revs != nil {
		var err error
		if rev, err = a.revision(ctx, acct); err != nil {
			return 0, fmt.Errorf("authz: revision of %s: %w", acct, err)
		}
		a.agesMu.Lock()
		ka, ok := a.ageOf[acct]
		a.agesMu.Unlock()
		if ok && ka.rev == rev {
			return ka.max, nil
		}
	}
	max, err := a.ages.MaxAccessKeyAge(ctx, acct)
	if err != nil {
		return 0, fmt.Errorf("authz: maximum access key age of %s: %w", acct, err)
	}
	if rev >= 0 {
		a.agesMu.Lock()
		if len(a.ageOf) >= DefaultCacheSize {
			clear(a.ageOf) // bounded: rebuilt on demand
		}
		a.ageOf[acct] = keyAge{rev: rev, max: max}
		a.agesMu.Unlock()
	}
	return max, nil
}

// CallerPolicySet is the caller's side of a decision that an operation
// makes itself with a resource policy (internal/sts: AssumeRole puts the
// role's trust policy in Set.Resource): the caller as the engine sees it
// and its identity policies, boundary and session policies. It implements
// sts.CallerPolicies.
func (a *Authorizer) CallerPolicySet(ctx context.Context, caller *iam.Identity) (policy.Principal, policy.Set, error) {
	pr, p, err := a.principalSet(ctx, caller, sessionOf(caller))
	if err != nil {
		return policy.Principal{}, policy.Set{}, err
	}
	return pr, p.Set(), nil
}

// EntityARN is the ARN, with its path, of the user or role (kind
// store.PrincipalUser or store.PrincipalRole) of the account named name, ""
// when there is none. It reads the same cache as decisions, so asking
// before deciding for the same principal costs no extra store read.
func (a *Authorizer) EntityARN(ctx context.Context, accountID, kind, name string) (string, error) {
	cs, err := a.compiled(ctx, Subject{AccountID: accountID, Kind: kind, Name: name}, nil)
	if err != nil {
		return "", err
	}
	return cs.info.ARN, nil
}

// matches renders the deciding statements for the log: policy#index(sid).
func matches(ms []policy.Match) string {
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s#%d", m.Kind, m.Policy, m.Index)
		if m.Sid != "" {
			fmt.Fprintf(&b, "(%s)", m.Sid)
		}
		b.WriteString(" " + m.Effect.String())
	}
	return b.String()
}

// principalSet returns the engine's view of the caller and its prepared
// policy set.
func (a *Authorizer) principalSet(ctx context.Context, id *iam.Identity, sess *session) (policy.Principal, *policy.Prepared, error) {
	pr := policy.Principal{ARN: id.ARN, Account: id.AccountID, UserID: id.UserID}
	switch id.Kind {
	case iam.IdentityRoot:
		// The root needs no identity policy in its own account (the engine
		// applies that rule); SCPs do not exist here.
		pr.Type = policy.PrincipalRoot
		return pr, (&policy.Set{}).Prepare(), nil
	case iam.IdentityUser:
		pr.Type, pr.Username = policy.PrincipalUser, id.UserName
		// A GetSessionToken session has its user's permissions, no session
		// policies.
		cs, err := a.compiled(ctx, Subject{AccountID: id.AccountID, Kind: store.PrincipalUser, Name: id.UserName}, nil)
		if err != nil {
			return pr, nil, err
		}
		pr.Tags = cs.info.Tags
		if pr.UserID == "" {
			pr.UserID = cs.info.ID // an identity built from an ARN (check API)
		}
		return pr, cs.prepared, nil
	case iam.IdentityAssumedRole:
		pr.Type = policy.PrincipalAssumedRole
		roleName := id.RoleName
		if sess != nil {
			roleName = sess.roleName
		}
		if roleName == "" {
			roleName = roleOfSessionARN(id.ARN)
		}
		cs, err := a.compiled(ctx, Subject{AccountID: id.AccountID, Kind: store.PrincipalRole, Name: roleName}, sess)
		if err != nil {
			return pr, nil, err
		}
		pr.RoleARN = cs.info.ARN
		if pr.RoleARN == "" {
			pr.RoleARN = id.RoleARN
		}
		pr.Tags = cs.info.Tags
		if sess != nil {
			pr.Tags = mergeTags(pr.Tags, sess.tags)
		}
		return pr, cs.prepared, nil
	case iam.IdentityFederatedUser:
		// A GetFederationToken session: the calling user's policies (and
		// boundary) intersected with the session policies; none means no
		// permissions (the engine's rule for PrincipalFederatedUser).
		pr.Type = policy.PrincipalFederatedUser
		if id.UserName == "" {
			// Federated by the root: everything in the account on the
			// identity side, so the session policies alone limit it.
			pr.ParentUserARN = iam.RootARN(id.AccountID)
			info := Policies{Identity: []Doc{{ID: "iamd:root", Type: SourceNone, Document: rootIdentityPolicy}}}
			if sess != nil && sess.hasPolicies {
				if err := a.sessionDocs(ctx, id.AccountID, sess); err != nil {
					return pr, nil, err
				}
			}
			cs, err := compileSet(info, sess)
			if err != nil {
				return pr, nil, err
			}
			if sess != nil {
				pr.Tags = sess.tags
			}
			return pr, cs.prepared, nil
		}
		pr.ParentUserARN = iam.UserARN(id.AccountID, id.Path, id.UserName)
		cs, err := a.compiled(ctx, Subject{AccountID: id.AccountID, Kind: store.PrincipalUser, Name: id.UserName}, sess)
		if err != nil {
			return pr, nil, err
		}
		if cs.info.ARN != "" {
			pr.ParentUserARN = cs.info.ARN
		}
		pr.Tags = cs.info.Tags
		if sess != nil {
			// The user's tags with the session's over them (conditions.md).
			pr.Tags = mergeTags(pr.Tags, sess.tags)
		}
		return pr, cs.prepared, nil
	}
	return pr, nil, fmt.Errorf("authz: unknown identity kind %q", id.Kind)
}

// rootIdentityPolicy stands for the root's identity side when the root
// federates a user: the root may do anything in its account.
const rootIdentityPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// roleOfSessionARN is R of arn:aws:sts::A:assumed-role/R/S.
func roleOfSessionARN(arn string) string {
	_, rest, ok := strings.Cut(arn, ":assumed-role/")
	if !ok {
		return ""
	}
	r, _, _ := strings.Cut(rest, "/")
	return r
}

// mergeTags overlays session tags on the principal's tags; keys compare
// case-insensitively and the session wins.
func mergeTags(base, over []policy.Tag) []policy.Tag {
	if len(over) == 0 {
		return base
	}
	out := make([]policy.Tag, 0, len(base)+len(over))
	for _, t := range base {
		shadowed := false
		for _, o := range over {
			if strings.EqualFold(t.Key, o.Key) {
				shadowed = true
				break
			}
		}
		if !shadowed {
			out = append(out, t)
		}
	}
	return append(out, over...)
}

// revMemo remembers the revision read for one request, so that the key-age
// limit and the policy set of the request share one probe.
type revMemo struct {
	acct string
	rev  int64
	ok   bool
}

type revMemoKey struct{}

// Revision is the account's revision as the cache of compiled sets sees
// it, for front ends that cache what they derive from the account (the
// check API's resolved access keys); ok is false when the Authorizer has
// no Revisions, and then nothing may be cached.
func (a *Authorizer) Revision(ctx context.Context, acct string) (rev int64, ok bool, err error) {
	if a.revs == nil {
		return 0, false, nil
	}
	rev, err = a.revision(ctx, acct)
	return rev, err == nil, err
}

// revision reads the account's revision, once per request.
func (a *Authorizer) revision(ctx context.Context, acct string) (int64, error) {
	m, _ := ctx.Value(revMemoKey{}).(*revMemo)
	if m != nil && m.ok && m.acct == acct {
		return m.rev, nil
	}
	rev, err := a.revs.Revision(ctx, acct)
	if err == nil && m != nil {
		*m = revMemo{acct: acct, rev: rev, ok: true}
	}
	return rev, err
}

// compiled returns the subject's compiled set at the account's current
// revision, from the cache when it is fresh.
func (a *Authorizer) compiled(ctx context.Context, s Subject, sess *session) (*compiledSet, error) {
	key := cacheKey{account: s.AccountID, kind: s.Kind, name: store.NameKey(s.Name)}
	cacheable := a.revs != nil
	if sess != nil && sess.hasPolicies {
		// The session's own policies are part of the set: one entry per
		// session (bounded like the others).
		key.session = sess.key
	}
	var rev int64
	if cacheable {
		var err error
		// Read the revision before the policies: a write in between makes
		// the entry look stale at the next request, never fresh.
		if rev, err = a.revision(ctx, s.AccountID); err != nil {
			return nil, fmt.Errorf("authz: revision of %s: %w", s.AccountID, err)
		}
		if cs := a.cache.get(key, rev); cs != nil {
			return cs, nil
		}
	}
	info, err := a.src.Policies(ctx, s)
	if err != nil {
		if errors.Is(err, ErrNoSuchSubject) {
			// A principal deleted after its key authenticated has no
			// permissions left.
			info = Policies{}
		} else {
			return nil, fmt.Errorf("authz: gather policies of %s %s: %w", s.Kind, s.Name, err)
		}
	}
	if sess != nil && sess.hasPolicies {
		if err := a.sessionDocs(ctx, s.AccountID, sess); err != nil {
			return nil, err
		}
	}
	cs, err := compileSet(info, sess)
	if err != nil {
		return nil, err
	}
	cs.rev = rev
	if cacheable {
		a.cache.put(key, cs)
	}
	return cs, nil
}

// sessionDocs loads the session policies of a session: the inline one as
// given, the managed ones from the source.
func (a *Authorizer) sessionDocs(ctx context.Context, acct string, sess *session) error {
	sess.policies = sess.policies[:0]
	if sess.inline != "" {
		sess.policies = append(sess.policies, Doc{ID: "session-policy", Type: SourceNone, Document: sess.inline})
	}
	if len(sess.arns) > 0 {
		docs, err := a.src.Managed(ctx, acct, sess.arns)
		if err != nil {
			return fmt.Errorf("authz: session policies: %w", err)
		}
		sess.policies = append(sess.policies, docs...)
	}
	return nil
}

// compileSet parses and compiles the gathered documents.
func compileSet(info Policies, sess *session) (*compiledSet, error) {
	cs := &compiledSet{info: info}
	for _, d := range info.Identity {
		c, err := compileDoc(d, policy.KindIdentity)
		if err != nil {
			return nil, err
		}
		cs.identity = append(cs.identity, c)
	}
	if info.Boundary != nil {
		c, err := compileDoc(*info.Boundary, policy.KindBoundary)
		if err != nil {
			return nil, err
		}
		cs.boundary = c
	}
	set := policy.Set{Identity: cs.identity, Boundary: cs.boundary}
	if sess != nil && sess.hasPolicies {
		for _, d := range sess.policies {
			kind := policy.KindSession
			if d.Type != SourceNone {
				kind = policy.KindIdentity // a managed policy document
			}
			c, err := compileDoc(d, kind)
			if err != nil {
				return nil, err
			}
			if kind != policy.KindSession {
				// Compiled for its role in the set: a session policy.
				c, _ = policy.Compile(d.ID, policy.KindSession, c.Policy)
			}
			cs.session = append(cs.session, c)
		}
		set.Session, set.HasSession = cs.session, true
	}
	cs.prepared = set.Prepare()
	return cs, nil
}

// compileDoc compiles a stored document. Stored documents were validated
// when written; one that no longer parses is an internal error (skipping
// it could drop a Deny).
func compileDoc(d Doc, kind policy.Kind) (*policy.Compiled, error) {
	p, err := policy.Parse(kind, []byte(d.Document))
	if err != nil {
		return nil, fmt.Errorf("authz: stored policy %s does not parse: %w", d.ID, err)
	}
	return policy.Compile(d.ID, kind, p)
}
