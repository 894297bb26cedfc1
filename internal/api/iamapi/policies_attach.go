package iamapi

import (
	"context"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
)

// attachedList runs one ListAttached*Policies call.
func polAttachedList(ctx context.Context, d Deps, accountID string, kind, name string, pathPrefix, marker *string, maxItems *int32) ([]iamshape.AttachedPolicy, *bool, *string, error) {
	pg, err := storePage(marker, maxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	as, more, err := d.IAM.ListAttachedPolicies(ctx, accountID, kind, name, str(pathPrefix), pg)
	if err != nil {
		return nil, nil, nil, err
	}
	truncated, next := pageEnd(more, as, iam.AttachedPolicy.SortKey)
	return polAttachedOut(as), truncated, next, nil
}

func registerAttachments(srv *api.Server, d Deps) {
	handle(srv, "AttachUserPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.AttachUserPolicyInput) (*iamshape.AttachUserPolicyOutput, error) {
		return &iamshape.AttachUserPolicyOutput{}, d.IAM.AttachPolicy(ctx, id.AccountID, store.PrincipalUser, in.UserName, in.PolicyArn)
	})
	handle(srv, "AttachGroupPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.AttachGroupPolicyInput) (*iamshape.AttachGroupPolicyOutput, error) {
		return &iamshape.AttachGroupPolicyOutput{}, d.IAM.AttachPolicy(ctx, id.AccountID, store.PrincipalGroup, in.GroupName, in.PolicyArn)
	})
	handle(srv, "AttachRolePolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.AttachRolePolicyInput) (*iamshape.AttachRolePolicyOutput, error) {
		return &iamshape.AttachRolePolicyOutput{}, d.IAM.AttachPolicy(ctx, id.AccountID, store.PrincipalRole, in.RoleName, in.PolicyArn)
	})
	handle(srv, "DetachUserPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.DetachUserPolicyInput) (*iamshape.DetachUserPolicyOutput, error) {
		return &iamshape.DetachUserPolicyOutput{}, d.IAM.DetachPolicy(ctx, id.AccountID, store.PrincipalUser, in.UserName, in.PolicyArn)
	})
	handle(srv, "DetachGroupPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.DetachGroupPolicyInput) (*iamshape.DetachGroupPolicyOutput, error) {
		return &iamshape.DetachGroupPolicyOutput{}, d.IAM.DetachPolicy(ctx, id.AccountID, store.PrincipalGroup, in.GroupName, in.PolicyArn)
	})
	handle(srv, "DetachRolePolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.DetachRolePolicyInput) (*iamshape.DetachRolePolicyOutput, error) {
		return &iamshape.DetachRolePolicyOutput{}, d.IAM.DetachPolicy(ctx, id.AccountID, store.PrincipalRole, in.RoleName, in.PolicyArn)
	})
	handle(srv, "ListAttachedUserPolicies", func(ctx context.Context, id *iam.Identity, in *iamshape.ListAttachedUserPoliciesInput) (*iamshape.ListAttachedUserPoliciesOutput, error) {
		as, trunc, marker, err := polAttachedList(ctx, d, id.AccountID, store.PrincipalUser, in.UserName, in.PathPrefix, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &iamshape.ListAttachedUserPoliciesOutput{AttachedPolicies: as, IsTruncated: trunc, Marker: marker}, nil
	})
	handle(srv, "ListAttachedGroupPolicies", func(ctx context.Context, id *iam.Identity, in *iamshape.ListAttachedGroupPoliciesInput) (*iamshape.ListAttachedGroupPoliciesOutput, error) {
		as, trunc, marker, err := polAttachedList(ctx, d, id.AccountID, store.PrincipalGroup, in.GroupName, in.PathPrefix, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &iamshape.ListAttachedGroupPoliciesOutput{AttachedPolicies: as, IsTruncated: trunc, Marker: marker}, nil
	})
	handle(srv, "ListAttachedRolePolicies", func(ctx context.Context, id *iam.Identity, in *iamshape.ListAttachedRolePoliciesInput) (*iamshape.ListAttachedRolePoliciesOutput, error) {
		as, trunc, marker, err := polAttachedList(ctx, d, id.AccountID, store.PrincipalRole, in.RoleName, in.PathPrefix, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &iamshape.ListAttachedRolePoliciesOutput{AttachedPolicies: as, IsTruncated: trunc, Marker: marker}, nil
	})
	handle(srv, "ListEntitiesForPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.ListEntitiesForPolicyInput) (*iamshape.ListEntitiesForPolicyOutput, error) {
		pg, err := storePage(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		ents, more, err := d.IAM.ListEntitiesForPolicy(ctx, id.AccountID, in.PolicyArn, str(in.EntityFilter),
			str(in.PathPrefix), str(in.PolicyUsageFilter), pg)
		if err != nil {
			return nil, err
		}
		// AWS sends the three lists, empty ones included.
		out := &iamshape.ListEntitiesForPolicyOutput{PolicyGroups: []iamshape.PolicyGroup{},
			PolicyUsers: []iamshape.PolicyUser{}, PolicyRoles: []iamshape.PolicyRole{}}
		for _, e := range ents {
			switch e.Kind {
			case store.PrincipalUser:
				out.PolicyUsers = append(out.PolicyUsers, iamshape.PolicyUser{UserName: ptr(e.Name), UserId: ptr(e.ID)})
			case store.PrincipalGroup:
				out.PolicyGroups = append(out.PolicyGroups, iamshape.PolicyGroup{GroupName: ptr(e.Name), GroupId: ptr(e.ID)})
			case store.PrincipalRole:
				out.PolicyRoles = append(out.PolicyRoles, iamshape.PolicyRole{RoleName: ptr(e.Name), RoleId: ptr(e.ID)})
			}
		}
		out.IsTruncated, out.Marker = pageEnd(more, ents, iam.PolicyEntity.SortKey)
		return out, nil
	})
}

// inlineNames runs one List{User,Group,Role}Policies call.
func polInlineNames(ctx context.Context, d Deps, accountID string, kind, name string, marker *string, maxItems *int32) ([]string, *bool, *string, error) {
	pg, err := storePage(marker, maxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	names, more, err := d.IAM.ListInlinePolicyNames(ctx, accountID, kind, name, pg)
	if err != nil {
		return nil, nil, nil, err
	}
	truncated, next := pageEnd(more, names, store.NameKey)
	return nonNil(names), truncated, next, nil
}

func registerInlinePolicies(srv *api.Server, d Deps) {
	handle(srv, "PutUserPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.PutUserPolicyInput) (*iamshape.PutUserPolicyOutput, error) {
		return &iamshape.PutUserPolicyOutput{}, d.IAM.PutInlinePolicy(ctx, id.AccountID, store.PrincipalUser, in.UserName, in.PolicyName, in.PolicyDocument)
	})
	handle(srv, "PutGroupPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.PutGroupPolicyInput) (*iamshape.PutGroupPolicyOutput, error) {
		return &iamshape.PutGroupPolicyOutput{}, d.IAM.PutInlinePolicy(ctx, id.AccountID, store.PrincipalGroup, in.GroupName, in.PolicyName, in.PolicyDocument)
	})
	handle(srv, "PutRolePolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.PutRolePolicyInput) (*iamshape.PutRolePolicyOutput, error) {
		return &iamshape.PutRolePolicyOutput{}, d.IAM.PutInlinePolicy(ctx, id.AccountID, store.PrincipalRole, in.RoleName, in.PolicyName, in.PolicyDocument)
	})
	handle(srv, "GetUserPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.GetUserPolicyInput) (*iamshape.GetUserPolicyOutput, error) {
		p, err := d.IAM.GetInlinePolicy(ctx, id.AccountID, store.PrincipalUser, in.UserName, in.PolicyName)
		if err != nil {
			return nil, err
		}
		return &iamshape.GetUserPolicyOutput{UserName: p.PrincipalName, PolicyName: p.PolicyName, PolicyDocument: p.Document}, nil
	})
	handle(srv, "GetGroupPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.GetGroupPolicyInput) (*iamshape.GetGroupPolicyOutput, error) {
		p, err := d.IAM.GetInlinePolicy(ctx, id.AccountID, store.PrincipalGroup, in.GroupName, in.PolicyName)
		if err != nil {
			return nil, err
		}
		return &iamshape.GetGroupPolicyOutput{GroupName: p.PrincipalName, PolicyName: p.PolicyName, PolicyDocument: p.Document}, nil
	})
	handle(srv, "GetRolePolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.GetRolePolicyInput) (*iamshape.GetRolePolicyOutput, error) {
		p, err := d.IAM.GetInlinePolicy(ctx, id.AccountID, store.PrincipalRole, in.RoleName, in.PolicyName)
		if err != nil {
			return nil, err
		}
		return &iamshape.GetRolePolicyOutput{RoleName: p.PrincipalName, PolicyName: p.PolicyName, PolicyDocument: p.Document}, nil
	})
	handle(srv, "ListUserPolicies", func(ctx context.Context, id *iam.Identity, in *iamshape.ListUserPoliciesInput) (*iamshape.ListUserPoliciesOutput, error) {
		names, trunc, marker, err := polInlineNames(ctx, d, id.AccountID, store.PrincipalUser, in.UserName, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &iamshape.ListUserPoliciesOutput{PolicyNames: names, IsTruncated: trunc, Marker: marker}, nil
	})
	handle(srv, "ListGroupPolicies", func(ctx context.Context, id *iam.Identity, in *iamshape.ListGroupPoliciesInput) (*iamshape.ListGroupPoliciesOutput, error) {
		names, trunc, marker, err := polInlineNames(ctx, d, id.AccountID, store.PrincipalGroup, in.GroupName, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &iamshape.ListGroupPoliciesOutput{PolicyNames: names, IsTruncated: trunc, Marker: marker}, nil
	})
	handle(srv, "ListRolePolicies", func(ctx context.Context, id *iam.Identity, in *iamshape.ListRolePoliciesInput) (*iamshape.ListRolePoliciesOutput, error) {
		names, trunc, marker, err := polInlineNames(ctx, d, id.AccountID, store.PrincipalRole, in.RoleName, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &iamshape.ListRolePoliciesOutput{PolicyNames: names, IsTruncated: trunc, Marker: marker}, nil
	})
	handle(srv, "DeleteUserPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteUserPolicyInput) (*iamshape.DeleteUserPolicyOutput, error) {
		return &iamshape.DeleteUserPolicyOutput{}, d.IAM.DeleteInlinePolicy(ctx, id.AccountID, store.PrincipalUser, in.UserName, in.PolicyName)
	})
	handle(srv, "DeleteGroupPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteGroupPolicyInput) (*iamshape.DeleteGroupPolicyOutput, error) {
		return &iamshape.DeleteGroupPolicyOutput{}, d.IAM.DeleteInlinePolicy(ctx, id.AccountID, store.PrincipalGroup, in.GroupName, in.PolicyName)
	})
	handle(srv, "DeleteRolePolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteRolePolicyInput) (*iamshape.DeleteRolePolicyOutput, error) {
		return &iamshape.DeleteRolePolicyOutput{}, d.IAM.DeleteInlinePolicy(ctx, id.AccountID, store.PrincipalRole, in.RoleName, in.PolicyName)
	})
}

