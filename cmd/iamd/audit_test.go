package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/sqlite"
)

var auditT0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

// auditDataDir is a data directory whose database holds the given events.
func auditDataDir(t *testing.T, evs ...store.AuditEvent) (string, func(...store.AuditEvent)) {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, databaseFile), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	add := func(evs ...store.AuditEvent) {
		t.Helper()
		if err := st.Tx(context.Background(), func(tx store.Txn) error { return tx.AppendAuditEvents(context.Background(), evs) }); err != nil {
			t.Fatal(err)
		}
	}
	add(evs...)
	return dir, add
}

func cliEvent(i int, principal, action, decision string) store.AuditEvent {
	at := auditT0.Add(time.Duration(i) * time.Minute)
	e := store.AuditEvent{ID: fmt.Sprintf("%016x%08x", at.UnixMicro(), i), Time: at, RequestID: fmt.Sprintf("req-%d", i),
		AccountID: "123456789012", PrincipalARN: principal, AccessKeyID: "AKIAEXAMPLE", SourceIP: "192.0.2.7", Service: audit.ServiceOf(action),
		Action: action, Resources: []string{"*"}, Decision: decision, Status: 200}
	if decision == store.AuditExplicitDeny {
		e.ErrorCode, e.Status = "AccessDenied", 403
		e.Statements = []store.AuditStatement{{Policy: "arn:aws:iam::123456789012:policy/guard", Sid: "NoDelete", Index: 2, Effect: "Deny", Type: "identity"}}
	}
	return e
}

func runAudit(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append([]string{"audit"}, args...), nil, &out, &errOut)
	return out.String(), errOut.String(), code
}

func jsonIDs(t *testing.T, out string) []string {
	t.Helper()
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var e audit.JSONEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		ids = append(ids, e.RequestID)
	}
	return ids
}

func TestAuditQueryCommand(t *testing.T) {
	alice, bob := "arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/bob"
	dir, _ := auditDataDir(t,
		cliEvent(0, alice, "iam:CreateUser", store.AuditAllow),
		cliEvent(1, bob, "iam:ListUsers", store.AuditAllow),
		cliEvent(2, alice, "iam:DeleteUser", store.AuditExplicitDeny),
		cliEvent(3, alice, "iam:CreateUser", store.AuditAllow),
		cliEvent(4, bob, "sts:GetCallerIdentity", ""),
	)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"all", nil, "req-0 req-1 req-2 req-3 req-4"},
		{"principal", []string{"--principal", alice}, "req-0 req-2 req-3"},
		{"principal and action", []string{"--principal", alice, "--action", "iam:CreateUser"}, "req-0 req-3"},
		{"decision", []string{"--decision", "ExplicitDeny"}, "req-2"},
		{"service", []string{"--service", "sts"}, "req-4"},
		{"since", []string{"--since", auditT0.Add(3 * time.Minute).Format(time.RFC3339)}, "req-3 req-4"},
		{"until", []string{"--until", auditT0.Add(2 * time.Minute).Format(time.RFC3339)}, "req-0 req-1"},
		{"newest first, limit", []string{"--newest-first", "--limit", "2"}, "req-4 req-3"},
		{"request", []string{"--request-id", "req-1"}, "req-1"},
		{"none", []string{"--principal", "arn:aws:iam::123456789012:user/zed"}, ""},
	} {
		out, errOut, code := runAudit(t, append([]string{"query", "--data-dir", dir, "--json"}, tc.args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, code, errOut)
		}
		if got := strings.Join(jsonIDs(t, out), " "); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}

	// Text output names the decision, action, principal, outcome and the
	// deciding statement.
	out, errOut, code := runAudit(t, "query", "--data-dir", dir, "--decision", "ExplicitDeny")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"2026-05-01T10:02:00.000000Z", "ExplicitDeny", "iam:DeleteUser", alice, "AccessDenied 403", "req-2",
		"arn:aws:iam::123456789012:policy/guard#2(NoDelete)", "key=AKIAEXAMPLE", "ip=192.0.2.7"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}

	for _, bad := range [][]string{
		{"query", "--data-dir", dir, "--decision", "Maybe"},
		{"query", "--data-dir", dir, "--since", "yesterday"},
		{"query", "--data-dir", filepath.Join(dir, "absent")},
	} {
		if _, errOut, code := runAudit(t, bad...); code == 0 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want a failure", bad, code, errOut)
		}
	}
}

