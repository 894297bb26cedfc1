package sts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
)

// Session limits.
const (
	// MaxSessionPolicyLength is the plaintext limit of an inline session
	// policy (AWS: 2048 characters).
	MaxSessionPolicyLength = 2048
	// MaxSessionPolicyARNs is the number of managed session policies.
	MaxSessionPolicyARNs = 10
	// MaxSessionTags is the number of session tags.
	MaxSessionTags = 50
	// packedLimit is the budget PackedPolicySize is a percentage of: the
	// inline policy (white space outside strings not counted), the policy
	// ARNs and the session tags.
	packedLimit = 4096
)

// AssumeRoleInput is AssumeRole's request (after the model's checks).
// Duration zero means the default (one hour).
type AssumeRoleInput struct {
	RoleARN           string
	RoleSessionName   string
	Duration          time.Duration
	Policy            string
	PolicyARNs        []string
	Tags              []iam.Tag
	TransitiveTagKeys []string
	ExternalID        string
	SerialNumber      string
	TokenCode         string
	SourceIdentity    string
	// SourceIP and Region describe the HTTP request (aws:SourceIp, and the
	// region recorded as the role's last use).
	SourceIP string
	Region   string
}

// AssumeRoleResult is AssumeRole's answer.
type AssumeRoleResult struct {
	Credentials     Credentials
	AssumedRoleID   string // AROA…:session
	ARN             string // arn:aws:sts::A:assumed-role/R/S
	SourceIdentity  string
	PackedPolicy    int  // percentage of the packed-policy budget used
	HasPackedPolicy bool // session policies or tags were passed
}

