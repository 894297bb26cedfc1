package policy

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The policy grammar needs what encoding/json does not give: the position
// of every element (for findings), duplicate member names (AWS rejects
// them), and member order. This is a small strict JSON reader that keeps
// all three.

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

type jsonNode struct {
	kind    jsonKind
	pos     Pos
	end     Pos    // objects: just past the closing brace
	text    string // string value, number literal, "true"/"false"
	elems   []*jsonNode
	members []jsonMember
}

type jsonMember struct {
	key    string
	keyPos Pos
	value  *jsonNode
}

// member returns the value of the first member named key.
func (n *jsonNode) member(key string) (*jsonMember, bool) {
	for i := range n.members {
		if n.members[i].key == key {
			return &n.members[i], true
		}
	}
	return nil, false
}

type jsonError struct {
	pos Pos
	msg string
}

func (e *jsonError) Error() string { return e.msg }

type jsonReader struct {
	arena     []jsonNode // nodes are carved from chunks: one allocation per chunk, not per value
	src       []byte
	i         int
	line, col int // of src[i]
	depth     int
}

const maxJSONDepth = 64

func parseJSON(src []byte) (*jsonNode, error) {
	r := &jsonReader{src: src, line: 1, col: 1}
	r.skipSpace()
	n, err := r.value()
	if err != nil {
		return nil, err
	}
	r.skipSpace()
	if r.i < len(r.src) {
		return nil, r.errf("unexpected data after the top-level value")
	}
	return n, nil
}

func (r *jsonReader) pos() Pos { return Pos{Line: r.line, Column: r.col} }

func (r *jsonReader) node(k jsonKind, p Pos) *jsonNode {
	if len(r.arena) == cap(r.arena) {
		r.arena = make([]jsonNode, 0, 64)
	}
	r.arena = append(r.arena, jsonNode{kind: k, pos: p})
	return &r.arena[len(r.arena)-1]
}

func (r *jsonReader) errf(msg string) error { return &jsonError{pos: r.pos(), msg: msg} }

func (r *jsonReader) advance() {
	c := r.src[r.i]
	r.i++
	if c == '\n' {
		r.line++
		r.col = 1
	} else if c < 0x80 || c >= 0xC0 { // count runes, not continuation bytes
		r.col++
	}
}

func (r *jsonReader) skipSpace() {
	for r.i < len(r.src) {
		switch r.src[r.i] {
		case ' ', '\t', '\r', '\n':
			r.advance()
		default:
			return
		}
	}
}

func (r *jsonReader) value() (*jsonNode, error) {
	if r.i >= len(r.src) {
		return nil, r.errf("unexpected end of document")
	}
	p := r.pos()
	switch c := r.src[r.i]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		n := r.node(jsonString, p)
		n.text = s
		return n, nil
	case c == 't':
		return r.literal("true", jsonBool, p)
	case c == 'f':
		return r.literal("false", jsonBool, p)
	case c == 'n':
		return r.literal("null", jsonNull, p)
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number(p)
	}
	return nil, r.errf("unexpected character")
}

func (r *jsonReader) literal(word string, k jsonKind, p Pos) (*jsonNode, error) {
	if len(r.src)-r.i < len(word) || string(r.src[r.i:r.i+len(word)]) != word {
		return nil, r.errf("invalid literal")
	}
	for range word {
		r.advance()
	}
	n := r.node(k, p)
	if k == jsonBool {
		n.text = word
	}
	return n, nil
}

func (r *jsonReader) number(p Pos) (*jsonNode, error) {
	start := r.i
	digits := func() int {
		n := 0
		for r.i < len(r.src) && r.src[r.i] >= '0' && r.src[r.i] <= '9' {
			r.advance()
			n++
		}
		return n
	}
	if r.src[r.i] == '-' {
		r.advance()
	}
	if r.i < len(r.src) && r.src[r.i] == '0' {
		r.advance()
	} else if digits() == 0 {
		return nil, r.errf("invalid number")
	}
	if r.i < len(r.src) && r.src[r.i] == '.' {
		r.advance()
		if digits() == 0 {
			return nil, r.errf("invalid number")
		}
	}
	if r.i < len(r.src) && (r.src[r.i] == 'e' || r.src[r.i] == 'E') {
		r.advance()
		if r.i < len(r.src) && (r.src[r.i] == '+' || r.src[r.i] == '-') {
			r.advance()
		}
		if digits() == 0 {
			return nil, r.errf("invalid number")
		}
	}
	n := r.node(jsonNumber, p)
	n.text = string(r.src[start:r.i])
	return n, nil
}

