package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/sts/oidctest"
)

// --oidc-allow-loopback-http reaches STS: a plain-HTTP issuer on loopback,
// registered as the https:// URL of the same host, is refused without the
// flag and trusted with it.
func TestServeLoopbackHTTPIssuerSetting(t *testing.T) {
	iss := oidctest.Start(t, false)
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode string
	}{
		{"without the flag", nil, "InvalidIdentityToken"},
		{"with the flag", []string{"--oidc-allow-loopback-http", "--oidc-timeout", "3s"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dataDir := t.TempDir()
			srv := startServe(t, append([]string{"--data-dir", dataDir}, tc.args...)...)
			keyID, secretKey, err := readCredentialsFile(filepath.Join(dataDir, "root.credentials"))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			endpoint, creds := "http://"+srv.addr, credentials.NewStaticCredentialsProvider(keyID, secretKey, "")
			iamc := awsiam.New(awsiam.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(endpoint), Retryer: aws.NopRetryer{}})
			stsc := sts.New(sts.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(endpoint), Retryer: aws.NopRetryer{}})
			prov, err := iamc.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{
				Url: aws.String("https://" + strings.TrimPrefix(iss.URL, "http://")), ClientIDList: []string{"sts.amazonaws.com"}})
			if err != nil {
				t.Fatal(err)
			}
			role, err := iamc.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("pod"), AssumeRolePolicyDocument: aws.String(
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + aws.ToString(prov.OpenIDConnectProviderArn) +
					`"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = stsc.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
				RoleArn: role.Role.Arn, RoleSessionName: aws.String("pod-1"),
				WebIdentityToken: aws.String(iss.Token(t, time.Now(), oidctest.KubernetesClaims("prod", "app", "sts.amazonaws.com")))})
			var ae smithy.APIError
			switch {
			case tc.wantCode == "" && err != nil:
				t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
			case tc.wantCode != "" && (!errors.As(err, &ae) || ae.ErrorCode() != tc.wantCode):
				t.Fatalf("AssumeRoleWithWebIdentity: %v, want %s", err, tc.wantCode)
			}
		})
	}
}
