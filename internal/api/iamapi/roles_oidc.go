package iamapi

import (
	"context"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
)

func registerOIDCProviderOps(srv *api.Server, d Deps) {
	api.Handle(srv, "CreateOpenIDConnectProvider", func(ctx context.Context, c api.Caller, in *iamshape.CreateOpenIDConnectProviderInput) (*iamshape.CreateOpenIDConnectProviderOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		p, err := d.IAM.CreateOpenIDConnectProvider(ctx, id.AccountID, in.Url, in.ClientIDList, in.ThumbprintList, tagsIn(in.Tags))
		if err != nil {
			return nil, err
		}
		return &iamshape.CreateOpenIDConnectProviderOutput{OpenIDConnectProviderArn: ptr(p.ARN), Tags: tagsOut(p.Tags)}, nil
	})

	api.Handle(srv, "GetOpenIDConnectProvider", func(ctx context.Context, c api.Caller, in *iamshape.GetOpenIDConnectProviderInput) (*iamshape.GetOpenIDConnectProviderOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		p, err := d.IAM.GetOpenIDConnectProvider(ctx, id.AccountID, in.OpenIDConnectProviderArn)
		if err != nil {
			return nil, err
		}
		// Both lists are always sent (empty when none), as AWS does.
		out := &iamshape.GetOpenIDConnectProviderOutput{
			Url: ptr(p.URL), ClientIDList: p.ClientIDs, ThumbprintList: p.Thumbprints,
			CreateDate: ptr(p.CreatedAt), Tags: tagsOut(p.Tags),
		}
		if out.ClientIDList == nil {
			out.ClientIDList = []string{}
		}
		if out.ThumbprintList == nil {
			out.ThumbprintList = []string{}
		}
		return out, nil
	})

	api.Handle(srv, "ListOpenIDConnectProviders", func(ctx context.Context, c api.Caller, in *iamshape.ListOpenIDConnectProvidersInput) (*iamshape.ListOpenIDConnectProvidersOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		arns, err := d.IAM.ListOpenIDConnectProviders(ctx, id.AccountID)
		if err != nil {
			return nil, err
		}
		out := &iamshape.ListOpenIDConnectProvidersOutput{OpenIDConnectProviderList: make([]iamshape.OpenIDConnectProviderListEntry, len(arns))}
		for i, a := range arns {
			out.OpenIDConnectProviderList[i] = iamshape.OpenIDConnectProviderListEntry{Arn: ptr(a)}
		}
		return out, nil
	})

	api.Handle(srv, "DeleteOpenIDConnectProvider", func(ctx context.Context, c api.Caller, in *iamshape.DeleteOpenIDConnectProviderInput) (*iamshape.DeleteOpenIDConnectProviderOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.DeleteOpenIDConnectProviderOutput{}, d.IAM.DeleteOpenIDConnectProvider(ctx, id.AccountID, in.OpenIDConnectProviderArn)
	})

	api.Handle(srv, "AddClientIDToOpenIDConnectProvider", func(ctx context.Context, c api.Caller, in *iamshape.AddClientIDToOpenIDConnectProviderInput) (*iamshape.AddClientIDToOpenIDConnectProviderOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.AddClientIDToOpenIDConnectProviderOutput{},
			d.IAM.AddClientIDToOpenIDConnectProvider(ctx, id.AccountID, in.OpenIDConnectProviderArn, in.ClientID)
	})

	api.Handle(srv, "RemoveClientIDFromOpenIDConnectProvider", func(ctx context.Context, c api.Caller, in *iamshape.RemoveClientIDFromOpenIDConnectProviderInput) (*iamshape.RemoveClientIDFromOpenIDConnectProviderOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.RemoveClientIDFromOpenIDConnectProviderOutput{},
			d.IAM.RemoveClientIDFromOpenIDConnectProvider(ctx, id.AccountID, in.OpenIDConnectProviderArn, in.ClientID)
	})

	api.Handle(srv, "UpdateOpenIDConnectProviderThumbprint", func(ctx context.Context, c api.Caller, in *iamshape.UpdateOpenIDConnectProviderThumbprintInput) (*iamshape.UpdateOpenIDConnectProviderThumbprintOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.UpdateOpenIDConnectProviderThumbprintOutput{},
			d.IAM.UpdateOpenIDConnectProviderThumbprint(ctx, id.AccountID, in.OpenIDConnectProviderArn, in.ThumbprintList)
	})

	api.Handle(srv, "TagOpenIDConnectProvider", func(ctx context.Context, c api.Caller, in *iamshape.TagOpenIDConnectProviderInput) (*iamshape.TagOpenIDConnectProviderOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.TagOpenIDConnectProviderOutput{},
			d.IAM.TagOpenIDConnectProvider(ctx, id.AccountID, in.OpenIDConnectProviderArn, tagsIn(in.Tags))
	})

	api.Handle(srv, "UntagOpenIDConnectProvider", func(ctx context.Context, c api.Caller, in *iamshape.UntagOpenIDConnectProviderInput) (*iamshape.UntagOpenIDConnectProviderOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return &iamshape.UntagOpenIDConnectProviderOutput{},
			d.IAM.UntagOpenIDConnectProvider(ctx, id.AccountID, in.OpenIDConnectProviderArn, in.TagKeys)
	})

	api.Handle(srv, "ListOpenIDConnectProviderTags", func(ctx context.Context, c api.Caller, in *iamshape.ListOpenIDConnectProviderTagsInput) (*iamshape.ListOpenIDConnectProviderTagsOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		tags, err := d.IAM.ListOpenIDConnectProviderTags(ctx, id.AccountID, in.OpenIDConnectProviderArn)
		if err != nil {
			return nil, err
		}
		// The resource is read before the marker is decoded: a missing one is
		// NoSuchEntity whatever the marker.
		pg, truncated, marker, err := listTagsPage(in.Marker, in.MaxItems, func() ([]iam.Tag, error) { return tags, nil })
		if err != nil {
			return nil, err
		}
		return &iamshape.ListOpenIDConnectProviderTagsOutput{Tags: pg, IsTruncated: truncated, Marker: marker}, nil
	})
}
