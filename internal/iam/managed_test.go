package iam

import (
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// The -update flag regenerates golden files. Other test files of the
// package may define it too, so it is only registered when absent (init
// runs after every package-level flag.Bool of the package).
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// requiredManaged are the AWS managed policies the rest of iamd (and the
// reference notes) count on.
var requiredManaged = []string{
	"AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "IAMReadOnlyAccess",
	"IAMUserChangePassword", "IAMSelfManageServiceSpecificCredentials",
	"AmazonS3FullAccess", "AmazonS3ReadOnlyAccess", "AmazonEC2FullAccess", "AmazonEC2ReadOnlyAccess",
	"AmazonSSMManagedInstanceCore", "AWSSupportAccess",
	"ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit",
}

func TestManagedPoliciesWellFormed(t *testing.T) {
	ps := ManagedPolicies()
	if len(ps) == 0 {
		t.Fatal("no managed policies embedded")
	}
	versionID := regexp.MustCompile(`^v[1-9][0-9]*$`)
	seen := map[string]bool{}
	for i, p := range ps {
		t.Run(p.Name, func(t *testing.T) {
			if i > 0 && ps[i-1].Name >= p.Name {
				t.Errorf("not sorted: %s after %s", p.Name, ps[i-1].Name)
			}
			if seen[strings.ToLower(p.Name)] {
				t.Errorf("duplicate name %s", p.Name)
			}
			seen[strings.ToLower(p.Name)] = true
			if err := ValidatePolicyName(p.Name); err != nil {
				t.Errorf("name: %v", err)
			}
			if err := ValidatePolicyPath(p.Path); err != nil {
				t.Errorf("path: %v", err)
			}
			if p.ARN != PolicyARN(AWSManagedAccount, p.Path, p.Name) || !IsAWSManagedPolicyARN(p.ARN) {
				t.Errorf("ARN %s", p.ARN)
			}
			if len(p.ID) != IDLength || !strings.HasPrefix(p.ID, PrefixPolicy) {
				t.Errorf("ID %q: want ANPA + 17 characters", p.ID)
			}
			if !versionID.MatchString(p.DefaultVersionID) {
				t.Errorf("DefaultVersionID %q", p.DefaultVersionID)
			}
			if p.Description == "" || len(p.Description) > MaxDescriptionLen {
				t.Errorf("Description %q", p.Description)
			}
			if p.CreateDate.IsZero() || p.UpdateDate.Before(p.CreateDate) {
				t.Errorf("CreateDate %v UpdateDate %v", p.CreateDate, p.UpdateDate)
			}
			checkPolicyDocument(t, p.Document)
		})
	}
	for _, name := range requiredManaged {
		if !seen[strings.ToLower(name)] {
			t.Errorf("required managed policy %s is not shipped", name)
		}
	}
}

// checkPolicyDocument requires valid JSON with Version 2012-10-17 and a
// non-empty Statement whose entries have an Effect and an action element.
func checkPolicyDocument(t *testing.T, doc string) {
	t.Helper()
	var d struct {
		Version   string
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("document is not JSON: %v", err)
	}
	if d.Version != "2012-10-17" {
		t.Errorf("Version %q", d.Version)
	}
	var stmts []map[string]json.RawMessage
	if err := json.Unmarshal(d.Statement, &stmts); err != nil {
		// A single statement object is legal too.
		var one map[string]json.RawMessage
		if err := json.Unmarshal(d.Statement, &one); err != nil {
			t.Fatalf("Statement is neither a list nor an object: %s", d.Statement)
		}
		stmts = []map[string]json.RawMessage{one}
	}
	if len(stmts) == 0 {
		t.Fatal("no statements")
	}
	for i, s := range stmts {
		var effect string
		if err := json.Unmarshal(s["Effect"], &effect); err != nil || (effect != "Allow" && effect != "Deny") {
			t.Errorf("statement %d: Effect %s", i, s["Effect"])
		}
		if s["Action"] == nil && s["NotAction"] == nil {
			t.Errorf("statement %d: no Action or NotAction", i)
		}
		if s["Resource"] == nil && s["NotResource"] == nil {
			t.Errorf("statement %d: no Resource or NotResource", i)
		}
	}
}

func TestManagedPolicyDocumentLayout(t *testing.T) {
	p, ok := ManagedPolicyByARN("arn:aws:iam::aws:policy/AdministratorAccess")
	if !ok {
		t.Fatal("AdministratorAccess not found by ARN")
	}
	want := "{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": [\n        {\n            \"Effect\": \"Allow\",\n            \"Action\": \"*\",\n            \"Resource\": \"*\"\n        }\n    ]\n}"
	if p.Document != want {
		t.Errorf("AdministratorAccess document =\n%s\nwant\n%s", p.Document, want)
	}
	if p.ID != "ANPAIWMBCKSKIEE64ZLYK" || p.DefaultVersionID != "v1" {
		t.Errorf("AdministratorAccess ID %s version %s", p.ID, p.DefaultVersionID)
	}
	// Key order is AWS's, not alphabetical: PowerUserAccess lists
	// NotAction before Resource.
	pu, _ := ManagedPolicyByARN("arn:aws:iam::aws:policy/PowerUserAccess")
	if i, j := strings.Index(pu.Document, "NotAction"), strings.Index(pu.Document, "Resource"); i < 0 || j < i {
		t.Errorf("PowerUserAccess key order lost:\n%s", pu.Document)
	}
	if _, ok := ManagedPolicyByARN("arn:aws:iam::aws:policy/administratoraccess"); ok {
		t.Error("ARN lookup is case-insensitive")
	}
	if _, ok := ManagedPolicyByARN("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"); !ok {
		t.Error("service-role policy not found by its ARN")
	}
}

func TestIsAWSManagedPolicyARN(t *testing.T) {
	tests := []struct {
		arn  string
		want bool
	}{
		{"arn:aws:iam::aws:policy/AdministratorAccess", true},
		{"arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", true},
		{"arn:aws:iam::123456789012:policy/Mine", false},
		{"arn:aws:iam::aws:role/x", false},
		{"arn:aws:s3::aws:policy/x", false},
		{"not an arn", false},
	}
	for _, tc := range tests {
		if got := IsAWSManagedPolicyARN(tc.arn); got != tc.want {
			t.Errorf("IsAWSManagedPolicyARN(%q) = %v", tc.arn, got)
		}
	}
}

func TestDerivedPolicyID(t *testing.T) {
	a, b := DerivedPolicyID("SomePolicy"), DerivedPolicyID("SomePolicy")
	if a != b {
		t.Error("DerivedPolicyID is not deterministic")
	}
	if len(a) != IDLength || !strings.HasPrefix(a, PrefixPolicy) || !isBase32(a[4:]) {
		t.Errorf("DerivedPolicyID = %q", a)
	}
	if a == DerivedPolicyID("OtherPolicy") {
		t.Error("different names gave the same ID")
	}
}

func TestLoadManagedPoliciesErrors(t *testing.T) {
	good := `{"PolicyName":"P","PolicyId":"","Arn":"arn:aws:iam::aws:policy/P","Path":"/","DefaultVersionId":"v1","Description":"d","CreateDate":"2020-01-01T00:00:00Z","UpdateDate":"2020-01-01T00:00:00Z","Document":{"Version":"2012-10-17","Statement":[]}}`
	tests := []struct {
		name  string
		files map[string]string
		want  string // substring of the error; "" = success
	}{
		{"ok with derived ID", map[string]string{"managed/P.json": good}, ""},
		{"file name mismatch", map[string]string{"managed/Q.json": good}, "holds policy"},
		{"bad ARN", map[string]string{"managed/P.json": strings.Replace(good, "policy/P", "policy/X", 1)}, "Arn"},
		{"unknown field", map[string]string{"managed/P.json": strings.Replace(good, `"Path"`, `"Pth":1,"Path"`, 1)}, "unknown field"},
		{"not JSON", map[string]string{"managed/P.json": "{"}, "unexpected EOF"},
		{"null document", map[string]string{"managed/P.json": strings.Replace(good, `"Document":{"Version":"2012-10-17","Statement":[]}`, `"Document":null`, 1)}, "not a JSON object"},
		{"no name", map[string]string{"managed/P.json": strings.Replace(good, `"PolicyName":"P"`, `"PolicyName":""`, 1)}, "missing PolicyName"},
	}
	for _, tc := range tests {
		fsys := fstest.MapFS{}
		for n, c := range tc.files {
			fsys[n] = &fstest.MapFile{Data: []byte(c)}
		}
		ps, err := loadManagedPolicies(fsys)
		switch {
		case tc.want == "":
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if len(ps) != 1 || ps[0].ID != DerivedPolicyID("P") {
				t.Errorf("%s: got %+v", tc.name, ps)
			}
		case err == nil || !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestManagedPoliciesGolden pins the shipped set: any change to the data
// (a new policy, a new version, an edited document) shows up as a diff of
// testdata/managed_policies.golden, regenerated with -update.
func TestManagedPoliciesGolden(t *testing.T) {
	var b strings.Builder
	for _, p := range ManagedPolicies() {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\t%s\tsha256:%x\n", p.ARN, p.ID, p.DefaultVersionID,
			p.CreateDate.Format("2006-01-02T15:04:05Z"), p.UpdateDate.Format("2006-01-02T15:04:05Z"),
			p.Description, sha256.Sum256([]byte(p.Document)))
	}
	golden := filepath.Join("testdata", "managed_policies.golden")
	if updateGolden() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("managed policies differ from %s (rerun with -update if intended):\n%s", golden, b.String())
	}
}
