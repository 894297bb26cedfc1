package authz

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
	"github.com/iamd/iamd/internal/store"
)

const acct = "111122223333"

// fakeIAM is an in-memory account: users, groups, roles, their policies,
// tags and boundaries, with a revision bumped on every change. It
// implements PolicySource, Resolver and Revisions for the tests.
type fakeIAM struct {
	mu       sync.Mutex
	rev      int64
	gathers  int // PolicySource calls, to observe the cache
	revReads int // Revision calls
	users    map[string]*fakeEntity
	groups   map[string]*fakeEntity
	roles    map[string]*fakeEntity
	managed  map[string]string // ARN -> document
	profiles map[string]string // name -> path
	keys     map[string]string // access key ID -> owning user name
}

type fakeEntity struct {
	name, path, id string
	tags           []policy.Tag
	inline         map[string]string // name -> document
	attached       []string          // managed policy ARNs
	boundary       string            // managed policy ARN
	groups         []string          // users: group names
}

func newFake() *fakeIAM {
	return &fakeIAM{rev: 1, users: map[string]*fakeEntity{}, groups: map[string]*fakeEntity{},
		roles: map[string]*fakeEntity{}, managed: map[string]string{}, profiles: map[string]string{}, keys: map[string]string{}}
}

// change runs f under the lock and bumps the revision, as a committed
// write does.
func (f *fakeIAM) change(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
	f.rev++
}

func (f *fakeIAM) addUser(name, path string, groups ...string) *fakeEntity {
	e := &fakeEntity{name: name, path: path, id: "AIDA" + strings.ToUpper(name), inline: map[string]string{}, groups: groups}
	f.change(func() { f.users[store.NameKey(name)] = e })
	return e
}

func (f *fakeIAM) addGroup(name string) *fakeEntity {
	e := &fakeEntity{name: name, path: "/", id: "AGPA" + strings.ToUpper(name), inline: map[string]string{}}
	f.change(func() { f.groups[store.NameKey(name)] = e })
	return e
}

func (f *fakeIAM) addRole(name, path string) *fakeEntity {
	e := &fakeEntity{name: name, path: path, id: "AROA" + strings.ToUpper(name), inline: map[string]string{}}
	f.change(func() { f.roles[store.NameKey(name)] = e })
	return e
}

func (f *fakeIAM) Revision(ctx context.Context, accountID string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revReads++
	return f.rev, nil
}

func (f *fakeIAM) Policies(ctx context.Context, s Subject) (Policies, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gathers++
	var e *fakeEntity
	var arn string
	var inlineType SourceType
	switch s.Kind {
	case store.PrincipalUser:
		e, inlineType = f.users[store.NameKey(s.Name)], SourceUser
		if e != nil {
			arn = iam.UserARN(s.AccountID, e.path, e.name)
		}
	case store.PrincipalGroup:
		e, inlineType = f.groups[store.NameKey(s.Name)], SourceGroup
		if e != nil {
			arn = iam.GroupARN(s.AccountID, e.path, e.name)
		}
	case store.PrincipalRole:
		e, inlineType = f.roles[store.NameKey(s.Name)], SourceRole
		if e != nil {
			arn = iam.RoleARN(s.AccountID, e.path, e.name)
		}
	}
	if e == nil {
		return Policies{}, fmt.Errorf("%w: %s %s", ErrNoSuchSubject, s.Kind, s.Name)
	}
	p := Policies{ARN: arn, ID: e.id, Tags: e.tags, Groups: e.groups}
	add := func(x *fakeEntity, t SourceType) {
		for n, d := range x.inline {
			p.Identity = append(p.Identity, Doc{ID: n, Type: t, Document: d})
		}
		for _, a := range x.attached {
			p.Identity = append(p.Identity, Doc{ID: a, Type: SourceUserManaged, Document: f.managed[a]})
		}
	}
	add(e, inlineType)
	for _, g := range e.groups {
		if ge := f.groups[store.NameKey(g)]; ge != nil {
			add(ge, SourceGroup)
		}
	}
	if e.boundary != "" {
		p.Boundary = &Doc{ID: e.boundary, Type: SourceUserManaged, Document: f.managed[e.boundary]}
	}
	return p, nil
}

func (f *fakeIAM) Managed(ctx context.Context, accountID string, arns []string) ([]Doc, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Doc
	for _, a := range arns {
		if d, ok := f.managed[a]; ok {
			out = append(out, Doc{ID: a, Type: SourceUserManaged, Document: d})
		}
	}
	return out, nil
}

func (f *fakeIAM) Entity(ctx context.Context, accountID string, kind EntityKind, key string) (Entity, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch kind {
	case EntityUser:
		if e := f.users[store.NameKey(key)]; e != nil {
			return Entity{ARN: iam.UserARN(accountID, e.path, e.name), Tags: e.tags, PermissionsBoundary: e.boundary, Kind: EntityUser}, true, nil
		}
	case EntityGroup:
		if e := f.groups[store.NameKey(key)]; e != nil {
			return Entity{ARN: iam.GroupARN(accountID, e.path, e.name), Kind: EntityGroup}, true, nil
		}
	case EntityRole:
		if e := f.roles[store.NameKey(key)]; e != nil {
			return Entity{ARN: iam.RoleARN(accountID, e.path, e.name), Tags: e.tags, PermissionsBoundary: e.boundary, Kind: EntityRole}, true, nil
		}
	case EntityInstanceProfile:
		if p, ok := f.profiles[store.NameKey(key)]; ok {
			return Entity{ARN: iam.InstanceProfileARN(accountID, p, key), Kind: EntityInstanceProfile}, true, nil
		}
	case EntityAccessKeyOwner:
		if u, ok := f.keys[key]; ok {
			if e := f.users[store.NameKey(u)]; e != nil {
				return Entity{ARN: iam.UserARN(accountID, e.path, e.name), Tags: e.tags, Kind: EntityUser}, true, nil
			}
		}
	}
	return Entity{}, false, nil
}

// clock is a settable fake time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
