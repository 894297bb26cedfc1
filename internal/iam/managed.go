package iam

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// managedFS holds the AWS managed policies iamd ships, one JSON file per
// policy named after it: the metadata AWS publishes (ListPolicies /
// GetPolicy) and the document of the default version (GetPolicyVersion).
// It is read-only data compiled into the binary.
//
//go:embed managed/*.json
var managedFS embed.FS

// ManagedPolicy is an AWS managed policy (account "aws"): read-only,
// attachable in every account.
type ManagedPolicy struct {
	Name             string
	ARN              string // arn:aws:iam::aws:policy<path><name>
	Path             string
	ID               string // ANPA…
	Description      string
	DefaultVersionID string // v1, v2, …
	// Document is the default version's policy document with AWS's key
	// order, indented with four spaces.
	Document   string
	CreateDate time.Time
	UpdateDate time.Time
}

// managedFile is the on-disk form, field names as in AWS's GetPolicy output.
type managedFile struct {
	PolicyName       string
	PolicyId         string
	Arn              string
	Path             string
	DefaultVersionId string
	Description      string
	CreateDate       time.Time
	UpdateDate       time.Time
	Document         json.RawMessage
}

// ManagedPolicies returns the AWS managed policies iamd ships, sorted by
// name. The data is embedded and checked by the package tests, so a
// malformed file is a build defect and panics.
func ManagedPolicies() []ManagedPolicy {
	return slices.Clone(shippedManaged().list)
}

// ManagedPolicyByARN finds a shipped AWS managed policy by its ARN
// (case-sensitive, as ARN lookups are).
func ManagedPolicyByARN(arn string) (ManagedPolicy, bool) {
	p, ok := shippedManaged().byARN[arn]
	return p, ok
}

type managedIndex struct {
	list  []ManagedPolicy
	byARN map[string]ManagedPolicy
}

// shippedManaged parses the embedded set once: the documents weigh a few
// hundred kilobytes (ReadOnlyAccess alone ~150 KB) and GetPolicy,
// ListPolicies and the authorization reads look them up on every request.
// The data is immutable and compiled in, so the parsed form is too.
var shippedManaged = sync.OnceValue(func() managedIndex {
	ps, err := loadManagedPolicies(managedFS)
	if err != nil {
		panic(err)
	}
	idx := managedIndex{list: ps, byARN: make(map[string]ManagedPolicy, len(ps))}
	for _, p := range ps {
		idx.byARN[p.ARN] = p
	}
	return idx
})

// IsAWSManagedPolicyARN reports whether arn names a policy in the "aws"
// account, i.e. an AWS managed policy rather than a customer one.
func IsAWSManagedPolicyARN(arn string) bool {
	a, err := ParseARN(arn)
	if err != nil {
		return false
	}
	return a.Service == "iam" && a.Account == AWSManagedAccount && strings.HasPrefix(a.Resource, "policy/")
}

// DerivedPolicyID is the policy ID iamd gives an AWS managed policy whose
// real ID is not published: "ANPA" and 17 base32 characters of the
// SHA-256 of the name, so it is the same in every deployment.
func DerivedPolicyID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return PrefixPolicy + base32.StdEncoding.EncodeToString(sum[:])[:IDLength-len(PrefixPolicy)]
}

func loadManagedPolicies(fsys fs.FS) ([]ManagedPolicy, error) {
	names, err := fs.Glob(fsys, "managed/*.json")
	if err != nil {
		return nil, err
	}
	out := make([]ManagedPolicy, 0, len(names))
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		p, err := parseManagedPolicy(raw)
		if err != nil {
			return nil, fmt.Errorf("iam: managed policy %s: %w", name, err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".json"); p.Name != want {
			return nil, fmt.Errorf("iam: managed policy %s holds policy %q", name, p.Name)
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func parseManagedPolicy(raw []byte) (ManagedPolicy, error) {
	var f managedFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return ManagedPolicy{}, err
	}
	if f.PolicyName == "" {
		return ManagedPolicy{}, fmt.Errorf("missing PolicyName")
	}
	if d := bytes.TrimSpace(f.Document); len(d) == 0 || d[0] != '{' {
		return ManagedPolicy{}, fmt.Errorf("Document is not a JSON object")
	}
	if f.Path == "" {
		f.Path = "/"
	}
	if want := PolicyARN(AWSManagedAccount, f.Path, f.PolicyName); f.Arn != want {
		return ManagedPolicy{}, fmt.Errorf("Arn %q, want %q", f.Arn, want)
	}
	id := f.PolicyId
	if id == "" {
		id = DerivedPolicyID(f.PolicyName)
	}
	// Re-indent so the document's layout does not depend on how deep it
	// sits in the file; key order and values are kept byte for byte.
	var compact, doc bytes.Buffer
	if err := json.Compact(&compact, f.Document); err != nil {
		return ManagedPolicy{}, err
	}
	if err := json.Indent(&doc, compact.Bytes(), "", "    "); err != nil {
		return ManagedPolicy{}, err
	}
	return ManagedPolicy{
		Name:             f.PolicyName,
		ARN:              f.Arn,
		Path:             f.Path,
		ID:               id,
		Description:      f.Description,
		DefaultVersionID: f.DefaultVersionId,
		Document:         doc.String(),
		CreateDate:       f.CreateDate.UTC(),
		UpdateDate:       f.UpdateDate.UTC(),
	}, nil
}
