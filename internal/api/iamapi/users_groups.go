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
	api.Handle(srv, "CreateGroup", func(ctx context.Context, c api.Caller, in *iamshape.CreateGroupInput) (*iamshape.CreateGroupOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		g, err := d.IAM.CreateGroup(ctx, id.AccountID, in.GroupName, str(in.Path))
		if err != nil {
			return nil, err
		}
		return &iamshape.CreateGroupOutput{Group: groupShape(g)}, nil
	})

	api.Handle(srv, "GetGroup", func(ctx context.Context, c api.Caller, in *iamshape.GetGroupInput) (*iamshape.GetGroupOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
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

	api.Handle(srv, "ListGroups", func(ctx context.Context, c api.Caller, in *iamshape.ListGroupsInput) (*iamshape.ListGroupsOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
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

	api.Handle(srv, "UpdateGroup", func(ctx context.Context, c api.Caller, in *iamshape.UpdateGroupInput) (*iamshape.UpdateGroupOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.UpdateGroupOutput{}, d.IAM.UpdateGroup(ctx, id.AccountID, in.GroupName, in.NewGroupName, in.NewPath)
	})

	api.Handle(srv, "DeleteGroup", func(ctx context.Context, c api.Caller, in *iamshape.DeleteGroupInput) (*iamshape.DeleteGroupOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.DeleteGroupOutput{}, d.IAM.DeleteGroup(ctx, id.AccountID, in.GroupName)
	})

	api.Handle(srv, "AddUserToGroup", func(ctx context.Context, c api.Caller, in *iamshape.AddUserToGroupInput) (*iamshape.AddUserToGroupOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.AddUserToGroupOutput{}, d.IAM.AddUserToGroup(ctx, id.AccountID, in.GroupName, in.UserName)
	})

	api.Handle(srv, "RemoveUserFromGroup", func(ctx context.Context, c api.Caller, in *iamshape.RemoveUserFromGroupInput) (*iamshape.RemoveUserFromGroupOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.RemoveUserFromGroupOutput{}, d.IAM.RemoveUserFromGroup(ctx, id.AccountID, in.GroupName, in.UserName)
	})

	api.Handle(srv, "ListGroupsForUser", func(ctx context.Context, c api.Caller, in *iamshape.ListGroupsForUserInput) (*iamshape.ListGroupsForUserOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
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
