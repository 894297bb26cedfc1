package main

// `iamd audit tail` and `iamd audit query` read the audit trail from the
// configured store (docs/audit.md).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/server"
	"github.com/iamd/iamd/internal/store"
)

func newAuditCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read the audit trail (every API call and authorization decision)",
	}
	cmd.AddCommand(newAuditTailCmd(stdout), newAuditQueryCmd(stdout))
	return cmd
}

// auditFilterFlags are the filters shared by tail and query.
type auditFilterFlags struct {
	account, principal, action, service, decision, key, request string
	json                                                        bool
}

func (f *auditFilterFlags) add(cmd *cobra.Command, all bool) {
	cmd.Flags().StringVar(&f.account, "account", "", "only events of this account")
	cmd.Flags().BoolVar(&f.json, "json", false, "one JSON object per line (the format of --audit-file)")
	if !all {
		return
	}
	cmd.Flags().StringVar(&f.principal, "principal", "", "only events of this principal ARN")
	cmd.Flags().StringVar(&f.action, "action", "", "only this action (iam:CreateUser)")
	cmd.Flags().StringVar(&f.service, "service", "", "only this service (iam, sts, s3, ...)")
	cmd.Flags().StringVar(&f.decision, "decision", "", "only this decision: Allow, ExplicitDeny or ImplicitDeny")
	cmd.Flags().StringVar(&f.key, "access-key-id", "", "only requests signed with this access key")
	cmd.Flags().StringVar(&f.request, "request-id", "", "only the events of this request")
}

func (f *auditFilterFlags) filter() (store.AuditFilter, error) {
	switch f.decision {
	case "", store.AuditAllow, store.AuditExplicitDeny, store.AuditImplicitDeny:
	default:
		return store.AuditFilter{}, fmt.Errorf("--decision %q: want Allow, ExplicitDeny or ImplicitDeny", f.decision)
	}
	return store.AuditFilter{AccountID: f.account, PrincipalARN: f.principal, Action: f.action, Service: f.service,
		Decision: f.decision, AccessKeyID: f.key, RequestID: f.request}, nil
}

// openAuditStore opens the configured store for reading the trail; a
// missing SQLite database is an error, not a new empty one.
func openAuditStore(ctx context.Context, cfg config) (store.Store, error) {
	if !cfg.postgres() {
		path := filepath.Join(cfg.DataDir, databaseFile)
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no database in %s (see --data-dir/--store): %w", cfg.DataDir, err)
		}
	}
	return openStore(ctx, cfg, false, nil)
}

// parseWhen reads --since/--until: an RFC 3339 time, or a duration meaning
// that long before now ("24h").
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q: want an RFC 3339 time (2026-01-02T15:04:05Z) or a duration before now (24h)", s)
}

func newAuditQueryCmd(stdout io.Writer) *cobra.Command {
	var cf *configFlags
	var ff auditFilterFlags
	var since, until string
	var limit int
	var desc bool
	cmd := &cobra.Command{
		Use:   "query",
		Short: "List the events matching filters, oldest first",
		Long: "Lists audit events matching every filter given, oldest first (--newest-first reverses).\n" +
			"--since/--until take an RFC 3339 time or a duration before now (24h); the range is [since, until).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cf.resolve(os.Getenv)
			if err != nil {
				return err
			}
			f, err := ff.filter()
			if err != nil {
				return err
			}
			now := time.Now()
			if f.Since, err = parseWhen(since, now); err != nil {
				return fmt.Errorf("--since %w", err)
			}
			if f.Until, err = parseWhen(until, now); err != nil {
				return fmt.Errorf("--until %w", err)
			}
			if limit < 0 {
				return fmt.Errorf("--limit %d must not be negative", limit)
			}
			f.Descending = desc
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			st, err := openAuditStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			return auditQuery(ctx, st, f, limit, ff.json, stdout)
		},
	}
	cf = addConfigFlags(cmd, "data-dir", "store")
	ff.add(cmd, true)
	cmd.Flags().StringVar(&since, "since", "", "only events at or after this time")
	cmd.Flags().StringVar(&until, "until", "", "only events before this time")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many events (0: all)")
	cmd.Flags().BoolVar(&desc, "newest-first", false, "newest events first")
	return cmd
}

// auditPage is how many events one read fetches.
const auditPage = 500

// auditQuery prints the events f selects, page by page (so that a large
// trail is never held in memory at once).
func auditQuery(ctx context.Context, st store.Store, f store.AuditFilter, limit int, asJSON bool, w io.Writer) error {
	p := store.Page{Limit: auditPage}
	printed := 0
	for {
		if limit > 0 {
			p.Limit = min(auditPage, limit-printed)
		}
		var evs []store.AuditEvent
		var more bool
		err := st.View(ctx, func(tx store.Txn) error {
			var err error
			evs, more, err = tx.ListAuditEvents(ctx, f, p)
			return err
		})
		if err != nil {
			return auditReadErr(err)
		}
		for _, e := range evs {
			if err := printEvent(w, e, asJSON); err != nil {
				return err
			}
		}
		printed += len(evs)
		if !more || len(evs) == 0 || limit > 0 && printed >= limit {
			return nil
		}
		p.After = evs[len(evs)-1].ID
	}
}

// auditReadErr explains the usual cause of a failed read.
func auditReadErr(err error) error {
	if strings.Contains(err.Error(), "audit_events") {
		return fmt.Errorf("reading the audit trail: %w (a database older than this binary: run `iamd migrate`)", err)
	}
	return fmt.Errorf("reading the audit trail: %w", err)
}

