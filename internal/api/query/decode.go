package query

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ValidationError lists the constraint violations of one request, worded as
// AWS words them ("Value 'x' at 'userName' failed to satisfy constraint: ...").
type ValidationError struct {
	Issues []string
}

// Error renders AWS's message: "1 validation error detected: ..." or
// "N validation errors detected: a; b".
func (e *ValidationError) Error() string {
	noun := "errors"
	if len(e.Issues) == 1 {
		noun = "error"
	}
	return fmt.Sprintf("%d validation %s detected: %s", len(e.Issues), noun, strings.Join(e.Issues, "; "))
}

// ParseError reports a parameter whose text is not of the member's type (an
// integer, boolean, timestamp or base64 blob that does not parse).
type ParseError struct {
	Param, Value, Want string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("Value (%s) for parameter %s is invalid. Expected %s.", e.Value, e.Param, e.Want)
}

// Decode fills dst (a pointer to a generated input struct) from the request
// parameters. Unknown parameters are ignored, as AWS ignores them. It returns
// a *ParseError for malformed scalars, else a *ValidationError when the
// model's constraints are not met, else nil.
func (c *Codec) Decode(params url.Values, dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("query: Decode wants a pointer to a struct, got %T", dst)
	}
	d := &decoder{c: c, params: params, keys: make([]string, 0, len(params))}
	for k := range params {
		d.keys = append(d.keys, k)
	}
	sort.Strings(d.keys)
	if err := d.structure(v.Elem(), "", ""); err != nil {
		return err
	}
	if len(d.issues) > 0 {
		return &ValidationError{Issues: d.issues}
	}
	return nil
}

type decoder struct {
	c      *Codec
	params url.Values
	keys   []string // sorted parameter names
	issues []string
}

// hasPrefix reports whether any parameter starts with p.
func (d *decoder) hasPrefix(p string) bool {
	i := sort.SearchStrings(d.keys, p)
	return i < len(d.keys) && strings.HasPrefix(d.keys[i], p)
}

// indexes returns the sorted distinct N of parameters "<p>N" or "<p>N.…".
func (d *decoder) indexes(p string) []int {
	var out []int
	for i := sort.SearchStrings(d.keys, p); i < len(d.keys) && strings.HasPrefix(d.keys[i], p); i++ {
		rest := d.keys[i][len(p):]
		num, _, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || strconv.Itoa(n) != num {
			continue // not an index we understand: an unknown parameter
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (d *decoder) get(key string) (string, bool) {
	vs, ok := d.params[key]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// structure decodes the members of struct v whose parameters start with
// prefix; path is the validation path of v ("" at the top).
func (d *decoder) structure(v reflect.Value, prefix, path string) error {
	si, err := d.c.info(v.Type())
	if err != nil {
		return err
	}
	for i := range si.fields {
		f := &si.fields[i]
		p := f.path
		if path != "" {
			p = path + "." + f.path
		}
		present, err := d.member(v.Field(f.index), f, prefix+f.name, p)
		if err != nil {
			return err
		}
		if !present && f.required {
			d.issues = append(d.issues, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", p))
		}
	}
	return nil
}

// member decodes one member and reports whether it was present.
func (d *decoder) member(fv reflect.Value, f *fieldInfo, key, path string) (bool, error) {
	t := fv.Type()
	switch {
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		return d.list(fv, f, key, path)
	case t.Kind() == reflect.Map:
		return d.mapping(fv, key)
	}
	// Scalars and structures, possibly behind a pointer.
	target := fv
	if t.Kind() == reflect.Pointer {
		target = reflect.New(t.Elem()).Elem()
	}
	if target.Kind() == reflect.Struct && target.Type() != timeType {
		if !d.hasPrefix(key + ".") {
			return false, nil
		}
		if err := d.structure(target, key+".", path); err != nil {
			return false, err
		}
	} else {
		s, ok := d.get(key)
		if !ok {
			return false, nil
		}
		if err := setScalar(target, s, key); err != nil {
			return false, err
		}
		d.check(target, path, f.sensitive, f.min, f.max, f.pattern, f.patSrc, f.enum)
	}
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		p.Elem().Set(target)
		fv.Set(p)
	}
	return true, nil
}

func (d *decoder) list(fv reflect.Value, f *fieldInfo, key, path string) (bool, error) {
	idx := d.indexes(key + ".member.")
	_, bare := d.params[key] // botocore sends "Name=" for an empty list
	if len(idx) == 0 && !bare {
		return false, nil
	}
	et := fv.Type().Elem()
	out := reflect.MakeSlice(fv.Type(), 0, len(idx))
	for _, n := range idx {
		ek := key + ".member." + strconv.Itoa(n)
		ep := path + "." + strconv.Itoa(n) + ".member"
		ev := reflect.New(et).Elem()
		if et.Kind() == reflect.Struct && et != timeType {
			if err := d.structure(ev, ek+".", ep); err != nil {
				return false, err
			}
		} else {
			s, ok := d.get(ek)
			if !ok {
				continue // only deeper keys, e.g. a struct field on a scalar list: ignore
			}
			if err := setScalar(ev, s, ek); err != nil {
				return false, err
			}
			d.check(ev, ep, f.sensitive, f.mmin, f.mmax, f.mpattern, f.mpatSrc, f.menum)
		}
		out = reflect.Append(out, ev)
	}
	fv.Set(out)
	d.check(out, path, f.sensitive, f.min, f.max, nil, "", nil)
	return true, nil
}

func (d *decoder) mapping(fv reflect.Value, key string) (bool, error) {
	idx := d.indexes(key + ".entry.")
	if len(idx) == 0 {
		return false, nil
	}
	t := fv.Type()
	m := reflect.MakeMapWithSize(t, len(idx))
	for _, n := range idx {
		ek := key + ".entry." + strconv.Itoa(n)
		ks, ok := d.get(ek + ".key")
		if !ok {
			continue
		}
		kv := reflect.New(t.Key()).Elem()
		if err := setScalar(kv, ks, ek+".key"); err != nil {
			return false, err
		}
		vv := reflect.New(t.Elem()).Elem()
		if vs, ok := d.get(ek + ".value"); ok {
			if err := setScalar(vv, vs, ek+".value"); err != nil {
				return false, err
			}
		}
		m.SetMapIndex(kv, vv)
	}
	fv.Set(m)
	return true, nil
}

func setScalar(v reflect.Value, s, key string) error {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return &ParseError{Param: key, Value: s, Want: "an integer"}
		}
		v.SetInt(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return &ParseError{Param: key, Value: s, Want: "a number"}
		}
		v.SetFloat(x)
	case reflect.Bool:
		switch strings.ToLower(s) {
		case "true":
			v.SetBool(true)
		case "false":
			v.SetBool(false)
		default:
			return &ParseError{Param: key, Value: s, Want: "true or false"}
		}
	case reflect.Slice: // blob
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return &ParseError{Param: key, Value: s, Want: "base64-encoded data"}
		}
		v.SetBytes(b)
	case reflect.Struct: // time.Time
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return &ParseError{Param: key, Value: s, Want: "an ISO 8601 timestamp"}
		}
		v.Set(reflect.ValueOf(t.UTC()))
	default:
		return fmt.Errorf("query: unsupported member type %s", v.Type())
	}
	return nil
}

