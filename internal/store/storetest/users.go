package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

func testUser(account, id, name, path string) store.User {
	return store.User{ID: id, AccountID: account, Name: name, Path: path, CreatedAt: T0}
}

func testGroup(account, id, name, path string) store.Group {
	return store.Group{ID: id, AccountID: account, Name: name, Path: path, CreatedAt: T0}
}

func userNames(us []store.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Name
	}
	return out
}

func groupNames(gs []store.Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Name
	}
	return out
}

func (s *Suite) TestUsersCreateGet(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	ctx := t.Context()
	u := testUser(Account1, "AIDAUSER0000000000001", "Alice", "/eng/")
	u.PermissionsBoundaryARN = "arn:aws:iam::111111111111:policy/Boundary"
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.CreateUser(ctx, u) })

	for _, name := range []string{"Alice", "alice", "ALICE"} {
		got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.User, error) {
			return tx.GetUserByName(ctx, Account1, name)
		})
		WantErr(t, err, nil)
		if got != u {
			t.Fatalf("GetUserByName(%q) = %+v, want %+v (stored case kept)", name, got, u)
		}
	}
	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.User, error) {
		return tx.GetUserByID(ctx, Account1, u.ID)
	})
	WantErr(t, err, nil)
	if got != u {
		t.Fatalf("GetUserByID = %+v, want %+v", got, u)
	}
	// Another account sees nothing.
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.User, error) {
		return tx.GetUserByName(ctx, Account2, "alice")
	})
	WantErr(t, err, store.ErrNotFound)
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.User, error) {
		return tx.GetUserByID(ctx, Account2, u.ID)
	})
	WantErr(t, err, store.ErrNotFound)

	// Names conflict ignoring case and path; IDs conflict globally.
	dup := testUser(Account1, "AIDAUSER0000000000002", "aLiCe", "/other/")
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateUser(ctx, dup) }), store.ErrConflict)
	dupID := testUser(Account2, u.ID, "bob", "/")
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateUser(ctx, dupID) }), store.ErrConflict)
	// The same name in another account is fine.
	MustTx(t, st, func(tx store.Txn) error {
		return tx.CreateUser(ctx, testUser(Account2, "AIDAUSER0000000000003", "alice", "/"))
	})
	orphan := testUser("999999999999", "AIDAUSER0000000000004", "x", "/")
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateUser(ctx, orphan) }), store.ErrNotFound)

	n, err := Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) { return tx.CountUsers(ctx, Account1) })
	WantErr(t, err, nil)
	if n != 1 {
		t.Fatalf("CountUsers = %d, want 1", n)
	}
}

func (s *Suite) TestUsersListPagesAndPathPrefix(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	ctx := t.Context()
	users := []store.User{
		testUser(Account1, "AIDAUSER0000000000001", "carol", "/eng/"),
		testUser(Account1, "AIDAUSER0000000000002", "Bob", "/eng/ops/"),
		testUser(Account1, "AIDAUSER0000000000003", "alice", "/"),
		testUser(Account1, "AIDAUSER0000000000004", "Dave", "/Eng/"),
		testUser(Account1, "AIDAUSER0000000000005", "eve", "/engineering/"),
		testUser(Account1, "AIDAUSER0000000000006", "frank", "/100%_x/"),
	}
	MustTx(t, st, func(tx store.Txn) error {
		for _, u := range users {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		return tx.CreateUser(ctx, testUser(Account2, "AIDAUSER0000000000009", "zed", "/"))
	})
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"alice", "Bob", "carol", "Dave", "eve", "frank"}},
		{"/", []string{"alice", "Bob", "carol", "Dave", "eve", "frank"}},
		{"/100%_", []string{"frank"}},
		{"/1%", nil}, // a plain prefix, not a LIKE pattern
		{"/100_", nil},
		{"/eng/", []string{"Bob", "carol"}},
		{"/eng", []string{"Bob", "carol", "eve"}},
		{"/Eng/", []string{"Dave"}}, // case-sensitive
		{"/nope/", nil},
	}
	for _, tt := range tests {
		for _, limit := range []int{0, 1, 2, 10} {
			got := CollectPages(t, st, limit, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.User, bool, error) {
				return tx.ListUsers(ctx, Account1, tt.prefix, p)
			}, func(u store.User) string { return store.NameKey(u.Name) })
			if fmt.Sprint(userNames(got)) != fmt.Sprint(tt.want) {
				t.Errorf("ListUsers(prefix %q, limit %d) = %v, want %v", tt.prefix, limit, userNames(got), tt.want)
			}
		}
	}
}

