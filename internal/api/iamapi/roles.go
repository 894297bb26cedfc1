package iamapi

import (
	"context"
	"time"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
)

// registerRoles registers the operations of the roles area.
func registerRoles(srv *api.Server, d Deps) {
	registerRoleOps(srv, d)
	registerInstanceProfileOps(srv, d)
	registerOIDCProviderOps(srv, d)
}

func rolStr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func rolPtr[T any](v T) *T { return &v }

// rolOptStr is nil for "" (an absent optional member).
func rolOptStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// rolPage converts api.PageFrom's result to the store's.
func rolPage(marker *string, maxItems *int32) (store.Page, error) {
	p, err := api.PageFrom(marker, maxItems)
	if err != nil {
		return store.Page{}, err
	}
	return store.Page{After: p.After, Limit: p.Limit}, nil
}

// rolNextMarker is the IsTruncated and Marker of a page whose last item has
// sort key lastKey.
func rolNextMarker(more bool, lastKey string) (*bool, *string) {
	if !more {
		return rolPtr(false), nil
	}
	return rolPtr(true), rolPtr(api.EncodeMarker(lastKey))
}

// roleShape converts a role. The trust document is passed as stored: the
// response encoder percent-encodes policy documents, as IAM does. Fields
// the domain left empty (boundary, tags, last use in lists) are omitted;
// RoleLastUsed is sent, possibly empty, by GetRole only (withLastUsed).
func roleShape(r iam.Role, withLastUsed bool) iamshape.Role {
	out := iamshape.Role{
		Path:                     r.Path,
		RoleName:                 r.Name,
		RoleId:                   r.ID,
		Arn:                      r.ARN,
		CreateDate:               r.CreatedAt,
		AssumeRolePolicyDocument: rolPtr(r.AssumeRolePolicy),
		Description:              rolOptStr(r.Description),
		MaxSessionDuration:       rolPtr(int32(r.MaxSessionDuration)),
		Tags:                     tagsOut(r.Tags),
	}
	if r.PermissionsBoundaryARN != "" {
		out.PermissionsBoundary = &iamshape.AttachedPermissionsBoundary{
			PermissionsBoundaryType: rolPtr("PermissionsBoundaryPolicy"),
			PermissionsBoundaryArn:  rolPtr(r.PermissionsBoundaryARN),
		}
	}
	if withLastUsed {
		out.RoleLastUsed = &iamshape.RoleLastUsed{}
		if !r.LastUsedAt.IsZero() {
			out.RoleLastUsed.LastUsedDate = rolPtr(r.LastUsedAt.UTC().Truncate(time.Second))
			out.RoleLastUsed.Region = rolOptStr(r.LastUsedRegion)
		}
	}
	return out
}

