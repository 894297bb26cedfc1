package iamapi

import (
	"context"
	"time"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
)

// registerRoles registers the operations of the roles area.
func registerRoles(srv *api.Server, d Deps) {
	registerRoleOps(srv, d)
	registerInstanceProfileOps(srv, d)
	registerOIDCProviderOps(srv, d)
}

// listedRole is a role as lists show it (no last use).
func listedRole(r iam.Role) iamshape.Role { return roleShape(r, false) }

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
		AssumeRolePolicyDocument: ptr(r.AssumeRolePolicy),
		Description:              optStr(r.Description),
		MaxSessionDuration:       ptr(int32(r.MaxSessionDuration)),
		Tags:                     tagsOut(r.Tags),
	}
	if r.PermissionsBoundaryARN != "" {
		out.PermissionsBoundary = &iamshape.AttachedPermissionsBoundary{
			PermissionsBoundaryType: ptr("PermissionsBoundaryPolicy"),
			PermissionsBoundaryArn:  ptr(r.PermissionsBoundaryARN),
		}
	}
	if withLastUsed {
		out.RoleLastUsed = &iamshape.RoleLastUsed{}
		if !r.LastUsedAt.IsZero() {
			out.RoleLastUsed.LastUsedDate = ptr(r.LastUsedAt.UTC().Truncate(time.Second))
			out.RoleLastUsed.Region = optStr(r.LastUsedRegion)
		}
	}
	return out
}

func registerRoleOps(srv *api.Server, d Deps) {
	handle(srv, "CreateRole", func(ctx context.Context, id *iam.Identity, in *iamshape.CreateRoleInput) (*iamshape.CreateRoleOutput, error) {
		ci := iam.CreateRoleInput{
			Name: in.RoleName, Path: str(in.Path), AssumeRolePolicy: in.AssumeRolePolicyDocument,
			Description: str(in.Description), PermissionsBoundary: str(in.PermissionsBoundary),
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

	handle(srv, "GetRole", func(ctx context.Context, id *iam.Identity, in *iamshape.GetRoleInput) (*iamshape.GetRoleOutput, error) {
		r, err := d.IAM.GetRole(ctx, id.AccountID, in.RoleName)
		if err != nil {
			return nil, err
		}
		return &iamshape.GetRoleOutput{Role: roleShape(r, true)}, nil
	})

	handle(srv, "ListRoles", func(ctx context.Context, id *iam.Identity, in *iamshape.ListRolesInput) (*iamshape.ListRolesOutput, error) {
		p, err := storePage(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		rs, more, err := d.IAM.ListRoles(ctx, id.AccountID, str(in.PathPrefix), p)
		if err != nil {
			return nil, err
		}
		out := &iamshape.ListRolesOutput{Roles: shapes(rs, listedRole)}
		out.IsTruncated, out.Marker = pageEnd(more, rs, roleKey)
		return out, nil
	})

	handle(srv, "UpdateRole", func(ctx context.Context, id *iam.Identity, in *iamshape.UpdateRoleInput) (*iamshape.UpdateRoleOutput, error) {
		var maxSession *int
		if in.MaxSessionDuration != nil {
			maxSession = ptr(int(*in.MaxSessionDuration))
		}
		return &iamshape.UpdateRoleOutput{}, d.IAM.UpdateRole(ctx, id.AccountID, in.RoleName, in.Description, maxSession)
	})

	handle(srv, "UpdateRoleDescription", func(ctx context.Context, id *iam.Identity, in *iamshape.UpdateRoleDescriptionInput) (*iamshape.UpdateRoleDescriptionOutput, error) {
		r, err := d.IAM.UpdateRoleDescription(ctx, id.AccountID, in.RoleName, in.Description)
		if err != nil {
			return nil, err
		}
		return &iamshape.UpdateRoleDescriptionOutput{Role: ptr(roleShape(r, false))}, nil
	})

	handle(srv, "UpdateAssumeRolePolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.UpdateAssumeRolePolicyInput) (*iamshape.UpdateAssumeRolePolicyOutput, error) {
		return &iamshape.UpdateAssumeRolePolicyOutput{}, d.IAM.UpdateAssumeRolePolicy(ctx, id.AccountID, in.RoleName, in.PolicyDocument)
	})

	handle(srv, "DeleteRole", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteRoleInput) (*iamshape.DeleteRoleOutput, error) {
		return &iamshape.DeleteRoleOutput{}, d.IAM.DeleteRole(ctx, id.AccountID, in.RoleName)
	})

	handle(srv, "TagRole", func(ctx context.Context, id *iam.Identity, in *iamshape.TagRoleInput) (*iamshape.TagRoleOutput, error) {
		return &iamshape.TagRoleOutput{}, d.IAM.TagRole(ctx, id.AccountID, in.RoleName, tagsIn(in.Tags))
	})

	handle(srv, "UntagRole", func(ctx context.Context, id *iam.Identity, in *iamshape.UntagRoleInput) (*iamshape.UntagRoleOutput, error) {
		return &iamshape.UntagRoleOutput{}, d.IAM.UntagRole(ctx, id.AccountID, in.RoleName, in.TagKeys)
	})

	handle(srv, "ListRoleTags", func(ctx context.Context, id *iam.Identity, in *iamshape.ListRoleTagsInput) (*iamshape.ListRoleTagsOutput, error) {
		// As every List*Tags: a malformed marker is InvalidInput before the
		// resource is looked up.
		pg, truncated, marker, err := listTagsPage(in.Marker, in.MaxItems, func() ([]iam.Tag, error) {
			return d.IAM.ListRoleTags(ctx, id.AccountID, in.RoleName)
		})
		if err != nil {
			return nil, err
		}
		return &iamshape.ListRoleTagsOutput{Tags: pg, IsTruncated: truncated, Marker: marker}, nil
	})

	handle(srv, "PutRolePermissionsBoundary", func(ctx context.Context, id *iam.Identity, in *iamshape.PutRolePermissionsBoundaryInput) (*iamshape.PutRolePermissionsBoundaryOutput, error) {
		return &iamshape.PutRolePermissionsBoundaryOutput{}, d.IAM.PutRolePermissionsBoundary(ctx, id.AccountID, in.RoleName, in.PermissionsBoundary)
	})

	handle(srv, "DeleteRolePermissionsBoundary", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteRolePermissionsBoundaryInput) (*iamshape.DeleteRolePermissionsBoundaryOutput, error) {
		return &iamshape.DeleteRolePermissionsBoundaryOutput{}, d.IAM.DeleteRolePermissionsBoundary(ctx, id.AccountID, in.RoleName)
	})
}
