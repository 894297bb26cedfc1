package iamapi

import (
	"context"
	"time"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
)

// registerPolicies registers the operations of the policies area.
func registerPolicies(srv *api.Server, d Deps) {
	registerManagedPolicies(srv, d)
	registerAttachments(srv, d)
	registerInlinePolicies(srv, d)
	registerAuthorizationDetails(srv, d)
}

func polTime(t time.Time) *time.Time {
	t = t.UTC()
	return &t
}

// listedPolicy is a policy as ListPolicies shows it.
func listedPolicy(p iam.Policy) iamshape.Policy { return policyShape(p, false) }

// listedVersion is a version as ListPolicyVersions shows it (no document).
func listedVersion(v iam.PolicyVersion) iamshape.PolicyVersion { return versionShape(v, false) }

// policyShape converts a policy; full adds what only GetPolicy and
// CreatePolicy return (Description, Tags).
func policyShape(p iam.Policy, full bool) iamshape.Policy {
	out := iamshape.Policy{
		PolicyName:                    ptr(p.Name),
		PolicyId:                      ptr(p.ID),
		Arn:                           ptr(p.ARN),
		Path:                          ptr(p.Path),
		DefaultVersionId:              ptr(p.DefaultVersionID),
		AttachmentCount:               ptr(int32(p.AttachmentCount)),
		PermissionsBoundaryUsageCount: ptr(int32(p.PermissionsBoundaryUsageCount)),
		IsAttachable:                  ptr(p.IsAttachable),
		CreateDate:                    polTime(p.CreateDate),
		UpdateDate:                    polTime(p.UpdateDate),
	}
	if full {
		out.Description = optStr(p.Description)
		out.Tags = tagsOut(p.Tags)
	}
	return out
}

// versionShape converts a policy version; the document is included when
// withDocument (GetPolicyVersion; AWS leaves it out of CreatePolicyVersion
// and ListPolicyVersions).
func versionShape(v iam.PolicyVersion, withDocument bool) iamshape.PolicyVersion {
	out := iamshape.PolicyVersion{
		VersionId:        ptr(v.VersionID),
		IsDefaultVersion: ptr(v.IsDefaultVersion),
		CreateDate:       polTime(v.CreateDate),
	}
	if withDocument {
		out.Document = ptr(v.Document)
	}
	return out
}

