// Command gen reads botocore's IAM and STS service models and writes the Go
// shape packages internal/api/iamshape and internal/api/stsshape: one struct
// per structure shape, the model's constraints as struct tags (read by
// internal/api/query), the operation table and the modeled error codes.
//
// Its output is committed, so builds and tests never need botocore; run it
// with `go generate ./internal/api` after upgrading botocore.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/iamd/iamd/internal/api/query"
)

type ref struct {
	Shape         string `json:"shape"`
	ResultWrapper string `json:"resultWrapper"`
}

type shape struct {
	Type      string   `json:"type"`
	Members   members  `json:"members"`
	Required  []string `json:"required"`
	Member    *ref     `json:"member"`
	Key       *ref     `json:"key"`
	Value     *ref     `json:"value"`
	Min       *int64   `json:"min"`
	Max       *int64   `json:"max"`
	Pattern   *string  `json:"pattern"`
	Enum      []string `json:"enum"`
	Sensitive bool     `json:"sensitive"`
	Exception bool     `json:"exception"`
	Error     *struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
		SenderFault    bool   `json:"senderFault"`
	} `json:"error"`
}

type operation struct {
	Name     string `json:"name"`
	Input    *ref   `json:"input"`
	Output   *ref   `json:"output"`
	AuthType string `json:"authtype"`
}

type model struct {
	Metadata struct {
		APIVersion   string `json:"apiVersion"`
		EndpointPref string `json:"endpointPrefix"`
		XMLNamespace string `json:"xmlNamespace"`
		Protocol     string `json:"protocol"`
	} `json:"metadata"`
	Operations map[string]operation `json:"operations"`
	Shapes     map[string]*shape    `json:"shapes"`
}

type paginators struct {
	Pagination map[string]json.RawMessage `json:"pagination"`
}

// service describes one model to generate.
type service struct {
	name, dir, pkg string
}

var services = []service{
	{"iam", "iam/2010-05-08", "iamshape"},
	{"sts", "sts/2011-06-15", "stsshape"},
}

