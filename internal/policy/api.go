package policy

// Validate returns every finding for doc parsed as a policy of the given
// kind, errors first in AWS's precedence order. An empty result means AWS
// would accept the document.
func Validate(kind Kind, doc []byte) []Finding {
	_, f := parse(kind, doc, false)
	return f
}

// Parse parses and validates doc. The error, when not nil, is a
// *ValidationError whose Error() is the message AWS would return.
func Parse(kind Kind, doc []byte) (*Policy, error) {
	return finish(parse(kind, doc, false))
}
