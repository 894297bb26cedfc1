package policy

import (
	"sort"
	"strings"
)

// Pos is a 1-based line and column in the source document.
type Pos struct{ Line, Column int }

// Policy is a parsed, valid policy document. Values are kept as written
// (case, order); string-or-list elements are always lists.
type Policy struct {
	Kind Kind
	// Version is "2012-10-17", "2008-10-17", or "" when absent (treated as
	// 2008-10-17: no policy variables).
	Version string
	ID      string
	HasID   bool
	// StatementIsList records whether Statement was written as an array.
	StatementIsList bool
	Statements      []Statement
	Pos             Pos
}

// VariablesEnabled reports whether ${…} policy variables are substituted
// (only with Version 2012-10-17).
func (p *Policy) VariablesEnabled() bool { return p.Version == Version2012 }

// The versions AWS accepts.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Statement is one element of Statement.
type Statement struct {
	Sid    string
	HasSid bool
	Effect Effect

	// Principal is nil when neither Principal nor NotPrincipal is present.
	Principal    *PrincipalSpec
	NotPrincipal bool

	Actions   []String
	NotAction bool

	// Resources is nil when neither Resource nor NotResource is present
	// (trust policies). A JSON null inside a Resource list is dropped.
	Resources   []String
	NotResource bool
	HasResource bool

	Conditions []Condition
	// Pos is the statement's opening brace; End is just past its closing
	// brace (the simulator's StartPosition and EndPosition).
	Pos Pos
	End Pos
}

// String is a string value with its position.
type String struct {
	Value string
	Pos   Pos
}

// PrincipalSpec is the value of Principal or NotPrincipal.
type PrincipalSpec struct {
	// Wildcard is "Principal": "*" (the bare string form).
	Wildcard bool
	Entries  []PrincipalEntry
	Pos      Pos
}

// PrincipalEntry is one value under "AWS", "Service", "Federated" or
// "CanonicalUser".
type PrincipalEntry struct {
	Type  string // "AWS", "Service", "Federated", "CanonicalUser"
	Value string
	Pos   Pos
}

// Condition is one operator/key pair of a Condition block. An operator with
// an empty key map is kept with Key == "" and no values.
type Condition struct {
	Operator string // as written, e.g. "ForAnyValue:StringLikeIfExists"
	Key      string // as written
	// Values are the policy values converted to strings (JSON numbers as
	// written, booleans as "true"/"false").
	Values []String
	Pos    Pos
}

// ConditionKeys lists the condition keys the policy uses, lower-cased,
// sorted and deduplicated, including the keys named by policy variables
// in Resource elements and condition values (when variables are enabled).
func (p *Policy) ConditionKeys() []string {
	seen := map[string]bool{}
	add := func(k string) {
		if k != "" {
			seen[strings.ToLower(k)] = true
		}
	}
	vars := p.VariablesEnabled()
	for _, s := range p.Statements {
		for _, c := range s.Conditions {
			add(c.Key)
			if vars && variablesAllowed(c.Operator) {
				for _, v := range c.Values {
					for _, k := range variableKeys(v.Value) {
						add(k)
					}
				}
			}
		}
		if vars {
			for _, r := range s.Resources {
				for _, k := range variableKeys(r.Value) {
					add(k)
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
