package iamapi

import (
	"context"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
)

func registerCredentialReport(srv *api.Server, d Deps) {
	api.Handle(srv, "GenerateCredentialReport", func(ctx context.Context, c api.Caller, in *iamshape.GenerateCredentialReportInput) (*iamshape.GenerateCredentialReportOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
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
	api.Handle(srv, "GetCredentialReport", func(ctx context.Context, c api.Caller, in *iamshape.GetCredentialReportInput) (*iamshape.GetCredentialReportOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		r, err := d.IAM.GetCredentialReport(ctx, id.AccountID)
		if err != nil {
			return nil, err
		}
		format := "text/csv"
		// Content is a blob: the wire layer base64-encodes it.
		return &iamshape.GetCredentialReportOutput{Content: r.Content, ReportFormat: &format, GeneratedTime: &r.GeneratedAt}, nil
	})
}
