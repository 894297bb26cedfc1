package authz

import (
	"fmt"
	"testing"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
)

// BenchmarkAuthorizeCached: one user request with a warm cache (fake
// source: the cost of planning, the revision probe and the evaluation).
func BenchmarkAuthorizeCached(b *testing.B) {
	e := &env{f: newFake(), clk: &clock{t: t0}}
	a, err := New(Config{Policies: e.f, Resolver: e.f, Revisions: e.f, Now: e.clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	u := e.f.addUser("alice", "/", "devs")
	g := e.f.addGroup("devs")
	e.f.change(func() {
		for i := range 20 {
			g.inline[fmt.Sprint("p", i)] = fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"arn:aws:iam::*:user/team%d/*"}]}`, i)
		}
		u.inline["self"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"}]}`
	})
	req := api.AuthzRequest{Caller: userIdentity("alice", t0), Operation: iamOp("GetUser"), Input: &iamshape.GetUserInput{},
		Request: &api.RequestInfo{Service: "iam", RemoteAddr: "192.0.2.1:1"}}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Authorize(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
