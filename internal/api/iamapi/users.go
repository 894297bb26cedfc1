package iamapi

import (
	"context"
	"time"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
)

// registerUsers registers the operations of the users area.
func registerUsers(srv *api.Server, d Deps) {
	registerUserOps(srv, d)
	registerGroupOps(srv, d)
	registerAccessKeyOps(srv, d)
	registerLoginProfileOps(srv, d)
	registerChangePassword(srv, d)
	registerUnstoredCredentialOps(srv, d)
}

// usrTime is nil for the zero time (an absent optional date).
func usrTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// listedUser is a user as lists show it (no boundary, no tags).
func listedUser(u iam.User) iamshape.User { return userShape(u, false) }

// userShape converts a user; withDetails adds what only GetUser and
// CreateUser return (permissions boundary, tags).
func userShape(u iam.User, withDetails bool) iamshape.User {
	out := iamshape.User{
		Path:             u.Path,
		UserName:         u.Name,
		UserId:           u.ID,
		Arn:              u.ARN,
		CreateDate:       u.CreatedAt,
		PasswordLastUsed: usrTime(u.PasswordLastUsed),
	}
	if withDetails {
		if u.PermissionsBoundaryARN != "" {
			out.PermissionsBoundary = &iamshape.AttachedPermissionsBoundary{
				PermissionsBoundaryType: ptr("PermissionsBoundaryPolicy"),
				PermissionsBoundaryArn:  ptr(u.PermissionsBoundaryARN),
			}
		}
		out.Tags = tagsOut(u.Tags)
	}
	return out
}

// callerUserName is the user an operation whose UserName is optional acts
// on: the given name, else the calling IAM user. The root and role
// sessions must name a user.
func callerUserName(id *iam.Identity, name *string) (string, error) {
	if name != nil {
		return *name, nil
	}
	if id.Kind == iam.IdentityUser {
		return id.UserName, nil
	}
	return "", iam.ValidationError("Must specify userName when calling with non-User credentials")
}

func registerUserOps(srv *api.Server, d Deps) {
	handle(srv, "CreateUser", func(ctx context.Context, id *iam.Identity, in *iamshape.CreateUserInput) (*iamshape.CreateUserOutput, error) {
		u, err := d.IAM.CreateUser(ctx, id.AccountID, iam.CreateUserInput{
			Name: in.UserName, Path: str(in.Path), PermissionsBoundary: str(in.PermissionsBoundary), Tags: tagsIn(in.Tags),
		})
		if err != nil {
			return nil, err
		}
		return &iamshape.CreateUserOutput{User: ptr(userShape(u, true))}, nil
	})

	handle(srv, "GetUser", func(ctx context.Context, id *iam.Identity, in *iamshape.GetUserInput) (*iamshape.GetUserOutput, error) {
		var u iam.User
		var err error
		switch {
		case in.UserName != nil:
			u, err = d.IAM.GetUser(ctx, id.AccountID, *in.UserName)
		case id.IsRoot():
			u, err = d.IAM.GetRootUser(ctx, id.AccountID)
		default:
			var name string
			if name, err = callerUserName(id, nil); err == nil {
				u, err = d.IAM.GetUser(ctx, id.AccountID, name)
			}
		}
		if err != nil {
			return nil, err
		}
		return &iamshape.GetUserOutput{User: userShape(u, true)}, nil
	})

	handle(srv, "ListUsers", func(ctx context.Context, id *iam.Identity, in *iamshape.ListUsersInput) (*iamshape.ListUsersOutput, error) {
		p, err := storePage(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		users, more, err := d.IAM.ListUsers(ctx, id.AccountID, str(in.PathPrefix), p)
		if err != nil {
			return nil, err
		}
		out := &iamshape.ListUsersOutput{Users: shapes(users, listedUser)}
		out.IsTruncated, out.Marker = pageEnd(more, users, userKey)
		return out, nil
	})

	handle(srv, "UpdateUser", func(ctx context.Context, id *iam.Identity, in *iamshape.UpdateUserInput) (*iamshape.UpdateUserOutput, error) {
		return &iamshape.UpdateUserOutput{}, d.IAM.UpdateUser(ctx, id.AccountID, in.UserName, in.NewUserName, in.NewPath)
	})

	handle(srv, "DeleteUser", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteUserInput) (*iamshape.DeleteUserOutput, error) {
		return &iamshape.DeleteUserOutput{}, d.IAM.DeleteUser(ctx, id.AccountID, in.UserName)
	})

	handle(srv, "TagUser", func(ctx context.Context, id *iam.Identity, in *iamshape.TagUserInput) (*iamshape.TagUserOutput, error) {
		return &iamshape.TagUserOutput{}, d.IAM.TagUser(ctx, id.AccountID, in.UserName, tagsIn(in.Tags))
	})

	handle(srv, "UntagUser", func(ctx context.Context, id *iam.Identity, in *iamshape.UntagUserInput) (*iamshape.UntagUserOutput, error) {
		return &iamshape.UntagUserOutput{}, d.IAM.UntagUser(ctx, id.AccountID, in.UserName, in.TagKeys)
	})

	handle(srv, "ListUserTags", func(ctx context.Context, id *iam.Identity, in *iamshape.ListUserTagsInput) (*iamshape.ListUserTagsOutput, error) {
		tags, truncated, marker, err := listTagsPage(in.Marker, in.MaxItems, func() ([]iam.Tag, error) {
			return d.IAM.ListUserTags(ctx, id.AccountID, in.UserName)
		})
		if err != nil {
			return nil, err
		}
		return &iamshape.ListUserTagsOutput{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
	})

	handle(srv, "PutUserPermissionsBoundary", func(ctx context.Context, id *iam.Identity, in *iamshape.PutUserPermissionsBoundaryInput) (*iamshape.PutUserPermissionsBoundaryOutput, error) {
		return &iamshape.PutUserPermissionsBoundaryOutput{}, d.IAM.PutUserPermissionsBoundary(ctx, id.AccountID, in.UserName, in.PermissionsBoundary)
	})

	handle(srv, "DeleteUserPermissionsBoundary", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteUserPermissionsBoundaryInput) (*iamshape.DeleteUserPermissionsBoundaryOutput, error) {
		return &iamshape.DeleteUserPermissionsBoundaryOutput{}, d.IAM.DeleteUserPermissionsBoundary(ctx, id.AccountID, in.UserName)
	})
}
