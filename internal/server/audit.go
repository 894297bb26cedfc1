package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/authzapi"
	"github.com/iamd/iamd/internal/api/stsapi"
	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
)

// AuditConfig configures the audit trail. Every request is audited; these
// settings add a file and bound what is kept.
type AuditConfig struct {
	// Sink, optional, receives every committed batch (audit.OpenFile: the
	// JSON-lines file of --audit-file).
	Sink audit.Sink
	// Retention: events older than this are pruned; 0 means
	// audit.DefaultRetention, negative keeps events forever.
	Retention time.Duration
	// PruneEvery is the interval of the retention pass; 0 means an hour.
	PruneEvery time.Duration
	// MaxBatch bounds the events of one commit; 0 means
	// audit.DefaultMaxBatch.
	MaxBatch int
}

// auditor turns requests into audit events and commits them through the
// recorder before their responses are sent.
type auditor struct {
	rec  *audit.Recorder
	now  func() time.Time
	rand io.Reader
}

// sourceIP is the host part of a remote address.
func sourceIP(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

// Audit implements api.Auditor: the request's event carries its last
// decision (the one that settled it); any earlier decision gets an event of
// its own. A request signed with a long-term key records the key's last use
// in the same commit (GetAccessKeyLastUsed, the credential report).
func (a *auditor) Audit(ctx context.Context, x *api.Exchange) error {
	ri := x.Request
	ev := store.AuditEvent{Time: ri.Received, RequestID: ri.ID, SourceIP: sourceIP(ri.RemoteAddr), UserAgent: ri.UserAgent,
		Service: x.Service, Region: x.Region, Action: x.Action, Status: x.Status, ErrorCode: x.ErrorCode,
		AccessKeyID: x.ClaimedAccessKeyID}
	var use audit.KeyUse
	if id, ok := x.Caller.(*iam.Identity); ok && id != nil {
		ev.AccountID, ev.PrincipalARN, ev.AccessKeyID = id.AccountID, id.ARN, id.AccessKey
		if !id.Temporary && id.AccessKey != "" {
			use = audit.KeyUse{AccessKeyID: id.AccessKey, At: ri.Received, Service: x.Service, Region: x.Region}
		}
	}
	events := []store.AuditEvent{ev}
	if n := len(x.Decisions); n > 0 {
		last := x.Decisions[n-1]
		events[0].Resources, events[0].Decision, events[0].Statements = last.Resources, last.Decision, last.Statements
		if ev.PrincipalARN == "" {
			// An unsigned call (web identity): the principal is who the
			// decision was about.
			events[0].AccountID, events[0].PrincipalARN = last.AccountID, last.PrincipalARN
		}
		for _, d := range x.Decisions[:n-1] {
			events = append(events, decisionEvent(ev, d))
		}
	}
	return a.rec.Record(ctx, events, use)
}

// decisionEvent is the event of a decision on its own: base's request
// facts with the decision's principal, action and outcome.
func decisionEvent(base store.AuditEvent, d audit.Decision) store.AuditEvent {
	e := base
	e.ID = ""
	e.AccountID, e.PrincipalARN = d.AccountID, d.PrincipalARN
	e.Service, e.Action = audit.ServiceOf(d.Action), d.Action
	e.Resources, e.Decision, e.Statements = d.Resources, d.Decision, d.Statements
	return e
}

// httpAudit says how auditHTTP names a front end's events.
type httpAudit struct {
	// action names the request (iamd:Authorize, iamd:StartInstance).
	action func(r *http.Request) string
	// fold: the request's one event carries its last decision (as the
	// Query API's); otherwise each decision is an event of its own (the
	// check API's decisions are about other principals than the signer).
	fold bool
}

// auditHTTP audits a front end other than the Query API (the check API,
// the instance endpoints): its response is held until its events are
// committed; a failed audit answers ServiceFailure.
func (a *auditor) auditHTTP(how httpAudit, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received := a.now()
		id := api.NewRequestID(a.rand)
		ctx, notes := audit.WithNotes(r.Context())
		bw := &heldResponse{header: http.Header{}, status: http.StatusOK}
		h.ServeHTTP(bw, r.WithContext(ctx))

		key, region, _ := api.CredentialScope(r)
		action := how.action(r)
		base := store.AuditEvent{Time: received, RequestID: id, AccessKeyID: key, SourceIP: sourceIP(r.RemoteAddr),
			UserAgent: r.UserAgent(), Service: audit.ServiceOf(action), Region: region, Action: action, Status: bw.status}
		if bw.status >= 400 {
			var body struct{ Code string }
			if json.Unmarshal(bw.body.Bytes(), &body) != nil || body.Code == "" {
				// A plain-text answer (net/http's, e.g. a wrong method) has no
				// code: name it like one ("MethodNotAllowed"), as an error code
				// has no spaces and the text output of the trail splits on them.
				body.Code = strings.ReplaceAll(http.StatusText(bw.status), " ", "")
			}
			base.ErrorCode = body.Code
		}
		var events []store.AuditEvent
		ds := notes.Decisions()
		switch {
		case len(ds) == 0:
			events = append(events, base)
		case how.fold:
			last := ds[len(ds)-1]
			ev := base
			ev.AccountID, ev.PrincipalARN = last.AccountID, last.PrincipalARN
			ev.Resources, ev.Decision, ev.Statements = last.Resources, last.Decision, last.Statements
			events = append(events, ev)
			for _, d := range ds[:len(ds)-1] {
				events = append(events, decisionEvent(base, d))
			}
		default:
			for _, d := range ds {
				events = append(events, decisionEvent(base, d))
			}
		}
		var use audit.KeyUse
		if len(ds) > 0 && strings.HasPrefix(key, iam.PrefixAccessKey) {
			// A decision was made about the signer, so its key
			// authenticated.
			use = audit.KeyUse{AccessKeyID: key, At: received, Service: audit.ServiceOf(action), Region: region}
		}
		hdr := w.Header()
		hdr.Set("x-amzn-RequestId", id)
		if err := a.rec.Record(ctx, events, use); err != nil {
			hdr.Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(map[string]string{"code": api.CodeServiceFailure,
				"message": "The request processing has failed because of an unknown error, exception or failure."})
			return
		}
		for k, vs := range bw.header {
			hdr[k] = vs
		}
		w.WriteHeader(bw.status)
		_, _ = w.Write(bw.body.Bytes())
	})
}

// checkAudit names the check API's requests.
var checkAudit = httpAudit{action: func(*http.Request) string { return authzapi.ActionAuthorize }}

// instanceAudit names the instance endpoints' requests after their path;
// the caller's iam:PassRole decision is folded into StartInstance's event.
var instanceAudit = httpAudit{fold: true, action: func(r *http.Request) string {
	switch r.URL.Path {
	case stsapi.PathInstances:
		return "iamd:StartInstance"
	case stsapi.PathInstanceCredentials:
		return "iamd:GetInstanceCredentials"
	}
	return "iamd:Instance"
}}

// heldResponse keeps a handler's response until it may be sent.
type heldResponse struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(status int) {
	if !h.wrote {
		h.status, h.wrote = status, true
	}
}

func (h *heldResponse) Write(p []byte) (int, error) {
	h.wrote = true
	return h.body.Write(p)
}

// auditRetention resolves AuditConfig.Retention (0: the default).
func auditRetention(c AuditConfig) time.Duration {
	if c.Retention == 0 {
		return audit.DefaultRetention
	}
	return c.Retention
}
