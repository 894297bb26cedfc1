package iam

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// The credential report (GenerateCredentialReport, GetCredentialReport):
// one CSV row for the root and one per IAM user with the state of their
// credentials. iamd builds it synchronously when asked to generate and keeps
// it as an account setting, so GetCredentialReport returns the snapshot of
// that moment, as AWS does.

// CredentialReportMaxAge is how long a report is served, and how long
// GenerateCredentialReport reuses it instead of building a new one.
const CredentialReportMaxAge = 4 * time.Hour

// settingCredentialReport holds the last report as JSON (an account
// setting: names are the domain's, see store.AccountStore).
const settingCredentialReport = "credential_report"

// Credential report generation states (GenerateCredentialReport's State).
const (
	ReportStarted    = "STARTED"
	ReportInProgress = "INPROGRESS"
	ReportComplete   = "COMPLETE"
)

// CredentialReportColumns is the report's header, in AWS's order.
var CredentialReportColumns = []string{
	"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
	"password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
}

// Report cell values AWS uses for absent data.
const (
	reportNA            = "N/A"
	reportNoInformation = "no_information"
	reportNotSupported  = "not_supported"
	reportRootUser      = "<root_account>"
)

type storedReport struct {
	GeneratedAt time.Time `json:"generated_at"`
	CSV         string    `json:"csv"`
}

// CredentialReport is GetCredentialReport's result.
type CredentialReport struct {
	Content     []byte // text/csv
	GeneratedAt time.Time
}

// GenerateCredentialReport builds a new report unless one younger than
// CredentialReportMaxAge exists. It returns the State and Description
// GenerateCredentialReport answers: STARTED when it built one (the report
// is ready at once), COMPLETE when the existing one is reused.
func (s *Service) GenerateCredentialReport(ctx context.Context, accountID string) (state, description string, err error) {
	now := s.clock()
	err = s.tx(ctx, func(tx store.Txn) error {
		prev, err := loadCredentialReport(ctx, tx, accountID)
		if err != nil {
			return err
		}
		if prev != nil && now.Sub(prev.GeneratedAt) < CredentialReportMaxAge {
			state, description = ReportComplete, ""
			return nil
		}
		content, err := s.buildCredentialReport(ctx, tx, accountID)
		if err != nil {
			return err
		}
		b, err := json.Marshal(storedReport{GeneratedAt: now, CSV: content})
		if err != nil {
			return err
		}
		if err := tx.PutAccountSetting(ctx, accountID, settingCredentialReport, string(b)); err != nil {
			return mapStoreErr(err, noSuchAccount(accountID), nil)
		}
		state, description = ReportStarted, "No report exists. Starting a new report generation task"
		return nil
	})
	if err != nil {
		return "", "", err
	}
	return state, description, nil
}

// GetCredentialReport returns the last generated report: ReportNotPresent
// if none was, ReportExpired once it is older than CredentialReportMaxAge.
func (s *Service) GetCredentialReport(ctx context.Context, accountID string) (CredentialReport, error) {
	now := s.clock()
	var r *storedReport
	err := s.view(ctx, func(tx store.Txn) error {
		var err error
		r, err = loadCredentialReport(ctx, tx, accountID)
		return err
	})
	if err != nil {
		return CredentialReport{}, err
	}
	if r == nil {
		return CredentialReport{}, &Error{Code: "ReportNotPresent", Message: "Credential report not present"}
	}
	if now.Sub(r.GeneratedAt) >= CredentialReportMaxAge {
		return CredentialReport{}, &Error{Code: "ReportExpired",
			Message: "The credential report has expired. Call GenerateCredentialReport to generate a new one."}
	}
	return CredentialReport{Content: []byte(r.CSV), GeneratedAt: r.GeneratedAt}, nil
}

func loadCredentialReport(ctx context.Context, tx store.Txn, accountID string) (*storedReport, error) {
	v, err := tx.GetAccountSetting(ctx, accountID, settingCredentialReport)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r storedReport
	if err := json.Unmarshal([]byte(v), &r); err != nil {
		return nil, fmt.Errorf("iam: stored credential report: %w", err)
	}
	return &r, nil
}

