package iamapi

import (
	"context"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
)

func registerCredentialReport(srv *api.Server, d Deps) {
	handle(srv, "GenerateCredentialReport", func(ctx context.Context, id *iam.Identity, in *iamshape.GenerateCredentialReportInput) (*iamshape.GenerateCredentialReportOutput, error) {
		state, desc, err := d.IAM.GenerateCredentialReport(ctx, id.AccountID)
		if err != nil {
			return nil, err
		}
		out := &iamshape.GenerateCredentialReportOutput{State: &state}
		if desc != "" {
			out.Description = &desc
		}
		return out, nil
	})
	handle(srv, "GetCredentialReport", func(ctx context.Context, id *iam.Identity, in *iamshape.GetCredentialReportInput) (*iamshape.GetCredentialReportOutput, error) {
		r, err := d.IAM.GetCredentialReport(ctx, id.AccountID)
		if err != nil {
			return nil, err
		}
		format := "text/csv"
		// Content is a blob: the wire layer base64-encodes it.
		return &iamshape.GetCredentialReportOutput{Content: r.Content, ReportFormat: &format, GeneratedTime: &r.GeneratedAt}, nil
	})
}
