package iam

import (
	"fmt"
	"strings"
	"testing"
)

// wantErr is the expected outcome of a validator: no error when code is "".
type wantErr struct {
	code string
	msg  string
}

func checkErr(t *testing.T, what string, got *Error, want wantErr) {
	t.Helper()
	switch {
	case want.code == "" && got != nil:
		t.Errorf("%s: unexpected error %v", what, got)
	case want.code != "" && got == nil:
		t.Errorf("%s: no error, want %s: %s", what, want.code, want.msg)
	case want.code != "" && (got.Code != want.code || got.Message != want.msg):
		t.Errorf("%s:\n got %s: %s\nwant %s: %s", what, got.Code, got.Message, want.code, want.msg)
	}
}

func patternErr(field, value string) wantErr {
	return wantErr{CodeValidationError, fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", value, field)}
}

func maxLenErr(field, value string, n int) wantErr {
	return wantErr{CodeValidationError, fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", value, field, n)}
}

func minLenErr(field, value string, n int) wantErr {
	return wantErr{CodeValidationError, fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", value, field, n)}
}

func TestValidateNames(t *testing.T) {
	s := strings.Repeat
	tests := []struct {
		fn    func(string) *Error
		fname string
		field string
		max   int
	}{
		{ValidateUserName, "ValidateUserName", "userName", 64},
		{ValidateExistingUserName, "ValidateExistingUserName", "userName", 128},
		{ValidateGroupName, "ValidateGroupName", "groupName", 128},
		{ValidateRoleName, "ValidateRoleName", "roleName", 64},
		{ValidatePolicyName, "ValidatePolicyName", "policyName", 128},
		{ValidateInstanceProfileName, "ValidateInstanceProfileName", "instanceProfileName", 128},
		{ValidateServerCertificateName, "ValidateServerCertificateName", "serverCertificateName", 128},
		{ValidateMFADeviceName, "ValidateMFADeviceName", "virtualMFADeviceName", -1}, // no maximum
	}
	for _, tc := range tests {
		cases := []struct {
			in   string
			want wantErr
		}{
			{"alice", wantErr{}},
			{"a", wantErr{}},
			{"Alice_Smith+ops=1,x.y@example-corp", wantErr{}},
			{"", minLenErr(tc.field, "", 1)},
			{"bad name", patternErr(tc.field, "bad name")},
			{"a/b", patternErr(tc.field, "a/b")},
			{"a:b", patternErr(tc.field, "a:b")},
			{"é", patternErr(tc.field, "é")}, // \w is ASCII only
			{"a*", patternErr(tc.field, "a*")},
		}
		if tc.max < 0 {
			cases = append(cases, struct {
				in   string
				want wantErr
			}{s("a", 1000), wantErr{}})
		} else {
			cases = append(cases, []struct {
				in   string
				want wantErr
			}{
				{s("a", tc.max), wantErr{}},
				{s("a", tc.max+1), maxLenErr(tc.field, s("a", tc.max+1), tc.max)},
				{s("!", tc.max+1), wantErr{CodeValidationError, fmt.Sprintf(
					"2 validation errors detected: Value '%[1]s' at '%[2]s' failed to satisfy constraint: Member must have length less than or equal to %[3]d; "+
						"Value '%[1]s' at '%[2]s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
					s("!", tc.max+1), tc.field, tc.max)}},
			}...)
		}
		for _, c := range cases {
			checkErr(t, fmt.Sprintf("%s(%.20q)", tc.fname, c.in), tc.fn(c.in), c.want)
		}
	}
}

func TestValidatePath(t *testing.T) {
	invalid := wantErr{CodeValidationError, pathInvalidMessage}
	long := "/" + strings.Repeat("a", 511) + "/"
	tests := []struct {
		in   string
		want wantErr
	}{
		{"", wantErr{}},
		{"/", wantErr{}},
		{"/eng/", wantErr{}},
		{"/eng/dev-1/x.y/", wantErr{}},
		{"/a!b~c/", wantErr{}}, // any printable ASCII
		{"/" + strings.Repeat("a", 510) + "/", wantErr{}},
		{long, maxLenErr("path", long, 512)},
		{"eng", invalid},
		{"/eng", invalid},
		{"eng/", invalid},
		{"//", invalid},
		{"/a//b/", invalid},
		{"/a b/", invalid},
		{"/é/", invalid},
	}
	for _, tc := range tests {
		checkErr(t, fmt.Sprintf("ValidatePath(%.20q)", tc.in), ValidatePath(tc.in), tc.want)
	}
}

func TestValidatePolicyPath(t *testing.T) {
	pat := func(v string) wantErr {
		return wantErr{CodeValidationError, "1 validation error detected: Value '" + v + "' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/"}
	}
	tests := []struct {
		in   string
		want wantErr
	}{
		{"", wantErr{}},
		{"/", wantErr{}},
		{"/service-role/", wantErr{}},
		{"/a.b,c+d@e=f_g-h/x/", wantErr{}},
		{"/a!/", pat("/a!/")},
		{"/a//", pat("/a//")},
		{"a/", pat("a/")},
		{"/a", pat("/a")},
	}
	for _, tc := range tests {
		checkErr(t, fmt.Sprintf("ValidatePolicyPath(%q)", tc.in), ValidatePolicyPath(tc.in), tc.want)
	}
}

func TestValidatePathPrefix(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"", true}, {"/", true}, {"/eng", true}, {"/eng/", true}, {"/\x7f", true},
		{"eng", false}, {"/a b", false}, {"/" + strings.Repeat("a", 512), false},
	}
	for _, tc := range tests {
		err := ValidatePathPrefix(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ValidatePathPrefix(%.20q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
		if err != nil && err.Code != CodeValidationError {
			t.Errorf("ValidatePathPrefix(%.20q) code %s", tc.in, err.Code)
		}
	}
}

func TestValidateDescriptions(t *testing.T) {
	long := strings.Repeat("d", 1001)
	tests := []struct {
		fn   func(string) *Error
		name string
		in   string
		want wantErr
	}{
		{ValidateRoleDescription, "role", "", wantErr{}},
		{ValidateRoleDescription, "role", "Deploys things.\nTabs\tok; Latin-1 ©é", wantErr{}},
		{ValidateRoleDescription, "role", strings.Repeat("d", 1000), wantErr{}},
		{ValidateRoleDescription, "role", long, maxLenErr("description", long, 1000)},
		{ValidateRoleDescription, "role", "emoji 🙂", wantErr{CodeValidationError, "1 validation error detected: Value 'emoji 🙂' at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*"}},
		{ValidateRoleDescription, "role", "bell\a", wantErr{CodeValidationError, "1 validation error detected: Value 'bell\a' at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*"}},
		{ValidatePolicyDescription, "policy", "emoji 🙂 fine", wantErr{}},
		{ValidatePolicyDescription, "policy", long, maxLenErr("description", long, 1000)},
	}
	for _, tc := range tests {
		checkErr(t, fmt.Sprintf("%s description %.20q", tc.name, tc.in), tc.fn(tc.in), tc.want)
	}
}

func TestValidateMaxSessionDuration(t *testing.T) {
	tests := []struct {
		in   int64
		want wantErr
	}{
		{3600, wantErr{}},
		{43200, wantErr{}},
		{7200, wantErr{}},
		{3599, wantErr{CodeValidationError, "1 validation error detected: Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"}},
		{43201, wantErr{CodeValidationError, "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200"}},
		{0, wantErr{CodeValidationError, "1 validation error detected: Value '0' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"}},
	}
	for _, tc := range tests {
		checkErr(t, fmt.Sprintf("ValidateMaxSessionDuration(%d)", tc.in), ValidateMaxSessionDuration(tc.in), tc.want)
	}
}

func TestValidateRoleSessionName(t *testing.T) {
	tests := []struct {
		in   string
		want wantErr
	}{
		{"ci", wantErr{}},
		{"alice@example.com", wantErr{}},
		{strings.Repeat("s", 64), wantErr{}},
		{"a", minLenErr("roleSessionName", "a", 2)},
		{strings.Repeat("s", 65), maxLenErr("roleSessionName", strings.Repeat("s", 65), 64)},
		{"a:b", wantErr{CodeValidationError, "1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"}},
	}
	for _, tc := range tests {
		checkErr(t, fmt.Sprintf("ValidateRoleSessionName(%q)", tc.in), ValidateRoleSessionName(tc.in), tc.want)
	}
}

func TestValidateTags(t *testing.T) {
	many := make([]Tag, 51)
	for i := range many {
		many[i] = Tag{Key: fmt.Sprintf("k%d", i), Value: "v"}
	}
	fifty := many[:50]
	longKey := strings.Repeat("k", 129)
	longVal := strings.Repeat("v", 257)
	dup := wantErr{CodeInvalidInput, "Duplicate tag keys found. Please note that Tag keys are case insensitive."}
	tests := []struct {
		name string
		in   []Tag
		want wantErr
	}{
		{"none", nil, wantErr{}},
		{"simple", []Tag{{"team", "core"}, {"env", ""}}, wantErr{}},
		{"unicode letters and spaces", []Tag{{"Équipe Kern", "数据 1/2 = x+y @z:_-."}}, wantErr{}},
		{"fifty", fifty, wantErr{}},
		{"key 128 value 256", []Tag{{strings.Repeat("k", 128), strings.Repeat("v", 256)}}, wantErr{}},
		{"fifty-one", many, wantErr{CodeValidationError, "1 validation error detected: Value '" + formatTags(many) + "' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"}},
		{"empty key", []Tag{{"ok", "1"}, {"", "v"}}, minLenErr("tags.2.member.key", "", 1)},
		{"long key", []Tag{{longKey, "v"}}, maxLenErr("tags.1.member.key", longKey, 128)},
		{"long value", []Tag{{"k", longVal}}, maxLenErr("tags.1.member.value", longVal, 256)},
		{"bad key char", []Tag{{"a*b", "v"}}, wantErr{CodeValidationError, "1 validation error detected: Value 'a*b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"}},
		{"bad value char", []Tag{{"k", "a;b"}}, wantErr{CodeValidationError, "1 validation error detected: Value 'a;b' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"}},
		{"two violations", []Tag{{"a*", "v"}, {"k", longVal}}, wantErr{CodeValidationError, "2 validation errors detected: " +
			"Value 'a*' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+; " +
			"Value '" + longVal + "' at 'tags.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"}},
		{"reserved prefix", []Tag{{"aws:cloudformation:stack", "x"}}, wantErr{CodeInvalidInput, "Tag key 'aws:cloudformation:stack' is not valid: tag keys starting with 'aws:' are reserved for AWS use."}},
		{"reserved prefix any case", []Tag{{"AWS:x", "x"}}, wantErr{CodeInvalidInput, "Tag key 'AWS:x' is not valid: tag keys starting with 'aws:' are reserved for AWS use."}},
		{"aws without colon is fine", []Tag{{"aws-team", "x"}}, wantErr{}},
		{"duplicate", []Tag{{"k", "1"}, {"k", "2"}}, dup},
		{"duplicate case-insensitive", []Tag{{"Team", "1"}, {"team", "2"}}, dup},
	}
	for _, tc := range tests {
		checkErr(t, "ValidateTags "+tc.name, ValidateTags(tc.in), tc.want)
	}
}

func TestValidateTagKeys(t *testing.T) {
	keys := make([]string, 51)
	for i := range keys {
		keys[i] = fmt.Sprint(i)
	}
	tests := []struct {
		in []string
		ok bool
	}{
		{nil, true}, {[]string{"a", "B c"}, true}, {keys[:50], true},
		{keys, false}, {[]string{""}, false}, {[]string{"a*"}, false}, {[]string{strings.Repeat("k", 129)}, false},
	}
	for _, tc := range tests {
		err := ValidateTagKeys(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateTagKeys(%d keys) = %v, want ok=%v", len(tc.in), err, tc.ok)
		}
	}
	checkErr(t, "ValidateTagKeys(a*)", ValidateTagKeys([]string{"x", "a*"}), wantErr{CodeValidationError,
		"1 validation error detected: Value 'a*' at 'tagKeys.2.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"})
}

func TestMergeAndRemoveTags(t *testing.T) {
	existing := []Tag{{"Team", "core"}, {"env", "dev"}}
	got, err := MergeTags(existing, []Tag{{"team", "edge"}, {"cost", "42"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Tag{{"team", "edge"}, {"env", "dev"}, {"cost", "42"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("MergeTags = %v, want %v", got, want)
	}
	if fmt.Sprint(existing) != fmt.Sprint([]Tag{{"Team", "core"}, {"env", "dev"}}) {
		t.Errorf("MergeTags modified its input: %v", existing)
	}

	var full []Tag
	for i := 0; i < 50; i++ {
		full = append(full, Tag{fmt.Sprint("k", i), ""})
	}
	if _, err := MergeTags(full, []Tag{{"K0", "overwrite is fine"}}); err != nil {
		t.Errorf("MergeTags overwrite at 50: %v", err)
	}
	if _, err := MergeTags(full, []Tag{{"new", ""}}); err == nil || err.Code != CodeLimitExceeded {
		t.Errorf("MergeTags to 51 tags: err = %v, want LimitExceeded", err)
	}

	left := RemoveTags(want, []string{"TEAM", "absent"})
	if fmt.Sprint(left) != fmt.Sprint([]Tag{{"env", "dev"}, {"cost", "42"}}) {
		t.Errorf("RemoveTags = %v", left)
	}
}

func TestValidationAccumulates(t *testing.T) {
	var v Validation
	if v.Err() != nil {
		t.Fatal("empty Validation returned an error")
	}
	v.Length("userName", "", 1, 64)
	v.Range("maxItems", 0, 1, 1000)
	v.FailSensitive("password", "have length greater than or equal to 1")
	checkErr(t, "three", v.Err(), wantErr{CodeValidationError, "3 validation errors detected: " +
		"Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
		"Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
		"Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 1"})
}

func TestValidateSTSAndMiscFields(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		ok   bool
		msg  string // checked when not ok and non-empty
	}{
		{"serial arn", ValidateSerialNumber("arn:aws:iam::123456789012:mfa/alice"), true, ""},
		{"serial hardware", ValidateSerialNumber("GAHT12345678"), true, ""},
		{"serial short", ValidateSerialNumber("GAHT1234"), false, "1 validation error detected: Value 'GAHT1234' at 'serialNumber' failed to satisfy constraint: Member must have length greater than or equal to 9"},
		{"serial too long", ValidateSerialNumber(MFAARN("123456789012", "/", strings.Repeat("d", 227))), false, ""},
		{"serial bad char", ValidateSerialNumber("arn:aws:iam::1:mfa/a b"), false, "1 validation error detected: Value 'arn:aws:iam::1:mfa/a b' at 'serialNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=/:,.@-]+"},
		{"code ok", ValidateAuthenticationCode("authenticationCode1", "012345"), true, ""},
		{"code short", ValidateAuthenticationCode("authenticationCode1", "12345"), false, "1 validation error detected: Value '12345' at 'authenticationCode1' failed to satisfy constraint: Member must have length greater than or equal to 6"},
		{"code letters", ValidateAuthenticationCode("tokenCode", "12a456"), false, "1 validation error detected: Value '12a456' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]+"},
		{"external id ok", ValidateExternalID("urn:partner/123=abc"), true, ""},
		{"external id short", ValidateExternalID("x"), false, ""},
		{"external id space", ValidateExternalID("a b"), false, "1 validation error detected: Value 'a b' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*"},
		{"external id max", ValidateExternalID(strings.Repeat("e", 1224)), true, ""},
		{"source identity ok", ValidateSourceIdentity("alice@example.com"), true, ""},
		{"source identity colon", ValidateSourceIdentity("a:b"), false, ""},
		{"federated ok", ValidateFederatedUserName("bob"), true, ""},
		{"federated 33", ValidateFederatedUserName(strings.Repeat("b", 33)), false, ""},
		{"alias ok", ValidateAccountAlias("my-company-prod"), true, ""},
		{"alias upper", ValidateAccountAlias("MyCompany"), false, "1 validation error detected: Value 'MyCompany' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"},
		{"alias double hyphen", ValidateAccountAlias("a--b"), false, ""},
		{"alias leading hyphen", ValidateAccountAlias("-ab"), false, ""},
		{"alias trailing hyphen", ValidateAccountAlias("ab-"), false, ""},
		{"alias short", ValidateAccountAlias("ab"), false, ""},
		{"alias 12 digits", ValidateAccountAlias("123456789012"), false, "The account alias 123456789012 must not be a 12-digit number."},
		{"alias 11 digits", ValidateAccountAlias("12345678901"), true, ""},
		{"saml ok", ValidateSAMLProviderName("Okta_prod-1.x"), true, ""},
		{"saml plus", ValidateSAMLProviderName("a+b"), false, ""},
		{"max items default", ValidateMaxItems(0), true, ""},
		{"max items 1000", ValidateMaxItems(1000), true, ""},
		{"max items 1001", ValidateMaxItems(1001), false, "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"max items negative", ValidateMaxItems(-1), false, ""},
	}
	for _, tc := range tests {
		if (tc.err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, tc.err, tc.ok)
			continue
		}
		if tc.err != nil && tc.msg != "" && tc.err.Message != tc.msg {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, tc.err.Message, tc.msg)
		}
	}
}
