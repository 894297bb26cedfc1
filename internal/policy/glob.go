package policy

import "unicode/utf8"

// Wildcard matching for actions, resources and String/Arn-like condition
// values: '*' matches any run of characters (including none, and '/' and
// ':'), '?' exactly one character. Anchored at both ends. The matchers are
// iterative with single-star backtracking: linear in practice, O(n·m) at
// worst, and they never allocate.

// glob matches case-sensitively.
func glob(p, s string) bool { return globImpl(p, nil, s, false) }

// globBytes matches a pattern built in a scratch buffer (variables
// substituted), honouring its literal mask.
func globBytes(p []byte, lit []bool, s string, fold bool) bool { return globImpl(p, lit, s, fold) }

// globFold matches ignoring ASCII case (actions).
func globFold(p, s string) bool { return globImpl(p, nil, s, true) }

// globLit matches with a literal mask: where lit[i] is true, p[i] is an
// ordinary character even if it is '*' or '?' (it came from a variable's
// value or a ${*} escape).
func globLit(p string, lit []bool, s string) bool { return globImpl(p, lit, s, false) }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func globImpl[P string | []byte](p P, lit []bool, s string, fold bool) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		if pi < len(p) && (lit == nil || !lit[pi]) {
			switch p[pi] {
			case '*':
				star, mark = pi, si
				pi++
				continue
			case '?':
				_, n := utf8.DecodeRuneInString(s[si:])
				si += n
				pi++
				continue
			}
		}
		if pi < len(p) {
			a, b := p[pi], s[si]
			if a == b || (fold && lower(a) == lower(b)) {
				pi++
				si++
				continue
			}
		}
		if star < 0 {
			return false
		}
		pi = star + 1
		mark++
		si = mark
	}
	for pi < len(p) && p[pi] == '*' && (lit == nil || !lit[pi]) {
		pi++
	}
	return pi == len(p)
}

// hasWildcard reports whether s contains '*' or '?'.
func hasWildcard(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '*' || s[i] == '?' {
			return true
		}
	}
	return false
}

// equalFoldASCII compares ignoring ASCII case without allocating.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] && lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}
