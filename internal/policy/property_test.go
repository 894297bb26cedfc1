package policy_test

// Properties of the decision that hold for every policy set (evaluation.md
// §1–§2), checked on generated sets — the same generator as the
// differential fuzz test, driven by a seeded PRNG so every run checks the
// same bounded sample:
//
//   - adding a Deny statement never turns a decision into Allow: the new
//     decision is the old one or ExplicitDeny;
//   - the order of statements in a policy and the order of identity and
//     session policies never change the decision.
//
// Both the engine and the reference evaluator must satisfy them.

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/iamd/iamd/internal/policy"
)

const propertyIterations = 3000

// randomCase draws a generated case from the PRNG.
func randomCase(rng *rand.Rand) corpusCase {
	b := make([]byte, 16+rng.IntN(96))
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return fzCase(b)
}

// decide runs a case through the engine and the reference.
func decide(t *testing.T, c corpusCase) (engine, ref string) {
	t.Helper()
	set, err := c.engineSet()
	if err != nil {
		t.Fatalf("generated policy rejected: %v", err)
	}
	req, err := c.Request.engineRequest()
	if err != nil {
		t.Fatal(err)
	}
	var res policy.Result
	set.Evaluate(req, &res)
	rs, rr, err := c.refInputs()
	if err != nil {
		t.Fatal(err)
	}
	return res.Decision.String(), refEvaluate(rs, rr).Decision
}

// editDoc decodes a policy document, lets f change it, and re-encodes it.
func editDoc(t *testing.T, p *corpusPolicy, f func(doc map[string]any)) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(p.Document, &doc); err != nil {
		t.Fatal(err)
	}
	f(doc)
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	p.Document = raw
}

func statementList(doc map[string]any) []any {
	switch s := doc["Statement"].(type) {
	case []any:
		return s
	case map[string]any:
		return []any{s}
	}
	return nil
}

// cloneCase deep-copies the policies so edits do not leak between variants.
func cloneCase(c corpusCase) corpusCase {
	cp := func(p corpusPolicy) corpusPolicy {
		p.Document = append(json.RawMessage(nil), p.Document...)
		return p
	}
	out := c
	pol := *c.Policies
	pol.Identity = nil
	for _, p := range c.Policies.Identity {
		pol.Identity = append(pol.Identity, cp(p))
	}
	if c.Policies.Resource != nil {
		r := cp(*c.Policies.Resource)
		pol.Resource = &r
	}
	if c.Policies.Boundary != nil {
		b := cp(*c.Policies.Boundary)
		pol.Boundary = &b
	}
	if c.Policies.Session != nil {
		s := []corpusPolicy{}
		for _, p := range *c.Policies.Session {
			s = append(s, cp(p))
		}
		pol.Session = &s
	}
	out.Policies = &pol
	return out
}

// policySlots lists pointers to every policy of the case.
func policySlots(c *corpusCase) []*corpusPolicy {
	var out []*corpusPolicy
	for i := range c.Policies.Identity {
		out = append(out, &c.Policies.Identity[i])
	}
	if c.Policies.Resource != nil {
		out = append(out, c.Policies.Resource)
	}
	if c.Policies.Boundary != nil {
		out = append(out, c.Policies.Boundary)
	}
	if c.Policies.Session != nil {
		for i := range *c.Policies.Session {
			out = append(out, &(*c.Policies.Session)[i])
		}
	}
	return out
}

func TestPropertyAddingDenyNeverAllows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range propertyIterations {
		c := randomCase(rng)
		beforeEngine, beforeRef := decide(t, c)
		d := cloneCase(c)
		// The extra Deny goes into an existing policy, or into a new
		// identity policy when the set has none.
		extraBytes := make([]byte, 24)
		for j := range extraBytes {
			extraBytes[j] = byte(rng.UintN(256))
		}
		slots := policySlots(&d)
		if len(slots) == 0 {
			d.Policies.Identity = append(d.Policies.Identity, corpusPolicy{ID: "extra",
				Document: json.RawMessage(`{"Version":"2012-10-17","Statement":[]}`)})
			slots = policySlots(&d)
		}
		target := slots[rng.IntN(len(slots))]
		kind := "identity"
		if target.Kind != "" {
			kind = target.Kind
		}
		deny := fzStatement(&byteSource{b: extraBytes}, kind, 9)
		deny["Effect"] = "Deny"
		editDoc(t, target, func(doc map[string]any) {
			doc["Statement"] = append(statementList(doc), deny)
		})
		afterEngine, afterRef := decide(t, d)
		for _, p := range []struct{ who, before, after string }{
			{"engine", beforeEngine, afterEngine}, {"reference", beforeRef, afterRef},
		} {
			if p.after != p.before && p.after != "ExplicitDeny" {
				t.Fatalf("iteration %d: %s: adding a Deny changed %s into %s\nbefore: %s\nafter: %s",
					i, p.who, p.before, p.after, describeCase(c), describeCase(d))
			}
		}
	}
}

func TestPropertyOrderDoesNotMatter(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range propertyIterations {
		c := randomCase(rng)
		wantEngine, wantRef := decide(t, c)
		d := cloneCase(c)
		for _, p := range policySlots(&d) {
			editDoc(t, p, func(doc map[string]any) {
				st := statementList(doc)
				rng.Shuffle(len(st), func(a, b int) { st[a], st[b] = st[b], st[a] })
				doc["Statement"] = st
			})
		}
		id := d.Policies.Identity
		rng.Shuffle(len(id), func(a, b int) { id[a], id[b] = id[b], id[a] })
		if d.Policies.Session != nil {
			s := *d.Policies.Session
			rng.Shuffle(len(s), func(a, b int) { s[a], s[b] = s[b], s[a] })
		}
		gotEngine, gotRef := decide(t, d)
		if gotEngine != wantEngine || gotRef != wantRef {
			t.Fatalf("iteration %d: reordering changed the decision: engine %s → %s, reference %s → %s\nbefore: %s\nafter: %s",
				i, wantEngine, gotEngine, wantRef, gotRef, describeCase(c), describeCase(d))
		}
	}
}
