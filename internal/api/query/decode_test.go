package query_test

import (
	"errors"
	"net/url"
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

func ptr[T any](v T) *T { return &v }

func form(t *testing.T, s string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", s, err)
	}
	return v
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		body string
		dst  any // pointer to a zero input
		want any
	}{
		{
			name: "scalars, nested list of structures, unknown parameters ignored",
			body: "Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fteam%2F&Tags.member.2.Key=b&Tags.member.2.Value=two&Tags.member.1.Key=a&Tags.member.1.Value=a%20b&Bogus=1&X-Amz-Date=x",
			dst:  &iamshape.CreateUserInput{},
			want: &iamshape.CreateUserInput{UserName: "alice", Path: ptr("/team/"), Tags: []iamshape.Tag{{Key: "a", Value: "a b"}, {Key: "b", Value: "two"}}},
		},
		{
			name: "list indexes sorted numerically, sparse",
			body: "UserName=u&TagKeys.member.10=ten&TagKeys.member.2=two&TagKeys.member.1=one",
			dst:  &iamshape.UntagUserInput{},
			want: &iamshape.UntagUserInput{UserName: "u", TagKeys: []string{"one", "two", "ten"}},
		},
		{
			name: "STS PolicyArns with lower-case arn, integers",
			body: "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=s1&DurationSeconds=900&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess&TransitiveTagKeys.member.1=k",
			dst:  &stsshape.AssumeRoleInput{},
			want: &stsshape.AssumeRoleInput{
				RoleArn: "arn:aws:iam::123456789012:role/demo", RoleSessionName: "s1", DurationSeconds: ptr[int32](900),
				PolicyArns:        []stsshape.PolicyDescriptorType{{Arn: ptr("arn:aws:iam::aws:policy/ReadOnlyAccess")}},
				TransitiveTagKeys: []string{"k"},
			},
		},
		{
			name: "list inside a list of structures, booleans",
			body: "PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Fa&ActionNames.member.1=s3%3AGetObject&ContextEntries.member.1.ContextKeyName=aws%3ASourceIp&ContextEntries.member.1.ContextKeyType=ip&ContextEntries.member.1.ContextKeyValues.member.1=1.2.3.4&ContextEntries.member.1.ContextKeyValues.member.2=5.6.7.8",
			dst:  &iamshape.SimulatePrincipalPolicyInput{},
			want: &iamshape.SimulatePrincipalPolicyInput{
				PolicySourceArn: "arn:aws:iam::123456789012:user/a", ActionNames: []string{"s3:GetObject"},
				ContextEntries: []iamshape.ContextEntry{{ContextKeyName: ptr("aws:SourceIp"), ContextKeyType: ptr("ip"), ContextKeyValues: []string{"1.2.3.4", "5.6.7.8"}}},
			},
		},
		{
			name: "bare list key means an empty list",
			body: "UserName=u&TagKeys=",
			dst:  &iamshape.UntagUserInput{},
			want: &iamshape.UntagUserInput{UserName: "u", TagKeys: []string{}},
		},
		{
			name: "boolean and enum",
			body: "Scope=Local&OnlyAttached=true&MaxItems=10",
			dst:  &iamshape.ListPoliciesInput{},
			want: &iamshape.ListPoliciesInput{Scope: ptr("Local"), OnlyAttached: ptr(true), MaxItems: ptr[int32](10)},
		},
		{
			name: "map Name.entry.N.key/value",
			body: "SummaryMap.entry.1.key=Users&SummaryMap.entry.1.value=3&SummaryMap.entry.2.key=Groups&SummaryMap.entry.2.value=1",
			dst:  &iamshape.GetAccountSummaryOutput{},
			want: &iamshape.GetAccountSummaryOutput{SummaryMap: map[string]int32{"Users": 3, "Groups": 1}},
		},
		{
			name: "policy document kept byte-exact",
			body: "RoleName=r&PolicyName=p&PolicyDocument=" + url.QueryEscape("{\"Version\": \"2012-10-17\",\n\t\"Statement\":[]} "),
			dst:  &iamshape.PutRolePolicyInput{},
			want: &iamshape.PutRolePolicyInput{RoleName: "r", PolicyName: "p", PolicyDocument: "{\"Version\": \"2012-10-17\",\n\t\"Statement\":[]} "},
		},
		{
			name: "blob is base64",
			body: "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fdev&Base32StringSeed=" + url.QueryEscape("AAEC/w=="),
			dst:  &iamshape.VirtualMFADevice{},
			want: &iamshape.VirtualMFADevice{SerialNumber: "arn:aws:iam::123456789012:mfa/dev", Base32StringSeed: []byte{0, 1, 2, 255}},
		},
		{
			name: "timestamp",
			body: "AccessKeyId=AKIAEXAMPLEEXAMPLE12&Status=Active&CreateDate=2024-05-01T12:00:00Z",
			dst:  &iamshape.AccessKey{},
			want: &iamshape.AccessKey{AccessKeyId: "AKIAEXAMPLEEXAMPLE12", Status: "Active", CreateDate: ptr(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))},
		},
	}
	c := query.NewCodec()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.Decode(form(t, tt.body), tt.dst); err != nil {
				// Output-only shapes may miss required members: only
				// validation of what was sent matters here.
				var ve *query.ValidationError
				if !errors.As(err, &ve) || tt.dst == nil {
					t.Fatalf("Decode: %v", err)
				}
				if reflect.TypeOf(tt.dst) != reflect.TypeFor[*iamshape.GetAccountSummaryOutput]() && reflect.TypeOf(tt.dst) != reflect.TypeFor[*iamshape.AccessKey]() {
					t.Fatalf("Decode: %v", err)
				}
			}
			if !reflect.DeepEqual(tt.dst, tt.want) {
				t.Errorf("Decode:\n got %+v\nwant %+v", tt.dst, tt.want)
			}
		})
	}
}

func TestDecodeValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name string
		body string
		dst  any
		want string
	}{
		{"missing required", "", &iamshape.CreateUserInput{},
			"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{"pattern", "UserName=a:b", &iamshape.CreateUserInput{},
			`1 validation error detected: Value 'a:b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{"too long", "UserName=" + long(65), &iamshape.CreateUserInput{},
			"1 validation error detected: Value '" + long(65) + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"empty: length then pattern", "UserName=", &iamshape.CreateUserInput{},
			`2 validation errors detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{"nested list member", "UserName=u&Tags.member.1.Key=k", &iamshape.CreateUserInput{},
			"1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"},
		{"range", "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=s1&DurationSeconds=60", &stsshape.AssumeRoleInput{},
			"1 validation error detected: Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"enum", "Scope=Mine", &iamshape.ListPoliciesInput{},
			"1 validation error detected: Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]"},
		{"scalar list element", "UserName=u&TagKeys.member.1=", &iamshape.UntagUserInput{},
			`2 validation errors detected: Value '' at 'tagKeys.1.member' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'tagKeys.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`},
		{"sensitive value not echoed", "UserName=u&Password=", &iamshape.CreateLoginProfileInput{},
			`2 validation errors detected: Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 1; Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`},
		{"several members", "RoleSessionName=x", &stsshape.AssumeRoleInput{},
			"2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
	}
	c := query.NewCodec()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Decode(form(t, tt.body), tt.dst)
			var ve *query.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Decode: got %v, want a ValidationError", err)
			}
			if ve.Error() != tt.want {
				t.Errorf("message:\n got %s\nwant %s", ve.Error(), tt.want)
			}
		})
	}
}

func TestDecodeParseError(t *testing.T) {
	c := query.NewCodec()
	for _, body := range []string{"MaxItems=ten", "OnlyAttached=yes"} {
		err := c.Decode(form(t, body), &iamshape.ListPoliciesInput{})
		var pe *query.ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: got %v, want ParseError", body, err)
		}
	}
}

func TestCompilePattern(t *testing.T) {
	tests := []struct {
		pattern, value string
		match          bool
	}{
		{`[\w+=,.@-]+`, "alice@example.com", true},
		{`[\w+=,.@-]+`, "a b", false},
		{`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, "/", true},
		{`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, "/a/b/", true},
		{`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, "/a", false},
		{`[\u0009\u000A\u000D\u0020-\u00FF]+`, "{\n\t\"a\": \"é\"}", true},
		{`[\u0009\u000A\u000D\u0020-\u00FF]+`, "emoji \U0001F600", false},
		{`\d{12}`, "123456789012", true},
		{`\d{12}`, "1234567890123", false}, // whole-value match, as Java's matches()
	}
	for _, tt := range tests {
		re, err := query.CompilePattern(tt.pattern)
		if err != nil {
			t.Fatalf("CompilePattern(%q): %v", tt.pattern, err)
		}
		if got := re.MatchString(tt.value); got != tt.match {
			t.Errorf("%q ~ %q = %v, want %v", tt.pattern, tt.value, got, tt.match)
		}
	}
	if _, err := query.CompilePattern(`-(?!-)`); err == nil {
		t.Error("look-ahead compiled; want an error (RE2 has none)")
	}
}

// TestDecodeBotocoreRequests decodes, for every operation, the form body
// botocore's QuerySerializer (the reference client) produced for an input
// with every member set, and checks that every member arrives. The bodies are
// committed under testdata/requests; -update regenerates them when botocore
// is installed.
func TestDecodeBotocoreRequests(t *testing.T) {
	dir := filepath.Join("testdata", "requests")
	if *update {
		if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
			t.Skip("python3 with botocore not available to regenerate:", err)
		}
		if out, err := exec.Command("python3", filepath.Join("testdata", "botocore_requests.py"), dir).CombinedOutput(); err != nil {
			t.Fatalf("botocore_requests.py: %v\n%s", err, out)
		}
	}
	c := query.NewCodec()
	for _, ops := range [][]query.Operation{iamshape.Operations(), stsshape.Operations()} {
		for _, op := range ops {
			t.Run(op.Service+"/"+op.Name, func(t *testing.T) {
				body, err := os.ReadFile(filepath.Join(dir, op.Service, op.Name+".form"))
				if err != nil {
					t.Fatalf("%v (run with -update)", err)
				}
				params := form(t, string(body))
				if params.Get("Action") != op.Name {
					t.Fatalf("Action=%q", params.Get("Action"))
				}
				in := reflect.New(op.Input)
				// The sample values ignore the constraints: only
				// ParseErrors (type mismatches) matter here.
				err = c.Decode(params, in.Interface())
				var pe *query.ParseError
				if errors.As(err, &pe) {
					t.Fatal(err)
				}
				for _, p := range unset(in.Elem(), op.Name) {
					t.Errorf("member not decoded: %s", p)
				}
			})
		}
	}
}

// unset lists the members of v left at their zero value.
func unset(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return []string{path}
		}
		return unset(v.Elem(), path)
	case reflect.Slice, reflect.Map:
		if v.Len() == 0 {
			return []string{path}
		}
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8 {
			return unset(v.Index(0), path+"[0]")
		}
		return nil
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.Interface().(time.Time).IsZero() {
				return []string{path}
			}
			return nil
		}
		var out []string
		for i := range v.NumField() {
			out = append(out, unset(v.Field(i), path+"."+v.Type().Field(i).Name)...)
		}
		return out
	}
	if v.IsZero() {
		return []string{path}
	}
	return nil
}
