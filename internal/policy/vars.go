package policy

import "strings"

// variablesAllowed reports whether condition values of the operator take
// ${…} variables (String*, Arn*, Bool; policy-grammar.md §3).
func variablesAllowed(op string) bool {
	o, ok := parseOperator(op)
	if !ok {
		return false
	}
	return o.base.takesVariables()
}

// variableKeys returns the context keys named by ${…} variables in s.
func variableKeys(s string) []string {
	var out []string
	for _, p := range parseTemplate(s) {
		if p.kind == partVar {
			out = append(out, p.key)
		}
	}
	return out
}

type partKind uint8

const (
	partText partKind = iota // text as written; * and ? are wildcards where the operator has them
	partLit                  // literal text: ${*} ${?} ${$}
	partVar                  // a ${key} or ${key, 'default'} variable
)

// part is one piece of a value containing policy variables.
type part struct {
	kind       partKind
	text       string // partText, partLit
	key        string // partVar, lower-cased
	keyHash    uint64
	derived    derived
	def        string // partVar default
	hasDefault bool
}

// parseTemplate splits s into text, escapes and variables. A "${" without
// a closing "}" and malformed variables stay literal text.
func parseTemplate(s string) []part {
	if !strings.Contains(s, "${") {
		return []part{{kind: partText, text: s}}
	}
	var out []part
	text := func(t string) {
		if t == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].kind == partText {
			out[n-1].text += t
			return
		}
		out = append(out, part{kind: partText, text: t})
	}
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			text(s)
			return out
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			text(s)
			return out
		}
		body := s[i+2 : i+2+j]
		p, ok := parseVariable(body)
		text(s[:i])
		if ok {
			out = append(out, p)
		} else {
			text(s[i : i+3+j])
		}
		s = s[i+3+j:]
	}
}

func parseVariable(body string) (part, bool) {
	switch body {
	case "*", "?", "$":
		return part{kind: partLit, text: body}, true
	}
	key, def, hasDef := body, "", false
	if c := strings.IndexByte(body, ','); c >= 0 {
		key = body[:c]
		d := strings.TrimSpace(body[c+1:])
		if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' {
			return part{}, false
		}
		def, hasDef = d[1:len(d)-1], true
	}
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " \t'${") {
		return part{}, false
	}
	lk := strings.ToLower(key)
	return part{kind: partVar, key: lk, keyHash: hashLower(lk), derived: deriveOf(lk), def: def, hasDefault: hasDef}, true
}

// hasVariables reports whether parts needs request-time substitution.
func hasVariables(ps []part) bool {
	for _, p := range ps {
		if p.kind != partText {
			return true
		}
	}
	return false
}
