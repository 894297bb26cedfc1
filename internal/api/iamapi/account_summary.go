package iamapi

import (
	"context"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
)

func registerAccountSummary(srv *api.Server, d Deps) {
	handle(srv, "GetAccountSummary", func(ctx context.Context, id *iam.Identity, in *iamshape.GetAccountSummaryInput) (*iamshape.GetAccountSummaryOutput, error) {
		m, err := d.IAM.GetAccountSummary(ctx, id.AccountID)
		if err != nil {
			return nil, err
		}
		out := &iamshape.GetAccountSummaryOutput{SummaryMap: make(map[string]int32, len(m))}
		for k, v := range m {
			out.SummaryMap[k] = int32(min(v, 1<<31-1))
		}
		return out, nil
	})
}