func registerRoleOps(srv *api.Server, d Deps) {
	api.Handle(srv, "CreateRole", func(ctx context.Context, c api.Caller, in *iamshape.CreateRoleInput) (*iamshape.CreateRoleOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		ci := iam.CreateRoleInput{
			Name: in.RoleName, Path: rolStr(in.Path), AssumeRolePolicy: in.AssumeRolePolicyDocument,
			Description: rolStr(in.Description), PermissionsBoundary: rolStr(in.PermissionsBoundary),
			Tags: tagsIn(in.Tags),
		}
		if in.MaxSessionDuration != nil {
			ci.MaxSessionDuration = int(*in.MaxSessionDuration)
		}
		r, err := d.IAM.CreateRole(ctx, id.AccountID, ci)
		if err != nil {
			return nil, err
		}
		return &iamshape.CreateRoleOutput{Role: roleShape(r, false)}, nil
	})

	api.Handle(srv, "GetRole", func(ctx context.Context, c api.Caller, in *iamshape.GetRoleInput) (*iamshape.GetRoleOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		r, err := d.IAM.GetRole(ctx, id.AccountID, in.RoleName)
		if err != nil {
			return nil, err
		}
		return &iamshape.GetRoleOutput{Role: roleShape(r, true)}, nil
	})

	api.Handle(srv, "ListRoles", func(ctx context.Context, c api.Caller, in *iamshape.ListRolesInput) (*iamshape.ListRolesOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		p, err := rolPage(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		rs, more, err := d.IAM.ListRoles(ctx, id.AccountID, rolStr(in.PathPrefix), p)
		if err != nil {
			return nil, err
		}
		out := &iamshape.ListRolesOutput{Roles: make([]iamshape.Role, len(rs))}
		for i, r := range rs {
			out.Roles[i] = roleShape(r, false)
		}
		var last string
		if len(rs) > 0 {
			last = store.NameKey(rs[len(rs)-1].Name)
		}
		out.IsTruncated, out.Marker = rolNextMarker(more, last)
		return out, nil
	})

	api.Handle(srv, "UpdateRole", func(ctx context.Context, c api.Caller, in *iamshape.UpdateRoleInput) (*iamshape.UpdateRoleOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		var maxSession *int
		if in.MaxSessionDuration != nil {
			maxSession = rolPtr(int(*in.MaxSessionDuration))
		}
		return &iamshape.UpdateRoleOutput{}, d.IAM.UpdateRole(ctx, id.AccountID, in.RoleName, in.Description, maxSession)
	})

	api.Handle(srv, "UpdateRoleDescription", func(ctx context.Context, c api.Caller, in *iamshape.UpdateRoleDescriptionInput) (*iamshape.UpdateRoleDescriptionOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		r, err := d.IAM.UpdateRoleDescription(ctx, id.AccountID, in.RoleName, in.Description)
		if err != nil {
			return nil, err
		}
		return &iamshape.UpdateRoleDescriptionOutput{Role: rolPtr(roleShape(r, false))}, nil
	})

	api.Handle(srv, "UpdateAssumeRolePolicy", func(ctx context.Context, c api.Caller, in *iamshape.UpdateAssumeRolePolicyInput) (*iamshape.UpdateAssumeRolePolicyOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.UpdateAssumeRolePolicyOutput{}, d.IAM.UpdateAssumeRolePolicy(ctx, id.AccountID, in.RoleName, in.PolicyDocument)
	})

	api.Handle(srv, "DeleteRole", func(ctx context.Context, c api.Caller, in *iamshape.DeleteRoleInput) (*iamshape.DeleteRoleOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.DeleteRoleOutput{}, d.IAM.DeleteRole(ctx, id.AccountID, in.RoleName)
	})

	api.Handle(srv, "TagRole", func(ctx context.Context, c api.Caller, in *iamshape.TagRoleInput) (*iamshape.TagRoleOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.TagRoleOutput{}, d.IAM.TagRole(ctx, id.AccountID, in.RoleName, tagsIn(in.Tags))
	})

	api.Handle(srv, "UntagRole", func(ctx context.Context, c api.Caller, in *iamshape.UntagRoleInput) (*iamshape.UntagRoleOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.UntagRoleOutput{}, d.IAM.UntagRole(ctx, id.AccountID, in.RoleName, in.TagKeys)
	})

	api.Handle(srv, "ListRoleTags", func(ctx context.Context, c api.Caller, in *iamshape.ListRoleTagsInput) (*iamshape.ListRoleTagsOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		tags, err := d.IAM.ListRoleTags(ctx, id.AccountID, in.RoleName)
		if err != nil {
			return nil, err
		}
		// The resource is read before the marker is decoded: a missing one is
		// NoSuchEntity whatever the marker.
		pg, truncated, marker, err := listTagsPage(in.Marker, in.MaxItems, func() ([]iam.Tag, error) { return tags, nil })
		if err != nil {
			return nil, err
		}
		return &iamshape.ListRoleTagsOutput{Tags: pg, IsTruncated: truncated, Marker: marker}, nil
	})

	api.Handle(srv, "PutRolePermissionsBoundary", func(ctx context.Context, c api.Caller, in *iamshape.PutRolePermissionsBoundaryInput) (*iamshape.PutRolePermissionsBoundaryOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.PutRolePermissionsBoundaryOutput{}, d.IAM.PutRolePermissionsBoundary(ctx, id.AccountID, in.RoleName, in.PermissionsBoundary)
	})

	api.Handle(srv, "DeleteRolePermissionsBoundary", func(ctx context.Context, c api.Caller, in *iamshape.DeleteRolePermissionsBoundaryInput) (*iamshape.DeleteRolePermissionsBoundaryOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.DeleteRolePermissionsBoundaryOutput{}, d.IAM.DeleteRolePermissionsBoundary(ctx, id.AccountID, in.RoleName)
	})
}
