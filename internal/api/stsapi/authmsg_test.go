package stsapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/api/stsapi"
	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/server/servertest"
	iamdsts "github.com/iamd/iamd/internal/sts"
)

// decoded is the part of AWS's DecodedMessage the tests read.
type decoded struct {
	Allowed           bool `json:"allowed"`
	ExplicitDeny      bool `json:"explicitDeny"`
	MatchedStatements struct {
		Items []struct {
			StatementID string `json:"statementId"`
			Effect      string `json:"effect"`
		} `json:"items"`
	} `json:"matchedStatements"`
	Failures struct {
		Items []string `json:"items"`
	} `json:"failures"`
	Context struct {
		Principal struct {
			ID, Name, ARN string
		} `json:"principal"`
		Action     string `json:"action"`
		Resource   string `json:"resource"`
		Conditions struct {
			Items []struct {
				Key    string `json:"key"`
				Values struct {
					Items []struct {
						Value string `json:"value"`
					} `json:"items"`
				} `json:"values"`
			} `json:"items"`
		} `json:"conditions"`
	} `json:"context"`
}

func (d *decoded) condition(key string) []string {
	var out []string
	for _, c := range d.Context.Conditions.Items {
		if c.Key == key {
			for _, v := range c.Values.Items {
				out = append(out, v.Value)
			}
		}
	}
	return out
}

// An explicit deny of bob, encoded as the check API does, decodes for
// callers of bob's account allowed sts:DecodeAuthorizationMessage, and for
// nobody else.
func TestDecodeAuthorizationMessage(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	bobKey, bobSecret := env.CreateUserWithKey(t, "bob")
	putUserPolicy(t, env, "bob", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Reports","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
		{"Sid":"NoKeys","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/keys/*"}]}`)
	bob := &iam.Identity{Kind: iam.IdentityUser, AccountID: env.AccountID, ARN: "arn:aws:iam::" + env.AccountID + ":user/bob", UserName: "bob", Path: "/"}
	src := authz.NewStoreSource(env.Store)
	az, err := authz.New(authz.Config{Policies: src, Resolver: src, Now: env.Now})
	if err != nil {
		t.Fatal(err)
	}
	check := authz.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::data/keys/id_rsa",
		Keys: []authz.Key{{Name: "aws:SourceIp", Values: []string{"203.0.113.9"}}}}
	d, err := az.Decide(ctx, authz.Query{Caller: bob, Checks: []authz.Check{check}, NoFacts: true})
	if err != nil || d.Allowed {
		t.Fatalf("decision %+v %v", d, err)
	}
	enc, err := stsapi.AuthorizationMessages{STS: env.STSService}.EncodeAuthorizationMessage(ctx, bob, check, d)
	if err != nil {
		t.Fatal(err)
	}

	out, err := env.STS().DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(enc)})
	if err != nil {
		t.Fatal(err)
	}
	var got decoded
	if err := json.Unmarshal([]byte(aws.ToString(out.DecodedMessage)), &got); err != nil {
		t.Fatalf("%v: %s", err, aws.ToString(out.DecodedMessage))
	}
	if got.Allowed || !got.ExplicitDeny || len(got.MatchedStatements.Items) != 1 ||
		got.MatchedStatements.Items[0].StatementID != "NoKeys" || got.MatchedStatements.Items[0].Effect != "DENY" ||
		got.Failures.Items == nil || got.Context.Action != "s3:GetObject" || got.Context.Resource != check.Resource ||
		got.Context.Principal.ARN != bob.ARN || got.Context.Principal.Name != "bob" || !strings.HasPrefix(got.Context.Principal.ID, "AIDA") {
		t.Fatalf("decoded %s", aws.ToString(out.DecodedMessage))
	}
	if ip := got.condition("aws:SourceIp"); len(ip) != 1 || ip[0] != "203.0.113.9" {
		t.Fatalf("aws:SourceIp %v", ip)
	}
	if pt := got.condition("aws:PrincipalType"); len(pt) != 1 || pt[0] != "User" {
		t.Fatalf("aws:PrincipalType %v", pt)
	}

	// bob himself needs sts:DecodeAuthorizationMessage.
	bobSTS := env.STSAs(t, bobKey, bobSecret, "")
	_, err = bobSTS.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(enc)})
	apiError(t, err, "AccessDenied", "is not authorized to perform: sts:DecodeAuthorizationMessage")
	putUserPolicy(t, env, "bob", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:DecodeAuthorizationMessage","Resource":"*"}]}`)
	if _, err := bobSTS.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(enc)}); err != nil {
		t.Fatalf("with permission: %v", err)
	}

	// Tampered, garbage, or of another account: InvalidAuthorizationMessageException.
	other, err := env.STSService.EncodeAuthorizationMessage(ctx, "210987654321", iamdsts.AuthorizationMessage{})
	if err != nil {
		t.Fatal(err)
	}
	flipped := []byte(enc)
	flipped[len(flipped)/2] ^= 1
	if flipped[len(flipped)/2] == '`' || flipped[len(flipped)/2] == ',' {
		flipped[len(flipped)/2] = 'A'
	}
	for name, msg := range map[string]string{"tampered": string(flipped), "garbage": "not a message", "other account": other} {
		_, err := env.STS().DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(msg)})
		if err == nil {
			t.Fatalf("%s: decoded", name)
		}
		apiError(t, err, "InvalidAuthorizationMessageException", "")
	}
}

// The check API's denials carry an encodedMessage that decodes.
func TestCheckAPIEncodedMessage(t *testing.T) {
	env := servertest.Start(t)
	env.CreateUserWithKey(t, "bob")
	bob := "arn:aws:iam::" + env.AccountID + ":user/bob"
	body, _ := json.Marshal(map[string]any{"principal": map[string]string{"arn": bob}, "action": "s3:PutObject", "resource": "arn:aws:s3:::data/x"})
	r, err := http.NewRequest(http.MethodPost, env.URL+"/authz/v1/check", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	env.Sign(t, r, body, "iam", env.RootAccessKeyID, env.RootSecret)
	resp, data := env.Do(t, r)
	var res struct {
		Allowed        bool   `json:"allowed"`
		EncodedMessage string `json:"encodedMessage"`
	}
	if err := json.Unmarshal(data, &res); err != nil || resp.StatusCode != 200 || res.Allowed || res.EncodedMessage == "" {
		t.Fatalf("check: %d %s %v", resp.StatusCode, data, err)
	}
	out, err := env.STS().DecodeAuthorizationMessage(t.Context(), &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(res.EncodedMessage)})
	if err != nil {
		t.Fatal(err)
	}
	var got decoded
	if err := json.Unmarshal([]byte(aws.ToString(out.DecodedMessage)), &got); err != nil || got.Allowed || got.ExplicitDeny ||
		got.Context.Action != "s3:PutObject" || got.Context.Principal.ARN != bob {
		t.Fatalf("decoded %s (%v)", aws.ToString(out.DecodedMessage), err)
	}
}