func (s *Suite) TestUsersUpdateDelete(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	ctx := t.Context()
	u := testUser(Account1, "AIDAUSER0000000000001", "alice", "/")
	other := testUser(Account1, "AIDAUSER0000000000002", "bob", "/")
	MustTx(t, st, func(tx store.Txn) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		return tx.CreateUser(ctx, other)
	})

	renamed := u
	renamed.Name, renamed.Path = "Alicia", "/new/"
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.UpdateUser(ctx, renamed) })
	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.User, error) {
		return tx.GetUserByName(ctx, Account1, "alicia")
	})
	WantErr(t, err, nil)
	if got != renamed {
		t.Fatalf("after rename = %+v, want %+v", got, renamed)
	}
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.User, error) {
		return tx.GetUserByName(ctx, Account1, "alice")
	})
	WantErr(t, err, store.ErrNotFound)
	// Renaming to a different case of its own name is allowed.
	renamed.Name = "ALICIA"
	MustTx(t, st, func(tx store.Txn) error { return tx.UpdateUser(ctx, renamed) })
	// Renaming onto another user's name is a conflict.
	clash := renamed
	clash.Name = "BOB"
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.UpdateUser(ctx, clash) }), store.ErrConflict)
	missing := renamed
	missing.ID = "AIDANOPE000000000000"
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.UpdateUser(ctx, missing) }), store.ErrNotFound)

	const arn = "arn:aws:iam::aws:policy/PowerUserAccess"
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.SetUserPermissionsBoundary(ctx, Account1, u.ID, arn)
	})
	got, _ = Get(t, st, func(ctx context.Context, tx store.Txn) (store.User, error) {
		return tx.GetUserByID(ctx, Account1, u.ID)
	})
	if got.PermissionsBoundaryARN != arn {
		t.Fatalf("boundary = %q, want %q", got.PermissionsBoundaryARN, arn)
	}
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.SetUserPermissionsBoundary(ctx, Account1, u.ID, "")
	})
	got, _ = Get(t, st, func(ctx context.Context, tx store.Txn) (store.User, error) {
		return tx.GetUserByID(ctx, Account1, u.ID)
	})
	if got.PermissionsBoundaryARN != "" {
		t.Fatalf("boundary after clearing = %q", got.PermissionsBoundaryARN)
	}
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error {
		return tx.SetUserPermissionsBoundary(ctx, Account1, "AIDANOPE000000000000", arn)
	}), store.ErrNotFound)

	// Password use is bookkeeping: no revision bump.
	before := Revision(t, st, Account1)
	at := T0.Add(time.Hour)
	MustTx(t, st, func(tx store.Txn) error { return tx.RecordUserPasswordUse(ctx, Account1, u.ID, at) })
	if after := Revision(t, st, Account1); after != before {
		t.Fatalf("RecordUserPasswordUse bumped the revision %d -> %d", before, after)
	}
	got, _ = Get(t, st, func(ctx context.Context, tx store.Txn) (store.User, error) {
		return tx.GetUserByID(ctx, Account1, u.ID)
	})
	if !got.PasswordLastUsed.Equal(at) {
		t.Fatalf("PasswordLastUsed = %v, want %v", got.PasswordLastUsed, at)
	}
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error {
		return tx.RecordUserPasswordUse(ctx, Account1, "AIDANOPE000000000000", at)
	}), store.ErrNotFound)

	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.DeleteUser(ctx, Account1, u.ID) })
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.DeleteUser(ctx, Account1, u.ID) }), store.ErrNotFound)
	n, _ := Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) { return tx.CountUsers(ctx, Account1) })
	if n != 1 {
		t.Fatalf("CountUsers after delete = %d, want 1", n)
	}
	// The name is free again.
	MustTx(t, st, func(tx store.Txn) error {
		return tx.CreateUser(ctx, testUser(Account1, "AIDAUSER0000000000003", "alicia", "/"))
	})
}

