package iam

import (
	"context"
	"fmt"

	"github.com/iamd/iamd/internal/store"
)

// ResealCounts counts the sealed values a ResealSecrets pass re-sealed.
type ResealCounts struct {
	AccessKeys int
	MFASeeds   int
}

// resealPage bounds each transaction of ResealSecrets: one page of users or
// MFA devices, so that a large account never holds one long write
// transaction (and a crash loses at most one page of work).
const resealPage = 100

// ResealSecrets re-seals under the sealer's primary master key every access
// key secret and MFA seed of every account that was sealed under another
// (previous) key; see docs/sts.md, "Rotating the master key". It runs one
// transaction per owner's access keys and per page of MFA devices. Values
// already under the primary key are left alone, so a pass interrupted at
// any point is finished by running it again, and a pass that re-seals 0
// values confirms that nothing needs the previous keys any more (as long as
// every node seals under the new key). A value that opens under none of the
// sealer's keys stops the pass with an error naming it.
func (s *Service) ResealSecrets(ctx context.Context) (ResealCounts, error) {
	var total ResealCounts
	p := store.Page{Limit: resealPage}
	for {
		var accounts []store.Account
		var more bool
		err := s.store.View(ctx, func(tx store.Txn) error {
			var err error
			accounts, more, err = tx.ListAccounts(ctx, p)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("iam: list accounts: %w", err)
		}
		for _, a := range accounts {
			n, err := s.resealAccessKeys(ctx, a.ID)
			total.AccessKeys += n
			if err != nil {
				return total, err
			}
			n, err = s.resealMFASeeds(ctx, a.ID)
			total.MFASeeds += n
			if err != nil {
				return total, err
			}
		}
		if !more || len(accounts) == 0 {
			return total, nil
		}
		p.After = accounts[len(accounts)-1].ID
	}
}

// resealAccessKeys re-seals the keys of the account's root, then of its
// users a page at a time.
func (s *Service) resealAccessKeys(ctx context.Context, accountID string) (int, error) {
	total, err := s.resealOwnersKeys(ctx, accountID, []string{""})
	if err != nil {
		return total, err
	}
	p := store.Page{Limit: resealPage}
	for {
		var users []store.User
		var more bool
		err := s.store.View(ctx, func(tx store.Txn) error {
			var err error
			users, more, err = tx.ListUsers(ctx, accountID, "", p)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("iam: list users of account %s: %w", accountID, err)
		}
		ids := make([]string, len(users))
		for i, u := range users {
			ids[i] = u.ID
		}
		n, err := s.resealOwnersKeys(ctx, accountID, ids)
		total += n
		if err != nil || !more || len(users) == 0 {
			return total, err
		}
		p.After = store.NameKey(users[len(users)-1].Name)
	}
}

// resealOwnersKeys re-seals the access keys of the owners (user IDs, ""
// for the root) in one transaction. Opening and sealing happen inside it,
// unlike the rule for operations, because what to seal is only known from
// what the transaction reads; a retried closure re-seals again, which only
// draws other nonces.
func (s *Service) resealOwnersKeys(ctx context.Context, accountID string, owners []string) (int, error) {
	n := 0
	err := s.store.Tx(ctx, func(tx store.Txn) error {
		n = 0
		for _, owner := range owners {
			keys, err := tx.ListAccessKeys(ctx, accountID, owner)
			if err != nil {
				return err
			}
			for _, k := range keys {
				if !s.sealer.NeedsReseal(k.SecretSealed) {
					continue
				}
				sealed, err := s.reseal(sealAccessKey, k.ID, k.SecretSealed)
				if err != nil {
					return err
				}
				if err := tx.UpdateAccessKeySecret(ctx, accountID, k.ID, sealed); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("iam: reseal access keys of account %s: %w", accountID, err)
	}
	return n, nil
}

// resealMFASeeds re-seals the account's MFA seeds, one transaction per page
// of devices.
func (s *Service) resealMFASeeds(ctx context.Context, accountID string) (int, error) {
	total := 0
	p := store.Page{Limit: resealPage}
	for {
		var n int
		var devices []store.MFADevice
		var more bool
		err := s.store.Tx(ctx, func(tx store.Txn) error {
			n = 0
			var err error
			devices, more, err = tx.ListVirtualMFADevices(ctx, accountID, store.MFAAny, p)
			if err != nil {
				return err
			}
			for _, d := range devices {
				if !s.sealer.NeedsReseal(d.SeedSealed) {
					continue
				}
				sealed, err := s.reseal(sealMFASeed, d.SerialNumber, d.SeedSealed)
				if err != nil {
					return err
				}
				if err := tx.UpdateMFADeviceSeed(ctx, accountID, d.SerialNumber, sealed); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("iam: reseal MFA seeds of account %s: %w", accountID, err)
		}
		total += n
		if !more || len(devices) == 0 {
			return total, nil
		}
		p.After = devices[len(devices)-1].SerialNumber
	}
}

// reseal opens what seal sealed for (kind, id) and seals it again under the
// primary key, with the same associated data.
func (s *Service) reseal(kind, id string, sealed []byte) ([]byte, error) {
	ad := []byte("iamd/" + kind + "/" + id)
	pt, err := s.sealer.Open(sealed, ad)
	if err != nil {
		return nil, fmt.Errorf("open sealed %s %s: %w", kind, id, err)
	}
	return s.sealer.Seal(pt, ad)
}
