package main

// `iamd admin account set`: account-level settings of iamd that AWS has no
// API for, written to the configured store (next to a running server,
// which sees the change at its next request: the write bumps the account's
// revision).

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/internal/iam"
)

func newAdminAccountSetCmd(stdout io.Writer) *cobra.Command {
	var cf *configFlags
	var accountID string
	var maxAgeDays int
	cmd := &cobra.Command{
		Use:   "set --account-id ID --max-access-key-age-days N",
		Short: "Change an account's iamd settings",
		Long: "Sets the account's maximum access key age: requests signed with a long-term access key older than N\n" +
			"whole days are refused (the root's too), except the calls that rotate the caller's own keys.\n" +
			"0 removes the limit. See docs/authorization.md for rotating keys without downtime.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cf.resolve(os.Getenv)
			if err != nil {
				return err
			}
			if !iam.ValidAccountID(accountID) {
				return fmt.Errorf("--account-id %q must be 12 digits", accountID)
			}
			if !cmd.Flags().Changed("max-access-key-age-days") {
				return fmt.Errorf("nothing to set: give --max-access-key-age-days N (0 removes the limit)")
			}
			return adminSetAccount(cmd.Context(), cfg, accountID, maxAgeDays, stdout)
		},
	}
	cf = addConfigFlags(cmd, "data-dir", "store")
	cmd.Flags().StringVar(&accountID, "account-id", "", "12-digit ID of the account to change (required)")
	cmd.Flags().IntVar(&maxAgeDays, "max-access-key-age-days", 0, "refuse requests signed with long-term keys older than N whole days, 1-3650; 0 removes the limit")
	return cmd
}

func adminSetAccount(ctx context.Context, cfg config, accountID string, maxAgeDays int, stdout io.Writer) error {
	if maxAgeDays < 0 || maxAgeDays > int(iam.MaxAccessKeyAgeLimit/(24*time.Hour)) {
		return fmt.Errorf("--max-access-key-age-days %d: must be between 1 and 3650, or 0 for no limit", maxAgeDays)
	}
	// No migration: the store is the server's, at the server's schema.
	st, sealer, err := openData(ctx, cfg, false, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := iam.New(iam.Config{Store: st, Sealer: sealer, Now: time.Now, Rand: rand.Reader})
	if err := svc.SetMaxAccessKeyAge(ctx, accountID, time.Duration(maxAgeDays)*24*time.Hour); err != nil {
		return err
	}
	if maxAgeDays == 0 {
		fmt.Fprintf(stdout, "Account %s: no maximum access key age.\n", accountID)
	} else {
		fmt.Fprintf(stdout, "Account %s: access keys older than %d days are refused.\n", accountID, maxAgeDays)
	}
	return nil
}
