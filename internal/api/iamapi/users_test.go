package iamapi_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/server/servertest"
)

// wantAPIError checks an SDK error's code and, when msg is not "", its
// exact message.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("error = %s: %q, want %s: %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// must(call(...))(t) is call's result, or a fatal test error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestUsersCreateGetListDelete(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()

	created := must(c.CreateUser(ctx, &awsiam.CreateUserInput{
		UserName: aws.String("Alice"), Path: aws.String("/eng/"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
	}))(t)
	u := created.User
	if aws.ToString(u.UserName) != "Alice" || aws.ToString(u.Path) != "/eng/" ||
		aws.ToString(u.Arn) != "arn:aws:iam::"+env.AccountID+":user/eng/Alice" ||
		len(aws.ToString(u.UserId)) != 21 || aws.ToString(u.UserId)[:4] != "AIDA" ||
		!u.CreateDate.Equal(env.Now()) || len(u.Tags) != 1 {
		t.Fatalf("CreateUser returned %+v", u)
	}

	// Names are unique ignoring case, whatever the path.
	_, err := c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "EntityAlreadyExists", "User with name alice already exists.")

	got := must(c.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("ALICE")}))(t).User
	if aws.ToString(got.UserName) != "Alice" || aws.ToString(got.UserId) != aws.ToString(u.UserId) ||
		len(got.Tags) != 1 || aws.ToString(got.Tags[0].Key) != "team" {
		t.Fatalf("GetUser = %+v", got)
	}
	_, err = c.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("nobody")})
	wantAPIError(t, err, "NoSuchEntity", "The user with name nobody cannot be found.")

	// The root without a UserName gets itself.
	root := must(c.GetUser(ctx, &awsiam.GetUserInput{}))(t).User
	if aws.ToString(root.UserId) != env.AccountID || aws.ToString(root.Arn) != "arn:aws:iam::"+env.AccountID+":root" {
		t.Fatalf("GetUser as root = %+v", root)
	}

	_, err = c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bad"), Path: aws.String("/no-trailing-slash")})
	wantAPIError(t, err, "ValidationError", "")

	must(c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")}))(t)
	_, err = c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "NoSuchEntity", "The user with name alice cannot be found.")
	list := must(c.ListUsers(ctx, &awsiam.ListUsersInput{}))(t)
	if len(list.Users) != 0 || list.IsTruncated {
		t.Fatalf("ListUsers after delete = %+v", list)
	}
}

func TestUsersListPagination(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	c := env.IAM()
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("user%d", i)
		path := "/"
		if i%2 == 1 {
			path = "/odd/"
		}
		must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name), Path: aws.String(path)}))(t)
		want = append(want, name)
	}
	collect := func(prefix *string, max int32) []string {
		var names []string
		p := awsiam.NewListUsersPaginator(c, &awsiam.ListUsersInput{PathPrefix: prefix, MaxItems: aws.Int32(max)})
		for pages := 0; p.HasMorePages(); pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			out := must(p.NextPage(ctx))(t)
			if len(out.Users) > int(max) {
				t.Fatalf("page of %d users with MaxItems %d", len(out.Users), max)
			}
			if out.IsTruncated != (out.Marker != nil) {
				t.Fatalf("IsTruncated %v with Marker %v", out.IsTruncated, out.Marker)
			}
			for _, u := range out.Users {
				names = append(names, aws.ToString(u.UserName))
			}
		}
		return names
	}
	if got := collect(nil, 3); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ListUsers = %v, want %v", got, want)
	}
	if got := collect(aws.String("/odd/"), 2); fmt.Sprint(got) != "[user1 user3 user5]" {
		t.Fatalf("ListUsers(/odd/) = %v", got)
	}
	_, err := c.ListUsers(ctx, &awsiam.ListUsersInput{Marker: aws.String("not-a-marker")})
	wantAPIError(t, err, "InvalidInput", "")
}