// reportTime is the report's timestamp format, 2014-09-01T22:28:48+00:00.
func reportTime(t time.Time) string {
	if t.IsZero() {
		return reportNA
	}
	return t.UTC().Format("2006-01-02T15:04:05+00:00")
}

// keyCells are the five columns of access key n (1 or 2) of keys, which
// ListAccessKeys returns oldest first.
func keyCells(keys []store.AccessKey, n int) []string {
	if len(keys) < n {
		return []string{"false", reportNA, reportNA, reportNA, reportNA}
	}
	k := keys[n-1]
	cells := []string{strconv.FormatBool(k.Status == store.AccessKeyActive), reportTime(k.CreatedAt), reportNA, reportNA, reportNA}
	if !k.LastUsedAt.IsZero() {
		cells[2] = reportTime(k.LastUsedAt)
		if k.LastUsedRegion != "" {
			cells[3] = k.LastUsedRegion
		}
		if k.LastUsedService != "" {
			cells[4] = k.LastUsedService
		}
	}
	return cells
}

// noCerts are the signing-certificate columns: iamd has no signing
// certificates.
var noCerts = []string{"false", reportNA, "false", reportNA}

func (s *Service) buildCredentialReport(ctx context.Context, tx store.Txn, accountID string) (string, error) {
	acct, err := tx.GetAccount(ctx, accountID)
	if err != nil {
		return "", mapStoreErr(err, noSuchAccount(accountID), nil)
	}
	policy, err := accountPasswordPolicy(ctx, tx, accountID)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(CredentialReportColumns); err != nil {
		return "", err
	}

	rootKeys, err := tx.ListAccessKeys(ctx, accountID, "")
	if err != nil {
		return "", err
	}
	rootMFA, err := tx.CountMFADevicesForUser(ctx, accountID, "")
	if err != nil {
		return "", err
	}
	row := []string{reportRootUser, RootARN(accountID), reportTime(acct.CreatedAt),
		reportNotSupported, reportNA, reportNotSupported, reportNotSupported, strconv.FormatBool(rootMFA > 0)}
	row = append(row, keyCells(rootKeys, 1)...)
	row = append(row, keyCells(rootKeys, 2)...)
	row = append(row, noCerts...)
	if err := w.Write(row); err != nil {
		return "", err
	}

	users, _, err := tx.ListUsers(ctx, accountID, "", store.Page{})
	if err != nil {
		return "", err
	}
	for _, u := range users {
		row := []string{u.Name, UserARN(accountID, u.Path, u.Name), reportTime(u.CreatedAt)}
		lp, err := tx.GetLoginProfile(ctx, accountID, u.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			row = append(row, "false", reportNA, reportNA, reportNA)
		case err != nil:
			return "", err
		default:
			lastUsed := reportNoInformation
			if !u.PasswordLastUsed.IsZero() {
				lastUsed = reportTime(u.PasswordLastUsed)
			}
			changed := lp.PasswordChangedAt
			if changed.IsZero() {
				changed = lp.CreatedAt
			}
			next := reportNA
			if policy != nil {
				if at, ok := policy.Expiry(changed); ok {
					next = reportTime(at)
				}
			}
			row = append(row, "true", lastUsed, reportTime(changed), next)
		}
		mfa, err := tx.CountMFADevicesForUser(ctx, accountID, u.ID)
		if err != nil {
			return "", err
		}
		keys, err := tx.ListAccessKeys(ctx, accountID, u.ID)
		if err != nil {
			return "", err
		}
		row = append(row, strconv.FormatBool(mfa > 0))
		row = append(row, keyCells(keys, 1)...)
		row = append(row, keyCells(keys, 2)...)
		row = append(row, noCerts...)
		if err := w.Write(row); err != nil {
			return "", err
		}
	}
	w.Flush()
	return buf.String(), w.Error()
}
