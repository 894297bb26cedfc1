package iamapi

import (
	"context"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
)

func groupShape(g iam.Group) iamshape.Group {
	return iamshape.Group{Path: g.Path, GroupName: g.Name, GroupId: g.ID, Arn: g.ARN, CreateDate: g.CreatedAt}
}

func registerGroupOps(srv *api.Server, d Deps) {
	handle(srv, "CreateGroup", func(ctx context.Context, id *iam.Identity, in *iamshape.CreateGroupInput) (*iamshape.CreateGroupOutput, error) {
		g, err := d.IAM.CreateGroup(ctx, id.AccountID, in.GroupName, str(in.Path))
		if err != nil {
			return nil, err
		}
		return &iamshape.CreateGroupOutput{Group: groupShape(g)}, nil
	})

	handle(srv, "GetGroup", func(ctx context.Context, id *iam.Identity, in *iamshape.GetGroupInput) (*iamshape.GetGroupOutput, error) {
		p, err := storePage(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		g, users, more, err := d.IAM.GetGroup(ctx, id.AccountID, in.GroupName, p)
		if err != nil {
			return nil, err
		}
		out := &iamshape.GetGroupOutput{Group: groupShape(g), Users: shapes(users, listedUser)}
		out.IsTruncated, out.Marker = pageEnd(more, users, userKey)
		return out, nil
	})

	handle(srv, "ListGroups", func(ctx context.Context, id *iam.Identity, in *iamshape.ListGroupsInput) (*iamshape.ListGroupsOutput, error) {
		p, err := storePage(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		gs, more, err := d.IAM.ListGroups(ctx, id.AccountID, str(in.PathPrefix), p)
		if err != nil {
			return nil, err
		}
		out := &iamshape.ListGroupsOutput{Groups: shapes(gs, groupShape)}
		out.IsTruncated, out.Marker = pageEnd(more, gs, groupKey)
		return out, nil
	})

	handle(srv, "UpdateGroup", func(ctx context.Context, id *iam.Identity, in *iamshape.UpdateGroupInput) (*iamshape.UpdateGroupOutput, error) {
		return &iamshape.UpdateGroupOutput{}, d.IAM.UpdateGroup(ctx, id.AccountID, in.GroupName, in.NewGroupName, in.NewPath)
	})

	handle(srv, "DeleteGroup", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteGroupInput) (*iamshape.DeleteGroupOutput, error) {
		return &iamshape.DeleteGroupOutput{}, d.IAM.DeleteGroup(ctx, id.AccountID, in.GroupName)
	})

	handle(srv, "AddUserToGroup", func(ctx context.Context, id *iam.Identity, in *iamshape.AddUserToGroupInput) (*iamshape.AddUserToGroupOutput, error) {
		return &iamshape.AddUserToGroupOutput{}, d.IAM.AddUserToGroup(ctx, id.AccountID, in.GroupName, in.UserName)
	})

	handle(srv, "RemoveUserFromGroup", func(ctx context.Context, id *iam.Identity, in *iamshape.RemoveUserFromGroupInput) (*iamshape.RemoveUserFromGroupOutput, error) {
		return &iamshape.RemoveUserFromGroupOutput{}, d.IAM.RemoveUserFromGroup(ctx, id.AccountID, in.GroupName, in.UserName)
	})

	handle(srv, "ListGroupsForUser", func(ctx context.Context, id *iam.Identity, in *iamshape.ListGroupsForUserInput) (*iamshape.ListGroupsForUserOutput, error) {
		p, err := storePage(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		gs, more, err := d.IAM.ListGroupsForUser(ctx, id.AccountID, in.UserName, p)
		if err != nil {
			return nil, err
		}
		out := &iamshape.ListGroupsForUserOutput{Groups: shapes(gs, groupShape)}
		out.IsTruncated, out.Marker = pageEnd(more, gs, groupKey)
		return out, nil
	})
}
