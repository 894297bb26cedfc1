package sigv4_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamd/iamd/internal/sigv4"
)

// accessKey stands in for the store's record (store.AccessKey) with its
// secret already unsealed.
type accessKey struct {
	id, secret, userID string
	active             bool
}

var errNotFound = errors.New("not found") // stands in for store.ErrNotFound

// Wiring a store-backed lookup: map the store's answers to the package's
// sentinel errors; anything else (the database is down) passes through and
// the caller answers 500. Temporary credentials (sessionToken != "") would
// be resolved by the STS layer from the token in the same function.
func Example() {
	keys := map[string]accessKey{
		"AKIAIOSFODNN7EXAMPLE": {id: "AKIAIOSFODNN7EXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", userID: "AIDAEXAMPLEUSER", active: true},
	}
	get := func(_ context.Context, id string) (accessKey, error) {
		k, ok := keys[id]
		if !ok {
			return accessKey{}, errNotFound
		}
		return k, nil
	}
	lookup := sigv4.LookupFunc(func(ctx context.Context, id, sessionToken string) (sigv4.Secret, error) {
		if sessionToken != "" || strings.HasPrefix(id, "ASIA") {
			return sigv4.Secret{}, sigv4.ErrInvalidSessionToken // no sessions in this example
		}
		k, err := get(ctx, id)
		switch {
		case errors.Is(err, errNotFound):
			return sigv4.Secret{}, sigv4.ErrUnknownAccessKey
		case err != nil:
			return sigv4.Secret{}, err
		case !k.active:
			return sigv4.Secret{}, sigv4.ErrInactiveAccessKey
		}
		return sigv4.Secret{SecretAccessKey: k.secret, Principal: k.userID}, nil
	})

	now := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	verifier, err := sigv4.New(sigv4.Config{
		Lookup:   lookup,
		Clock:    func() time.Time { return now }, // time.Now in cmd/iamd
		Services: []string{"iam", "sts"},
	})
	if err != nil {
		panic(err)
	}

	// A client signs an IAM call.
	body := "Action=GetUser&Version=2010-05-08"
	req, _ := http.NewRequest("POST", "https://iam.example.test/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	creds := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	_ = v4.NewSigner().SignHTTP(context.Background(), creds, req,
		sha256Hex(body), "iam", "eu-west-1", now)

	// The server: read the body, then verify.
	res, err := verifier.Verify(context.Background(), sigv4.FromHTTP(req, []byte(body)))
	var authErr *sigv4.Error
	switch {
	case errors.As(err, &authErr):
		fmt.Println(authErr.HTTPStatus(), authErr.Code(), authErr.Message())
	case err != nil:
		fmt.Println("500 ServiceFailure") // log err, never show it
	default:
		fmt.Println(res.AccessKeyID, res.Scope.Region, res.Scope.Service, res.Principal)
	}

	// The same request with the key deactivated.
	k := keys["AKIAIOSFODNN7EXAMPLE"]
	k.active = false
	keys["AKIAIOSFODNN7EXAMPLE"] = k
	_, err = verifier.Verify(context.Background(), sigv4.FromHTTP(req, []byte(body)))
	if errors.As(err, &authErr) {
		fmt.Println(authErr.HTTPStatus(), authErr.Code(), authErr.Message())
	}
	// Output:
	// AKIAIOSFODNN7EXAMPLE eu-west-1 iam AIDAEXAMPLEUSER
	// 403 InvalidClientTokenId The security token included in the request is invalid.
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
