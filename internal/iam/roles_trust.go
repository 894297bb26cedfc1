package iam

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/iamd/iamd/internal/policy"
	"github.com/iamd/iamd/internal/store"
)

// Trust-policy principals, as IAM stores them (evaluation.md §6.4): a user
// or role named by ARN must exist when the policy is saved, and IAM trusts
// that entity, not its name. The document is kept as submitted, next to the
// unique ID each named user or role had (store.Role.TrustPrincipals); when
// such an entity is later deleted, or deleted and re-created under the same
// name, the role's trust policy shows the old unique ID in place of the ARN,
// and that is also what STS evaluates, so the new entity is not trusted until
// the policy is saved again. A user renamed since is shown, and trusted,
// under its new ARN.

// checkTrustPrincipals rejects a trust policy naming an IAM user, a role or
// an OIDC provider that does not exist, as AWS does ("Invalid principal in
// policy"), for the accounts this deployment holds; principals of other
// accounts are taken as written (iamd cannot know them). It returns the
// unique IDs of the users and roles named, by ARN as written (nil if none).
func checkTrustPrincipals(ctx context.Context, tx store.Txn, p *policy.Policy) (map[string]string, error) {
	var pins map[string]string
	for _, st := range p.Statements {
		if st.Principal == nil {
			continue
		}
		for _, e := range st.Principal.Entries {
			id, ok, err := trustPrincipalID(ctx, tx, e)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, MalformedPolicy("Invalid principal in policy: \"%s\":\"%s\"", e.Type, e.Value)
			}
			if id != "" {
				if pins == nil {
					pins = map[string]string{}
				}
				pins[e.Value] = id
			}
		}
	}
	return pins, nil
}

// trustPrincipalID resolves a principal entry that names an IAM entity of
// an account held here (an "AWS" user or role ARN, a "Federated" OIDC
// provider ARN): ok is false when that entity does not exist; id is the
// unique ID of a user or role. Any other entry is ok with no ID.
func trustPrincipalID(ctx context.Context, tx store.Txn, e policy.PrincipalEntry) (id string, ok bool, err error) {
	if (e.Type != "AWS" && e.Type != "Federated") || !strings.HasPrefix(e.Value, "arn:") {
		return "", true, nil
	}
	a, perr := ParseARN(e.Value)
	if perr != nil || a.Service != "iam" || strings.ContainsAny(a.Resource, "*?") {
		return "", true, nil
	}
	typ, path, name, isPath := a.PathName()
	switch {
	case !isPath:
		return "", true, nil
	case e.Type == "AWS" && typ != "user" && typ != "role":
		return "", true, nil
	case e.Type == "Federated" && typ != "oidc-provider":
		return "", true, nil
	}
	if _, err := tx.GetAccount(ctx, a.Account); errors.Is(err, store.ErrNotFound) {
		return "", true, nil
	} else if err != nil {
		return "", false, err
	}
	id, err = lookupPrincipal(ctx, tx, a.Account, typ, path, name, e.Value)
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	return id, err == nil, err
}

// lookupPrincipal finds the user, role or OIDC provider an ARN names and
// returns its unique ID ("" for an OIDC provider); store.ErrNotFound when
// there is none, or when the name exists at another path.
func lookupPrincipal(ctx context.Context, tx store.Txn, accountID, typ, path, name, arn string) (string, error) {
	switch typ {
	case "oidc-provider":
		_, err := tx.GetOIDCProvider(ctx, accountID, arn)
		return "", err
	case "role":
		r, err := tx.GetRoleByName(ctx, accountID, name)
		if err == nil && r.Path != path {
			err = store.ErrNotFound
		}
		return r.ID, err
	default:
		u, err := tx.GetUserByName(ctx, accountID, name)
		if err == nil && u.Path != path {
			err = store.ErrNotFound
		}
		return u.ID, err
	}
}

