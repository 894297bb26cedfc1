package query_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/api/query"
	"github.com/iamd/iamd/internal/api/stsshape"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/<name>, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update if intended):\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

const samplePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/a b+c"}]}`

var sampleTime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// fill sets every member of v to a deterministic sample: strings name their
// member (policy documents hold a JSON policy, enums their first value),
// lists one element, maps two entries.
func fill(v reflect.Value, tag reflect.StructTag, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), tag, depth)
	case reflect.String:
		name, opts, _ := strings.Cut(tag.Get("aws"), ",")
		switch {
		case strings.Contains(opts, "policy"):
			v.SetString(samplePolicy)
		case tag.Get("enum") != "":
			v.SetString(strings.Split(tag.Get("enum"), "|")[0])
		default:
			v.SetString(name + "-1")
		}
	case reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Float64:
		v.SetFloat(0.5)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte("seed\x00\xff"))
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		if depth < 12 { // deep enough for every IAM and STS shape; a bound in case a shape is recursive
			fill(s.Index(0), tag, depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for _, k := range []string{"Users", "Groups"} {
			val := reflect.New(v.Type().Elem()).Elem()
			fill(val, "", depth+1)
			m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), val)
		}
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(sampleTime))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), v.Type().Field(i).Tag, depth+1)
		}
	}
}

// TestEncodeEveryOperation writes a golden response for every operation of
// both services with all members set, and checks each is well-formed XML.
func TestEncodeEveryOperation(t *testing.T) {
	c := query.NewCodec()
	for _, svc := range []struct {
		ns  string
		ops []query.Operation
	}{{iamshape.XMLNamespace, iamshape.Operations()}, {stsshape.XMLNamespace, stsshape.Operations()}} {
		for _, op := range svc.ops {
			t.Run(op.Service+"/"+op.Name, func(t *testing.T) {
				out := reflect.New(op.Output)
				fill(out.Elem(), "", 0)
				b, err := c.EncodeResponse(svc.ns, op.Name, op.ResultWrapper, out.Interface(), "11111111-2222-4333-8444-555555555555")
				if err != nil {
					t.Fatal(err)
				}
				if err := xml.Unmarshal(b, new(struct{})); err != nil {
					t.Fatalf("not well-formed: %v\n%s", err, b)
				}
				golden(t, filepath.Join("responses", op.Service, op.Name+".xml"), b)
			})
		}
	}
}

func TestEncodeSpecialCases(t *testing.T) {
	c := query.NewCodec()
	tests := []struct {
		name, action, wrapper string
		out                   any
	}{
		{"empty-required-list", "ListUsers", "ListUsersResult", &iamshape.ListUsersOutput{}},
		{"optional-members-omitted", "GetUser", "GetUserResult", &iamshape.GetUserOutput{User: iamshape.User{
			Path: "/", UserName: "a<b>&\"c'\r\n\x01", UserId: "AIDAEXAMPLEEXAMPLE123", Arn: "arn:aws:iam::123456789012:user/a", CreateDate: sampleTime.Add(999 * time.Millisecond),
		}}},
		{"policy-byte-exact", "GetRolePolicy", "GetRolePolicyResult", &iamshape.GetRolePolicyOutput{
			RoleName: "r", PolicyName: "p", PolicyDocument: "{\n\t\"Version\": \"2012-10-17\", \"Statement\": [] }\u00e9~*'()!+",
		}},
		{"root-user-without-path-and-name", "GetUser", "GetUserResult", &iamshape.GetUserOutput{User: iamshape.User{
			UserId: "123456789012", Arn: "arn:aws:iam::123456789012:root", CreateDate: sampleTime,
		}}},
		{"no-output", "DeleteUser", "", nil},
		{"nil-output", "GetUser", "GetUserResult", (*iamshape.GetUserOutput)(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := c.EncodeResponse(iamshape.XMLNamespace, tt.action, tt.wrapper, tt.out, "req-1")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("special", tt.name+".xml"), b)
		})
	}
}

func TestEncodeError(t *testing.T) {
	golden(t, "error-sender.xml", query.EncodeError(iamshape.XMLNamespace, "NoSuchEntity", "The user with name bob<> cannot be found.", true, "req-2"))
	golden(t, "error-receiver.xml", query.EncodeError(stsshape.XMLNamespace, "ServiceFailure", "internal", false, "req-3"))
}

func TestPercentEncode(t *testing.T) {
	tests := map[string]string{
		`{"Version":"2012-10-17","Statement":[]}`: "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D",
		"a b+c~d_e.f-g": "a%20b%2Bc~d_e.f-g",
		"é\n":           "%C3%A9%0A",
	}
	for in, want := range tests {
		if got := query.PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGoldenResponsesParseWithBotocore feeds every golden response to
// botocore's QueryParser (the reference client implementation) and checks
// that every member of every output shape arrives. It skips when python3 or
// botocore is not installed.
func TestGoldenResponsesParseWithBotocore(t *testing.T) {
	if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
		t.Skip("python3 with botocore not available:", err)
	}
	out, err := exec.Command("python3", filepath.Join("testdata", "botocore_check.py"), filepath.Join("testdata", "responses")).CombinedOutput()
	if err != nil {
		t.Errorf("botocore disagrees with the encoder: %v\n%s", err, out)
	}
}