func newAuditTailCmd(stdout io.Writer) *cobra.Command {
	var cf *configFlags
	var ff auditFilterFlags
	var n int
	var follow bool
	var interval, lookback, stopAfter time.Duration
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Print the latest events; with -f, keep printing new ones",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cf.resolve(os.Getenv)
			if err != nil {
				return err
			}
			f, err := ff.filter()
			if err != nil {
				return err
			}
			if n < 0 || interval <= 0 || lookback < 0 || stopAfter < 0 {
				return errors.New("-n, --interval, --lookback and --for must be positive")
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			if stopAfter > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, stopAfter)
				defer cancel()
			}
			st, err := openAuditStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			return auditTail(ctx, st, f, n, follow, interval, lookback, ff.json, stdout)
		},
	}
	cf = addConfigFlags(cmd, "data-dir", "store")
	ff.add(cmd, false)
	cmd.Flags().IntVarP(&n, "lines", "n", 20, "how many of the latest events to print first")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new events until interrupted")
	cmd.Flags().DurationVar(&interval, "interval", time.Second, "with -f, how often to look for new events")
	cmd.Flags().DurationVar(&lookback, "lookback", 30*time.Second,
		"with -f, how far before the newest printed event to look again (events are ordered by the time a request arrived and committed when it finished)")
	cmd.Flags().DurationVar(&stopAfter, "for", 0, "with -f, stop after this long (0: until interrupted)")
	return cmd
}

// auditTail prints the last n events, oldest first, then (follow) polls for
// newer ones. Events are ordered by the time their request arrived but
// committed when it finished, so a slow request's event can land before
// events already printed: each poll looks back lookback before the newest
// printed event and skips the IDs it printed.
func auditTail(ctx context.Context, st store.Store, f store.AuditFilter, n int, follow bool, interval, lookback time.Duration, asJSON bool, w io.Writer) error {
	read := func(f store.AuditFilter, p store.Page) ([]store.AuditEvent, bool, error) {
		var evs []store.AuditEvent
		var more bool
		err := st.View(ctx, func(tx store.Txn) error {
			var err error
			evs, more, err = tx.ListAuditEvents(ctx, f, p)
			return err
		})
		if err != nil {
			return nil, false, auditReadErr(err)
		}
		return evs, more, nil
	}
	last := f
	last.Descending = true
	var evs []store.AuditEvent
	if n > 0 {
		var err error
		if evs, _, err = read(last, store.Page{Limit: n}); err != nil {
			return err
		}
	}
	seen := map[string]time.Time{}
	var newest time.Time
	for i := len(evs) - 1; i >= 0; i-- {
		if err := printEvent(w, evs[i], asJSON); err != nil {
			return err
		}
		seen[evs[i].ID] = evs[i].Time
		newest = evs[i].Time
	}
	if !follow {
		return nil
	}
	// Start from now: what the look-back window holds already is not new
	// (only the last n of it were wanted).
	latest, _, err := read(last, store.Page{Limit: 1})
	if err != nil {
		return err
	}
	if len(latest) > 0 {
		newest = latest[0].Time
		q := f
		q.Since = newest.Add(-lookback)
		p := store.Page{Limit: auditPage}
		for {
			evs, more, err := read(q, p)
			if err != nil {
				return err
			}
			for _, e := range evs {
				seen[e.ID] = e.Time
			}
			if !more || len(evs) == 0 {
				break
			}
			p.After = evs[len(evs)-1].ID
		}
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		q := f
		if !newest.IsZero() {
			q.Since = newest.Add(-lookback)
		}
		p := store.Page{Limit: auditPage}
		for {
			evs, more, err := read(q, p)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			for _, e := range evs {
				if _, dup := seen[e.ID]; dup {
					continue
				}
				if err := printEvent(w, e, asJSON); err != nil {
					return err
				}
				seen[e.ID] = e.Time
				if e.Time.After(newest) {
					newest = e.Time
				}
			}
			if !more || len(evs) == 0 {
				break
			}
			p.After = evs[len(evs)-1].ID
		}
		// Forget what the next look-back no longer reaches.
		for id, at := range seen {
			if at.Before(newest.Add(-lookback)) {
				delete(seen, id)
			}
		}
	}
}

// printEvent writes one event: a JSON line, or a line of text.
func printEvent(w io.Writer, e store.AuditEvent, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(audit.ToJSON(e))
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	outcome := "OK"
	if e.ErrorCode != "" {
		outcome = e.ErrorCode
	}
	line := fmt.Sprintf("%s %s %-12s %s %s %d %s", e.Time.UTC().Format("2006-01-02T15:04:05.000000Z"), dash(e.Decision), e.Action,
		dash(e.PrincipalARN), outcome, e.Status, e.RequestID)
	if len(e.Resources) > 0 {
		line += " resources=" + strings.Join(e.Resources, ",")
	}
	if len(e.Statements) > 0 {
		var ss []string
		for _, s := range e.Statements {
			ref := fmt.Sprintf("%s#%d", s.Policy, s.Index)
			if s.Sid != "" {
				ref += "(" + s.Sid + ")"
			}
			ss = append(ss, ref)
		}
		line += " statements=" + strings.Join(ss, ",")
	}
	line += " key=" + dash(e.AccessKeyID) + " ip=" + dash(e.SourceIP)
	_, err := fmt.Fprintln(w, line)
	return err
}

// auditConfig is the server's audit configuration from cfg; the returned
// closer closes the audit file (nil when there is none).
func (c config) auditConfig() (server.AuditConfig, io.Closer, error) {
	ac := server.AuditConfig{Retention: c.AuditRetention}
	if c.AuditRetention == 0 {
		ac.Retention = -1 // keep forever
	}
	if c.AuditFile == "" {
		return ac, nil, nil
	}
	f, err := audit.OpenFile(c.AuditFile)
	if err != nil {
		return ac, nil, err
	}
	ac.Sink = f
	return ac, f, nil
}