func (r *jsonReader) str() (string, error) {
	r.advance() // opening quote
	var buf []byte
	start := r.i
	for {
		if r.i >= len(r.src) {
			return "", r.errf("unterminated string")
		}
		c := r.src[r.i]
		switch {
		case c == '"':
			var s string
			if buf == nil {
				s = string(r.src[start:r.i])
			} else {
				s = string(append(buf, r.src[start:r.i]...))
			}
			r.advance()
			return s, nil
		case c < 0x20:
			return "", r.errf("control character in string")
		case c == '\\':
			buf = append(buf, r.src[start:r.i]...)
			r.advance()
			if r.i >= len(r.src) {
				return "", r.errf("unterminated string")
			}
			e := r.src[r.i]
			r.advance()
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				ru, err := r.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(ru) {
					if r.i+1 < len(r.src) && r.src[r.i] == '\\' && r.src[r.i+1] == 'u' {
						r.advance()
						r.advance()
						lo, err := r.hex4()
						if err != nil {
							return "", err
						}
						ru = utf16.DecodeRune(ru, lo)
					} else {
						ru = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, ru)
			default:
				return "", r.errf("invalid escape")
			}
			start = r.i
		default:
			if c >= 0x80 {
				ru, size := utf8.DecodeRune(r.src[r.i:])
				if ru == utf8.RuneError && size <= 1 {
					return "", r.errf("invalid UTF-8")
				}
				for k := 0; k < size; k++ {
					r.advance()
				}
				continue
			}
			r.advance()
		}
	}
}

func (r *jsonReader) hex4() (rune, error) {
	if len(r.src)-r.i < 4 {
		return 0, r.errf("invalid unicode escape")
	}
	v, err := strconv.ParseUint(string(r.src[r.i:r.i+4]), 16, 32)
	if err != nil {
		return 0, r.errf("invalid unicode escape")
	}
	for k := 0; k < 4; k++ {
		r.advance()
	}
	return rune(v), nil
}

var errTooDeep = errors.New("document nested too deeply")

func (r *jsonReader) object() (*jsonNode, error) {
	n := r.node(jsonObject, r.pos())
	if r.depth++; r.depth > maxJSONDepth {
		return nil, &jsonError{pos: n.pos, msg: errTooDeep.Error()}
	}
	defer func() { r.depth-- }()
	r.advance()
	r.skipSpace()
	if r.i < len(r.src) && r.src[r.i] == '}' {
		r.advance()
		n.end = r.pos()
		return n, nil
	}
	for {
		r.skipSpace()
		if r.i >= len(r.src) || r.src[r.i] != '"' {
			return nil, r.errf("expected a member name")
		}
		kp := r.pos()
		k, err := r.str()
		if err != nil {
			return nil, err
		}
		r.skipSpace()
		if r.i >= len(r.src) || r.src[r.i] != ':' {
			return nil, r.errf("expected ':'")
		}
		r.advance()
		r.skipSpace()
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, jsonMember{key: k, keyPos: kp, value: v})
		r.skipSpace()
		if r.i >= len(r.src) {
			return nil, r.errf("unterminated object")
		}
		switch r.src[r.i] {
		case ',':
			r.advance()
		case '}':
			r.advance()
			n.end = r.pos()
			return n, nil
		default:
			return nil, r.errf("expected ',' or '}'")
		}
	}
}

func (r *jsonReader) array() (*jsonNode, error) {
	n := r.node(jsonArray, r.pos())
	if r.depth++; r.depth > maxJSONDepth {
		return nil, &jsonError{pos: n.pos, msg: errTooDeep.Error()}
	}
	defer func() { r.depth-- }()
	r.advance()
	r.skipSpace()
	if r.i < len(r.src) && r.src[r.i] == ']' {
		r.advance()
		return n, nil
	}
	for {
		r.skipSpace()
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
		r.skipSpace()
		if r.i >= len(r.src) {
			return nil, r.errf("unterminated array")
		}
		switch r.src[r.i] {
		case ',':
			r.advance()
		case ']':
			r.advance()
			return n, nil
		default:
			return nil, r.errf("expected ',' or ']'")
		}
	}
}