func (s *Suite) TestUsersGroupsAndMembership(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	ctx := t.Context()
	admins := testGroup(Account1, "AGPAGROUP00000000001", "Admins", "/")
	devs := testGroup(Account1, "AGPAGROUP00000000002", "devs", "/eng/")
	ops := testGroup(Account1, "AGPAGROUP00000000003", "Ops", "/eng/")
	for _, g := range []store.Group{admins, devs, ops} {
		ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.CreateGroup(ctx, g) })
	}
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error {
		return tx.CreateGroup(ctx, testGroup(Account1, "AGPAGROUP00000000009", "ADMINS", "/x/"))
	}), store.ErrConflict)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error {
		return tx.CreateGroup(ctx, testGroup("999999999999", "AGPAGROUP00000000009", "x", "/"))
	}), store.ErrNotFound)
	g, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.Group, error) {
		return tx.GetGroupByName(ctx, Account1, "admins")
	})
	WantErr(t, err, nil)
	if g != admins {
		t.Fatalf("GetGroupByName = %+v, want %+v", g, admins)
	}
	g, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.Group, error) {
		return tx.GetGroupByID(ctx, Account1, devs.ID)
	})
	WantErr(t, err, nil)
	if g != devs {
		t.Fatalf("GetGroupByID = %+v, want %+v", g, devs)
	}
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.Group, error) {
		return tx.GetGroupByName(ctx, Account2, "admins")
	})
	WantErr(t, err, store.ErrNotFound)

	all := CollectPages(t, st, 1, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.Group, bool, error) {
		return tx.ListGroups(ctx, Account1, "", p)
	}, func(g store.Group) string { return store.NameKey(g.Name) })
	if fmt.Sprint(groupNames(all)) != "[Admins devs Ops]" {
		t.Fatalf("ListGroups = %v", groupNames(all))
	}
	eng := CollectPages(t, st, 0, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.Group, bool, error) {
		return tx.ListGroups(ctx, Account1, "/eng/", p)
	}, func(g store.Group) string { return store.NameKey(g.Name) })
	if fmt.Sprint(groupNames(eng)) != "[devs Ops]" {
		t.Fatalf("ListGroups(/eng/) = %v", groupNames(eng))
	}

	alice := testUser(Account1, "AIDAUSER0000000000001", "alice", "/")
	bob := testUser(Account1, "AIDAUSER0000000000002", "Bob", "/")
	foreign := testUser(Account2, "AIDAUSER0000000000003", "carol", "/")
	MustTx(t, st, func(tx store.Txn) error {
		for _, u := range []store.User{alice, bob, foreign} {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	for _, m := range []struct{ g, u string }{{admins.ID, alice.ID}, {devs.ID, alice.ID}, {ops.ID, alice.ID}, {devs.ID, bob.ID}} {
		ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.AddUserToGroup(ctx, Account1, m.g, m.u) })
	}
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.AddUserToGroup(ctx, Account1, devs.ID, bob.ID) }), store.ErrConflict)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.AddUserToGroup(ctx, Account1, devs.ID, foreign.ID) }), store.ErrNotFound)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.AddUserToGroup(ctx, Account1, "AGPANOPE", bob.ID) }), store.ErrNotFound)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.AddUserToGroup(ctx, Account2, devs.ID, foreign.ID) }), store.ErrNotFound)

	isMember := func(g, u string) bool {
		ok, err := Get(t, st, func(ctx context.Context, tx store.Txn) (bool, error) { return tx.IsGroupMember(ctx, Account1, g, u) })
		WantErr(t, err, nil)
		return ok
	}
	if !isMember(devs.ID, bob.ID) || isMember(admins.ID, bob.ID) {
		t.Fatal("IsGroupMember disagrees with the memberships")
	}
	forAlice := CollectPages(t, st, 2, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.Group, bool, error) {
		return tx.ListGroupsForUser(ctx, Account1, alice.ID, p)
	}, func(g store.Group) string { return store.NameKey(g.Name) })
	if fmt.Sprint(groupNames(forAlice)) != "[Admins devs Ops]" {
		t.Fatalf("ListGroupsForUser(alice) = %v", groupNames(forAlice))
	}
	members := CollectPages(t, st, 1, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.User, bool, error) {
		return tx.ListGroupMembers(ctx, Account1, devs.ID, p)
	}, func(u store.User) string { return store.NameKey(u.Name) })
	if fmt.Sprint(userNames(members)) != "[alice Bob]" {
		t.Fatalf("ListGroupMembers(devs) = %v", userNames(members))
	}
	count := func(fn func(ctx context.Context, tx store.Txn) (int, error)) int {
		n, err := Get(t, st, fn)
		WantErr(t, err, nil)
		return n
	}
	if n := count(func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountGroupMembers(ctx, Account1, devs.ID)
	}); n != 2 {
		t.Fatalf("CountGroupMembers(devs) = %d", n)
	}
	if n := count(func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountGroupsForUser(ctx, Account1, alice.ID)
	}); n != 3 {
		t.Fatalf("CountGroupsForUser(alice) = %d", n)
	}
	if n := count(func(ctx context.Context, tx store.Txn) (int, error) { return tx.CountGroups(ctx, Account1) }); n != 3 {
		t.Fatalf("CountGroups = %d", n)
	}

	// Renaming a group keeps its members.
	renamed := ops
	renamed.Name, renamed.Path = "Operations", "/ops/"
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.UpdateGroup(ctx, renamed) })
	g, _ = Get(t, st, func(ctx context.Context, tx store.Txn) (store.Group, error) {
		return tx.GetGroupByName(ctx, Account1, "operations")
	})
	if g != renamed || !isMember(ops.ID, alice.ID) {
		t.Fatalf("after rename: %+v, member %v", g, isMember(ops.ID, alice.ID))
	}
	clash := renamed
	clash.Name = "DEVS"
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.UpdateGroup(ctx, clash) }), store.ErrConflict)

	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.RemoveUserFromGroup(ctx, Account1, devs.ID, bob.ID)
	})
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.RemoveUserFromGroup(ctx, Account1, devs.ID, bob.ID) }), store.ErrNotFound)

	// Deleting a user or a group ends its memberships.
	MustTx(t, st, func(tx store.Txn) error { return tx.DeleteUser(ctx, Account1, alice.ID) })
	if n := count(func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountGroupMembers(ctx, Account1, devs.ID)
	}); n != 0 {
		t.Fatalf("members of devs after deleting alice = %d", n)
	}
	MustTx(t, st, func(tx store.Txn) error { return tx.AddUserToGroup(ctx, Account1, admins.ID, bob.ID) })
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.DeleteGroup(ctx, Account1, admins.ID) })
	if n := count(func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountGroupsForUser(ctx, Account1, bob.ID)
	}); n != 0 {
		t.Fatalf("groups of bob after deleting Admins = %d", n)
	}
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.DeleteGroup(ctx, Account1, admins.ID) }), store.ErrNotFound)
}