// allowAll stands for the root's identity side: the root may do anything
// in its account.
var allowAll = func() *policy.Compiled {
	p, err := policy.Parse(policy.KindIdentity, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`))
	if err != nil {
		panic(err)
	}
	c, err := policy.Compile("iamd:root", policy.KindIdentity, p)
	if err != nil {
		panic(err)
	}
	return c
}()

// principalOf is the caller as the policy engine sees it.
func principalOf(caller *iam.Identity) policy.Principal {
	p := policy.Principal{
		ARN: caller.ARN, Account: caller.AccountID, UserID: caller.UserID, Username: caller.UserName,
		RoleARN: caller.RoleARN,
	}
	switch caller.Kind {
	case iam.IdentityRoot:
		p.Type = policy.PrincipalRoot
	case iam.IdentityUser:
		p.Type = policy.PrincipalUser
	case iam.IdentityAssumedRole:
		p.Type = policy.PrincipalAssumedRole
		p.Username = ""
	}
	for _, t := range caller.SessionTags {
		p.Tags = append(p.Tags, policy.Tag{Key: t.Key, Value: t.Value})
	}
	return p
}

// AssumeRole issues credentials for a role session after the role's trust
// policy, and in a cross-account call or a trust policy that only names the
// account the caller's own policies, allowed it (evaluation.md §6.1).
func (s *Service) AssumeRole(ctx context.Context, caller *iam.Identity, in AssumeRoleInput) (AssumeRoleResult, error) {
	if err := iam.ValidateRoleSessionName(in.RoleSessionName); err != nil {
		return AssumeRoleResult{}, err
	}
	denied := func() error {
		return accessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.ARN, in.RoleARN)
	}
	if caller.IsRoot() {
		// AWS refuses the root (its long-term key and its GetSessionToken
		// sessions alike) before looking at the role: a role is assumed by
		// an IAM user or a role session (evaluation.md §8).
		return AssumeRoleResult{}, accessDenied(msgRootAssumeRole)
	}
	if caller.Kind != iam.IdentityUser && caller.Kind != iam.IdentityAssumedRole {
		return AssumeRoleResult{}, denied()
	}
	if in.Region == "" {
		in.Region = "us-east-1"
	}

	// Session policies and tags are checked before the role is looked up:
	// a malformed request fails the same way whether or not the role exists.
	packed, err := checkSessionPolicies(in.Policy, in.PolicyARNs)
	if err != nil {
		return AssumeRoleResult{}, err
	}
	tags, transitive, err := sessionTags(caller, in)
	if err != nil {
		return AssumeRoleResult{}, err
	}
	// Inherited transitive tags count too: they travel in the new token.
	for _, t := range tags {
		packed += len(t.Key) + len(t.Value)
	}
	if packed > packedLimit {
		return AssumeRoleResult{}, &iam.Error{Code: CodePackedPolicyTooLarge, Message: fmt.Sprintf(
			"Packed policy consumes %d%% of allotted space, please use smaller policy.", percent(packed))}
	}
	sourceIdentity := caller.SourceIdentity
	if in.SourceIdentity != "" {
		if sourceIdentity != "" && sourceIdentity != in.SourceIdentity {
			return AssumeRoleResult{}, accessDenied("The source identity of the calling session (%s) cannot be changed.", sourceIdentity)
		}
		sourceIdentity = in.SourceIdentity
	}

	if caller.Kind == iam.IdentityAssumedRole && caller.RoleID != "" {
		// Deleting a role ends what its sessions can do, chaining included.
		if _, err := s.iam.RoleByID(ctx, caller.AccountID, caller.RoleID); err != nil {
			var e *iam.Error
			if errors.As(err, &e) && e.Code == iam.CodeNoSuchEntity {
				return AssumeRoleResult{}, denied()
			}
			return AssumeRoleResult{}, err
		}
	}
	role, err := s.iam.RoleByARN(ctx, in.RoleARN)
	if err != nil {
		var e *iam.Error
		if errors.As(err, &e) && e.Code == iam.CodeInvalidInput {
			return AssumeRoleResult{}, validationError(in.RoleARN, "roleArn", "Member must be a valid role ARN")
		}
		if errors.As(err, &e) && e.Code == iam.CodeNoSuchEntity {
			// AWS does not tell a missing role from a refusing one.
			return AssumeRoleResult{}, denied()
		}
		return AssumeRoleResult{}, err
	}
	roleAccount, _ := iam.ParseARN(role.ARN)

	// Durations: the model bounds 900..43200; the role and chaining bound
	// further.
	d := in.Duration
	if d == 0 {
		d = DefaultRoleDuration
	}
	if d > time.Duration(role.MaxSessionDuration)*time.Second {
		return AssumeRoleResult{}, iam.ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if caller.Temporary && d > MaxChainedRoleDuration {
		return AssumeRoleResult{}, iam.ValidationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}

	now := s.clock()
	mfa, err := s.checkMFA(ctx, caller, in.SerialNumber, in.TokenCode, now)
	if err != nil {
		return AssumeRoleResult{}, err
	}

	// The trust policy decides with the caller's side (evaluation.md §6.1).
	tp, err := policy.Parse(policy.KindTrust, []byte(role.AssumeRolePolicy))
	if err != nil {
		return AssumeRoleResult{}, serviceFailure(fmt.Errorf("role %s has an invalid trust policy: %w", role.ARN, err))
	}
	trust, err := policy.Compile(role.ARN+"#trust", policy.KindTrust, tp)
	if err != nil {
		return AssumeRoleResult{}, serviceFailure(err)
	}
	pr, set, err := s.callerSet(ctx, caller)
	if err != nil {
		return AssumeRoleResult{}, err
	}
	set.Resource = trust
	cond := policy.NewContext()
	s.assumeContext(cond, caller, in, role, tags, transitive, mfa, now)
	req := &policy.Request{
		Principal:       pr,
		Resource:        role.ARN,
		ResourceAccount: roleAccount.Account,
		Context:         cond,
		Time:            now,
	}
	actions := []string{"sts:AssumeRole"}
	if len(in.Tags) > 0 || len(in.TransitiveTagKeys) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if sourceIdentity != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	var res policy.Result
	for _, action := range actions {
		req.Action = action
		set.Evaluate(req, &res)
		if res.Decision != policy.Allow {
			noteDecision(ctx, caller, action, role.ARN, &res)
			return AssumeRoleResult{}, accessDenied("User: %s is not authorized to perform: %s on resource: %s", caller.ARN, action, role.ARN)
		}
	}
	noteDecision(ctx, caller, actions[len(actions)-1], role.ARN, &res) // the last check, as authz reports an allowed request

	sess := &Session{
		AccountID:         roleAccount.Account,
		Kind:              iam.IdentityAssumedRole,
		ARN:               iam.AssumedRoleARN(roleAccount.Account, role.Name, in.RoleSessionName),
		PrincipalID:       role.ID + ":" + in.RoleSessionName,
		RoleARN:           role.ARN,
		RoleID:            role.ID,
		RoleName:          role.Name,
		SessionName:       in.RoleSessionName,
		SourceIdentity:    sourceIdentity,
		Policy:            in.Policy,
		PolicyARNs:        append([]string(nil), in.PolicyARNs...),
		Tags:              tags,
		TransitiveTagKeys: transitive,
		MFA:               mfa,
		IssuedAt:          now,
		Expiration:        now.Add(d),
		Chained:           caller.Temporary,
	}
	if mfa {
		sess.MFAAuthTime = now
	}
	creds, err := s.issue(ctx, sess)
	if err != nil {
		return AssumeRoleResult{}, err
	}
	if err := s.iam.RecordRoleUse(ctx, roleAccount.Account, role, in.Region); err != nil {
		// Bookkeeping only: the credentials are issued.
		s.log.Warn("recording role use failed", "role", role.ARN, "error", err)
	}
	out := AssumeRoleResult{
		Credentials: creds, AssumedRoleID: sess.PrincipalID, ARN: sess.ARN, SourceIdentity: sourceIdentity,
	}
	if in.Policy != "" || len(in.PolicyARNs) > 0 || len(tags) > 0 {
		out.HasPackedPolicy, out.PackedPolicy = true, percent(packed)
	}
	return out, nil
}

func percent(packed int) int { return (packed*100 + packedLimit - 1) / packedLimit }

// callerSet is the caller's side of the decision: everything for the root,
// the policies internal/authz gathers for anyone else, or nothing when no
// source is wired.
func (s *Service) callerSet(ctx context.Context, caller *iam.Identity) (policy.Principal, policy.Set, error) {
	pr := principalOf(caller)
	if caller.IsRoot() {
		return pr, policy.Set{Identity: []*policy.Compiled{allowAll}}, nil
	}
	if s.policies == nil {
		return pr, policy.Set{HasSession: caller.HasSessionPolicy()}, nil
	}
	got, set, err := s.policies.CallerPolicySet(ctx, caller)
	if err != nil {
		return policy.Principal{}, policy.Set{}, err
	}
	if got.ARN != "" {
		pr = got
	}
	return pr, set, nil
}

// checkSessionPolicies validates the inline session policy and the policy
// ARNs, and returns their packed size.
func checkSessionPolicies(doc string, arns []string) (int, error) {
	packed := 0
	if doc != "" {
		if n := len([]rune(doc)); n > MaxSessionPolicyLength {
			return 0, validationError(doc, "policy", fmt.Sprintf("Member must have length less than or equal to %d", MaxSessionPolicyLength))
		}
		if _, err := policy.Parse(policy.KindSession, []byte(doc)); err != nil {
			var ve *policy.ValidationError
			if errors.As(err, &ve) {
				return 0, iam.MalformedPolicy("%s", ve.AWSMessage())
			}
			return 0, iam.MalformedPolicy("%s", err.Error())
		}
		packed += policy.Size([]byte(doc))
	}
	if len(arns) > MaxSessionPolicyARNs {
		return 0, validationError("["+strings.Join(arns, ", ")+"]", "policyArns",
			fmt.Sprintf("Member must have length less than or equal to %d", MaxSessionPolicyARNs))
	}
	for _, arn := range arns {
		a, err := iam.ParseARN(arn)
		if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "policy/") {
			return 0, invalidParameter("The policy ARN %s is not valid.", arn)
		}
		packed += len(arn)
	}
	return packed, nil
}

// sessionTags validates the request's tags and transitive keys and merges
// the caller's transitive tags in: incoming transitive tags pass on to the
// new session and may not be overridden (evaluation.md §6.5).
func sessionTags(caller *iam.Identity, in AssumeRoleInput) ([]iam.Tag, []string, error) {
	if len(in.Tags) > MaxSessionTags {
		return nil, nil, validationError(fmt.Sprint(len(in.Tags)), "tags", fmt.Sprintf("Member must have length less than or equal to %d", MaxSessionTags))
	}
	if err := iam.ValidateTags(in.Tags); err != nil {
		if err.Code == iam.CodeInvalidInput {
			err.Code = CodeInvalidParameterValue
		}
		return nil, nil, err
	}
	given := map[string]bool{}
	for _, t := range in.Tags {
		given[strings.ToLower(t.Key)] = true
	}
	var transitive []string
	seenT := map[string]bool{}
	for _, k := range in.TransitiveTagKeys {
		lk := strings.ToLower(k)
		if !given[lk] {
			return nil, nil, invalidParameter("The transitive tag key %s is not one of the session tags.", k)
		}
		if !seenT[lk] {
			seenT[lk] = true
			transitive = append(transitive, k)
		}
	}
	var tags []iam.Tag
	if caller.Temporary {
		incoming := map[string]bool{}
		for _, k := range caller.TransitiveTagKeys {
			incoming[strings.ToLower(k)] = true
		}
		for _, t := range caller.SessionTags {
			lk := strings.ToLower(t.Key)
			if !incoming[lk] {
				continue
			}
			if given[lk] {
				return nil, nil, invalidParameter("The session tag %s is a transitive tag of the calling session and cannot be overridden.", t.Key)
			}
			tags = append(tags, t)
			if !seenT[lk] {
				seenT[lk] = true
				transitive = append(transitive, t.Key)
			}
		}
	}
	tags = append(tags, in.Tags...)
	if len(tags) > MaxSessionTags {
		return nil, nil, invalidParameter("The session would carry %d tags; at most %d are allowed.", len(tags), MaxSessionTags)
	}
	return tags, transitive, nil
}

// assumeContext fills the condition keys of the trust-policy evaluation
// (evaluation.md §6.1).
func (s *Service) assumeContext(c *policy.Context, caller *iam.Identity, in AssumeRoleInput, role iam.Role,
	tags []iam.Tag, transitive []string, mfa bool, now time.Time) {
	c.Set("sts:RoleSessionName", in.RoleSessionName)
	if in.ExternalID != "" {
		c.Set("sts:ExternalId", in.ExternalID)
	}
	if in.SourceIdentity != "" {
		c.Set("sts:SourceIdentity", in.SourceIdentity)
	}
	if caller.SourceIdentity != "" {
		c.Set("aws:SourceIdentity", caller.SourceIdentity)
	}
	if in.SourceIP != "" {
		c.Set("aws:SourceIp", in.SourceIP)
	}
	if len(in.TransitiveTagKeys) > 0 {
		c.SetMulti("sts:TransitiveTagKeys", in.TransitiveTagKeys...)
	}
	if len(in.Tags) > 0 {
		keys := make([]string, len(in.Tags))
		for i, t := range in.Tags {
			keys[i] = t.Key
			c.Set("aws:RequestTag/"+t.Key, t.Value)
		}
		c.SetMulti("aws:TagKeys", keys...)
	}
	// The role's tags, with the caller's transitive tags replacing those of
	// the same key (session-tags doc).
	resourceTags := map[string]iam.Tag{}
	for _, t := range role.Tags {
		resourceTags[strings.ToLower(t.Key)] = t
	}
	for _, t := range tags {
		for _, k := range transitive {
			if strings.EqualFold(k, t.Key) && !containsTagFold(in.Tags, t.Key) {
				resourceTags[strings.ToLower(t.Key)] = t
			}
		}
	}
	for _, t := range resourceTags {
		c.Set("aws:ResourceTag/"+t.Key, t.Value)
		c.Set("iam:ResourceTag/"+t.Key, t.Value)
	}
	// MFA: the code just supplied, else the calling session's.
	switch {
	case mfa:
		c.Set("aws:MultiFactorAuthPresent", "true")
		c.Set("aws:MultiFactorAuthAge", "0")
	case caller.MFAPresent:
		c.Set("aws:MultiFactorAuthPresent", "true")
		c.Set("aws:MultiFactorAuthAge", strconv.FormatInt(int64(now.Sub(caller.MFAAuthTime)/time.Second), 10))
	case caller.Temporary:
		c.Set("aws:MultiFactorAuthPresent", "false")
	}
	if caller.Temporary {
		c.Set("aws:TokenIssueTime", caller.TokenIssueTime.UTC().Format(time.RFC3339))
	}
	// A web-identity session chaining on carries its provider's keys.
	for k, vs := range caller.SessionContext {
		if len(vs) == 1 {
			c.Set(k, vs[0])
		} else {
			c.SetMulti(k, vs...)
		}
	}
}

func containsTagFold(tags []iam.Tag, key string) bool {
	for _, t := range tags {
		if strings.EqualFold(t.Key, key) {
			return true
		}
	}
	return false
}
