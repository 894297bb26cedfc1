package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

func testRole(id, name, path string) store.Role {
	return store.Role{
		ID: id, AccountID: Account1, Name: name, Path: path,
		AssumeRolePolicy:   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
		MaxSessionDuration: 3600, CreatedAt: T0,
	}
}

func createRole(t *testing.T, st store.Store, r store.Role) {
	t.Helper()
	ExpectBump(t, st, r.AccountID, func(ctx context.Context, tx store.Txn) error { return tx.CreateRole(ctx, r) })
}

func (s *Suite) TestRolesCreateGet(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	ctx := t.Context()
	r := testRole("AROAROLE0000000000001", "Deployer", "/ci/")
	r.Description = "deploys\tthings"
	r.PermissionsBoundaryARN = "arn:aws:iam::aws:policy/PowerUserAccess"
	r.MaxSessionDuration = 7200
	// The trust document is kept byte for byte, white space included.
	r.AssumeRolePolicy = "{\n  \"Version\": \"2012-10-17\",\n\t\"Statement\": []\n}  "
	r.TrustPrincipals = map[string]string{"arn:aws:iam::111111111111:user/a": "AIDAUSER0000000000001",
		"arn:aws:iam::111111111111:role/b": "AROAROLE0000000000009"}
	createRole(t, st, r)

	for _, name := range []string{"Deployer", "deployer", "DEPLOYER"} {
		got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.Role, error) {
			return tx.GetRoleByName(ctx, Account1, name)
		})
		WantErr(t, err, nil)
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("GetRoleByName(%q) = %+v, want %+v", name, got, r)
		}
	}
	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.Role, error) {
		return tx.GetRoleByID(ctx, Account1, r.ID)
	})
	WantErr(t, err, nil)
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("GetRoleByID = %+v, want %+v", got, r)
	}

	// Names are unique case-insensitively; IDs everywhere.
	dup := testRole("AROAROLE0000000000002", "DEPLOYER", "/")
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateRole(ctx, dup) }), store.ErrConflict)
	dup = testRole(r.ID, "Other", "/")
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateRole(ctx, dup) }), store.ErrConflict)
	// The same name in another account is fine; a missing account is not.
	NewAccount(t, st, Account2)
	other := testRole("AROAROLE0000000000003", "Deployer", "/")
	other.AccountID = Account2
	createRole(t, st, other)
	orphan := testRole("AROAROLE0000000000004", "X", "/")
	orphan.AccountID = "999999999999"
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateRole(ctx, orphan) }), store.ErrNotFound)

	// Lookups are scoped to the account.
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.Role, error) {
		return tx.GetRoleByID(ctx, Account2, r.ID)
	})
	WantErr(t, err, store.ErrNotFound)
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.Role, error) {
		return tx.GetRoleByName(ctx, Account1, "nobody")
	})
	WantErr(t, err, store.ErrNotFound)

	n, err := Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) { return tx.CountRoles(ctx, Account1) })
	WantErr(t, err, nil)
	if n != 1 {
		t.Fatalf("CountRoles = %d, want 1", n)
	}
	n, err = Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountRolesWithPermissionsBoundary(ctx, Account1, r.PermissionsBoundaryARN)
	})
	WantErr(t, err, nil)
	if n != 1 {
		t.Fatalf("CountRolesWithPermissionsBoundary = %d, want 1", n)
	}
}

