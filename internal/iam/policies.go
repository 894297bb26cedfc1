package iam

// Managed policies: customer managed policies (rows of the policies area)
// and AWS managed policies (account "aws", shipped with the binary, see
// managed.go).
//
// How AWS managed policies are stored: they are NOT copied into each
// account. They are served from the embedded set (ManagedPolicies), the same
// for every account, read-only. Their per-account AttachmentCount and
// PermissionsBoundaryUsageCount come from the attachment and boundary-usage
// tables, which name policies by ARN for both kinds (PolicyUsageByARN).
// Upgrading the binary therefore upgrades every account's copy at once, as
// AWS does when it publishes a new default version; attachments survive
// because they reference the ARN.
//
// Documents are stored exactly as submitted and returned byte for byte (the
// API layer URL-encodes them); the compiled form is the authorization
// layer's business.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/policy"
	"github.com/iamd/iamd/internal/store"
)

// Policy is a managed policy as GetPolicy and ListPolicies show it, customer
// or AWS managed.
type Policy struct {
	Name             string
	ID               string
	ARN              string
	Path             string
	Description      string // "" = none
	DefaultVersionID string
	// AttachmentCount and PermissionsBoundaryUsageCount are per account,
	// also for AWS managed policies.
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	CreateDate                    time.Time
	UpdateDate                    time.Time
	Tags                          []Tag // GetPolicy only
	AWSManaged                    bool
}

// SortKey is the policy's position in ListPolicies (the marker key).
func (p Policy) SortKey() string { return store.PolicyKey(p.Name, p.ARN) }

// PolicyVersion is one version of a managed policy. Document is the text as
// submitted (AWS managed: as shipped).
type PolicyVersion struct {
	VersionID        string
	Document         string
	IsDefaultVersion bool
	CreateDate       time.Time
}

// VersionSortKey is the pagination key of ListPolicyVersions, which lists
// the newest version first: the key decreases with the version number, so
// that keys still grow along the list.
func VersionSortKey(versionID string) string {
	n := versionNum(versionID)
	return fmt.Sprintf("%019d", math.MaxInt64-int64(n))
}

func versionNum(versionID string) int {
	var n int
	if _, err := fmt.Sscanf(versionID, "v%d", &n); err != nil {
		return 0
	}
	return n
}

// CreatePolicyInput is CreatePolicy's input.
type CreatePolicyInput struct {
	Name        string
	Path        string // "" = "/"
	Description string
	Document    string
	Tags        []Tag
}

// ListPoliciesInput is ListPolicies' filter.
type ListPoliciesInput struct {
	Scope        string // "All" (or ""), "AWS", "Local"
	OnlyAttached bool
	PathPrefix   string
	UsageFilter  string // "", "PermissionsPolicy", "PermissionsBoundary"
}

// Policy-usage filter values of ListPolicies and ListEntitiesForPolicy.
const (
	UsagePermissionsPolicy   = "PermissionsPolicy"
	UsagePermissionsBoundary = "PermissionsBoundary"
)

// Messages AWS uses for managed policies.
func policyNotFound(arn string) *Error { return NoSuchEntity("Policy %s was not found.", arn) }

func policyVersionNotFound(arn, versionID string) *Error {
	return NoSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, versionID)
}

