package api

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/iamd/iamd/internal/audit"
)

// Exchange is one served request as the Auditor sees it: its outcome is
// final but its response is not sent yet.
type Exchange struct {
	Request *RequestInfo
	// Caller is the authenticated caller (Anonymous for unsigned
	// operations); nil when the request failed before or in authentication.
	Caller Caller
	// ClaimedAccessKeyID is the key the credential scope names (checked for
	// shape only), for requests that failed authentication.
	ClaimedAccessKeyID string
	Region             string // of the credential scope
	Service, Action    string // "iam", "iam:CreateUser"; "unknown" when the request named no operation
	Status             int
	ErrorCode          string // "" on success
	// Decisions are the authorization decisions made while serving it
	// (audit.Note).
	Decisions []audit.Decision
	Finished  time.Time
}

// Auditor records every request before its response is sent. An error
// replaces the response with ServiceFailure: a request that cannot be
// audited is not answered as if it succeeded.
type Auditor interface {
	Audit(ctx context.Context, x *Exchange) error
}

// newExchange describes the outcome of a request for the Auditor.
func (s *Server) newExchange(r *http.Request, ri *RequestInfo, oc *outcome, notes *audit.Notes) *Exchange {
	x := &Exchange{
		Request: ri, Caller: oc.caller, Service: oc.svc, Action: oc.svc + ":" + oc.action,
		Status: oc.status, ErrorCode: oc.code, Decisions: notes.Decisions(), Finished: s.opts.Now(),
	}
	if oc.action == "unknown" {
		x.Action = "unknown"
	}
	if p := credentialScope(r); p != nil {
		x.Region = p[2]
	}
	if oc.caller == nil || oc.caller.AccessKeyID() == "" {
		x.ClaimedAccessKeyID = claimedAccessKey(r)
	}
	return x
}

// CredentialScope returns the access key ID (kept only when it looks like
// one), region and service that the request's SigV4 credential scope names,
// without verifying anything; "" where absent. Front ends other than the
// Query API (the check API, the instance endpoints) audit with it.
func CredentialScope(r *http.Request) (accessKeyID, region, service string) {
	p := credentialScope(r)
	if p == nil {
		return "", "", ""
	}
	return claimedAccessKey(r), p[2], p[3]
}

// NewRequestID returns a request ID in the form of AWS's (a random UUID).
func NewRequestID(rand io.Reader) string { return newRequestID(rand) }
