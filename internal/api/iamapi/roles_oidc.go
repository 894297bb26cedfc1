package iamapi

import (
	"context"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
)

func registerOIDCProviderOps(srv *api.Server, d Deps) {
	handle(srv, "CreateOpenIDConnectProvider", func(ctx context.Context, id *iam.Identity, in *iamshape.CreateOpenIDConnectProviderInput) (*iamshape.CreateOpenIDConnectProviderOutput, error) {
		p, err := d.IAM.CreateOpenIDConnectProvider(ctx, id.AccountID, in.Url, in.ClientIDList, in.ThumbprintList, tagsIn(in.Tags))
		if err != nil {
			return nil, err
		}
		return &iamshape.CreateOpenIDConnectProviderOutput{OpenIDConnectProviderArn: ptr(p.ARN), Tags: tagsOut(p.Tags)}, nil
	})

	handle(srv, "GetOpenIDConnectProvider", func(ctx context.Context, id *iam.Identity, in *iamshape.GetOpenIDConnectProviderInput) (*iamshape.GetOpenIDConnectProviderOutput, error) {
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

	handle(srv, "ListOpenIDConnectProviders", func(ctx context.Context, id *iam.Identity, in *iamshape.ListOpenIDConnectProvidersInput) (*iamshape.ListOpenIDConnectProvidersOutput, error) {
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

	handle(srv, "DeleteOpenIDConnectProvider", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteOpenIDConnectProviderInput) (*iamshape.DeleteOpenIDConnectProviderOutput, error) {
		return &iamshape.DeleteOpenIDConnectProviderOutput{}, d.IAM.DeleteOpenIDConnectProvider(ctx, id.AccountID, in.OpenIDConnectProviderArn)
	})

	handle(srv, "AddClientIDToOpenIDConnectProvider", func(ctx context.Context, id *iam.Identity, in *iamshape.AddClientIDToOpenIDConnectProviderInput) (*iamshape.AddClientIDToOpenIDConnectProviderOutput, error) {
		return &iamshape.AddClientIDToOpenIDConnectProviderOutput{},
			d.IAM.AddClientIDToOpenIDConnectProvider(ctx, id.AccountID, in.OpenIDConnectProviderArn, in.ClientID)
	})

	handle(srv, "RemoveClientIDFromOpenIDConnectProvider", func(ctx context.Context, id *iam.Identity, in *iamshape.RemoveClientIDFromOpenIDConnectProviderInput) (*iamshape.RemoveClientIDFromOpenIDConnectProviderOutput, error) {
		return &iamshape.RemoveClientIDFromOpenIDConnectProviderOutput{},
			d.IAM.RemoveClientIDFromOpenIDConnectProvider(ctx, id.AccountID, in.OpenIDConnectProviderArn, in.ClientID)
	})

	handle(srv, "UpdateOpenIDConnectProviderThumbprint", func(ctx context.Context, id *iam.Identity, in *iamshape.UpdateOpenIDConnectProviderThumbprintInput) (*iamshape.UpdateOpenIDConnectProviderThumbprintOutput, error) {
		return &iamshape.UpdateOpenIDConnectProviderThumbprintOutput{},
			d.IAM.UpdateOpenIDConnectProviderThumbprint(ctx, id.AccountID, in.OpenIDConnectProviderArn, in.ThumbprintList)
	})

	handle(srv, "TagOpenIDConnectProvider", func(ctx context.Context, id *iam.Identity, in *iamshape.TagOpenIDConnectProviderInput) (*iamshape.TagOpenIDConnectProviderOutput, error) {
		return &iamshape.TagOpenIDConnectProviderOutput{},
			d.IAM.TagOpenIDConnectProvider(ctx, id.AccountID, in.OpenIDConnectProviderArn, tagsIn(in.Tags))
	})

	handle(srv, "UntagOpenIDConnectProvider", func(ctx context.Context, id *iam.Identity, in *iamshape.UntagOpenIDConnectProviderInput) (*iamshape.UntagOpenIDConnectProviderOutput, error) {
		return &iamshape.UntagOpenIDConnectProviderOutput{},
			d.IAM.UntagOpenIDConnectProvider(ctx, id.AccountID, in.OpenIDConnectProviderArn, in.TagKeys)
	})

	handle(srv, "ListOpenIDConnectProviderTags", func(ctx context.Context, id *iam.Identity, in *iamshape.ListOpenIDConnectProviderTagsInput) (*iamshape.ListOpenIDConnectProviderTagsOutput, error) {
		// As every List*Tags: a malformed marker is InvalidInput before the
		// resource is looked up.
		pg, truncated, marker, err := listTagsPage(in.Marker, in.MaxItems, func() ([]iam.Tag, error) {
			return d.IAM.ListOpenIDConnectProviderTags(ctx, id.AccountID, in.OpenIDConnectProviderArn)
		})
		if err != nil {
			return nil, err
		}
		return &iamshape.ListOpenIDConnectProviderTagsOutput{Tags: pg, IsTruncated: truncated, Marker: marker}, nil
	})
}