func TestAuditTailCommand(t *testing.T) {
	alice := "arn:aws:iam::123456789012:user/alice"
	var evs []store.AuditEvent
	for i := range 5 {
		evs = append(evs, cliEvent(i, alice, "iam:GetUser", store.AuditAllow))
	}
	other := cliEvent(5, "arn:aws:iam::210987654321:user/x", "iam:GetUser", store.AuditAllow)
	other.AccountID = "210987654321"
	evs = append(evs, other)
	dir, add := auditDataDir(t, evs...)

	out, errOut, code := runAudit(t, "tail", "--data-dir", dir, "-n", "3", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := strings.Join(jsonIDs(t, out), " "); got != "req-3 req-4 req-5" {
		t.Errorf("tail -n 3: %q", got)
	}
	out, _, _ = runAudit(t, "tail", "--data-dir", dir, "-n", "2", "--account", "123456789012", "--json")
	if got := strings.Join(jsonIDs(t, out), " "); got != "req-3 req-4" {
		t.Errorf("tail --account: %q", got)
	}

	// -f prints what is committed while it runs, including an event whose
	// time is before the newest printed one (a slow request), exactly once.
	done := make(chan string, 1)
	go func() {
		out, errOut, code := runAudit(t, "tail", "--data-dir", dir, "-n", "1", "-f", "--interval", "20ms", "--lookback", "5m", "--for", "600ms", "--json")
		if code != 0 {
			out = "exit " + fmt.Sprint(code) + ": " + errOut
		}
		done <- out
	}()
	time.Sleep(150 * time.Millisecond)
	late := cliEvent(6, alice, "iam:ListUsers", store.AuditAllow)
	slow := cliEvent(5, alice, "iam:CreateUser", store.AuditAllow) // arrived before req-5's event, finished later
	slow.ID, slow.RequestID = slow.ID+"slow", "req-slow"
	add(late)
	time.Sleep(100 * time.Millisecond)
	add(slow)
	out = <-done
	if got := strings.Join(jsonIDs(t, out), " "); got != "req-5 req-6 req-slow" {
		t.Errorf("tail -f: %q", got)
	}
}

// TestServeAuditsToStoreAndFile: `iamd serve --audit-file` records a
// request in the store and the file before answering, and `iamd audit
// query` reads it back.
func TestServeAuditsToStoreAndFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "audit.jsonl")
	const keyID, secretKey = "AKIAAUDITSERVETEST01", "audit/serve+secret0123456789abcd"
	t.Setenv("IAMD_ROOT_ACCESS_KEY_ID", keyID)
	t.Setenv("IAMD_ROOT_SECRET_ACCESS_KEY", secretKey)
	t.Setenv("IAMD_ACCOUNT_ID", "444455556666")
	srv := startServe(t, "--data-dir", dir, "--audit-file", file, "--audit-retention", "720h")
	checkKey(t, srv.addr, keyID, secretKey) // ListUsers as root
	// The answer came after the line was synced.
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"action":"iam:ListUsers"`) || !strings.Contains(string(data), `"accessKeyId":"`+keyID+`"`) {
		t.Errorf("audit file:\n%s", data)
	}
	if code := srv.stop(t); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	out, errOut, code := runAudit(t, "query", "--data-dir", dir, "--principal", "arn:aws:iam::444455556666:root", "--action", "iam:ListUsers", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var e audit.JSONEvent
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &e); err != nil {
		t.Fatalf("query output %q: %v", out, err)
	}
	if e.Decision != store.AuditAllow || e.Status != 200 || e.AccessKeyID != keyID || !strings.Contains(string(data), e.ID) {
		t.Errorf("queried %+v; file:\n%s", e, data)
	}
}

func TestAuditRetentionSetting(t *testing.T) {
	for _, tc := range []struct {
		val  string
		want time.Duration
		err  bool
	}{{"", audit.DefaultRetention, false}, {"0", -1, false}, {"48h", 48 * time.Hour, false}, {"-1h", 0, true}} {
		t.Setenv("IAMD_AUDIT_RETENTION", tc.val)
		c, err := addConfigFlags(newAuditCmd(nil)).resolve(os.Getenv)
		if tc.err {
			if err == nil {
				t.Errorf("%q accepted", tc.val)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.val, err)
		}
		ac, closer, err := c.auditConfig()
		if err != nil || closer != nil || ac.Retention != tc.want {
			t.Errorf("%q: retention %v, closer %v, err %v; want %v", tc.val, ac.Retention, closer, err, tc.want)
		}
	}
}