func (s *Suite) TestUsersLoginProfiles(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	ctx := t.Context()
	u := testUser(Account1, "AIDAUSER0000000000001", "alice", "/")
	MustTx(t, st, func(tx store.Txn) error { return tx.CreateUser(ctx, u) })
	lp := store.LoginProfile{AccountID: Account1, UserID: u.ID, PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA",
		PasswordResetRequired: true, CreatedAt: T0, PasswordChangedAt: T0}
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.CreateLoginProfile(ctx, lp) })
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateLoginProfile(ctx, lp) }), store.ErrConflict)
	noUser := lp
	noUser.UserID = "AIDANOPE000000000000"
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateLoginProfile(ctx, noUser) }), store.ErrNotFound)
	wrongAccount := lp
	wrongAccount.AccountID = Account2
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateLoginProfile(ctx, wrongAccount) }), store.ErrNotFound)

	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.LoginProfile, error) {
		return tx.GetLoginProfile(ctx, Account1, u.ID)
	})
	WantErr(t, err, nil)
	if got != lp {
		t.Fatalf("GetLoginProfile = %+v, want %+v", got, lp)
	}
	upd := lp
	upd.PasswordHash, upd.PasswordResetRequired, upd.PasswordChangedAt = "$argon2id$other", false, T0.Add(time.Hour)
	upd.CreatedAt = T0.Add(time.Hour) // ignored: creation time never changes
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.UpdateLoginProfile(ctx, upd) })
	got, _ = Get(t, st, func(ctx context.Context, tx store.Txn) (store.LoginProfile, error) {
		return tx.GetLoginProfile(ctx, Account1, u.ID)
	})
	want := upd
	want.CreatedAt = T0
	if got != want {
		t.Fatalf("after update = %+v, want %+v", got, want)
	}
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.UpdateLoginProfile(ctx, noUser) }), store.ErrNotFound)

	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.DeleteLoginProfile(ctx, Account1, u.ID) })
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.DeleteLoginProfile(ctx, Account1, u.ID) }), store.ErrNotFound)
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.LoginProfile, error) {
		return tx.GetLoginProfile(ctx, Account1, u.ID)
	})
	WantErr(t, err, store.ErrNotFound)

	// A user's profile goes with the user.
	MustTx(t, st, func(tx store.Txn) error { return tx.CreateLoginProfile(ctx, lp) })
	MustTx(t, st, func(tx store.Txn) error { return tx.DeleteUser(ctx, Account1, u.ID) })
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.LoginProfile, error) {
		return tx.GetLoginProfile(ctx, Account1, u.ID)
	})
	WantErr(t, err, store.ErrNotFound)
}