func main() {
	out := flag.String("out", ".", "directory holding the shape packages (internal/api)")
	data := flag.String("botocore", "", "botocore data directory (default: located with python3)")
	flag.Parse()
	if err := run(*out, *data); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out, data string) error {
	if data == "" {
		var err error
		if data, err = locateBotocore(); err != nil {
			return err
		}
	}
	for _, s := range services {
		m, err := readModel(filepath.Join(data, s.dir, "service-2.json"))
		if err != nil {
			return err
		}
		pag := paginators{}
		if b, err := readMaybeGz(filepath.Join(data, s.dir, "paginators-1.json")); err == nil {
			if err := json.Unmarshal(b, &pag); err != nil {
				return fmt.Errorf("%s paginators: %w", s.name, err)
			}
		}
		src, err := generate(s, m, pag)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		dst := filepath.Join(out, s.pkg, "zz_generated.go")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// locateBotocore asks python3 where botocore is installed; the error says
// what to do when it is not.
func locateBotocore() (string, error) {
	cmd := exec.Command("python3", "-c", "import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), 'data'))")
	b, err := cmd.Output()
	if err != nil {
		return "", errors.New("botocore not found: install it (pip install botocore) or pass -botocore <path to botocore/data>; " +
			"the generated packages are committed, so this is only needed to regenerate them")
	}
	return strings.TrimSpace(string(b)), nil
}

// readMaybeGz reads path, or path+".gz" as botocore ships most models gzipped.
func readMaybeGz(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil {
		return b, nil
	}
	f, err := os.Open(path + ".gz")
	if err != nil {
		return nil, fmt.Errorf("neither %s nor %s.gz readable: %w", path, path, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

func readModel(path string) (*model, error) {
	b, err := readMaybeGz(path)
	if err != nil {
		return nil, err
	}
	m := &model{}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Metadata.Protocol != "query" {
		return nil, fmt.Errorf("%s: protocol %q, want query", path, m.Metadata.Protocol)
	}
	return m, nil
}

func export(name string) string {
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

type gen struct {
	s        service
	m        *model
	goNames  map[string]string // structure shape name -> Go type name
	buf      bytes.Buffer
	usesTime bool
	skipped  []string // patterns RE2 cannot express
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func generate(s service, m *model, pag paginators) ([]byte, error) {
	g := &gen{s: s, m: m, goNames: map[string]string{}}
	ops := sortedKeys(m.Operations)

	// Operation inputs and outputs are named after the first operation (in
	// name order) using them; later operations sharing a shape get aliases.
	type alias struct{ name, target string }
	var aliases []alias
	for _, suffix := range []string{"Input", "Output"} {
		for _, op := range ops {
			o := m.Operations[op]
			r := o.Input
			if suffix == "Output" {
				r = o.Output
			}
			want := op + suffix
			if r == nil {
				continue
			}
			if have, ok := g.goNames[r.Shape]; ok {
				aliases = append(aliases, alias{want, have})
				continue
			}
			g.goNames[r.Shape] = want
		}
	}
	used := map[string]string{}
	for _, n := range sortedKeys(m.Shapes) {
		sh := m.Shapes[n]
		if sh.Type != "structure" || sh.Exception {
			continue
		}
		if _, ok := g.goNames[n]; !ok {
			g.goNames[n] = export(n)
		}
		if other, dup := used[g.goNames[n]]; dup {
			return nil, fmt.Errorf("shapes %s and %s both map to Go name %s", other, n, g.goNames[n])
		}
		used[g.goNames[n]] = n
	}
	for _, a := range aliases {
		if other, dup := used[a.name]; dup {
			return nil, fmt.Errorf("alias %s collides with shape %s", a.name, other)
		}
	}

	var body bytes.Buffer
	// Structures, sorted by Go name for a stable file.
	byGo := map[string]string{}
	for sh, gn := range g.goNames {
		byGo[gn] = sh
	}
	for _, gn := range sortedKeys(byGo) {
		if err := g.structType(&body, gn, byGo[gn]); err != nil {
			return nil, err
		}
	}
	sort.Slice(aliases, func(i, j int) bool { return aliases[i].name < aliases[j].name })
	for _, a := range aliases {
		fmt.Fprintf(&body, "// %s is the input or output of %s, which shares its shape with %s.\ntype %s = %s\n\n",
			a.name, strings.TrimSuffix(strings.TrimSuffix(a.name, "Input"), "Output"), a.target, a.name, a.target)
	}
	// Operations without input or output get an empty struct so that every
	// operation has typed handler signatures.
	for _, op := range ops {
		o := m.Operations[op]
		if o.Input == nil {
			fmt.Fprintf(&body, "// %sInput is the (empty) input of %s.\ntype %sInput struct{}\n\n", op, op, op)
		}
		if o.Output == nil {
			fmt.Fprintf(&body, "// %sOutput is the (empty) output of %s: its response carries only ResponseMetadata.\ntype %sOutput struct{}\n\n", op, op, op)
		}
	}

	// Operation table.
	fmt.Fprintf(&body, "// Operations lists every %s operation of API version %s.\nfunc Operations() []query.Operation {\n\treturn []query.Operation{\n", strings.ToUpper(s.name), m.Metadata.APIVersion)
	for _, op := range ops {
		o := m.Operations[op]
		wrapper := ""
		if o.Output != nil {
			wrapper = o.Output.ResultWrapper
		}
		_, paginated := pag.Pagination[op]
		fmt.Fprintf(&body, "\t\t{Service: ServiceName, Name: %q, Input: reflect.TypeFor[%sInput](), Output: reflect.TypeFor[%sOutput](), ResultWrapper: %q, Paginated: %v, Unsigned: %v},\n",
			op, op, op, wrapper, paginated, o.AuthType == "none")
	}
	body.WriteString("\t}\n}\n\n")

	// Errors.
	fmt.Fprintf(&body, "// Errors lists the error codes modeled for %s with their HTTP status.\nfunc Errors() []query.ErrorSpec {\n\treturn []query.ErrorSpec{\n", strings.ToUpper(s.name))
	for _, n := range sortedKeys(m.Shapes) {
		sh := m.Shapes[n]
		if !sh.Exception {
			continue
		}
		code, status, sender := n, 400, true
		if sh.Error != nil {
			code, status, sender = sh.Error.Code, sh.Error.HTTPStatusCode, sh.Error.SenderFault
		}
		fmt.Fprintf(&body, "\t\t{Shape: %q, Code: %q, HTTPStatus: %d, Sender: %v},\n", n, code, status, sender)
	}
	body.WriteString("\t}\n}\n")

	var head bytes.Buffer
	fmt.Fprintf(&head, "// Code generated by go run ./internal/api/gen from botocore's %s model; DO NOT EDIT.\n\n", s.dir)
	fmt.Fprintf(&head, "// Package %s holds the Go types of the %s Query API (version %s): inputs,\n// outputs and nested structures, with the model's constraints as struct tags.\npackage %s\n\n",
		s.pkg, strings.ToUpper(s.name), m.Metadata.APIVersion, s.pkg)
	head.WriteString("import (\n\t\"reflect\"\n")
	if g.usesTime {
		head.WriteString("\t\"time\"\n")
	}
	head.WriteString("\n\t\"github.com/iamd/iamd/internal/api/query\"\n)\n\n")
	fmt.Fprintf(&head, "// Service constants.\nconst (\n\tServiceName  = %q\n\tAPIVersion   = %q\n\tXMLNamespace = %q\n)\n\n",
		m.Metadata.EndpointPref, m.Metadata.APIVersion, m.Metadata.XMLNamespace)
	if len(g.skipped) > 0 {
		sort.Strings(g.skipped)
		head.WriteString("// Patterns of the model that RE2 cannot express; they are not enforced:\n")
		for _, p := range uniq(g.skipped) {
			fmt.Fprintf(&head, "//   %s\n", p)
		}
		head.WriteString("\n")
	}
	head.Write(body.Bytes())
	src, err := format.Source(head.Bytes())
	if err != nil {
		return head.Bytes(), fmt.Errorf("gofmt of generated code: %w", err)
	}
	return src, nil
}

func uniq(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// goType returns the Go type of a member; optional scalars and structures
// are pointers so that "absent" differs from the zero value.
func (g *gen) goType(shapeName string, required bool) (string, error) {
	sh, ok := g.m.Shapes[shapeName]
	if !ok {
		return "", fmt.Errorf("unknown shape %s", shapeName)
	}
	ptr := ""
	if !required {
		ptr = "*"
	}
	switch sh.Type {
	case "string":
		return ptr + "string", nil
	case "integer":
		return ptr + "int32", nil
	case "long":
		return ptr + "int64", nil
	case "boolean":
		return ptr + "bool", nil
	case "double", "float":
		return ptr + "float64", nil
	case "timestamp":
		g.usesTime = true
		return ptr + "time.Time", nil
	case "blob":
		return "[]byte", nil
	case "structure":
		return ptr + g.goNames[shapeName], nil
	case "list":
		el, err := g.goType(sh.Member.Shape, true)
		if err != nil {
			return "", err
		}
		return "[]" + el, nil
	case "map":
		k, err := g.goType(sh.Key.Shape, true)
		if err != nil {
			return "", err
		}
		v, err := g.goType(sh.Value.Shape, true)
		if err != nil {
			return "", err
		}
		return "map[" + k + "]" + v, nil
	}
	return "", fmt.Errorf("shape %s: unsupported type %s", shapeName, sh.Type)
}

func (g *gen) structType(w *bytes.Buffer, goName, shapeName string) error {
	sh := g.m.Shapes[shapeName]
	req := map[string]bool{}
	for _, r := range sh.Required {
		req[r] = true
	}
	fmt.Fprintf(w, "// %s is the model shape %s.\ntype %s struct {\n", goName, shapeName, goName)
	for _, mn := range sh.Members.keys {
		mr := sh.Members.m[mn]
		t, err := g.goType(mr.Shape, req[mn])
		if err != nil {
			return fmt.Errorf("%s.%s: %w", shapeName, mn, err)
		}
		tag, err := g.tag(mn, mr.Shape, req[mn])
		if err != nil {
			return fmt.Errorf("%s.%s: %w", shapeName, mn, err)
		}
		fmt.Fprintf(w, "\t%s %s `%s`\n", export(mn), t, tag)
	}
	w.WriteString("}\n\n")
	return nil
}

func (g *gen) tag(member, shapeName string, required bool) (string, error) {
	sh := g.m.Shapes[shapeName]
	parts := []string{member}
	if required {
		parts = append(parts, "required")
	}
	if sh.Sensitive {
		parts = append(parts, "sensitive")
	}
	if shapeName == "policyDocumentType" {
		parts = append(parts, "policy")
	}
	if sh.Min != nil {
		parts = append(parts, "min="+strconv.FormatInt(*sh.Min, 10))
	}
	if sh.Max != nil {
		parts = append(parts, "max="+strconv.FormatInt(*sh.Max, 10))
	}
	extra := []string{}
	addStr := func(prefix string, s *shape) error {
		if s.Pattern != nil {
			if _, err := query.CompilePattern(*s.Pattern); err != nil {
				g.skipped = append(g.skipped, *s.Pattern)
			} else {
				q := strconv.Quote(*s.Pattern)
				if strings.Contains(q, "`") {
					return fmt.Errorf("pattern %s contains a backquote", q)
				}
				extra = append(extra, prefix+"pattern:"+q)
			}
		}
		if len(s.Enum) > 0 {
			for _, e := range s.Enum {
				if strings.Contains(e, "|") {
					return fmt.Errorf("enum value %q contains |", e)
				}
			}
			extra = append(extra, prefix+"enum:"+strconv.Quote(strings.Join(s.Enum, "|")))
		}
		return nil
	}
	if err := addStr("", sh); err != nil {
		return "", err
	}
	if sh.Type == "list" {
		el := g.m.Shapes[sh.Member.Shape]
		if el.Type != "structure" {
			if el.Min != nil {
				parts = append(parts, "mmin="+strconv.FormatInt(*el.Min, 10))
			}
			if el.Max != nil {
				parts = append(parts, "mmax="+strconv.FormatInt(*el.Max, 10))
			}
			if err := addStr("m", el); err != nil {
				return "", err
			}
		}
	}
	return strings.Join(append([]string{"aws:" + strconv.Quote(strings.Join(parts, ","))}, extra...), " "), nil
}

// members keeps a structure's members in model order: the order AWS emits
// elements in and reports validation errors in.
type members struct {
	keys []string
	m    map[string]ref
}

func (ms *members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("members: want object")
	}
	ms.m = map[string]ref{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k := t.(string)
		var r ref
		if err := dec.Decode(&r); err != nil {
			return err
		}
		ms.keys = append(ms.keys, k)
		ms.m[k] = r
	}
	return nil
}
