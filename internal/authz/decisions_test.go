package authz

import (
	"reflect"
	"testing"

	"github.com/iamd/iamd/internal/iam"
)

// TestDecisionCache: an Allow of a set without conditions or variables is
// remembered, and forgotten with the set when the policies change; a set
// with a condition is decided anew for every request.
func TestDecisionCache(t *testing.T) {
	e := newEnv(t)
	devs := e.f.groups["devs"]
	alice := userIdentity("alice", t0)
	decide := func(remote string) *Decision {
		t.Helper()
		d, err := e.a.Decide(t.Context(), Query{Caller: alice, Checks: []Check{{Action: "iam:GetUser", Resource: iam.UserARN(acct, "/", "bob")}},
			Facts: RequestFacts{RemoteAddr: remote}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	cached := func() int {
		e.a.decisions.mu.Lock()
		defer e.a.decisions.mu.Unlock()
		return len(e.a.decisions.m)
	}

	e.f.change(func() {
		devs.inline["read"] = `{"Version":"2012-10-17","Statement":{"Sid":"Read","Effect":"Allow","Action":"iam:Get*","Resource":"*"}}`
	})
	first := decide("192.0.2.1:1")
	if !first.Allowed || cached() != 1 {
		t.Fatalf("allowed %v, %d cached, want an Allow remembered", first.Allowed, cached())
	}
	again := decide("198.51.100.1:1")
	if !again.Allowed || !reflect.DeepEqual(again.Result.Matched, first.Result.Matched) || !reflect.DeepEqual(again.Check, first.Check) {
		t.Fatalf("remembered decision differs: %+v, first %+v", again, first)
	}

	// New policies, new set: the remembered Allow no longer applies.
	e.f.change(func() {
		devs.inline["deny"] = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iam:GetUser","Resource":"*"}}`
	})
	if d := decide("192.0.2.1:1"); d.Allowed {
		t.Fatal("allowed after an explicit Deny was added")
	}

	// A condition on the source address: decided per request.
	e.f.change(func() {
		delete(devs.inline, "deny")
		devs.inline["read"] = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:Get*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}}`
	})
	before := cached()
	if d := decide("192.0.2.1:1"); !d.Allowed {
		t.Fatal("denied from inside the allowed network")
	}
	if d := decide("198.51.100.1:1"); d.Allowed {
		t.Fatal("allowed from outside the allowed network")
	}
	if cached() != before {
		t.Fatalf("a conditional set's decision was remembered")
	}
}