func (s *Suite) TestRolesUpdateDeleteLastUsed(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	ctx := t.Context()
	r := testRole("AROAROLE0000000000001", "App", "/")
	createRole(t, st, r)

	r.AssumeRolePolicy = `{"Version":"2012-10-17","Statement":[]}`
	r.TrustPrincipals = map[string]string{"arn:aws:iam::111111111111:role/x": "AROAROLE0000000000005"}
	r.Description = "new"
	r.MaxSessionDuration = 43200
	r.PermissionsBoundaryARN = "arn:aws:iam::111111111111:policy/Boundary"
	upd := r
	upd.Name, upd.Path, upd.CreatedAt = "ignored", "/ignored/", T0.Add(time.Hour) // not mutable
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.UpdateRole(ctx, upd) })
	got, _ := Get(t, st, func(ctx context.Context, tx store.Txn) (store.Role, error) {
		return tx.GetRoleByID(ctx, Account1, r.ID)
	})
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("after UpdateRole = %+v, want %+v", got, r)
	}
	// Clearing optional fields stores them as absent.
	r.Description, r.PermissionsBoundaryARN, r.TrustPrincipals = "", "", nil
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.UpdateRole(ctx, r) })
	got, _ = Get(t, st, func(ctx context.Context, tx store.Txn) (store.Role, error) {
		return tx.GetRoleByID(ctx, Account1, r.ID)
	})
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("after clearing = %+v, want %+v", got, r)
	}

	// RecordRoleUse is bookkeeping: no revision bump.
	before := Revision(t, st, Account1)
	used := T0.Add(48 * time.Hour)
	MustTx(t, st, func(tx store.Txn) error { return tx.RecordRoleUse(ctx, Account1, r.ID, used, "eu-west-1") })
	if after := Revision(t, st, Account1); after != before {
		t.Fatalf("RecordRoleUse bumped the revision: %d -> %d", before, after)
	}
	got, _ = Get(t, st, func(ctx context.Context, tx store.Txn) (store.Role, error) {
		return tx.GetRoleByID(ctx, Account1, r.ID)
	})
	if !got.LastUsedAt.Equal(used) || got.LastUsedRegion != "eu-west-1" {
		t.Fatalf("last used = %v %q, want %v eu-west-1", got.LastUsedAt, got.LastUsedRegion, used)
	}
	// UpdateRole leaves the last use alone.
	MustTx(t, st, func(tx store.Txn) error { return tx.UpdateRole(ctx, r) })
	got, _ = Get(t, st, func(ctx context.Context, tx store.Txn) (store.Role, error) {
		return tx.GetRoleByID(ctx, Account1, r.ID)
	})
	if !got.LastUsedAt.Equal(used) {
		t.Fatalf("UpdateRole reset the last use: %v", got.LastUsedAt)
	}
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.RecordRoleUse(ctx, Account1, "AROANOPE", used, "") }), store.ErrNotFound)

	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.DeleteRole(ctx, Account1, r.ID) })
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.DeleteRole(ctx, Account1, r.ID) }), store.ErrNotFound)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.UpdateRole(ctx, r) }), store.ErrNotFound)
	// The name is free again.
	createRole(t, st, testRole("AROAROLE0000000000002", "app", "/"))
}

func (s *Suite) TestRolesListPages(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	paths := []string{"/", "/eng/", "/eng/ops/", "/Eng/", "/engineering/", "/e%g/"}
	var want, wantEng []string
	MustTx(t, st, func(tx store.Txn) error {
		for i := range 30 {
			p := paths[i%len(paths)]
			name := fmt.Sprintf("Role%02d", 29-i) // inserted out of order
			if i%2 == 0 {
				name = fmt.Sprintf("role%02d", 29-i) // mixed case sorts by NameKey
			}
			r := testRole(fmt.Sprintf("AROAROLE%013d", i), name, p)
			if err := tx.CreateRole(t.Context(), r); err != nil {
				return err
			}
			o := r
			o.ID, o.AccountID = fmt.Sprintf("AROAOTHER%012d", i), Account2
			if err := tx.CreateRole(t.Context(), o); err != nil {
				return err
			}
		}
		return nil
	})
	for i := range 30 {
		name := fmt.Sprintf("Role%02d", i)
		if (29-i)%2 == 0 {
			name = fmt.Sprintf("role%02d", i)
		}
		want = append(want, name)
		if p := paths[(29-i)%len(paths)]; len(p) >= 4 && p[:4] == "/eng" {
			wantEng = append(wantEng, name)
		}
	}
	names := func(rs []store.Role) []string {
		var out []string
		for _, r := range rs {
			if r.AccountID != Account1 {
				t.Fatalf("role of account %s listed", r.AccountID)
			}
			out = append(out, r.Name)
		}
		return out
	}
	key := func(r store.Role) string { return store.NameKey(r.Name) }
	for _, limit := range []int{0, 1, 7, 30, 31} {
		all := CollectPages(t, st, limit, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.Role, bool, error) {
			return tx.ListRoles(ctx, Account1, "", p)
		}, key)
		if got := names(all); !reflect.DeepEqual(got, want) {
			t.Fatalf("limit %d: %v, want %v", limit, got, want)
		}
		eng := CollectPages(t, st, limit, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.Role, bool, error) {
			return tx.ListRoles(ctx, Account1, "/eng", p)
		}, key)
		if got := names(eng); !reflect.DeepEqual(got, wantEng) {
			t.Fatalf("limit %d, prefix /eng (case-sensitive, no wildcards): %v, want %v", limit, got, wantEng)
		}
	}
	// A prefix with LIKE wildcards matches literally.
	pct, _ := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.Role, error) {
		rs, _, err := tx.ListRoles(ctx, Account1, "/e%", store.Page{})
		return rs, err
	})
	if len(pct) != 5 {
		t.Fatalf("prefix /e%% listed %d roles, want 5", len(pct))
	}
}

