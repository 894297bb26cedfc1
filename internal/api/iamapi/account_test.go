package iamapi_test

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/server/servertest"
)

func TestAccountAliasUniqueAcrossAccounts(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	const other, otherKey, otherSecret = "210987654321", "AKIAOTHERACCOUNT0001", "other-account-secret-0123456789"
	if err := env.Service.EnsureAccount(ctx, other, otherKey, otherSecret); err != nil {
		t.Fatal(err)
	}
	c2 := env.IAMAs(t, otherKey, otherSecret)

	out := must(c.ListAccountAliases(ctx, &awsiam.ListAccountAliasesInput{}))(t)
	if len(out.AccountAliases) != 0 || out.IsTruncated {
		t.Fatalf("new account: %+v", out)
	}
	must(c.CreateAccountAlias(ctx, &awsiam.CreateAccountAliasInput{AccountAlias: aws.String("example-corp")}))(t)
	_, err := c2.CreateAccountAlias(ctx, &awsiam.CreateAccountAliasInput{AccountAlias: aws.String("example-corp")})
	wantAPIError(t, err, "EntityAlreadyExists", "The account alias example-corp already exists.")
	_, err = c2.CreateAccountAlias(ctx, &awsiam.CreateAccountAliasInput{AccountAlias: aws.String("Bad--Alias")})
	wantAPIError(t, err, "ValidationError", "")

	// A new alias replaces the account's old one, freeing it.
	must(c.CreateAccountAlias(ctx, &awsiam.CreateAccountAliasInput{AccountAlias: aws.String("example-prod")}))(t)
	out = must(c.ListAccountAliases(ctx, &awsiam.ListAccountAliasesInput{}))(t)
	if len(out.AccountAliases) != 1 || out.AccountAliases[0] != "example-prod" {
		t.Fatalf("aliases = %v", out.AccountAliases)
	}
	must(c2.CreateAccountAlias(ctx, &awsiam.CreateAccountAliasInput{AccountAlias: aws.String("example-corp")}))(t)
	out = must(c2.ListAccountAliases(ctx, &awsiam.ListAccountAliasesInput{}))(t)
	if len(out.AccountAliases) != 1 || out.AccountAliases[0] != "example-corp" {
		t.Fatalf("other account's aliases = %v", out.AccountAliases)
	}

	_, err = c.DeleteAccountAlias(ctx, &awsiam.DeleteAccountAliasInput{AccountAlias: aws.String("example-corp")})
	wantAPIError(t, err, "NoSuchEntity", "The account alias example-corp cannot be found.")
	must(c.DeleteAccountAlias(ctx, &awsiam.DeleteAccountAliasInput{AccountAlias: aws.String("example-prod")}))(t)
	out = must(c.ListAccountAliases(ctx, &awsiam.ListAccountAliasesInput{}))(t)
	if len(out.AccountAliases) != 0 {
		t.Fatalf("after delete: %v", out.AccountAliases)
	}
}

