package policy

import "strings"

// baseOp is a condition operator without set prefix or IfExists suffix.
type baseOp uint8

const (
	opUnknown baseOp = iota
	opStringEquals
	opStringNotEquals
	opStringEqualsIgnoreCase
	opStringNotEqualsIgnoreCase
	opStringLike
	opStringNotLike
	opNumericEquals
	opNumericNotEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateNotEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opNotIPAddress
	opArnEquals
	opArnLike
	opArnNotEquals
	opArnNotLike
	opNull
)

var baseOpNames = map[string]baseOp{
	"StringEquals":              opStringEquals,
	"StringNotEquals":           opStringNotEquals,
	"StringEqualsIgnoreCase":    opStringEqualsIgnoreCase,
	"StringNotEqualsIgnoreCase": opStringNotEqualsIgnoreCase,
	"StringLike":                opStringLike,
	"StringNotLike":             opStringNotLike,
	"NumericEquals":             opNumericEquals,
	"NumericNotEquals":          opNumericNotEquals,
	"NumericLessThan":           opNumericLessThan,
	"NumericLessThanEquals":     opNumericLessThanEquals,
	"NumericGreaterThan":        opNumericGreaterThan,
	"NumericGreaterThanEquals":  opNumericGreaterThanEquals,
	"DateEquals":                opDateEquals,
	"DateNotEquals":             opDateNotEquals,
	"DateLessThan":              opDateLessThan,
	"DateLessThanEquals":        opDateLessThanEquals,
	"DateGreaterThan":           opDateGreaterThan,
	"DateGreaterThanEquals":     opDateGreaterThanEquals,
	"Bool":                      opBool,
	"BinaryEquals":              opBinaryEquals,
	"IpAddress":                 opIPAddress,
	"NotIpAddress":              opNotIPAddress,
	"ArnEquals":                 opArnEquals,
	"ArnLike":                   opArnLike,
	"ArnNotEquals":              opArnNotEquals,
	"ArnNotLike":                opArnNotLike,
	"Null":                      opNull,
}

// negated reports whether the operator is a negation: the key must match
// none of the values, and an absent key satisfies it.
func (o baseOp) negated() bool {
	switch o {
	case opStringNotEquals, opStringNotEqualsIgnoreCase, opStringNotLike, opNumericNotEquals,
		opDateNotEquals, opNotIPAddress, opArnNotEquals, opArnNotLike:
		return true
	}
	return false
}

// positive maps a negated operator to the operator it negates.
func (o baseOp) positive() baseOp {
	switch o {
	case opStringNotEquals:
		return opStringEquals
	case opStringNotEqualsIgnoreCase:
		return opStringEqualsIgnoreCase
	case opStringNotLike:
		return opStringLike
	case opNumericNotEquals:
		return opNumericEquals
	case opDateNotEquals:
		return opDateEquals
	case opNotIPAddress:
		return opIPAddress
	case opArnNotEquals:
		return opArnEquals
	case opArnNotLike:
		return opArnLike
	}
	return o
}

func (o baseOp) isString() bool { return o >= opStringEquals && o <= opStringNotLike }
func (o baseOp) isNumeric() bool {
	return o >= opNumericEquals && o <= opNumericGreaterThanEquals
}
func (o baseOp) isDate() bool { return o >= opDateEquals && o <= opDateGreaterThanEquals }
func (o baseOp) isArn() bool  { return o >= opArnEquals && o <= opArnNotLike }

// takesVariables: String*, Arn* and Bool values may contain ${…}.
func (o baseOp) takesVariables() bool { return o.isString() || o.isArn() || o == opBool }

type setOp uint8

const (
	setNone setOp = iota
	setForAllValues
	setForAnyValue
)

// operator is a parsed condition operator name.
type operator struct {
	set      setOp
	base     baseOp
	ifExists bool
}

// parseOperator parses "[ForAllValues:|ForAnyValue:]Base[IfExists]".
// Names are case-sensitive, as IAM matches them. Null takes no IfExists.
func parseOperator(name string) (operator, bool) {
	var o operator
	switch {
	case strings.HasPrefix(name, "ForAllValues:"):
		o.set, name = setForAllValues, name[len("ForAllValues:"):]
	case strings.HasPrefix(name, "ForAnyValue:"):
		o.set, name = setForAnyValue, name[len("ForAnyValue:"):]
	}
	if b, ok := baseOpNames[name]; ok {
		o.base = b
		return o, true
	}
	if strings.HasSuffix(name, "IfExists") {
		if b, ok := baseOpNames[strings.TrimSuffix(name, "IfExists")]; ok && b != opNull {
			o.base, o.ifExists = b, true
			return o, true
		}
	}
	return operator{}, false
}
