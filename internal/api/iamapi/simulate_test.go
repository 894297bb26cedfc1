package iamapi_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamd/iamd/internal/server/servertest"
)

const simDoc = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::bucket/*",
     "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/secret/*"}
  ]
}`

type simRow struct {
	action, resource, decision string
	matched                    []string // SourcePolicyId@start-end
	missing                    []string
}

func simRows(rs []types.EvaluationResult) []simRow {
	var out []simRow
	for _, r := range rs {
		row := simRow{action: aws.ToString(r.EvalActionName), resource: aws.ToString(r.EvalResourceName), decision: string(r.EvalDecision), missing: r.MissingContextValues}
		for _, m := range r.MatchedStatements {
			row.matched = append(row.matched, aws.ToString(m.SourcePolicyId)+"@"+
				itoa(m.StartPosition.Line)+":"+itoa(m.StartPosition.Column)+"-"+itoa(m.EndPosition.Line)+":"+itoa(m.EndPosition.Column))
		}
		out = append(out, row)
	}
	return out
}

func itoa(n int32) string { return fmt.Sprintf("%03d", n) }

func TestSimulateCustomPolicy(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	client := env.IAM()
	out := must(client.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{
		PolicyInputList: []string{simDoc},
		ActionNames:     []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns:    []string{"arn:aws:s3:::bucket/a", "arn:aws:s3:::bucket/secret/b"},
		ContextEntries: []types.ContextEntry{{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyType: types.ContextKeyTypeEnumIp,
			ContextKeyValues: []string{"10.1.2.3"}}},
	}))(t)
	want := []simRow{
		{"s3:GetObject", "arn:aws:s3:::bucket/a", "allowed", []string{"PolicyInputList.1@004:005-005:065"}, []string{}},
		{"s3:GetObject", "arn:aws:s3:::bucket/secret/b", "explicitDeny", []string{"PolicyInputList.1@006:005-006:113"}, []string{}},
		{"s3:PutObject", "arn:aws:s3:::bucket/a", "implicitDeny", nil, []string{}},
		{"s3:PutObject", "arn:aws:s3:::bucket/secret/b", "implicitDeny", nil, []string{}},
	}
	if got := simRows(out.EvaluationResults); !reflect.DeepEqual(got, want) || out.IsTruncated {
		t.Fatalf("got  %+v\nwant %+v (truncated %v)", got, want, out.IsTruncated)
	}

	// Pagination: one result per page, in order.
	var pages []simRow
	var marker *string
	for i := 0; i < 10; i++ {
		p := must(client.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{
			PolicyInputList: []string{simDoc}, ActionNames: []string{"s3:GetObject", "s3:PutObject"},
			ResourceArns: []string{"arn:aws:s3:::bucket/a", "arn:aws:s3:::bucket/secret/b"}, MaxItems: aws.Int32(3), Marker: marker,
		}))(t)
		pages = append(pages, simRows(p.EvaluationResults)...)
		if !p.IsTruncated {
			break
		}
		marker = p.Marker
	}
	if len(pages) != 4 || pages[3].action != "s3:PutObject" || pages[3].resource != "arn:aws:s3:::bucket/secret/b" {
		t.Fatalf("pages %+v", pages)
	}

	// Missing context and the boundary's own decision.
	out = must(client.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{
		PolicyInputList:                    []string{simDoc},
		PermissionsBoundaryPolicyInputList: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`},
		ActionNames:                        []string{"s3:GetObject"},
		ResourceArns:                       []string{"arn:aws:s3:::bucket/a"},
	}))(t)
	r := out.EvaluationResults[0]
	if r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || !reflect.DeepEqual(r.MissingContextValues, []string{"aws:SourceIp"}) ||
		r.PermissionsBoundaryDecisionDetail == nil || !r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
		t.Fatalf("result %+v", r)
	}
	// No resources: "*".
	out = must(client.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}}`},
		ActionNames:     []string{"iam:ListUsers"},
	}))(t)
	if r := out.EvaluationResults[0]; aws.ToString(r.EvalResourceName) != "*" || r.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed {
		t.Fatalf("default resource %+v", r)
	}

	_, err := client.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{`{"Statement":`}, ActionNames: []string{"s3:GetObject"}})
	wantAPIError(t, err, "MalformedPolicyDocument", "Syntax errors in policy.")
	_, err = client.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{simDoc}, ActionNames: []string{"s3:GetObject"},
		ContextEntries: []types.ContextEntry{{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyType: types.ContextKeyTypeEnumIp, ContextKeyValues: []string{"not-an-ip"}}}})
	wantAPIError(t, err, "InvalidInput", "The value not-an-ip of the context key aws:SourceIp is not a valid ip.")

	keys := must(client.GetContextKeysForCustomPolicy(ctx, &awsiam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{
		simDoc, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::*:user/${aws:username}"}}`}}))(t)
	if !reflect.DeepEqual(keys.ContextKeyNames, []string{"aws:SourceIp", "aws:username"}) {
		t.Fatalf("context keys %v", keys.ContextKeyNames)
	}
}

func TestSimulatePrincipalPolicy(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	client := env.IAM()
	acct := env.AccountID
	must(client.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("devs")}))(t)
	must(client.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("/eng/")}))(t)
	must(client.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("bob")}))(t)
	must(client.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("own-keys"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::*:user/*/${aws:username}"}]}`)}))(t)
	must(client.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("no-delete"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:DeleteAccessKey","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}`)}))(t)

	bob := "arn:aws:iam::" + acct + ":user/eng/bob"
	out := must(client.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(bob),
		ActionNames:     []string{"iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:CreateUser"},
		ResourceArns:    []string{bob},
		ContextEntries: []types.ContextEntry{{ContextKeyName: aws.String("aws:MultiFactorAuthPresent"), ContextKeyType: types.ContextKeyTypeEnumBoolean,
			ContextKeyValues: []string{"false"}}},
	}))(t)
	got := simRows(out.EvaluationResults)
	if len(got) != 3 || got[0].decision != "allowed" || got[1].decision != "explicitDeny" || got[2].decision != "implicitDeny" {
		t.Fatalf("results %+v", got)
	}
	if m := out.EvaluationResults[0].MatchedStatements; len(m) != 1 || aws.ToString(m[0].SourcePolicyId) != "own-keys" || m[0].SourcePolicyType != types.PolicySourceTypeGroup {
		t.Fatalf("group statement %+v", m)
	}
	if m := out.EvaluationResults[1].MatchedStatements; len(m) != 1 || aws.ToString(m[0].SourcePolicyId) != "no-delete" || m[0].SourcePolicyType != types.PolicySourceTypeUser {
		t.Fatalf("user statement %+v", m)
	}

	// A boundary given in the request replaces the user's (none here).
	out = must(client.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{
		PolicySourceArn:                    aws.String(bob),
		ActionNames:                        []string{"iam:CreateAccessKey"},
		ResourceArns:                       []string{bob},
		PermissionsBoundaryPolicyInputList: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:List*","Resource":"*"}}`},
	}))(t)
	if r := out.EvaluationResults[0]; r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || r.PermissionsBoundaryDecisionDetail == nil || r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
		t.Fatalf("boundary %+v", r)
	}

	keys := must(client.GetContextKeysForPrincipalPolicy(ctx, &awsiam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String(bob)}))(t)
	if !reflect.DeepEqual(keys.ContextKeyNames, []string{"aws:MultiFactorAuthPresent", "aws:username"}) {
		t.Fatalf("keys %v", keys.ContextKeyNames)
	}

	_, err := client.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::" + acct + ":user/ghost"), ActionNames: []string{"iam:GetUser"}})
	wantAPIError(t, err, "NoSuchEntity", "The user with name ghost cannot be found.")
	_, err = client.GetContextKeysForPrincipalPolicy(ctx, &awsiam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::" + acct + ":policy/p")})
	wantAPIError(t, err, "InvalidInput", "ARN arn:aws:iam::"+acct+":policy/p is not the ARN of a user, group or role.")
}