func polBoundary(arn string) *iamshape.AttachedPermissionsBoundary {
	if arn == "" {
		return nil
	}
	return &iamshape.AttachedPermissionsBoundary{PermissionsBoundaryType: ptr("PermissionsBoundaryPolicy"), PermissionsBoundaryArn: ptr(arn)}
}

func polInlineDetails(ps []iam.InlinePolicy) []iamshape.PolicyDetail {
	out := make([]iamshape.PolicyDetail, len(ps))
	for i, p := range ps {
		out[i] = iamshape.PolicyDetail{PolicyName: ptr(p.PolicyName), PolicyDocument: ptr(p.Document)}
	}
	return out
}

func polAttachedOut(as []iam.AttachedPolicy) []iamshape.AttachedPolicy {
	out := make([]iamshape.AttachedPolicy, len(as))
	for i, a := range as {
		out[i] = iamshape.AttachedPolicy{PolicyName: ptr(a.PolicyName), PolicyArn: ptr(a.PolicyARN)}
	}
	return out
}

func polRoleLastUsed(r store.Role) *iamshape.RoleLastUsed {
	out := &iamshape.RoleLastUsed{}
	if !r.LastUsedAt.IsZero() {
		out.LastUsedDate = polTime(r.LastUsedAt)
		out.Region = optStr(r.LastUsedRegion)
	}
	return out
}