func (s *Suite) TestRolesQuotaRace(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	const limit, racers = 5, 20
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Tx(t.Context(), func(tx store.Txn) error {
				n, err := tx.CountRoles(t.Context(), Account1)
				if err != nil {
					return err
				}
				if n >= limit {
					return errTest
				}
				return tx.CreateRole(t.Context(), testRole(fmt.Sprintf("AROARACE%013d", i), fmt.Sprintf("r%d", i), "/"))
			})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errorsIs(err, errTest) {
			t.Fatalf("racer: %v", err)
		}
	}
	n, _ := Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) { return tx.CountRoles(ctx, Account1) })
	if ok != limit || n != limit {
		t.Fatalf("%d creates succeeded, %d roles exist; want %d", ok, n, limit)
	}
}

func (s *Suite) TestRolesInstanceProfiles(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	ctx := t.Context()
	ip := store.InstanceProfile{ID: "AIPAPROF0000000000001", AccountID: Account1, Name: "Web", Path: "/web/", CreatedAt: T0}
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.CreateInstanceProfile(ctx, ip) })
	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.InstanceProfile, error) {
		return tx.GetInstanceProfileByName(ctx, Account1, "WEB")
	})
	WantErr(t, err, nil)
	if !reflect.DeepEqual(got, ip) {
		t.Fatalf("GetInstanceProfileByName = %+v, want %+v", got, ip)
	}
	dup := ip
	dup.ID, dup.Name = "AIPAPROF0000000000002", "web"
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateInstanceProfile(ctx, dup) }), store.ErrConflict)
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.InstanceProfile, error) {
		return tx.GetInstanceProfileByName(ctx, Account2, "Web")
	})
	WantErr(t, err, store.ErrNotFound)

	// Role membership.
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.SetInstanceProfileRole(ctx, Account1, ip.ID, "AROAROLE0000000000001")
	})
	second := store.InstanceProfile{ID: "AIPAPROF0000000000003", AccountID: Account1, Name: "api", Path: "/", CreatedAt: T0, RoleID: "AROAROLE0000000000001"}
	MustTx(t, st, func(tx store.Txn) error { return tx.CreateInstanceProfile(ctx, second) })
	third := store.InstanceProfile{ID: "AIPAPROF0000000000004", AccountID: Account1, Name: "batch", Path: "/", CreatedAt: T0}
	MustTx(t, st, func(tx store.Txn) error { return tx.CreateInstanceProfile(ctx, third) })

	n, _ := Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountInstanceProfilesForRole(ctx, Account1, "AROAROLE0000000000001")
	})
	if n != 2 {
		t.Fatalf("CountInstanceProfilesForRole = %d, want 2", n)
	}
	for _, limit := range []int{0, 1, 2} {
		forRole := CollectPages(t, st, limit, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.InstanceProfile, bool, error) {
			return tx.ListInstanceProfilesForRole(ctx, Account1, "AROAROLE0000000000001", p)
		}, func(ip store.InstanceProfile) string { return store.NameKey(ip.Name) })
		if len(forRole) != 2 || forRole[0].Name != "api" || forRole[1].Name != "Web" {
			t.Fatalf("limit %d: ListInstanceProfilesForRole = %+v", limit, forRole)
		}
	}
	all := CollectPages(t, st, 2, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.InstanceProfile, bool, error) {
		return tx.ListInstanceProfiles(ctx, Account1, "", p)
	}, func(ip store.InstanceProfile) string { return store.NameKey(ip.Name) })
	if len(all) != 3 || all[0].Name != "api" || all[1].Name != "batch" || all[2].Name != "Web" {
		t.Fatalf("ListInstanceProfiles = %+v", all)
	}
	web, _ := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.InstanceProfile, error) {
		l, _, err := tx.ListInstanceProfiles(ctx, Account1, "/web/", store.Page{})
		return l, err
	})
	if len(web) != 1 || web[0].ID != ip.ID || web[0].RoleID != "AROAROLE0000000000001" {
		t.Fatalf("prefix /web/: %+v", web)
	}

	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.SetInstanceProfileRole(ctx, Account1, ip.ID, "")
	})
	got, _ = Get(t, st, func(ctx context.Context, tx store.Txn) (store.InstanceProfile, error) {
		return tx.GetInstanceProfileByName(ctx, Account1, "Web")
	})
	if got.RoleID != "" {
		t.Fatalf("role not removed: %+v", got)
	}
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.SetInstanceProfileRole(ctx, Account2, ip.ID, "") }), store.ErrNotFound)

	n, _ = Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) { return tx.CountInstanceProfiles(ctx, Account1) })
	if n != 3 {
		t.Fatalf("CountInstanceProfiles = %d, want 3", n)
	}
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.DeleteInstanceProfile(ctx, Account1, ip.ID) })
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.DeleteInstanceProfile(ctx, Account1, ip.ID) }), store.ErrNotFound)
}