// check applies the model's constraints to a decoded value, in the order AWS
// reports them: length (or range), then pattern, then enum.
func (d *decoder) check(v reflect.Value, path string, sensitive bool, min, max *int64, re *regexp.Regexp, reSrc string, enum []string) {
	fail := func(constraint string) {
		shown := " "
		if !sensitive {
			shown = " '" + render(v) + "' "
		}
		d.issues = append(d.issues, fmt.Sprintf("Value%sat '%s' failed to satisfy constraint: Member %s", shown, path, constraint))
	}
	switch v.Kind() {
	case reflect.Int32, reflect.Int64, reflect.Float64:
		var x float64
		if v.Kind() == reflect.Float64 {
			x = v.Float()
		} else {
			x = float64(v.Int())
		}
		if min != nil && x < float64(*min) {
			fail(fmt.Sprintf("must have value greater than or equal to %d", *min))
		}
		if max != nil && x > float64(*max) {
			fail(fmt.Sprintf("must have value less than or equal to %d", *max))
		}
		return
	case reflect.String, reflect.Slice:
		n := int64(v.Len())
		if v.Kind() == reflect.String {
			n = int64(utf8.RuneCountInString(v.String()))
		}
		if min != nil && n < *min {
			fail(fmt.Sprintf("must have length greater than or equal to %d", *min))
		}
		if max != nil && n > *max {
			fail(fmt.Sprintf("must have length less than or equal to %d", *max))
		}
	}
	if v.Kind() != reflect.String {
		return
	}
	if re != nil && !re.MatchString(v.String()) {
		fail("must satisfy regular expression pattern: " + reSrc)
	}
	if len(enum) > 0 && !slices.Contains(enum, v.String()) {
		fail("must satisfy enum value set: [" + strings.Join(enum, ", ") + "]")
	}
}

// render prints a value the way AWS quotes it in validation messages.
func render(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "java.nio.HeapByteBuffer"
		}
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = render(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Pointer:
		if v.IsNil() {
			return "null"
		}
		return render(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface().(time.Time).Format(time.RFC3339)
		}
		var parts []string
		for i := range v.NumField() {
			f := v.Type().Field(i)
			fv := v.Field(i)
			if fv.Kind() == reflect.Pointer && fv.IsNil() {
				continue
			}
			parts = append(parts, lowerFirst(f.Name)+"="+render(fv))
		}
		return v.Type().Name() + "(" + strings.Join(parts, ", ") + ")"
	}
	return fmt.Sprint(v.Interface())
}
