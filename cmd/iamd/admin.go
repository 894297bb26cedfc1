package main

// `iamd admin`: administration on the data directory, next to or instead of
// a running server (SQLite allows both processes at once).

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/internal/iam"
)

func newAdminCmd(stdout, _ io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Administer the accounts of a data directory",
	}
	account := &cobra.Command{Use: "account", Short: "Manage accounts"}
	account.AddCommand(newAdminAccountCreateCmd(stdout))
	account.AddCommand(newAdminAccountSetCmd(stdout))
	cmd.AddCommand(account)
	cmd.AddCommand(newAdminRotateMasterKeyCmd(stdout))
	return cmd
}

func newAdminAccountCreateCmd(stdout io.Writer) *cobra.Command {
	var cf *configFlags
	var accountID string
	cmd := &cobra.Command{
		Use:   "create [--account-id ID]",
		Short: "Create an account with a root access key",
		Long: "Creates the account (random 12-digit ID unless --account-id) and its root access key,\n" +
			"prints the credentials and writes them to <data-dir>/root-<account>.credentials (mode 0600).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cf.resolve(os.Getenv)
			if err != nil {
				return err
			}
			if accountID != "" && !iam.ValidAccountID(accountID) {
				return fmt.Errorf("account ID %q must be 12 digits", accountID)
			}
			return adminCreateAccount(cmd.Context(), cfg, accountID, stdout)
		},
	}
	cf = addConfigFlags(cmd, "data-dir", "store")
	// Not the serve setting of the same name (IAMD_ACCOUNT_ID is the
	// server's default account): here it names the account to create.
	cmd.Flags().StringVar(&accountID, "account-id", "", "12-digit ID of the new account (default: random)")
	return cmd
}

func adminCreateAccount(ctx context.Context, cfg config, accountID string, stdout io.Writer) error {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	st, sealer, err := openData(ctx, cfg, true, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := iam.New(iam.Config{Store: st, Sealer: sealer, Now: time.Now, Rand: rand.Reader})
	if accountID == "" {
		if accountID, err = iam.NewAccountID(rand.Reader); err != nil {
			return err
		}
	}
	// Refuse an existing account: it has root credentials already.
	_, err = svc.Revision(ctx, accountID)
	var ie *iam.Error
	switch {
	case err == nil:
		return fmt.Errorf("account %s already exists", accountID)
	case !errors.As(err, &ie) || ie.Code != iam.CodeNoSuchEntity:
		return err
	}
	path := filepath.Join(cfg.DataDir, "root-"+accountID+".credentials")
	if err := createAccountCredentials(ctx, svc, accountID, path); err != nil {
		return err
	}
	keyID, secretKey, err := readCredentialsFile(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Created account %s. Its root credentials, also in %s:\n\n%s", accountID, path,
		credentialsFileText(accountID, keyID, secretKey))
	return nil
}