func noSuchAttachablePolicy(arn string) *Error {
	return NoSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

// PolicyNotModifiable is AWS's refusal to change an AWS managed policy: the
// policy belongs to the "aws" account, so no policy of the caller's account
// can grant the action on it. callerARN is the ARN of the caller.
func PolicyNotModifiable(callerARN, action, policyARN string) *Error {
	return &Error{Code: CodeAccessDenied, Message: fmt.Sprintf(
		"User: %s is not authorized to perform: iam:%s on resource: policy %s", callerARN, action, policyARN)}
}

// CheckPolicyModifiable returns PolicyNotModifiable for an AWS managed
// policy ARN; handlers call it with the caller's identity before a change
// (the domain refuses the change too, naming the account root).
func CheckPolicyModifiable(id *Identity, action, policyARN string) error {
	if IsAWSManagedPolicyARN(policyARN) {
		return PolicyNotModifiable(id.ARN, action, policyARN)
	}
	return nil
}

// policyRef is a resolved managed policy: exactly one of aws and local.
type policyRef struct {
	arn   string
	aws   *ManagedPolicy
	local store.ManagedPolicy
}

// parsePolicyARN checks that arn names a managed policy (of any account)
// and returns its account, path and name. Anything else is InvalidInput
// "ARN x is not valid.".
func parsePolicyARN(arn string) (account, path, name string, err error) {
	a, perr := ParseARN(arn)
	if perr != nil {
		return "", "", "", perr
	}
	typ, path, name, ok := a.PathName()
	if a.Partition != Partition || a.Service != "iam" || a.Region != "" || typ != "policy" || !ok || name == "" ||
		!validPolicyPath(path) || (a.Account != AWSManagedAccount && !ValidAccountID(a.Account)) {
		return "", "", "", InvalidInput("ARN %s is not valid.", arn)
	}
	return a.Account, path, name, nil
}

// resolvePolicy finds the managed policy arn names, as seen from accountID:
// an AWS managed policy, or a customer managed policy of accountID (another
// account's policies are not visible). A policy that does not exist is
// notFound(arn).
func resolvePolicy(ctx context.Context, tx store.Txn, accountID, arn string, notFound func(string) *Error) (policyRef, error) {
	account, path, name, err := parsePolicyARN(arn)
	if err != nil {
		return policyRef{}, err
	}
	if account == AWSManagedAccount {
		mp, ok := ManagedPolicyByARN(arn)
		if !ok {
			return policyRef{}, notFound(arn)
		}
		return policyRef{arn: arn, aws: &mp}, nil
	}
	if account != accountID {
		return policyRef{}, notFound(arn)
	}
	p, err := tx.GetPolicyByName(ctx, accountID, name)
	if errors.Is(err, store.ErrNotFound) {
		return policyRef{}, notFound(arn)
	}
	if err != nil {
		return policyRef{}, err
	}
	// ARNs are case-sensitive and carry the path: "policy/x" does not name
	// "policy/team/X".
	if p.ARN != arn || p.Path != path {
		return policyRef{}, notFound(arn)
	}
	return policyRef{arn: arn, local: p}, nil
}

// modifiablePolicy resolves policyARN for operation op, which changes the
// policy: a customer managed policy of accountID, as NoSuchEntity when
// absent; an AWS managed policy is PolicyNotModifiable.
func modifiablePolicy(ctx context.Context, tx store.Txn, accountID, policyARN, op string) (store.ManagedPolicy, error) {
	ref, err := resolvePolicy(ctx, tx, accountID, policyARN, policyNotFound)
	if err != nil {
		return store.ManagedPolicy{}, err
	}
	if ref.aws != nil {
		return store.ManagedPolicy{}, PolicyNotModifiable(RootARN(accountID), op, policyARN)
	}
	return ref.local, nil
}

// requireManagedPolicy checks that policyARN names a managed policy that
// accountID may attach or use as a permissions boundary (an AWS managed
// policy, or a customer managed policy of the account). Errors are AWS's:
// InvalidInput "ARN x is not valid." or NoSuchEntity "Policy x does not
// exist or is not attachable.". Call it inside the Tx that records the use.
func (s *Service) requireManagedPolicy(ctx context.Context, tx store.Txn, accountID, policyARN string) error {
	_, err := resolvePolicy(ctx, tx, accountID, policyARN, noSuchAttachablePolicy)
	return err
}

// validateManagedDocument checks a CreatePolicy / CreatePolicyVersion
// document: AWS's MalformedPolicyDocument messages (identity policy,
// Version 2012-10-17 required), then the PolicySize quota (characters
// other than white space outside strings, policy.Size).
func (s *Service) validateManagedDocument(doc string) error {
	if _, err := policy.ParseManaged(policy.KindIdentity, []byte(doc)); err != nil {
		return malformed(err)
	}
	if policy.Size([]byte(doc)) > s.quotas.PolicySize {
		return QuotaExceeded(QuotaPolicySize, s.quotas.PolicySize)
	}
	return nil
}

// malformed turns a policy.ValidationError into the domain's error.
func malformed(err error) *Error {
	var ve *policy.ValidationError
	if errors.As(err, &ve) {
		return &Error{Code: CodeMalformedPolicyDocument, Message: ve.AWSMessage(), Cause: err}
	}
	return MalformedPolicy("Syntax errors in policy.")
}

func policyFromStore(p store.ManagedPolicy) Policy {
	return Policy{
		Name: p.Name, ID: p.ID, ARN: p.ARN, Path: p.Path, Description: p.Description,
		DefaultVersionID: p.DefaultVersionID, AttachmentCount: p.AttachmentCount,
		PermissionsBoundaryUsageCount: p.BoundaryUsageCount, IsAttachable: true,
		CreateDate: p.CreatedAt, UpdateDate: p.UpdatedAt,
	}
}

func policyFromAWS(mp ManagedPolicy, u store.PolicyUsage) Policy {
	return Policy{
		Name: mp.Name, ID: mp.ID, ARN: mp.ARN, Path: mp.Path, Description: mp.Description,
		DefaultVersionID: mp.DefaultVersionID, AttachmentCount: u.Attachments,
		PermissionsBoundaryUsageCount: u.Boundaries, IsAttachable: true,
		CreateDate: mp.CreateDate, UpdateDate: mp.UpdateDate, AWSManaged: true,
	}
}

// awsPolicyUsage counts the uses of one AWS managed policy in the account.
func awsPolicyUsage(ctx context.Context, tx store.Txn, accountID, arn string) (store.PolicyUsage, error) {
	ents, err := tx.ListPolicyEntities(ctx, accountID, arn, "", store.UsageAny)
	if err != nil {
		return store.PolicyUsage{}, err
	}
	var u store.PolicyUsage
	for _, e := range ents {
		if e.Usage == store.UsageBoundary {
			u.Boundaries++
		} else {
			u.Attachments++
		}
	}
	return u, nil
}

// policyTagsFromStore is tagsFromStore but never nil (an empty list stays
// empty rather than absent).
func policyTagsFromStore(tags []store.Tag) []Tag {
	out := make([]Tag, len(tags))
	for i, t := range tags {
		out[i] = Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

// CreatePolicy creates a customer managed policy with v1 as its default
// version.
func (s *Service) CreatePolicy(ctx context.Context, accountID string, in CreatePolicyInput) (Policy, error) {
	if err := ValidatePolicyName(in.Name); err != nil {
		return Policy{}, err
	}
	if in.Path == "" {
		in.Path = "/"
	}
	if err := ValidatePolicyPath(in.Path); err != nil {
		return Policy{}, err
	}
	if err := ValidatePolicyDescription(in.Description); err != nil {
		return Policy{}, err
	}
	if err := ValidateTags(in.Tags); err != nil {
		return Policy{}, err
	}
	if err := s.validateManagedDocument(in.Document); err != nil {
		return Policy{}, err
	}
	id, err := NewID(s.rand, PrefixPolicy)
	if err != nil {
		return Policy{}, internalError(err)
	}
	now := s.clock()
	sp := store.ManagedPolicy{
		AccountID: accountID, ID: id, Name: in.Name, Path: in.Path, ARN: PolicyARN(accountID, in.Path, in.Name),
		Description: in.Description, DefaultVersionID: "v1", LastVersion: 1, CreatedAt: now, UpdatedAt: now,
	}
	v := store.PolicyVersion{VersionID: "v1", Document: in.Document, CreatedAt: now}
	err = s.tx(ctx, func(tx store.Txn) error {
		n, err := tx.CountPolicies(ctx, accountID)
		if err != nil {
			return err
		}
		if err := CheckCount(QuotaPoliciesPerAccount, n, s.quotas.PoliciesPerAccount); err != nil {
			return err
		}
		if err := tx.CreatePolicy(ctx, sp, v); err != nil {
			return mapStoreErr(err, noSuchAccount(accountID),
				EntityAlreadyExists("A policy called %s already exists. Duplicate names are not allowed.", in.Name))
		}
		if len(in.Tags) > 0 {
			return tx.PutTags(ctx, accountID, store.TagKindPolicy, id, storeTags(in.Tags))
		}
		return nil
	})
	if err != nil {
		return Policy{}, err
	}
	out := policyFromStore(sp)
	out.Tags = in.Tags
	return out, nil
}

// GetPolicy returns a managed policy with its tags.
func (s *Service) GetPolicy(ctx context.Context, accountID, policyARN string) (Policy, error) {
	var out Policy
	err := s.view(ctx, func(tx store.Txn) error {
		ref, err := resolvePolicy(ctx, tx, accountID, policyARN, policyNotFound)
		if err != nil {
			return err
		}
		if ref.aws != nil {
			u, err := awsPolicyUsage(ctx, tx, accountID, policyARN)
			if err != nil {
				return err
			}
			out = policyFromAWS(*ref.aws, u)
			return nil
		}
		out = policyFromStore(ref.local)
		tags, err := tx.ListTags(ctx, accountID, store.TagKindPolicy, ref.local.ID)
		if err != nil {
			return err
		}
		out.Tags = policyTagsFromStore(tags)
		return nil
	})
	return out, err
}

// ListPolicies lists managed policies ordered by Policy.SortKey (the page
// key): customer managed ones of the account and/or the AWS managed ones
// (Scope), filtered by path prefix and usage. PolicyUsageFilter keeps the
// policies in use as permissions policies (AttachmentCount > 0) or as
// permissions boundaries (PermissionsBoundaryUsageCount > 0); OnlyAttached
// alone keeps the policies in use either way. Description and tags are not
// part of the listing.
func (s *Service) ListPolicies(ctx context.Context, accountID string, in ListPoliciesInput, p store.Page) ([]Policy, bool, error) {
	if err := ValidatePathPrefix(in.PathPrefix); err != nil {
		return nil, false, err
	}
	usage := store.UsageNone
	switch in.UsageFilter {
	case "":
		if in.OnlyAttached {
			// Attached to a principal either way: as a permissions policy
			// or as its permissions boundary.
			usage = store.UsageAny
		}
	case UsagePermissionsPolicy:
		usage = store.UsagePermission
	case UsagePermissionsBoundary:
		usage = store.UsageBoundary
	default:
		return nil, false, InvalidInput("Invalid PolicyUsageFilter %s.", in.UsageFilter)
	}
	scope := in.Scope
	if scope == "" {
		scope = "All"
	}
	if scope != "All" && scope != "AWS" && scope != "Local" {
		return nil, false, InvalidInput("Invalid Scope %s.", in.Scope)
	}
	var out []Policy
	var more bool
	err := s.view(ctx, func(tx store.Txn) error {
		out, more = nil, false
		var local []store.ManagedPolicy
		if scope != "AWS" {
			var err error
			local, more, err = tx.ListPolicies(ctx, accountID, store.PolicyFilter{PathPrefix: in.PathPrefix, Usage: usage}, p)
			if err != nil {
				return err
			}
		}
		var aws []Policy
		if scope != "Local" {
			counts, err := tx.PolicyUsageByARN(ctx, accountID)
			if err != nil {
				return err
			}
			for _, mp := range ManagedPolicies() {
				ap := policyFromAWS(mp, counts[mp.ARN])
				if ap.SortKey() > p.After && strings.HasPrefix(ap.Path, in.PathPrefix) && usageMatches(usage, ap) {
					aws = append(aws, ap)
				}
			}
			sortPolicies(aws)
		}
		// Merge the two sorted lists.
		i, j := 0, 0
		for i < len(local) || j < len(aws) {
			var next Policy
			if j >= len(aws) || (i < len(local) && store.PolicyKey(local[i].Name, local[i].ARN) < aws[j].SortKey()) {
				next = policyFromStore(local[i])
				i++
			} else {
				next = aws[j]
				j++
			}
			out = append(out, next)
		}
		if p.Limit > 0 && len(out) > p.Limit {
			out, more = out[:p.Limit], true
		}
		return nil
	})
	return out, more, err
}

func usageMatches(usage string, p Policy) bool {
	switch usage {
	case store.UsagePermission:
		return p.AttachmentCount > 0
	case store.UsageBoundary:
		return p.PermissionsBoundaryUsageCount > 0
	case store.UsageAny:
		return p.AttachmentCount > 0 || p.PermissionsBoundaryUsageCount > 0
	}
	return true
}

func sortPolicies(ps []Policy) {
	slices.SortFunc(ps, func(a, b Policy) int { return strings.Compare(a.SortKey(), b.SortKey()) })
}

// DeletePolicy deletes a customer managed policy that is not attached, not
// used as a permissions boundary and has no version besides the default.
func (s *Service) DeletePolicy(ctx context.Context, accountID, policyARN string) error {
	return s.tx(ctx, func(tx store.Txn) error {
		p, err := modifiablePolicy(ctx, tx, accountID, policyARN, "DeletePolicy")
		if err != nil {
			return err
		}
		roles, err := tx.CountRolesWithPermissionsBoundary(ctx, accountID, p.ARN)
		if err != nil {
			return err
		}
		if p.AttachmentCount > 0 || p.BoundaryUsageCount > 0 || roles > 0 {
			return DeleteConflict("Cannot delete a policy attached to entities.")
		}
		versions, err := tx.ListPolicyVersions(ctx, accountID, p.ID)
		if err != nil {
			return err
		}
		if len(versions) > 1 {
			return DeleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		if err := tx.DeleteAllTags(ctx, accountID, store.TagKindPolicy, p.ID); err != nil {
			return err
		}
		return mapStoreErr(tx.DeletePolicy(ctx, accountID, p.ID), policyNotFound(policyARN), nil)
	})
}

// CreatePolicyVersion adds a version to a customer managed policy, as the
// default when setAsDefault. Version numbers are never reused. A policy
// holds at most VersionsPerPolicy versions.
func (s *Service) CreatePolicyVersion(ctx context.Context, accountID, policyARN, doc string, setAsDefault bool) (PolicyVersion, error) {
	if err := s.validateManagedDocument(doc); err != nil {
		return PolicyVersion{}, err
	}
	now := s.clock()
	var out PolicyVersion
	err := s.tx(ctx, func(tx store.Txn) error {
		p, err := modifiablePolicy(ctx, tx, accountID, policyARN, "CreatePolicyVersion")
		if err != nil {
			return err
		}
		versions, err := tx.ListPolicyVersions(ctx, accountID, p.ID)
		if err != nil {
			return err
		}
		if len(versions) >= s.quotas.VersionsPerPolicy {
			return PolicyVersionsExceeded(s.quotas.VersionsPerPolicy)
		}
		n := p.LastVersion + 1
		v := store.PolicyVersion{AccountID: accountID, PolicyID: p.ID, VersionID: fmt.Sprintf("v%d", n), Document: doc, CreatedAt: now}
		if err := tx.CreatePolicyVersion(ctx, v); err != nil {
			return err
		}
		def := p.DefaultVersionID
		if setAsDefault {
			def = v.VersionID
		}
		if err := tx.UpdatePolicyVersions(ctx, accountID, p.ID, def, n, now); err != nil {
			return err
		}
		out = PolicyVersion{VersionID: v.VersionID, Document: doc, IsDefaultVersion: setAsDefault, CreateDate: now}
		return nil
	})
	return out, err
}

// GetPolicyVersion returns one version of a managed policy with its
// document as submitted.
func (s *Service) GetPolicyVersion(ctx context.Context, accountID, policyARN, versionID string) (PolicyVersion, error) {
	var out PolicyVersion
	err := s.view(ctx, func(tx store.Txn) error {
		ref, err := resolvePolicy(ctx, tx, accountID, policyARN, policyNotFound)
		if err != nil {
			return err
		}
		if ref.aws != nil {
			if versionID != ref.aws.DefaultVersionID {
				return policyVersionNotFound(policyARN, versionID)
			}
			out = awsVersion(*ref.aws)
			return nil
		}
		v, err := tx.GetPolicyVersion(ctx, accountID, ref.local.ID, versionID)
		if err != nil {
			return mapStoreErr(err, policyVersionNotFound(policyARN, versionID), nil)
		}
		out = PolicyVersion{VersionID: v.VersionID, Document: v.Document,
			IsDefaultVersion: v.VersionID == ref.local.DefaultVersionID, CreateDate: v.CreatedAt}
		return nil
	})
	return out, err
}

// awsVersion is the one version iamd ships of an AWS managed policy: its
// default version, dated by the policy's UpdateDate.
func awsVersion(mp ManagedPolicy) PolicyVersion {
	return PolicyVersion{VersionID: mp.DefaultVersionID, Document: mp.Document, IsDefaultVersion: true, CreateDate: mp.UpdateDate}
}

// ListPolicyVersions returns every version of a managed policy, newest
// first (page key: VersionSortKey).
func (s *Service) ListPolicyVersions(ctx context.Context, accountID, policyARN string) ([]PolicyVersion, error) {
	var out []PolicyVersion
	err := s.view(ctx, func(tx store.Txn) error {
		out = nil
		ref, err := resolvePolicy(ctx, tx, accountID, policyARN, policyNotFound)
		if err != nil {
			return err
		}
		if ref.aws != nil {
			out = []PolicyVersion{awsVersion(*ref.aws)}
			return nil
		}
		out, err = s.policyVersions(ctx, tx, ref.local)
		return err
	})
	return out, err
}

func (s *Service) policyVersions(ctx context.Context, tx store.Txn, p store.ManagedPolicy) ([]PolicyVersion, error) {
	vs, err := tx.ListPolicyVersions(ctx, p.AccountID, p.ID)
	if err != nil {
		return nil, err
	}
	out := make([]PolicyVersion, len(vs))
	for i, v := range vs {
		out[i] = PolicyVersion{VersionID: v.VersionID, Document: v.Document,
			IsDefaultVersion: v.VersionID == p.DefaultVersionID, CreateDate: v.CreatedAt}
	}
	return out, nil
}

// DeletePolicyVersion deletes a version other than the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, accountID, policyARN, versionID string) error {
	return s.tx(ctx, func(tx store.Txn) error {
		p, err := modifiablePolicy(ctx, tx, accountID, policyARN, "DeletePolicyVersion")
		if err != nil {
			return err
		}
		if _, err := tx.GetPolicyVersion(ctx, accountID, p.ID, versionID); err != nil {
			return mapStoreErr(err, policyVersionNotFound(policyARN, versionID), nil)
		}
		if versionID == p.DefaultVersionID {
			return DeleteConflict("Cannot delete the default version of a policy.")
		}
		return mapStoreErr(tx.DeletePolicyVersion(ctx, accountID, p.ID, versionID), policyVersionNotFound(policyARN, versionID), nil)
	})
}

// SetDefaultPolicyVersion makes an existing version the default.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, accountID, policyARN, versionID string) error {
	now := s.clock()
	return s.tx(ctx, func(tx store.Txn) error {
		p, err := modifiablePolicy(ctx, tx, accountID, policyARN, "SetDefaultPolicyVersion")
		if err != nil {
			return err
		}
		if _, err := tx.GetPolicyVersion(ctx, accountID, p.ID, versionID); err != nil {
			return mapStoreErr(err, policyVersionNotFound(policyARN, versionID), nil)
		}
		return tx.UpdatePolicyVersions(ctx, accountID, p.ID, versionID, p.LastVersion, now)
	})
}

// policyTags is a managed policy ARN as a tagged resource. AWS managed
// policies cannot be tagged (PolicyNotModifiable) and list no tags.
func policyTags(accountID, policyARN string) taggable {
	return taggable{
		kind: store.TagKindPolicy,
		find: func(ctx context.Context, tx store.Txn, op string) (string, error) {
			ref, err := resolvePolicy(ctx, tx, accountID, policyARN, policyNotFound)
			if err != nil {
				return "", err
			}
			if ref.aws != nil {
				if op == "ListPolicyTags" {
					return "", nil
				}
				return "", PolicyNotModifiable(RootARN(accountID), op, policyARN)
			}
			return ref.local.ID, nil
		},
	}
}

// TagPolicy adds or replaces tags of a customer managed policy.
func (s *Service) TagPolicy(ctx context.Context, accountID, policyARN string, tags []Tag) error {
	return s.tagResource(ctx, accountID, "TagPolicy", policyTags(accountID, policyARN), tags)
}

// UntagPolicy removes tags (absent keys are ignored).
func (s *Service) UntagPolicy(ctx context.Context, accountID, policyARN string, keys []string) error {
	return s.untagResource(ctx, accountID, "UntagPolicy", policyTags(accountID, policyARN), keys)
}

// ListPolicyTags returns a managed policy's tags ordered by key
// (case-insensitively); AWS managed policies have none.
func (s *Service) ListPolicyTags(ctx context.Context, accountID, policyARN string) ([]Tag, error) {
	return s.listResourceTags(ctx, accountID, "ListPolicyTags", policyTags(accountID, policyARN))
}
