// Package query implements the AWS Query protocol used by IAM and STS:
// decoding form parameters (Name.member.N, Name.entry.N.key, Name.Field)
// into the generated shape structs with the model's validation, and encoding
// results and errors in AWS's XML envelopes.
//
// The generated shape packages describe each member with struct tags:
//
//	aws:"UserName,required,sensitive,policy,min=1,max=64,mmin=1,mmax=128"
//	pattern:"[\\w+=,.@-]+" enum:"a|b" mpattern:"..." menum:"..."
//
// min/max bound the length of strings, lists and blobs and the value of
// integers; mmin/mmax/mpattern/menum constrain the scalar elements of a list;
// policy marks policy documents, which responses percent-encode.
package query

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Operation describes one operation of a service model.
type Operation struct {
	Service       string       // "iam" or "sts"
	Name          string       // e.g. "CreateUser"
	Input, Output reflect.Type // the generated structs (never pointers)
	ResultWrapper string       // e.g. "CreateUserResult"; "" when the operation has no output
	Paginated     bool         // botocore has a paginator for it (Marker/MaxItems/IsTruncated)
	Unsigned      bool         // the model marks it authtype none (AssumeRoleWithWebIdentity, AssumeRoleWithSAML)
}

// ErrorSpec is an error shape of a model.
type ErrorSpec struct {
	Shape      string // e.g. "NoSuchEntityException"
	Code       string // wire code, e.g. "NoSuchEntity"
	HTTPStatus int
	Sender     bool // <Type>Sender</Type> (else Receiver)
}

// Codec decodes and encodes shapes. It caches per-type metadata and compiled
// patterns; one Codec is safe for concurrent use and is meant to live as long
// as the server that owns it.
type Codec struct {
	mu       sync.RWMutex
	structs  map[reflect.Type]*structInfo
	patterns map[string]*regexp.Regexp
}

// NewCodec returns an empty Codec.
func NewCodec() *Codec {
	return &Codec{structs: map[reflect.Type]*structInfo{}, patterns: map[string]*regexp.Regexp{}}
}

type structInfo struct {
	fields []fieldInfo
}

type fieldInfo struct {
	index     int
	name      string // wire name, e.g. "UserName"
	path      string // validation path segment, e.g. "userName"
	required  bool
	sensitive bool
	policy    bool
	min, max  *int64
	mmin      *int64
	mmax      *int64
	pattern   *regexp.Regexp
	patSrc    string
	mpattern  *regexp.Regexp
	mpatSrc   string
	enum      []string
	menum     []string
}

var timeType = reflect.TypeFor[time.Time]()

func (c *Codec) info(t reflect.Type) (*structInfo, error) {
	c.mu.RLock()
	si := c.structs[t]
	c.mu.RUnlock()
	if si != nil {
		return si, nil
	}
	si = &structInfo{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("aws")
		if !ok {
			continue
		}
		parts := strings.Split(tag, ",")
		fi := fieldInfo{index: i, name: parts[0], path: lowerFirst(parts[0])}
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(p, "=")
			var n *int64
			if v != "" {
				x, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("%s.%s: bad tag %q", t, f.Name, p)
				}
				n = &x
			}
			switch k {
			case "required":
				fi.required = true
			case "sensitive":
				fi.sensitive = true
			case "policy":
				fi.policy = true
			case "min":
				fi.min = n
			case "max":
				fi.max = n
			case "mmin":
				fi.mmin = n
			case "mmax":
				fi.mmax = n
			default:
				return nil, fmt.Errorf("%s.%s: unknown tag option %q", t, f.Name, p)
			}
		}
		var err error
		if fi.patSrc = f.Tag.Get("pattern"); fi.patSrc != "" {
			if fi.pattern, err = c.compile(fi.patSrc); err != nil {
				return nil, err
			}
		}
		if fi.mpatSrc = f.Tag.Get("mpattern"); fi.mpatSrc != "" {
			if fi.mpattern, err = c.compile(fi.mpatSrc); err != nil {
				return nil, err
			}
		}
		if e := f.Tag.Get("enum"); e != "" {
			fi.enum = strings.Split(e, "|")
		}
		if e := f.Tag.Get("menum"); e != "" {
			fi.menum = strings.Split(e, "|")
		}
		si.fields = append(si.fields, fi)
	}
	c.mu.Lock()
	c.structs[t] = si
	c.mu.Unlock()
	return si, nil
}

func (c *Codec) compile(src string) (*regexp.Regexp, error) {
	c.mu.RLock()
	re := c.patterns[src]
	c.mu.RUnlock()
	if re != nil {
		return re, nil
	}
	re, err := CompilePattern(src)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.patterns[src] = re
	c.mu.Unlock()
	return re, nil
}

// CompilePattern compiles a model pattern (Java regular expression syntax,
// matched against the whole value) to an anchored Go regexp. Java's \uXXXX
// escapes become \x{XXXX}; constructs RE2 lacks (look-around) fail to compile.
func CompilePattern(src string) (*regexp.Regexp, error) {
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		if src[i] == '\\' && i+1 < len(src) {
			if src[i+1] == 'u' && i+6 <= len(src) && isHex4(src[i+2:i+6]) {
				b.WriteString(`\x{` + src[i+2:i+6] + `}`)
				i += 5
				continue
			}
			b.WriteString(src[i : i+2])
			i++
			continue
		}
		b.WriteByte(src[i])
	}
	return regexp.Compile(`^(?:` + b.String() + `)$`)
}

func isHex4(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return len(s) == 4
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