func (s *Suite) TestRolesOIDCProviders(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	ctx := t.Context()
	p := store.OIDCProvider{
		ARN: "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com", AccountID: Account1,
		URL: "token.actions.githubusercontent.com", ClientIDs: []string{"sts.amazonaws.com", "b"},
		Thumbprints: []string{"6938fd4d98bab03faadb97b34396831e3780aea1"}, CreatedAt: T0,
	}
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.CreateOIDCProvider(ctx, p) })
	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.OIDCProvider, error) {
		return tx.GetOIDCProvider(ctx, Account1, p.ARN)
	})
	WantErr(t, err, nil)
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("GetOIDCProvider = %+v, want %+v", got, p)
	}
	got, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.OIDCProvider, error) {
		return tx.GetOIDCProviderByURL(ctx, Account1, p.URL)
	})
	WantErr(t, err, nil)
	if got.ARN != p.ARN {
		t.Fatalf("GetOIDCProviderByURL = %+v", got)
	}
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.CreateOIDCProvider(ctx, p) }), store.ErrConflict)
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.OIDCProvider, error) {
		return tx.GetOIDCProviderByURL(ctx, Account2, p.URL)
	})
	WantErr(t, err, store.ErrNotFound)

	// No thumbprints, no client IDs: lists read back empty.
	q := store.OIDCProvider{ARN: "arn:aws:iam::111111111111:oidc-provider/a.example.com/id/X", AccountID: Account1,
		URL: "a.example.com/id/X", CreatedAt: T0}
	MustTx(t, st, func(tx store.Txn) error { return tx.CreateOIDCProvider(ctx, q) })
	list, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.OIDCProvider, error) {
		return tx.ListOIDCProviders(ctx, Account1)
	})
	WantErr(t, err, nil)
	if len(list) != 2 || list[0].ARN != q.ARN || len(list[0].ClientIDs) != 0 || len(list[0].Thumbprints) != 0 || list[1].ARN != p.ARN {
		t.Fatalf("ListOIDCProviders = %+v", list)
	}

	p.ClientIDs = []string{"b"}
	p.Thumbprints = nil
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.UpdateOIDCProvider(ctx, p) })
	got, _ = Get(t, st, func(ctx context.Context, tx store.Txn) (store.OIDCProvider, error) {
		return tx.GetOIDCProvider(ctx, Account1, p.ARN)
	})
	if !reflect.DeepEqual(got.ClientIDs, []string{"b"}) || len(got.Thumbprints) != 0 {
		t.Fatalf("after update: %+v", got)
	}
	n, _ := Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) { return tx.CountOIDCProviders(ctx, Account1) })
	if n != 2 {
		t.Fatalf("CountOIDCProviders = %d, want 2", n)
	}
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.DeleteOIDCProvider(ctx, Account1, p.ARN) })
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.DeleteOIDCProvider(ctx, Account1, p.ARN) }), store.ErrNotFound)
	WantErr(t, st.Tx(ctx, func(tx store.Txn) error { return tx.UpdateOIDCProvider(ctx, p) }), store.ErrNotFound)
}
