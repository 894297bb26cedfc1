package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The -update flag regenerates golden files. Another test file of this
// package may define it first; then its value is shared.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/")
	}
}

func updatingGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const (
	td      = "testdata/policy/"
	alice   = "arn:aws:iam::111122223333:user/alice"
	ec2Inst = "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"
	role    = "arn:aws:iam::111122223333:role/deploy"
)

// TestPolicyCommand runs `iamd policy …` through run() and compares exit
// status, stdout and stderr with testdata/policy/<name>.golden.
func TestPolicyCommand(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		exit  int
	}{
		{"validate-ok", []string{"policy", "validate", td + "ec2-owner.json", td + "admin.json"}, "", 0},
		{"validate-errors", []string{"policy", "validate", td + "invalid.json", td + "admin.json"}, "", 1},
		{"validate-trust", []string{"policy", "validate", "--kind", "trust", td + "trust.json"}, "", 0},
		{"validate-trust-as-identity", []string{"policy", "validate", td + "trust.json"}, "", 1},
		{"validate-identity-as-trust", []string{"policy", "validate", "--kind", "trust", td + "admin.json"}, "", 1},
		{"validate-stdin", []string{"policy", "validate", "--kind", "boundary", "-"},
			`{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}`, 1},
		{"validate-size", []string{"policy", "validate", "--kind", "trust", "-"}, bigTrustPolicy(2049), 1},
		{"validate-bad-kind", []string{"policy", "validate", "--kind", "group", td + "admin.json"}, "", 2},
		{"validate-missing-file", []string{"policy", "validate", td + "nope.json"}, "", 2},
		{"validate-no-files", []string{"policy", "validate"}, "", 2},

		{"eval-ec2-own-instance", []string{"policy", "eval", "--policy", td + "ec2-owner.json",
			"--action", "ec2:StartInstances", "--resource", ec2Inst, "--principal", alice,
			"--context", "ec2:ResourceTag/Owner=alice"}, "", 0},
		{"eval-ec2-other-instance", []string{"policy", "eval", "--policy", td + "ec2-owner.json",
			"--action", "ec2:StartInstances", "--resource", ec2Inst, "--principal", alice,
			"--context", "ec2:ResourceTag/Owner=bob"}, "", 0},
		{"eval-ec2-other-instance-json", []string{"policy", "eval", "--policy", td + "ec2-owner.json",
			"--action", "ec2:StartInstances", "--resource", ec2Inst, "--principal", alice,
			"--context", "ec2:ResourceTag/Owner=bob", "--json"}, "", 0},
		{"eval-old-key-json", []string{"policy", "eval", "--policy", td + "admin.json", "--policy", td + "key-age.json",
			"--action", "iam:ListUsers", "--resource", "*", "--principal", alice,
			"--context", "iamd:AccessKeyAgeDays=120", "--json"}, "", 0},
		{"eval-young-key-json", []string{"policy", "eval", "--policy", td + "admin.json", "--policy", td + "key-age.json",
			"--action", "iam:ListUsers", "--resource", "*", "--principal", alice,
			"--context", "iamd:AccessKeyAgeDays=12", "--json"}, "", 0},
		{"eval-group-deny-beats-group-allow", []string{"policy", "eval", "--policy", td + "group-developers.json",
			"--policy", td + "group-no-instances.json", "--action", "ec2:StopInstances", "--resource", ec2Inst,
			"--principal", alice}, "", 0},
		{"eval-trust-user", []string{"policy", "eval", "--trust-policy", td + "trust.json",
			"--action", "sts:AssumeRole", "--resource", role, "--principal", alice}, "", 0},
		{"eval-trust-role-session", []string{"policy", "eval", "--trust-policy", td + "trust.json",
			"--action", "sts:AssumeRole", "--resource", role,
			"--principal", "arn:aws:sts::111122223333:assumed-role/ci/build-7"}, "", 0},
		{"eval-trust-account-needs-identity", []string{"policy", "eval", "--trust-policy", td + "trust.json",
			"--action", "sts:AssumeRole", "--resource", role,
			"--principal", "arn:aws:iam::444455556666:user/carol"}, "", 0},
		{"eval-trust-account-with-identity", []string{"policy", "eval", "--trust-policy", td + "trust.json",
			"--policy", td + "admin.json", "--action", "sts:AssumeRole", "--resource", role,
			"--principal", "arn:aws:iam::444455556666:user/carol"}, "", 0},
		{"eval-trust-unnamed-user", []string{"policy", "eval", "--trust-policy", td + "trust.json",
			"--policy", td + "admin.json", "--action", "sts:AssumeRole", "--resource", role,
			"--principal", "arn:aws:iam::111122223333:user/bob"}, "", 0},
		{"eval-multivalued-context", []string{"policy", "eval", "--policy", td + "tag-keys.json",
			"--action", "iam:TagUser", "--resource", "*", "--principal", alice,
			"--context", "aws:TagKeys=project", "--context", "AWS:TagKeys=owner"}, "", 0},
		{"eval-multivalued-context-extra-key", []string{"policy", "eval", "--policy", td + "tag-keys.json",
			"--action", "iam:TagUser", "--resource", "*", "--principal", alice,
			"--context", "aws:TagKeys=project", "--context", "aws:TagKeys=cost-center"}, "", 0},
		{"eval-boundary-blocks", []string{"policy", "eval", "--policy", td + "admin.json",
			"--boundary", td + "boundary-s3.json", "--action", "iam:CreateUser",
			"--resource", "arn:aws:iam::111122223333:user/eve", "--principal", alice}, "", 0},
		{"eval-session-policy-blocks", []string{"policy", "eval", "--policy", td + "admin.json",
			"--session-policy", td + "session-get.json", "--action", "s3:GetObject",
			"--resource", "arn:aws:s3:::private/x", "--principal", "arn:aws:sts::111122223333:assumed-role/ci/build-7"}, "", 0},
		{"eval-boundary-and-session-allow", []string{"policy", "eval", "--policy", td + "admin.json",
			"--boundary", td + "boundary-s3.json", "--session-policy", td + "session-get.json", "--action", "s3:GetObject",
			"--resource", "arn:aws:s3:::reports/q3.csv", "--principal", "arn:aws:sts::111122223333:assumed-role/ci/build-7"}, "", 0},
		{"eval-federated-principal-keys", []string{"policy", "eval", "--policy", td + "principal-keys.json",
			"--session-policy", td + "s3-read.json", "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k",
			"--principal", "arn:aws:sts::111122223333:federated-user/fed"}, "", 0},
		{"eval-role-session-principal-keys", []string{"policy", "eval", "--policy", td + "principal-keys.json",
			"--action", "s3:PutObject", "--resource", "arn:aws:s3:::b/k",
			"--principal", "arn:aws:sts::111122223333:assumed-role/ci/build-7", "--principal-id", "AROAEXAMPLEROLEID1234"}, "", 0},
		{"eval-anonymous", []string{"policy", "eval", "--policy", td + "admin.json",
			"--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k"}, "", 0},
		{"eval-policy-from-stdin", []string{"policy", "eval", "--policy", "-",
			"--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k", "--principal", alice},
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}]}`, 0},

		{"eval-invalid-policy", []string{"policy", "eval", "--policy", td + "invalid.json",
			"--action", "s3:GetObject", "--resource", "*"}, "", 2},
		{"eval-trust-policy-as-identity", []string{"policy", "eval", "--policy", td + "trust.json",
			"--action", "sts:AssumeRole", "--resource", role}, "", 2},
		{"eval-bad-principal", []string{"policy", "eval", "--policy", td + "admin.json",
			"--action", "s3:GetObject", "--resource", "*", "--principal", "arn:aws:iam::1234:user/x"}, "", 2},
		{"eval-bad-principal-group", []string{"policy", "eval", "--policy", td + "admin.json",
			"--action", "s3:GetObject", "--resource", "*", "--principal", "arn:aws:iam::111122223333:group/devs"}, "", 2},
		{"eval-bad-context", []string{"policy", "eval", "--policy", td + "admin.json",
			"--action", "s3:GetObject", "--resource", "*", "--context", "aws:SourceIp"}, "", 2},
		{"eval-bad-action", []string{"policy", "eval", "--policy", td + "admin.json",
			"--action", "GetObject", "--resource", "*"}, "", 2},
		{"eval-bad-time", []string{"policy", "eval", "--policy", td + "admin.json",
			"--action", "s3:GetObject", "--resource", "*", "--time", "yesterday"}, "", 2},
		{"eval-missing-action", []string{"policy", "eval", "--policy", td + "admin.json", "--resource", "*"}, "", 2},
		{"eval-resource-and-trust", []string{"policy", "eval", "--resource-policy", td + "trust.json",
			"--trust-policy", td + "trust.json", "--action", "sts:AssumeRole", "--resource", role}, "", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, strings.NewReader(tc.stdin), &stdout, &stderr)
			if code != tc.exit {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.exit, stdout.String(), stderr.String())
			}
			if tc.exit == 2 && stderr.Len() == 0 {
				t.Errorf("bad input must explain itself on stderr")
			}
			got := fmt.Sprintf("$ iamd %s\nexit status %d\n--- stdout\n%s--- stderr\n%s", strings.Join(tc.args, " "), code, stdout.String(), stderr.String())
			golden := filepath.Join("testdata", "policy", tc.name+".golden")
			if updatingGolden() {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/iamd -run TestPolicyCommand -update)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (regenerate with -update)\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

// bigTrustPolicy is a valid trust policy of exactly n counted characters.
func bigTrustPolicy(n int) string {
	const skel = `{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`
	return strings.Replace(skel, `"Sid":""`, `"Sid":"`+strings.Repeat("A", n-len(skel))+`"`, 1)
}

// TestParsePrincipal checks the principal fields --principal derives, from
// which the engine fills aws:username, aws:userid, aws:PrincipalArn,
// aws:PrincipalAccount and aws:PrincipalType (conditions.md §4).
func TestParsePrincipal(t *testing.T) {
	tests := []struct {
		arn, id                                 string
		typ, account, username, userID, roleARN string
	}{
		{"arn:aws:iam::111122223333:user/alice", "AIDAEXAMPLE", "User", "111122223333", "alice", "AIDAEXAMPLE", ""},
		{"arn:aws:iam::111122223333:user/eng/team/alice", "", "User", "111122223333", "alice", "", ""},
		{"arn:aws:sts::111122223333:assumed-role/ci/build-7", "AROAEXAMPLE", "AssumedRole", "111122223333", "", "AROAEXAMPLE:build-7", "arn:aws:iam::111122223333:role/ci"},
		{"arn:aws:sts::111122223333:federated-user/fed", "", "FederatedUser", "111122223333", "", "111122223333:fed", ""},
		{"arn:aws:iam::111122223333:root", "", "Account", "111122223333", "", "111122223333", ""},
		{"ec2.amazonaws.com", "", "Service", "", "", "", ""},
		{"", "", "Anonymous", "", "", "", ""},
	}
	for _, tc := range tests {
		p, err := parsePrincipal(tc.arn, tc.id)
		if err != nil {
			t.Errorf("%s: %v", tc.arn, err)
			continue
		}
		got := []string{p.Type.String(), p.Account, p.Username, p.UserID, p.RoleARN}
		want := []string{tc.typ, tc.account, tc.username, tc.userID, tc.roleARN}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: got %q, want %q", tc.arn, got, want)
		}
	}
	for _, bad := range []string{"alice", "arn:aws:iam::111122223333:group/g", "arn:aws:sts::111122223333:assumed-role/r",
		"arn:aws:iam::12:user/a", "arn:aws:iam:us-east-1:111122223333:user/a", "arn:aws:iam::111122223333:user/"} {
		if _, err := parsePrincipal(bad, ""); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