// TestUsersQuotaRace checks that the domain's read-check-write pattern holds
// a quota under racing transactions: 20 writers each add a user only while
// CountUsers is below 5.
func (s *Suite) TestUsersQuotaRace(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	const limit, writers = 5, 20
	errQuota := fmt.Errorf("quota")
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := st.Tx(t.Context(), func(tx store.Txn) error {
				n, err := tx.CountUsers(t.Context(), Account1)
				if err != nil {
					return err
				}
				if n >= limit {
					return errQuota
				}
				return tx.CreateUser(t.Context(), testUser(Account1, fmt.Sprintf("AIDARACE%013d", i), fmt.Sprintf("u%02d", i), "/"))
			})
			if err != nil && err != errQuota {
				t.Errorf("writer %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	n, err := Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) { return tx.CountUsers(ctx, Account1) })
	WantErr(t, err, nil)
	if n != limit {
		t.Fatalf("%d users after the race, want exactly %d", n, limit)
	}
}

func (s *Suite) TestUsersPasswordHistory(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	ctx := t.Context()
	u := testUser(Account1, "AIDAUSER0000000000001", "alice", "/")
	MustTx(t, st, func(tx store.Txn) error { return tx.CreateUser(ctx, u) })
	history := func() []string {
		h, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]string, error) {
			return tx.ListPasswordHistory(ctx, Account1, u.ID)
		})
		WantErr(t, err, nil)
		return h
	}
	if h := history(); len(h) != 0 {
		t.Fatalf("new user's history = %v", h)
	}
	for i := 1; i <= 5; i++ {
		ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
			return tx.AddPasswordHistory(ctx, Account1, u.ID, fmt.Sprintf("h%d", i), T0.Add(time.Duration(i)*time.Minute), 3)
		})
	}
	if h := history(); fmt.Sprint(h) != "[h5 h4 h3]" {
		t.Fatalf("history = %v, want the newest 3, newest first", h)
	}
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error {
		return tx.AddPasswordHistory(ctx, Account2, u.ID, "x", T0, 3)
	}), store.ErrNotFound)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error {
		return tx.AddPasswordHistory(ctx, Account1, "AIDANOPE000000000000", "x", T0, 3)
	}), store.ErrNotFound)
	// The history goes with the user.
	MustTx(t, st, func(tx store.Txn) error { return tx.DeleteUser(ctx, Account1, u.ID) })
	if h := history(); len(h) != 0 {
		t.Fatalf("history of a deleted user = %v", h)
	}
}
