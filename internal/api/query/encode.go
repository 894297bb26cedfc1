package query

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TimeFormat is how IAM prints timestamps: ISO 8601 in UTC, seconds, "Z".
const TimeFormat = "2006-01-02T15:04:05Z"

// EncodeResponse writes the success envelope of action:
//
//	<{action}Response xmlns="ns"><{wrapper}>…</{wrapper}><ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></{action}Response>
//
// With wrapper "" (operations without output) only ResponseMetadata is
// written. out is a generated output struct or a pointer to one (nil writes
// an empty result).
func (c *Codec) EncodeResponse(ns, action, wrapper string, out any, requestID string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<%sResponse xmlns=\"%s\">\n", action, escape(ns))
	if wrapper != "" {
		v := reflect.ValueOf(out)
		for v.IsValid() && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v = reflect.Value{}
				break
			}
			v = v.Elem()
		}
		e := &encoder{c: c, b: &b}
		if !v.IsValid() {
			fmt.Fprintf(&b, "  <%s/>\n", wrapper)
		} else if err := e.element(wrapper, v, false, 1); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(&b, "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n</%sResponse>\n", escape(requestID), action)
	return b.Bytes(), nil
}

// EncodeError writes AWS's error envelope. sender selects <Type>Sender</Type>
// (client fault) or Receiver (server fault).
func EncodeError(ns, code, message string, sender bool, requestID string) []byte {
	typ := "Receiver"
	if sender {
		typ = "Sender"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "<ErrorResponse xmlns=\"%s\">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n",
		escape(ns), typ, escape(code), escape(message), escape(requestID))
	return b.Bytes()
}

type encoder struct {
	c *Codec
	b *bytes.Buffer
}

func (e *encoder) indent(depth int) {
	for range depth {
		e.b.WriteString("  ")
	}
}

// element writes <name>value</name> for a dereferenced value.
func (e *encoder) element(name string, v reflect.Value, policy bool, depth int) error {
	switch {
	case v.Kind() == reflect.Struct && v.Type() != timeType:
		si, err := e.c.info(v.Type())
		if err != nil {
			return err
		}
		e.indent(depth)
		fmt.Fprintf(e.b, "<%s>\n", name)
		for i := range si.fields {
			f := &si.fields[i]
			if err := e.member(f, v.Field(f.index), depth+1); err != nil {
				return err
			}
		}
		e.indent(depth)
		fmt.Fprintf(e.b, "</%s>\n", name)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8:
		if v.Len() == 0 {
			e.indent(depth)
			fmt.Fprintf(e.b, "<%s/>\n", name)
			return nil
		}
		e.indent(depth)
		fmt.Fprintf(e.b, "<%s>\n", name)
		for i := range v.Len() {
			if err := e.element("member", deref(v.Index(i)), policy, depth+1); err != nil {
				return err
			}
		}
		e.indent(depth)
		fmt.Fprintf(e.b, "</%s>\n", name)
	case v.Kind() == reflect.Map:
		if v.Len() == 0 {
			e.indent(depth)
			fmt.Fprintf(e.b, "<%s/>\n", name)
			return nil
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return scalar(keys[i], false) < scalar(keys[j], false) })
		e.indent(depth)
		fmt.Fprintf(e.b, "<%s>\n", name)
		for _, k := range keys {
			e.indent(depth + 1)
			e.b.WriteString("<entry>\n")
			if err := e.element("key", k, false, depth+2); err != nil {
				return err
			}
			if err := e.element("value", deref(v.MapIndex(k)), false, depth+2); err != nil {
				return err
			}
			e.indent(depth + 1)
			e.b.WriteString("</entry>\n")
		}
		e.indent(depth)
		fmt.Fprintf(e.b, "</%s>\n", name)
	default:
		e.indent(depth)
		fmt.Fprintf(e.b, "<%s>%s</%s>\n", name, escape(scalar(v, policy)), name)
	}
	return nil
}

// member writes one struct member, omitting absent optional ones: nil
// pointers, nil slices and maps. Required members are written, except an
// empty string whose model says it is at least one character long: no real
// value is empty, and AWS leaves such members out where the entity has none
// (GetUser of the root user has no Path and no UserName).
func (e *encoder) member(f *fieldInfo, v reflect.Value, depth int) error {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	case reflect.Slice, reflect.Map:
		if v.IsNil() && !f.required {
			return nil
		}
	case reflect.String:
		if v.Len() == 0 && f.min != nil && *f.min >= 1 {
			return nil
		}
	}
	return e.element(f.name, v, f.policy, depth)
}

func deref(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	return v
}

// scalar renders a scalar as AWS prints it.
func scalar(v reflect.Value, policy bool) string {
	switch v.Kind() {
	case reflect.String:
		if policy {
			return PercentEncode(v.String())
		}
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int32, reflect.Int64, reflect.Int:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.Slice:
		return base64.StdEncoding.EncodeToString(v.Bytes())
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			return t.UTC().Format(TimeFormat)
		}
	}
	return fmt.Sprint(v.Interface())
}

// PercentEncode encodes every byte except the RFC 3986 unreserved characters
// (A-Z a-z 0-9 - _ . ~), space as %20: how IAM returns policy documents.
func PercentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' || ch == '-' || ch == '_' || ch == '.' || ch == '~' {
			b = append(b, ch)
			continue
		}
		b = append(b, '%', hex[ch>>4], hex[ch&15])
	}
	return string(b)
}

// escape makes s safe as XML character data the way AWS writes it: only
// &, < and > are escaped (quotes stay literal); CR becomes &#xD; so that XML
// line-end normalisation cannot turn it into LF; characters XML 1.0 cannot
// carry become U+FFFD.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
