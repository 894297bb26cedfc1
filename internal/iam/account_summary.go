package iam

import (
	"context"

	"github.com/iamd/iamd/internal/store"
)

// GetAccountSummary returns GetAccountSummary's SummaryMap: the account's
// entity counts, the root user's credentials as 0/1 flags, the quotas the
// service enforces and the STS global endpoint token version, keyed as
// AWS keys them. Entities iamd does not implement (server certificates,
// SAML providers, signing certificates, root passwords) count 0.
func (s *Service) GetAccountSummary(ctx context.Context, accountID string) (map[string]int, error) {
	out := map[string]int{}
	err := s.view(ctx, func(tx store.Txn) error {
		if _, err := tx.GetAccount(ctx, accountID); err != nil {
			return mapStoreErr(err, noSuchAccount(accountID), nil)
		}
		out = s.quotas.SummaryQuotas()
		counts := []struct {
			key   string
			count func(context.Context, string) (int, error)
		}{
			{"Users", tx.CountUsers},
			{"Groups", tx.CountGroups},
			{"Roles", tx.CountRoles},
			{"Policies", tx.CountPolicies},
			{"InstanceProfiles", tx.CountInstanceProfiles},
			{"Providers", tx.CountOIDCProviders},
			{"MFADevices", tx.CountMFADevices},
			{"MFADevicesInUse", tx.CountMFADevicesInUse},
			{"PolicyVersionsInUse", tx.CountPolicyVersionsInUse},
		}
		for _, c := range counts {
			n, err := c.count(ctx, accountID)
			if err != nil {
				return err
			}
			out[c.key] = n
		}
		out["ServerCertificates"] = 0

		rootMFA, err := tx.CountMFADevicesForUser(ctx, accountID, "")
		if err != nil {
			return err
		}
		rootKeys, err := tx.ListAccessKeys(ctx, accountID, "")
		if err != nil {
			return err
		}
		out["AccountMFAEnabled"] = summaryFlag(rootMFA > 0)
		out["AccountAccessKeysPresent"] = summaryFlag(len(rootKeys) > 0)
		out["AccountPasswordPresent"] = 0
		out["AccountSigningCertificatesPresent"] = 0

		v, err := globalEndpointTokenVersion(ctx, tx, accountID)
		out["GlobalEndpointTokenVersion"] = v
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func summaryFlag(b bool) int {
	if b {
		return 1
	}
	return 0
}