// polRoleShape is a role as instance profiles embed it.
func polRoleShape(accountID string, r store.Role) iamshape.Role {
	out := iamshape.Role{
		Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: iam.RoleARN(accountID, r.Path, r.Name),
		CreateDate: r.CreatedAt.UTC(), AssumeRolePolicyDocument: ptr(r.AssumeRolePolicy),
		Description: optStr(r.Description),
	}
	if r.MaxSessionDuration > 0 {
		out.MaxSessionDuration = ptr(int32(r.MaxSessionDuration))
	}
	return out
}

func registerAuthorizationDetails(srv *api.Server, d Deps) {
	handle(srv, "GetAccountAuthorizationDetails", func(ctx context.Context, id *iam.Identity, in *iamshape.GetAccountAuthorizationDetailsInput) (*iamshape.GetAccountAuthorizationDetailsOutput, error) {
		pg, err := storePage(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		det, err := d.IAM.GetAccountAuthorizationDetails(ctx, id.AccountID, in.Filter, pg)
		if err != nil {
			return nil, err
		}
		acct := id.AccountID
		out := &iamshape.GetAccountAuthorizationDetailsOutput{
			UserDetailList: []iamshape.UserDetail{}, GroupDetailList: []iamshape.GroupDetail{},
			RoleDetailList: []iamshape.RoleDetail{}, Policies: []iamshape.ManagedPolicyDetail{},
		}
		for _, u := range det.Users {
			out.UserDetailList = append(out.UserDetailList, iamshape.UserDetail{
				Path: ptr(u.User.Path), UserName: ptr(u.User.Name), UserId: ptr(u.User.ID), Arn: ptr(u.ARN),
				CreateDate: polTime(u.User.CreatedAt), UserPolicyList: polInlineDetails(u.Inline),
				GroupList: append([]string{}, u.Groups...), AttachedManagedPolicies: polAttachedOut(u.Attached),
				PermissionsBoundary: polBoundary(u.PermissionsBound), Tags: tagsOut(u.Tags),
			})
		}
		for _, g := range det.Groups {
			out.GroupDetailList = append(out.GroupDetailList, iamshape.GroupDetail{
				Path: ptr(g.Group.Path), GroupName: ptr(g.Group.Name), GroupId: ptr(g.Group.ID), Arn: ptr(g.ARN),
				CreateDate: polTime(g.Group.CreatedAt), GroupPolicyList: polInlineDetails(g.Inline),
				AttachedManagedPolicies: polAttachedOut(g.Attached),
			})
		}
		for _, r := range det.Roles {
			rd := iamshape.RoleDetail{
				Path: ptr(r.Role.Path), RoleName: ptr(r.Role.Name), RoleId: ptr(r.Role.ID), Arn: ptr(r.ARN),
				CreateDate: polTime(r.Role.CreatedAt), AssumeRolePolicyDocument: ptr(r.Role.AssumeRolePolicy),
				InstanceProfileList: []iamshape.InstanceProfile{}, RolePolicyList: polInlineDetails(r.Inline),
				AttachedManagedPolicies: polAttachedOut(r.Attached), PermissionsBoundary: polBoundary(r.Role.PermissionsBoundaryARN),
				Tags: tagsOut(r.Tags), RoleLastUsed: polRoleLastUsed(r.Role),
			}
			for _, ip := range r.InstanceProfiles {
				ips := iamshape.InstanceProfile{Path: ip.Profile.Path, InstanceProfileName: ip.Profile.Name,
					InstanceProfileId: ip.Profile.ID, Arn: ip.ARN, CreateDate: ip.Profile.CreatedAt.UTC(),
					Roles: []iamshape.Role{}, Tags: tagsOut(ip.Tags)}
				for _, role := range ip.Roles {
					ips.Roles = append(ips.Roles, polRoleShape(acct, role))
				}
				rd.InstanceProfileList = append(rd.InstanceProfileList, ips)
			}
			out.RoleDetailList = append(out.RoleDetailList, rd)
		}
		for _, p := range det.Policies {
			pd := iamshape.ManagedPolicyDetail{
				PolicyName: ptr(p.Policy.Name), PolicyId: ptr(p.Policy.ID), Arn: ptr(p.Policy.ARN),
				Path: ptr(p.Policy.Path), DefaultVersionId: ptr(p.Policy.DefaultVersionID),
				AttachmentCount:               ptr(int32(p.Policy.AttachmentCount)),
				PermissionsBoundaryUsageCount: ptr(int32(p.Policy.PermissionsBoundaryUsageCount)),
				IsAttachable:                  ptr(p.Policy.IsAttachable), Description: optStr(p.Policy.Description),
				CreateDate: polTime(p.Policy.CreateDate), UpdateDate: polTime(p.Policy.UpdateDate),
				PolicyVersionList: make([]iamshape.PolicyVersion, len(p.Versions)),
			}
			for i, v := range p.Versions {
				pd.PolicyVersionList[i] = versionShape(v, true)
			}
			out.Policies = append(out.Policies, pd)
		}
		out.IsTruncated, out.Marker = nextMarker(det.More, det.LastKey)
		return out, nil
	})
}