func TestAccountPasswordPolicyRoundTrip(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	noPolicy := "The Password Policy with domain name " + env.AccountID + " cannot be found."
	_, err := c.GetAccountPasswordPolicy(ctx, &awsiam.GetAccountPasswordPolicyInput{})
	wantAPIError(t, err, "NoSuchEntity", noPolicy)

	must(c.UpdateAccountPasswordPolicy(ctx, &awsiam.UpdateAccountPasswordPolicyInput{
		MinimumPasswordLength: aws.Int32(14), RequireSymbols: true, RequireNumbers: true,
		RequireUppercaseCharacters: true, RequireLowercaseCharacters: true,
		AllowUsersToChangePassword: true, MaxPasswordAge: aws.Int32(90), PasswordReusePrevention: aws.Int32(24),
	}))(t)
	got := must(c.GetAccountPasswordPolicy(ctx, &awsiam.GetAccountPasswordPolicyInput{}))(t).PasswordPolicy
	if aws.ToInt32(got.MinimumPasswordLength) != 14 || !got.RequireSymbols || !got.RequireNumbers ||
		!got.RequireUppercaseCharacters || !got.RequireLowercaseCharacters || !got.AllowUsersToChangePassword ||
		!got.ExpirePasswords || aws.ToInt32(got.MaxPasswordAge) != 90 ||
		aws.ToInt32(got.PasswordReusePrevention) != 24 || aws.ToBool(got.HardExpiry) {
		t.Fatalf("policy = %+v", got)
	}

	// Replace-all: omitted parameters take their defaults.
	must(c.UpdateAccountPasswordPolicy(ctx, &awsiam.UpdateAccountPasswordPolicyInput{HardExpiry: aws.Bool(true)}))(t)
	got = must(c.GetAccountPasswordPolicy(ctx, &awsiam.GetAccountPasswordPolicyInput{}))(t).PasswordPolicy
	if aws.ToInt32(got.MinimumPasswordLength) != 6 || got.RequireSymbols || got.ExpirePasswords ||
		got.MaxPasswordAge != nil || got.PasswordReusePrevention != nil || !aws.ToBool(got.HardExpiry) {
		t.Fatalf("after replace: %+v", got)
	}

	_, err = c.UpdateAccountPasswordPolicy(ctx, &awsiam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(5)})
	wantAPIError(t, err, "ValidationError", "")

	must(c.DeleteAccountPasswordPolicy(ctx, &awsiam.DeleteAccountPasswordPolicyInput{}))(t)
	_, err = c.GetAccountPasswordPolicy(ctx, &awsiam.GetAccountPasswordPolicyInput{})
	wantAPIError(t, err, "NoSuchEntity", noPolicy)
	_, err = c.DeleteAccountPasswordPolicy(ctx, &awsiam.DeleteAccountPasswordPolicyInput{})
	wantAPIError(t, err, "NoSuchEntity", noPolicy)
}

// totpCodes are a device's codes of the step before now and of now.
func totpCodes(t *testing.T, seed []byte, now time.Time) (string, string) {
	t.Helper()
	s, err := iam.ParseBase32Seed(string(seed))
	if err != nil {
		t.Fatal(err)
	}
	return iam.TOTPCode(s, now.Add(-iam.TOTPPeriod)), iam.TOTPCode(s, now)
}

