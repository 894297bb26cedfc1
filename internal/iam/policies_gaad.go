package iam

// GetAccountAuthorizationDetails: every user, group, role and managed
// policy of the account with their policies, in one paginated list.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/iamd/iamd/internal/store"
)

// Filter values of GetAccountAuthorizationDetails.
const (
	DetailUser               = "User"
	DetailRole               = "Role"
	DetailGroup              = "Group"
	DetailLocalManagedPolicy = "LocalManagedPolicy"
	DetailAWSManagedPolicy   = "AWSManagedPolicy"
)

// UserAuthDetail is one entry of UserDetailList.
type UserAuthDetail struct {
	User             store.User
	ARN              string
	Groups           []string // group names
	Inline           []InlinePolicy
	Attached         []AttachedPolicy
	Tags             []Tag
	PermissionsBound string // boundary policy ARN, "" for none
}

// GroupAuthDetail is one entry of GroupDetailList.
type GroupAuthDetail struct {
	Group    store.Group
	ARN      string
	Inline   []InlinePolicy
	Attached []AttachedPolicy
}

// InstanceProfileDetail is an instance profile with its roles.
type InstanceProfileDetail struct {
	Profile store.InstanceProfile
	ARN     string
	Roles   []store.Role
	Tags    []Tag
}

// RoleAuthDetail is one entry of RoleDetailList.
type RoleAuthDetail struct {
	Role             store.Role
	ARN              string
	InstanceProfiles []InstanceProfileDetail
	Inline           []InlinePolicy
	Attached         []AttachedPolicy
	Tags             []Tag
}

// PolicyAuthDetail is one entry of Policies: a managed policy with all its
// versions (documents included).
type PolicyAuthDetail struct {
	Policy   Policy
	Versions []PolicyVersion
}

// AuthorizationDetails is one page of GetAccountAuthorizationDetails.
type AuthorizationDetails struct {
	Users    []UserAuthDetail
	Groups   []GroupAuthDetail
	Roles    []RoleAuthDetail
	Policies []PolicyAuthDetail
	// LastKey is the sort key of the page's last entry (the next marker
	// when More).
	LastKey string
	More    bool
}

// gaadItem is one entry of the combined list, before its details are read.
type gaadItem struct {
	key    string
	user   *store.User
	group  *store.Group
	role   *store.Role
	policy *Policy
}

// GetAccountAuthorizationDetails returns a page of the account's users,
// groups, roles and managed policies with their policies. filter selects
// entity types (none = all). The list is ordered users, groups, roles,
// customer managed policies, AWS managed policies (each by name); AWS
// managed policies appear only when attached to an entity of the account,
// as in AWS. The page key is AuthorizationDetails.LastKey.
func (s *Service) GetAccountAuthorizationDetails(ctx context.Context, accountID string, filter []string, p store.Page) (AuthorizationDetails, error) {
	want := map[string]bool{}
	for _, f := range filter {
		switch f {
		case DetailUser, DetailRole, DetailGroup, DetailLocalManagedPolicy, DetailAWSManagedPolicy:
			want[f] = true
		default:
			return AuthorizationDetails{}, InvalidInput("Invalid Filter %s.", f)
		}
	}
	all := len(want) == 0
	var out AuthorizationDetails
	err := s.view(ctx, func(tx store.Txn) error {
		out = AuthorizationDetails{}
		items, err := gaadItems(ctx, tx, accountID, func(f string) bool { return all || want[f] })
		if err != nil {
			return err
		}
		var page []gaadItem
		for _, it := range items {
			if it.key <= p.After {
				continue
			}
			if p.Limit > 0 && len(page) == p.Limit {
				out.More = true
				break
			}
			page = append(page, it)
		}
		for _, it := range page {
			if err := s.gaadDetail(ctx, tx, accountID, it, &out); err != nil {
				return err
			}
			out.LastKey = it.key
		}
		return nil
	})
	return out, err
}

// gaadItems lists every entity the filter selects, in page-key order.
func gaadItems(ctx context.Context, tx store.Txn, accountID string, want func(string) bool) ([]gaadItem, error) {
	var items []gaadItem
	if want(DetailUser) {
		us, _, err := tx.ListUsers(ctx, accountID, "", store.Page{})
		if err != nil {
			return nil, err
		}
		for i := range us {
			items = append(items, gaadItem{key: "1\x00" + store.NameKey(us[i].Name), user: &us[i]})
		}
	}
	if want(DetailGroup) {
		gs, _, err := tx.ListGroups(ctx, accountID, "", store.Page{})
		if err != nil {
			return nil, err
		}
		for i := range gs {
			items = append(items, gaadItem{key: "2\x00" + store.NameKey(gs[i].Name), group: &gs[i]})
		}
	}
	if want(DetailRole) {
		rs, _, err := tx.ListRoles(ctx, accountID, "", store.Page{})
		if err != nil {
			return nil, err
		}
		for i := range rs {
			items = append(items, gaadItem{key: "3\x00" + store.NameKey(rs[i].Name), role: &rs[i]})
		}
	}
	if want(DetailLocalManagedPolicy) {
		ps, _, err := tx.ListPolicies(ctx, accountID, store.PolicyFilter{}, store.Page{})
		if err != nil {
			return nil, err
		}
		for _, sp := range ps {
			pol := policyFromStore(sp)
			items = append(items, gaadItem{key: "4\x00" + pol.SortKey(), policy: &pol})
		}
	}
	if want(DetailAWSManagedPolicy) {
		usage, err := tx.PolicyUsageByARN(ctx, accountID)
		if err != nil {
			return nil, err
		}
		for _, mp := range ManagedPolicies() {
			u := usage[mp.ARN]
			if u.Attachments == 0 && u.Boundaries == 0 {
				continue
			}
			pol := policyFromAWS(mp, u)
			items = append(items, gaadItem{key: "5\x00" + pol.SortKey(), policy: &pol})
		}
	}
	// Each kind's list is already sorted by name key; AWS managed ones come
	// from the name-sorted embedded set, whose case-folded order may differ.
	sortGAAD(items)
	return items, nil
}