func registerManagedPolicies(srv *api.Server, d Deps) {
	handle(srv, "CreatePolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.CreatePolicyInput) (*iamshape.CreatePolicyOutput, error) {
		p, err := d.IAM.CreatePolicy(ctx, id.AccountID, iam.CreatePolicyInput{
			Name: in.PolicyName, Path: str(in.Path), Description: str(in.Description),
			Document: in.PolicyDocument, Tags: tagsIn(in.Tags),
		})
		if err != nil {
			return nil, err
		}
		out := policyShape(p, true)
		return &iamshape.CreatePolicyOutput{Policy: &out}, nil
	})
	handle(srv, "GetPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.GetPolicyInput) (*iamshape.GetPolicyOutput, error) {
		p, err := d.IAM.GetPolicy(ctx, id.AccountID, in.PolicyArn)
		if err != nil {
			return nil, err
		}
		out := policyShape(p, true)
		return &iamshape.GetPolicyOutput{Policy: &out}, nil
	})
	handle(srv, "ListPolicies", func(ctx context.Context, id *iam.Identity, in *iamshape.ListPoliciesInput) (*iamshape.ListPoliciesOutput, error) {
		pg, err := storePage(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		ps, more, err := d.IAM.ListPolicies(ctx, id.AccountID, iam.ListPoliciesInput{
			Scope: str(in.Scope), OnlyAttached: in.OnlyAttached != nil && *in.OnlyAttached,
			PathPrefix: str(in.PathPrefix), UsageFilter: str(in.PolicyUsageFilter),
		}, pg)
		if err != nil {
			return nil, err
		}
		out := &iamshape.ListPoliciesOutput{Policies: shapes(ps, listedPolicy)}
		out.IsTruncated, out.Marker = pageEnd(more, ps, iam.Policy.SortKey)
		return out, nil
	})
	handle(srv, "DeletePolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.DeletePolicyInput) (*iamshape.DeletePolicyOutput, error) {
		if err := iam.CheckPolicyModifiable(id, "DeletePolicy", in.PolicyArn); err != nil {
			return nil, err
		}
		return &iamshape.DeletePolicyOutput{}, d.IAM.DeletePolicy(ctx, id.AccountID, in.PolicyArn)
	})
	handle(srv, "CreatePolicyVersion", func(ctx context.Context, id *iam.Identity, in *iamshape.CreatePolicyVersionInput) (*iamshape.CreatePolicyVersionOutput, error) {
		if err := iam.CheckPolicyModifiable(id, "CreatePolicyVersion", in.PolicyArn); err != nil {
			return nil, err
		}
		v, err := d.IAM.CreatePolicyVersion(ctx, id.AccountID, in.PolicyArn, in.PolicyDocument, in.SetAsDefault != nil && *in.SetAsDefault)
		if err != nil {
			return nil, err
		}
		out := versionShape(v, false)
		return &iamshape.CreatePolicyVersionOutput{PolicyVersion: &out}, nil
	})
	handle(srv, "GetPolicyVersion", func(ctx context.Context, id *iam.Identity, in *iamshape.GetPolicyVersionInput) (*iamshape.GetPolicyVersionOutput, error) {
		v, err := d.IAM.GetPolicyVersion(ctx, id.AccountID, in.PolicyArn, in.VersionId)
		if err != nil {
			return nil, err
		}
		out := versionShape(v, true)
		return &iamshape.GetPolicyVersionOutput{PolicyVersion: &out}, nil
	})
	handle(srv, "ListPolicyVersions", func(ctx context.Context, id *iam.Identity, in *iamshape.ListPolicyVersionsInput) (*iamshape.ListPolicyVersionsOutput, error) {
		pg, err := api.PageFrom(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		vs, err := d.IAM.ListPolicyVersions(ctx, id.AccountID, in.PolicyArn)
		if err != nil {
			return nil, err
		}
		page, truncated, marker := api.Paginate(vs, func(v iam.PolicyVersion) string { return iam.VersionSortKey(v.VersionID) }, pg)
		return &iamshape.ListPolicyVersionsOutput{Versions: shapes(page, listedVersion), IsTruncated: ptr(truncated), Marker: marker}, nil
	})
	handle(srv, "DeletePolicyVersion", func(ctx context.Context, id *iam.Identity, in *iamshape.DeletePolicyVersionInput) (*iamshape.DeletePolicyVersionOutput, error) {
		if err := iam.CheckPolicyModifiable(id, "DeletePolicyVersion", in.PolicyArn); err != nil {
			return nil, err
		}
		return &iamshape.DeletePolicyVersionOutput{}, d.IAM.DeletePolicyVersion(ctx, id.AccountID, in.PolicyArn, in.VersionId)
	})
	handle(srv, "SetDefaultPolicyVersion", func(ctx context.Context, id *iam.Identity, in *iamshape.SetDefaultPolicyVersionInput) (*iamshape.SetDefaultPolicyVersionOutput, error) {
		if err := iam.CheckPolicyModifiable(id, "SetDefaultPolicyVersion", in.PolicyArn); err != nil {
			return nil, err
		}
		return &iamshape.SetDefaultPolicyVersionOutput{}, d.IAM.SetDefaultPolicyVersion(ctx, id.AccountID, in.PolicyArn, in.VersionId)
	})
	handle(srv, "TagPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.TagPolicyInput) (*iamshape.TagPolicyOutput, error) {
		if err := iam.CheckPolicyModifiable(id, "TagPolicy", in.PolicyArn); err != nil {
			return nil, err
		}
		return &iamshape.TagPolicyOutput{}, d.IAM.TagPolicy(ctx, id.AccountID, in.PolicyArn, tagsIn(in.Tags))
	})
	handle(srv, "UntagPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.UntagPolicyInput) (*iamshape.UntagPolicyOutput, error) {
		if err := iam.CheckPolicyModifiable(id, "UntagPolicy", in.PolicyArn); err != nil {
			return nil, err
		}
		return &iamshape.UntagPolicyOutput{}, d.IAM.UntagPolicy(ctx, id.AccountID, in.PolicyArn, in.TagKeys)
	})
	handle(srv, "ListPolicyTags", func(ctx context.Context, id *iam.Identity, in *iamshape.ListPolicyTagsInput) (*iamshape.ListPolicyTagsOutput, error) {
		tags, truncated, marker, err := listTagsPage(in.Marker, in.MaxItems, func() ([]iam.Tag, error) {
			return d.IAM.ListPolicyTags(ctx, id.AccountID, in.PolicyArn)
		})
		if err != nil {
			return nil, err
		}
		return &iamshape.ListPolicyTagsOutput{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
	})
}