func TestVirtualMFADeviceEnableWithSDK(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	user := must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}))(t).User

	created := must(c.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{
		VirtualMFADeviceName: aws.String("alice"),
		Tags:                 []types.Tag{{Key: aws.String("owner"), Value: aws.String("alice")}},
	}))(t).VirtualMFADevice
	serial := aws.ToString(created.SerialNumber)
	if serial != "arn:aws:iam::"+env.AccountID+":mfa/alice" || len(created.Base32StringSeed) != 32 {
		t.Fatalf("created %q with seed %q", serial, created.Base32StringSeed)
	}
	if _, err := png.Decode(bytes.NewReader(created.QRCodePNG)); err != nil {
		t.Fatalf("QRCodePNG: %v", err)
	}
	_, err := c.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("alice")})
	wantAPIError(t, err, "EntityAlreadyExists", "MFADevice entity at the same path and name already exists.")

	unassigned := must(c.ListVirtualMFADevices(ctx, &awsiam.ListVirtualMFADevicesInput{AssignmentStatus: types.AssignmentStatusTypeUnassigned}))(t)
	if len(unassigned.VirtualMFADevices) != 1 || unassigned.VirtualMFADevices[0].User != nil {
		t.Fatalf("unassigned = %+v", unassigned.VirtualMFADevices)
	}

	c1, c2 := totpCodes(t, created.Base32StringSeed, env.Now())
	_, err = c.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: &serial,
		AuthenticationCode1: aws.String(c2), AuthenticationCode2: aws.String(c1)})
	wantAPIError(t, err, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
	must(c.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: &serial,
		AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)}))(t)

	listed := must(c.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: aws.String("alice")}))(t)
	if len(listed.MFADevices) != 1 || aws.ToString(listed.MFADevices[0].SerialNumber) != serial ||
		aws.ToString(listed.MFADevices[0].UserName) != "alice" || !listed.MFADevices[0].EnableDate.Equal(env.Now()) {
		t.Fatalf("ListMFADevices = %+v", listed.MFADevices)
	}
	assigned := must(c.ListVirtualMFADevices(ctx, &awsiam.ListVirtualMFADevicesInput{AssignmentStatus: types.AssignmentStatusTypeAssigned}))(t)
	if len(assigned.VirtualMFADevices) != 1 || assigned.VirtualMFADevices[0].User == nil ||
		aws.ToString(assigned.VirtualMFADevices[0].User.UserId) != aws.ToString(user.UserId) {
		t.Fatalf("assigned = %+v", assigned.VirtualMFADevices)
	}

	// The codes just used are rejected: by a resync, and as an STS token.
	_, err = c.ResyncMFADevice(ctx, &awsiam.ResyncMFADeviceInput{UserName: aws.String("alice"), SerialNumber: &serial,
		AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)})
	wantAPIError(t, err, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
	if ok, err := env.Service.VerifyMFACode(ctx, env.AccountID, aws.ToString(user.UserId), serial, c2); err != nil || ok {
		t.Fatalf("replayed code: ok=%v err=%v", ok, err)
	}
	env.Advance(iam.TOTPPeriod)
	_, next := totpCodes(t, created.Base32StringSeed, env.Now())
	if ok, err := env.Service.VerifyMFACode(ctx, env.AccountID, aws.ToString(user.UserId), serial, next); err != nil || !ok {
		t.Fatalf("fresh code: ok=%v err=%v", ok, err)
	}

	// Deleting an assigned device conflicts; the user cannot be deleted
	// while it holds one.
	_, err = c.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: &serial})
	wantAPIError(t, err, "DeleteConflict", "MFA VirtualDevice in use. Must deactivate first.")
	_, err = c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "DeleteConflict", "")

	tags := must(c.ListMFADeviceTags(ctx, &awsiam.ListMFADeviceTagsInput{SerialNumber: &serial}))(t)
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "owner" {
		t.Fatalf("tags = %+v", tags.Tags)
	}
	must(c.UntagMFADevice(ctx, &awsiam.UntagMFADeviceInput{SerialNumber: &serial, TagKeys: []string{"OWNER"}}))(t)
	must(c.TagMFADevice(ctx, &awsiam.TagMFADeviceInput{SerialNumber: &serial,
		Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}}))(t)
	page := must(c.ListMFADeviceTags(ctx, &awsiam.ListMFADeviceTagsInput{SerialNumber: &serial, MaxItems: aws.Int32(1)}))(t)
	if len(page.Tags) != 1 || !page.IsTruncated || page.Marker == nil {
		t.Fatalf("first tag page = %+v", page)
	}
	page = must(c.ListMFADeviceTags(ctx, &awsiam.ListMFADeviceTagsInput{SerialNumber: &serial, Marker: page.Marker}))(t)
	if len(page.Tags) != 1 || aws.ToString(page.Tags[0].Key) != "b" || page.IsTruncated {
		t.Fatalf("second tag page = %+v", page)
	}

	must(c.DeactivateMFADevice(ctx, &awsiam.DeactivateMFADeviceInput{UserName: aws.String("alice"), SerialNumber: &serial}))(t)
	_, err = c.DeactivateMFADevice(ctx, &awsiam.DeactivateMFADeviceInput{UserName: aws.String("alice"), SerialNumber: &serial})
	wantAPIError(t, err, "NoSuchEntity", "MFA Device invalid for user.")
	must(c.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: &serial}))(t)
	_, err = c.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: &serial})
	wantAPIError(t, err, "NoSuchEntity", "VirtualMFADevice with serial number "+serial+" doesn't exist.")
	must(c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")}))(t)
}