func sortGAAD(items []gaadItem) {
	slices.SortStableFunc(items, func(a, b gaadItem) int { return strings.Compare(a.key, b.key) })
}

// principalInline and principalAttached read one principal's policies.
func principalInline(ctx context.Context, tx store.Txn, accountID, kind, id, name string) ([]InlinePolicy, error) {
	ps, _, err := tx.ListInlinePolicies(ctx, accountID, kind, id, store.Page{})
	if err != nil {
		return nil, err
	}
	out := make([]InlinePolicy, len(ps))
	for i, p := range ps {
		out[i] = InlinePolicy{PrincipalName: name, PolicyName: p.Name, Document: p.Document}
	}
	return out, nil
}

func principalAttached(ctx context.Context, tx store.Txn, accountID, kind, id string) ([]AttachedPolicy, error) {
	as, _, err := tx.ListAttachedPolicies(ctx, accountID, kind, id, "", store.Page{})
	if err != nil {
		return nil, err
	}
	out := make([]AttachedPolicy, len(as))
	for i, a := range as {
		out[i] = AttachedPolicy{PolicyName: a.PolicyName, PolicyARN: a.PolicyARN}
	}
	return out, nil
}

func resourceTags(ctx context.Context, tx store.Txn, accountID, kind, id string) ([]Tag, error) {
	ts, err := tx.ListTags(ctx, accountID, kind, id)
	if err != nil {
		return nil, err
	}
	return policyTagsFromStore(ts), nil
}

// gaadDetail reads the details of one entry into out.
func (s *Service) gaadDetail(ctx context.Context, tx store.Txn, accountID string, it gaadItem, out *AuthorizationDetails) error {
	var err error
	switch {
	case it.user != nil:
		u := *it.user
		d := UserAuthDetail{User: u, ARN: UserARN(accountID, u.Path, u.Name), PermissionsBound: u.PermissionsBoundaryARN}
		gs, _, err := tx.ListGroupsForUser(ctx, accountID, u.ID, store.Page{})
		if err != nil {
			return err
		}
		for _, g := range gs {
			d.Groups = append(d.Groups, g.Name)
		}
		if d.Inline, err = principalInline(ctx, tx, accountID, store.PrincipalUser, u.ID, u.Name); err != nil {
			return err
		}
		if d.Attached, err = principalAttached(ctx, tx, accountID, store.PrincipalUser, u.ID); err != nil {
			return err
		}
		if d.Tags, err = resourceTags(ctx, tx, accountID, store.TagKindUser, u.ID); err != nil {
			return err
		}
		out.Users = append(out.Users, d)
	case it.group != nil:
		g := *it.group
		d := GroupAuthDetail{Group: g, ARN: GroupARN(accountID, g.Path, g.Name)}
		if d.Inline, err = principalInline(ctx, tx, accountID, store.PrincipalGroup, g.ID, g.Name); err != nil {
			return err
		}
		if d.Attached, err = principalAttached(ctx, tx, accountID, store.PrincipalGroup, g.ID); err != nil {
			return err
		}
		out.Groups = append(out.Groups, d)
	case it.role != nil:
		r := *it.role
		d := RoleAuthDetail{Role: r, ARN: RoleARN(accountID, r.Path, r.Name)}
		ips, _, err := tx.ListInstanceProfilesForRole(ctx, accountID, r.ID, store.Page{})
		if err != nil {
			return err
		}
		for _, ip := range ips {
			ipd := InstanceProfileDetail{Profile: ip, ARN: InstanceProfileARN(accountID, ip.Path, ip.Name)}
			if ip.RoleID != "" {
				role, err := tx.GetRoleByID(ctx, accountID, ip.RoleID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				if err == nil {
					ipd.Roles = append(ipd.Roles, role)
				}
			}
			if ipd.Tags, err = resourceTags(ctx, tx, accountID, store.TagKindInstanceProfile, ip.ID); err != nil {
				return err
			}
			d.InstanceProfiles = append(d.InstanceProfiles, ipd)
		}
		if d.Inline, err = principalInline(ctx, tx, accountID, store.PrincipalRole, r.ID, r.Name); err != nil {
			return err
		}
		if d.Attached, err = principalAttached(ctx, tx, accountID, store.PrincipalRole, r.ID); err != nil {
			return err
		}
		if d.Tags, err = resourceTags(ctx, tx, accountID, store.TagKindRole, r.ID); err != nil {
			return err
		}
		out.Roles = append(out.Roles, d)
	case it.policy != nil:
		pol := *it.policy
		d := PolicyAuthDetail{Policy: pol}
		if pol.AWSManaged {
			mp, ok := ManagedPolicyByARN(pol.ARN)
			if !ok {
				return fmt.Errorf("iam: AWS managed policy %s vanished", pol.ARN)
			}
			d.Versions = []PolicyVersion{awsVersion(mp)}
		} else {
			sp, err := tx.GetPolicy(ctx, accountID, pol.ID)
			if err != nil {
				return err
			}
			if d.Versions, err = s.policyVersions(ctx, tx, sp); err != nil {
				return err
			}
		}
		out.Policies = append(out.Policies, d)
	default:
		return errors.New("iam: empty authorization-details entry")
	}
	return nil
}
