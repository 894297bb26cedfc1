package iamapi

import (
	"context"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
)

// attachedList runs one ListAttached*Policies call.
func polAttachedList(ctx context.Context, d Deps, c api.Caller, kind, name string, pathPrefix, marker *string, maxItems *int32) ([]iamshape.AttachedPolicy, *bool, *string, error) {
	id, err := identity(c)
	if err != nil {
		return nil, nil, nil, err
	}
	pg, err := api.PageFrom(marker, maxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	as, more, err := d.IAM.ListAttachedPolicies(ctx, id.AccountID, kind, name, polStr(pathPrefix), polPage(pg))
	if err != nil {
		return nil, nil, nil, err
	}
	out := make([]iamshape.AttachedPolicy, len(as))
	for i, a := range as {
		out[i] = iamshape.AttachedPolicy{PolicyName: polPtr(a.PolicyName), PolicyArn: polPtr(a.PolicyARN)}
	}
	last := ""
	if len(as) > 0 {
		last = as[len(as)-1].SortKey()
	}
	truncated, next := polMarker(more, last)
	return out, truncated, next, nil
}

func polAttach(ctx context.Context, d Deps, c api.Caller, kind, name, arn string) error {
	id, err := identity(c)
	if err != nil {
		return err
	}
	return d.IAM.AttachPolicy(ctx, id.AccountID, kind, name, arn)
}

func polDetach(ctx context.Context, d Deps, c api.Caller, kind, name, arn string) error {
	id, err := identity(c)
	if err != nil {
		return err
	}
	return d.IAM.DetachPolicy(ctx, id.AccountID, kind, name, arn)
}

func registerAttachments(srv *api.Server, d Deps) {
	api.Handle(srv, "AttachUserPolicy", func(ctx context.Context, c api.Caller, in *iamshape.AttachUserPolicyInput) (*iamshape.AttachUserPolicyOutput, error) {
		return &iamshape.AttachUserPolicyOutput{}, polAttach(ctx, d, c, store.PrincipalUser, in.UserName, in.PolicyArn)
	})
	api.Handle(srv, "AttachGroupPolicy", func(ctx context.Context, c api.Caller, in *iamshape.AttachGroupPolicyInput) (*iamshape.AttachGroupPolicyOutput, error) {
		return &iamshape.AttachGroupPolicyOutput{}, polAttach(ctx, d, c, store.PrincipalGroup, in.GroupName, in.PolicyArn)
	})
	api.Handle(srv, "AttachRolePolicy", func(ctx context.Context, c api.Caller, in *iamshape.AttachRolePolicyInput) (*iamshape.AttachRolePolicyOutput, error) {
		return &iamshape.AttachRolePolicyOutput{}, polAttach(ctx, d, c, store.PrincipalRole, in.RoleName, in.PolicyArn)
	})
	api.Handle(srv, "DetachUserPolicy", func(ctx context.Context, c api.Caller, in *iamshape.DetachUserPolicyInput) (*iamshape.DetachUserPolicyOutput, error) {
		return &iamshape.DetachUserPolicyOutput{}, polDetach(ctx, d, c, store.PrincipalUser, in.UserName, in.PolicyArn)
	})
	api.Handle(srv, "DetachGroupPolicy", func(ctx context.Context, c api.Caller, in *iamshape.DetachGroupPolicyInput) (*iamshape.DetachGroupPolicyOutput, error) {
		return &iamshape.DetachGroupPolicyOutput{}, polDetach(ctx, d, c, store.PrincipalGroup, in.GroupName, in.PolicyArn)
	})
	api.Handle(srv, "DetachRolePolicy", func(ctx context.Context, c api.Caller, in *iamshape.DetachRolePolicyInput) (*iamshape.DetachRolePolicyOutput, error) {
		return &iamshape.DetachRolePolicyOutput{}, polDetach(ctx, d, c, store.PrincipalRole, in.RoleName, in.PolicyArn)
	})
	api.Handle(srv, "ListAttachedUserPolicies", func(ctx context.Context, c api.Caller, in *iamshape.ListAttachedUserPoliciesInput) (*iamshape.ListAttachedUserPoliciesOutput, error) {
		as, trunc, marker, err := polAttachedList(ctx, d, c, store.PrincipalUser, in.UserName, in.PathPrefix, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &iamshape.ListAttachedUserPoliciesOutput{AttachedPolicies: as, IsTruncated: trunc, Marker: marker}, nil
	})
	api.Handle(srv, "ListAttachedGroupPolicies", func(ctx context.Context, c api.Caller, in *iamshape.ListAttachedGroupPoliciesInput) (*iamshape.ListAttachedGroupPoliciesOutput, error) {
		as, trunc, marker, err := polAttachedList(ctx, d, c, store.PrincipalGroup, in.GroupName, in.PathPrefix, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &iamshape.ListAttachedGroupPoliciesOutput{AttachedPolicies: as, IsTruncated: trunc, Marker: marker}, nil
	})
	api.Handle(srv, "ListAttachedRolePolicies", func(ctx context.Context, c api.Caller, in *iamshape.ListAttachedRolePoliciesInput) (*iamshape.ListAttachedRolePoliciesOutput, error) {
		as, trunc, marker, err := polAttachedList(ctx, d, c, store.PrincipalRole, in.RoleName, in.PathPrefix, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &iamshape.ListAttachedRolePoliciesOutput{AttachedPolicies: as, IsTruncated: trunc, Marker: marker}, nil
	})
	api.Handle(srv, "ListEntitiesForPolicy", func(ctx context.Context, c api.Caller, in *iamshape.ListEntitiesForPolicyInput) (*iamshape.ListEntitiesForPolicyOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		pg, err := api.PageFrom(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		ents, more, err := d.IAM.ListEntitiesForPolicy(ctx, id.AccountID, in.PolicyArn, polStr(in.EntityFilter),
			polStr(in.PathPrefix), polStr(in.PolicyUsageFilter), polPage(pg))
		if err != nil {
			return nil, err
		}
		// AWS sends the three lists, empty ones included.
		out := &iamshape.ListEntitiesForPolicyOutput{PolicyGroups: []iamshape.PolicyGroup{},
			PolicyUsers: []iamshape.PolicyUser{}, PolicyRoles: []iamshape.PolicyRole{}}
		for _, e := range ents {
			switch e.Kind {
			case store.PrincipalUser:
				out.PolicyUsers = append(out.PolicyUsers, iamshape.PolicyUser{UserName: polPtr(e.Name), UserId: polPtr(e.ID)})
			case store.PrincipalGroup:
				out.PolicyGroups = append(out.PolicyGroups, iamshape.PolicyGroup{GroupName: polPtr(e.Name), GroupId: polPtr(e.ID)})
			case store.PrincipalRole:
				out.PolicyRoles = append(out.PolicyRoles, iamshape.PolicyRole{RoleName: polPtr(e.Name), RoleId: polPtr(e.ID)})
			}
		}
		last := ""
		if len(ents) > 0 {
			last = ents[len(ents)-1].SortKey()
		}
		out.IsTruncated, out.Marker = polMarker(more, last)
		return out, nil
	})
}

// inlineNames runs one List{User,Group,Role}Policies call.
func polInlineNames(ctx context.Context, d Deps, c api.Caller, kind, name string, marker *string, maxItems *int32) ([]string, *bool, *string, error) {
	id, err := identity(c)
	if err != nil {
		return nil, nil, nil, err
	}
	pg, err := api.PageFrom(marker, maxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	names, more, err := d.IAM.ListInlinePolicyNames(ctx, id.AccountID, kind, name, polPage(pg))
	if err != nil {
		return nil, nil, nil, err
	}
	if names == nil {
		names = []string{}
	}
	last := ""
	if len(names) > 0 {
		last = store.NameKey(names[len(names)-1])
	}
	truncated, next := polMarker(more, last)
	return names, truncated, next, nil
}

func polPutInline(ctx context.Context, d Deps, c api.Caller, kind, principal, name, doc string) error {
	id, err := identity(c)
	if err != nil {
		return err
	}
	return d.IAM.PutInlinePolicy(ctx, id.AccountID, kind, principal, name, doc)
}

func polGetInline(ctx context.Context, d Deps, c api.Caller, kind, principal, name string) (iam.InlinePolicy, error) {
	id, err := identity(c)
	if err != nil {
		return iam.InlinePolicy{}, err
	}
	return d.IAM.GetInlinePolicy(ctx, id.AccountID, kind, principal, name)
}

func polDeleteInline(ctx context.Context, d Deps, c api.Caller, kind, principal, name string) error {
	id, err := identity(c)
	if err != nil {
		return err
	}
	return d.IAM.DeleteInlinePolicy(ctx, id.AccountID, kind, principal, name)
}

func registerInlinePolicies(srv *api.Server, d Deps) {
	api.Handle(srv, "PutUserPolicy", func(ctx context.Context, c api.Caller, in *iamshape.PutUserPolicyInput) (*iamshape.PutUserPolicyOutput, error) {
		return &iamshape.PutUserPolicyOutput{}, polPutInline(ctx, d, c, store.PrincipalUser, in.UserName, in.PolicyName, in.PolicyDocument)
	})
	api.Handle(srv, "PutGroupPolicy", func(ctx context.Context, c api.Caller, in *iamshape.PutGroupPolicyInput) (*iamshape.PutGroupPolicyOutput, error) {
		return &iamshape.PutGroupPolicyOutput{}, polPutInline(ctx, d, c, store.PrincipalGroup, in.GroupName, in.PolicyName, in.PolicyDocument)
	})
	api.Handle(srv, "PutRolePolicy", func(ctx context.Context, c api.Caller, in *iamshape.PutRolePolicyInput) (*iamshape.PutRolePolicyOutput, error) {
		return &iamshape.PutRolePolicyOutput{}, polPutInline(ctx, d, c, store.PrincipalRole, in.RoleName, in.PolicyName, in.PolicyDocument)
	})
	api.Handle(srv, "GetUserPolicy", func(ctx context.Context, c api.Caller, in *iamshape.GetUserPolicyInput) (*iamshape.GetUserPolicyOutput, error) {
		p, err := polGetInline(ctx, d, c, store.PrincipalUser, in.UserName, in.PolicyName)
		if err != nil {
			return nil, err
		}
		return &iamshape.GetUserPolicyOutput{UserName: p.PrincipalName, PolicyName: p.PolicyName, PolicyDocument: p.Document}, nil
	})
	api.Handle(srv, "GetGroupPolicy", func(ctx context.Context, c api.Caller, in *iamshape.GetGroupPolicyInput) (*iamshape.GetGroupPolicyOutput, error) {
		p, err := polGetInline(ctx, d, c, store.PrincipalGroup, in.GroupName, in.PolicyName)
		if err != nil {
			return nil, err
		}
		return &iamshape.GetGroupPolicyOutput{GroupName: p.PrincipalName, PolicyName: p.PolicyName, PolicyDocument: p.Document}, nil
	})
	api.Handle(srv, "GetRolePolicy", func(ctx context.Context, c api.Caller, in *iamshape.GetRolePolicyInput) (*iamshape.GetRolePolicyOutput, error) {
		p, err := polGetInline(ctx, d, c, store.PrincipalRole, in.RoleName, in.PolicyName)
		if err != nil {
			return nil, err
		}
		return &iamshape.GetRolePolicyOutput{RoleName: p.PrincipalName, PolicyName: p.PolicyName, PolicyDocument: p.Document}, nil
	})
	api.Handle(srv, "ListUserPolicies", func(ctx context.Context, c api.Caller, in *iamshape.ListUserPoliciesInput) (*iamshape.ListUserPoliciesOutput, error) {
		names, trunc, marker, err := polInlineNames(ctx, d, c, store.PrincipalUser, in.UserName, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &iamshape.ListUserPoliciesOutput{PolicyNames: names, IsTruncated: trunc, Marker: marker}, nil
	})
	api.Handle(srv, "ListGroupPolicies", func(ctx context.Context, c api.Caller, in *iamshape.ListGroupPoliciesInput) (*iamshape.ListGroupPoliciesOutput, error) {
		names, trunc, marker, err := polInlineNames(ctx, d, c, store.PrincipalGroup, in.GroupName, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &iamshape.ListGroupPoliciesOutput{PolicyNames: names, IsTruncated: trunc, Marker: marker}, nil
	})
	api.Handle(srv, "ListRolePolicies", func(ctx context.Context, c api.Caller, in *iamshape.ListRolePoliciesInput) (*iamshape.ListRolePoliciesOutput, error) {
		names, trunc, marker, err := polInlineNames(ctx, d, c, store.PrincipalRole, in.RoleName, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &iamshape.ListRolePoliciesOutput{PolicyNames: names, IsTruncated: trunc, Marker: marker}, nil
	})
	api.Handle(srv, "DeleteUserPolicy", func(ctx context.Context, c api.Caller, in *iamshape.DeleteUserPolicyInput) (*iamshape.DeleteUserPolicyOutput, error) {
		return &iamshape.DeleteUserPolicyOutput{}, polDeleteInline(ctx, d, c, store.PrincipalUser, in.UserName, in.PolicyName)
	})
	api.Handle(srv, "DeleteGroupPolicy", func(ctx context.Context, c api.Caller, in *iamshape.DeleteGroupPolicyInput) (*iamshape.DeleteGroupPolicyOutput, error) {
		return &iamshape.DeleteGroupPolicyOutput{}, polDeleteInline(ctx, d, c, store.PrincipalGroup, in.GroupName, in.PolicyName)
	})
	api.Handle(srv, "DeleteRolePolicy", func(ctx context.Context, c api.Caller, in *iamshape.DeleteRolePolicyInput) (*iamshape.DeleteRolePolicyOutput, error) {
		return &iamshape.DeleteRolePolicyOutput{}, polDeleteInline(ctx, d, c, store.PrincipalRole, in.RoleName, in.PolicyName)
	})
}