func TestListVirtualMFADevicesPagination(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	for _, n := range []string{"d", "b", "a", "c", "e"} {
		must(c.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(n)}))(t)
	}
	var got []string
	p := awsiam.NewListVirtualMFADevicesPaginator(c, &awsiam.ListVirtualMFADevicesInput{MaxItems: aws.Int32(2)})
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		out := must(p.NextPage(ctx))(t)
		for _, d := range out.VirtualMFADevices {
			got = append(got, aws.ToString(d.SerialNumber))
		}
	}
	prefix := "arn:aws:iam::" + env.AccountID + ":mfa/"
	want := []string{prefix + "a", prefix + "b", prefix + "c", prefix + "d", prefix + "e"}
	if len(got) != len(want) {
		t.Fatalf("listed %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("listed %v, want %v", got, want)
		}
	}
	// The root lists its own devices without a UserName: none yet.
	out := must(c.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{}))(t)
	if len(out.MFADevices) != 0 {
		t.Fatalf("root devices = %+v", out.MFADevices)
	}
}

func TestGetAccountSummaryWithSDK(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}))(t)
	must(c.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("spare")}))(t)
	must(c.SetSecurityTokenServicePreferences(ctx, &awsiam.SetSecurityTokenServicePreferencesInput{
		GlobalEndpointTokenVersion: types.GlobalEndpointTokenVersionV2Token}))(t)
	m := must(c.GetAccountSummary(ctx, &awsiam.GetAccountSummaryInput{}))(t).SummaryMap
	want := map[string]int32{"Users": 1, "UsersQuota": 5000, "MFADevices": 1, "MFADevicesInUse": 0,
		"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1, "GlobalEndpointTokenVersion": 2, "PolicySizeQuota": 6144}
	for k, v := range want {
		if got, ok := m[k]; !ok || got != v {
			t.Errorf("SummaryMap[%s] = %d (present %v), want %d", k, got, ok, v)
		}
	}
	if len(m) != 34 {
		t.Errorf("SummaryMap has %d keys, want the model's 34", len(m))
	}
}

func TestCredentialReportWithSDK(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	_, err := c.GetCredentialReport(ctx, &awsiam.GetCredentialReportInput{})
	wantAPIError(t, err, "ReportNotPresent", "Credential report not present")
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}))(t)

	gen := must(c.GenerateCredentialReport(ctx, &awsiam.GenerateCredentialReportInput{}))(t)
	if gen.State != types.ReportStateTypeStarted {
		t.Fatalf("first generate: %+v", gen)
	}
	gen = must(c.GenerateCredentialReport(ctx, &awsiam.GenerateCredentialReportInput{}))(t)
	if gen.State != types.ReportStateTypeComplete {
		t.Fatalf("second generate: %+v", gen)
	}
	r := must(c.GetCredentialReport(ctx, &awsiam.GetCredentialReportInput{}))(t)
	lines := strings.Split(strings.TrimSpace(string(r.Content)), "\n")
	if r.ReportFormat != types.ReportFormatTypeTextCsv || !r.GeneratedTime.Equal(env.Now()) || len(lines) != 3 ||
		!strings.HasPrefix(lines[0], "user,arn,user_creation_time,password_enabled,") ||
		!strings.HasPrefix(lines[1], "<root_account>,arn:aws:iam::"+env.AccountID+":root,") ||
		!strings.HasPrefix(lines[2], "alice,arn:aws:iam::"+env.AccountID+":user/alice,") {
		t.Fatalf("report %+v:\n%s", r, r.Content)
	}
	env.Advance(4 * time.Hour)
	_, err = c.GetCredentialReport(ctx, &awsiam.GetCredentialReportInput{})
	wantAPIError(t, err, "ReportExpired", "")
}