// principalARNByID returns the current ARN of the user or role with unique
// ID id, "" when there is none.
func principalARNByID(ctx context.Context, tx store.Txn, accountID, typ, id string) (string, error) {
	var arn string
	var err error
	switch typ {
	case "role":
		var r store.Role
		if r, err = tx.GetRoleByID(ctx, accountID, id); err == nil {
			arn = RoleARN(accountID, r.Path, r.Name)
		}
	case "user":
		var u store.User
		if u, err = tx.GetUserByID(ctx, accountID, id); err == nil {
			arn = UserARN(accountID, u.Path, u.Name)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return arn, err
}

// effectiveTrustPolicy is the role's trust policy as IAM shows and
// evaluates it: the document as submitted, except that a named user or role
// that no longer exists under the unique ID it had is replaced by that
// unique ID (only the principal's JSON string changes; every other byte is
// kept). A renamed user is shown under its current ARN.
func effectiveTrustPolicy(ctx context.Context, tx store.Txn, r store.Role) (string, error) {
	if len(r.TrustPrincipals) == 0 {
		return r.AssumeRolePolicy, nil
	}
	var stale map[string]string
	for arn, id := range r.TrustPrincipals {
		a, err := ParseARN(arn)
		if err != nil {
			continue
		}
		typ, path, name, _ := a.PathName()
		current, err := lookupPrincipal(ctx, tx, a.Account, typ, path, name, arn)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		if err == nil && current == id {
			continue
		}
		// The entity is gone, or the name now belongs to another one. A user
		// that still exists under its ID was renamed: show where it is now.
		with, err := principalARNByID(ctx, tx, a.Account, typ, id)
		if err != nil {
			return "", err
		}
		if with == "" {
			with = id
		}
		if stale == nil {
			stale = map[string]string{}
		}
		stale[arn] = with
	}
	if len(stale) == 0 {
		return r.AssumeRolePolicy, nil
	}
	return replacePrincipals(r.AssumeRolePolicy, stale), nil
}

// replacePrincipals rewrites the "AWS" principal strings of doc whose value
// is a key of repl to the mapped value. A document that no longer parses is
// returned unchanged.
func replacePrincipals(doc string, repl map[string]string) string {
	p, err := policy.Parse(policy.KindTrust, []byte(doc))
	if err != nil {
		return doc
	}
	type span struct {
		start, end int
		with       string
	}
	var spans []span
	for _, st := range p.Statements {
		if st.Principal == nil {
			continue
		}
		for _, e := range st.Principal.Entries {
			with, ok := repl[e.Value]
			if e.Type != "AWS" || !ok {
				continue
			}
			start := byteOffset(doc, e.Pos)
			end := jsonStringEnd(doc, start)
			if start < 0 || end < 0 {
				return doc
			}
			quoted, _ := json.Marshal(with) // a string always marshals
			spans = append(spans, span{start, end, string(quoted)})
		}
	}
	// Replace from the end so that earlier offsets stay valid.
	slices.SortFunc(spans, func(a, b span) int { return b.start - a.start })
	for _, sp := range spans {
		doc = doc[:sp.start] + sp.with + doc[sp.end:]
	}
	return doc
}

// byteOffset converts the parser's 1-based line and column (columns count
// runes; lines end at '\n') to a byte offset in doc, -1 if out of range.
func byteOffset(doc string, pos policy.Pos) int {
	i := 0
	for line := 1; line < pos.Line; line++ {
		j := strings.IndexByte(doc[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
	}
	for col := 1; col < pos.Column; col++ {
		if i >= len(doc) || doc[i] == '\n' {
			return -1
		}
		_, size := utf8.DecodeRuneInString(doc[i:])
		i += size
	}
	return i
}

// jsonStringEnd returns the offset just past the JSON string literal that
// starts at doc[start] (a '"'), or -1.
func jsonStringEnd(doc string, start int) int {
	if start < 0 || start >= len(doc) || doc[start] != '"' {
		return -1
	}
	for i := start + 1; i < len(doc); i++ {
		switch doc[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// roleView is the API view of a stored role, its trust policy as IAM shows
// it (effectiveTrustPolicy). Tags are not read.
func roleView(ctx context.Context, tx store.Txn, r store.Role) (Role, error) {
	out := roleFromStore(r)
	doc, err := effectiveTrustPolicy(ctx, tx, r)
	if err != nil {
		return Role{}, err
	}
	out.AssumeRolePolicy = doc
	return out, nil
}
