package iamapi

import (
	"context"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
)

// instanceProfileShape converts a profile; its Roles list is always sent
// (required by the model), each role with its URL-encoded trust document.
func instanceProfileShape(ip iam.InstanceProfile) iamshape.InstanceProfile {
	out := iamshape.InstanceProfile{
		Path:                ip.Path,
		InstanceProfileName: ip.Name,
		InstanceProfileId:   ip.ID,
		Arn:                 ip.ARN,
		CreateDate:          ip.CreatedAt,
		Roles:               shapes(ip.Roles, listedRole),
		Tags:                tagsOut(ip.Tags),
	}
	return out
}

func registerInstanceProfileOps(srv *api.Server, d Deps) {
	handle(srv, "CreateInstanceProfile", func(ctx context.Context, id *iam.Identity, in *iamshape.CreateInstanceProfileInput) (*iamshape.CreateInstanceProfileOutput, error) {
		ip, err := d.IAM.CreateInstanceProfile(ctx, id.AccountID, in.InstanceProfileName, str(in.Path), tagsIn(in.Tags))
		if err != nil {
			return nil, err
		}
		return &iamshape.CreateInstanceProfileOutput{InstanceProfile: instanceProfileShape(ip)}, nil
	})

	handle(srv, "GetInstanceProfile", func(ctx context.Context, id *iam.Identity, in *iamshape.GetInstanceProfileInput) (*iamshape.GetInstanceProfileOutput, error) {
		ip, err := d.IAM.GetInstanceProfile(ctx, id.AccountID, in.InstanceProfileName)
		if err != nil {
			return nil, err
		}
		return &iamshape.GetInstanceProfileOutput{InstanceProfile: instanceProfileShape(ip)}, nil
	})

	handle(srv, "ListInstanceProfiles", func(ctx context.Context, id *iam.Identity, in *iamshape.ListInstanceProfilesInput) (*iamshape.ListInstanceProfilesOutput, error) {
		p, err := storePage(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		ips, more, err := d.IAM.ListInstanceProfiles(ctx, id.AccountID, str(in.PathPrefix), p)
		if err != nil {
			return nil, err
		}
		out := &iamshape.ListInstanceProfilesOutput{InstanceProfiles: shapes(ips, instanceProfileShape)}
		out.IsTruncated, out.Marker = pageEnd(more, ips, instanceProfileKey)
		return out, nil
	})

	handle(srv, "ListInstanceProfilesForRole", func(ctx context.Context, id *iam.Identity, in *iamshape.ListInstanceProfilesForRoleInput) (*iamshape.ListInstanceProfilesForRoleOutput, error) {
		p, err := storePage(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		ips, more, err := d.IAM.ListInstanceProfilesForRole(ctx, id.AccountID, in.RoleName, p)
		if err != nil {
			return nil, err
		}
		out := &iamshape.ListInstanceProfilesForRoleOutput{InstanceProfiles: shapes(ips, instanceProfileShape)}
		out.IsTruncated, out.Marker = pageEnd(more, ips, instanceProfileKey)
		return out, nil
	})

	handle(srv, "DeleteInstanceProfile", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteInstanceProfileInput) (*iamshape.DeleteInstanceProfileOutput, error) {
		return &iamshape.DeleteInstanceProfileOutput{}, d.IAM.DeleteInstanceProfile(ctx, id.AccountID, in.InstanceProfileName)
	})

	handle(srv, "AddRoleToInstanceProfile", func(ctx context.Context, id *iam.Identity, in *iamshape.AddRoleToInstanceProfileInput) (*iamshape.AddRoleToInstanceProfileOutput, error) {
		return &iamshape.AddRoleToInstanceProfileOutput{}, d.IAM.AddRoleToInstanceProfile(ctx, id.AccountID, in.InstanceProfileName, in.RoleName)
	})

	handle(srv, "RemoveRoleFromInstanceProfile", func(ctx context.Context, id *iam.Identity, in *iamshape.RemoveRoleFromInstanceProfileInput) (*iamshape.RemoveRoleFromInstanceProfileOutput, error) {
		return &iamshape.RemoveRoleFromInstanceProfileOutput{}, d.IAM.RemoveRoleFromInstanceProfile(ctx, id.AccountID, in.InstanceProfileName, in.RoleName)
	})

	handle(srv, "TagInstanceProfile", func(ctx context.Context, id *iam.Identity, in *iamshape.TagInstanceProfileInput) (*iamshape.TagInstanceProfileOutput, error) {
		return &iamshape.TagInstanceProfileOutput{}, d.IAM.TagInstanceProfile(ctx, id.AccountID, in.InstanceProfileName, tagsIn(in.Tags))
	})

	handle(srv, "UntagInstanceProfile", func(ctx context.Context, id *iam.Identity, in *iamshape.UntagInstanceProfileInput) (*iamshape.UntagInstanceProfileOutput, error) {
		return &iamshape.UntagInstanceProfileOutput{}, d.IAM.UntagInstanceProfile(ctx, id.AccountID, in.InstanceProfileName, in.TagKeys)
	})

	handle(srv, "ListInstanceProfileTags", func(ctx context.Context, id *iam.Identity, in *iamshape.ListInstanceProfileTagsInput) (*iamshape.ListInstanceProfileTagsOutput, error) {
		// As every List*Tags: a malformed marker is InvalidInput before the
		// resource is looked up.
		pg, truncated, marker, err := listTagsPage(in.Marker, in.MaxItems, func() ([]iam.Tag, error) {
			return d.IAM.ListInstanceProfileTags(ctx, id.AccountID, in.InstanceProfileName)
		})
		if err != nil {
			return nil, err
		}
		return &iamshape.ListInstanceProfileTagsOutput{Tags: pg, IsTruncated: truncated, Marker: marker}, nil
	})
}
