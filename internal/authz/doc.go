// Package authz is the one place iamd decides whether a caller may do what
// a request asks. It gathers the caller's policies, builds the request
// context and asks the policy engine (internal/policy).
//
// # Pieces
//
//	BuildPlan(ctx, resolver, self, service, op, input) Plan
//	    the authorization table: for every IAM and STS operation the action,
//	    the resource ARN(s) and the condition keys the request supplies, and
//	    the extra checks (both ARNs of a rename, iam:PassRole, iam:Tag* when
//	    Create* carries tags); Resolver supplies the paths, tags and
//	    boundaries of existing entities.
//	Authorizer.Authorize(ctx, api.AuthzRequest) error
//	    api.Authorizer: plan, gather, evaluate, AccessDenied in AWS's words.
//	Authorizer.Decide(ctx, Query) (*Decision, error)
//	    the same for callers that build their own checks, optionally with a
//	    resource policy.
//	Authorizer.CallerPolicySet(ctx, identity)
//	    the caller's side for internal/sts, which adds the trust policy.
//	Simulate(SimRequest), ContextKeys(docs)
//	    the policy simulator behind SimulateCustomPolicy and friends.
//
// PolicySource gathers the policies of users (with their groups), groups
// and roles; StoreSource implements it, Resolver and Revisions over the
// store. Compiled sets are cached per principal (bounded LRU) and rebuilt
// when the account's revision moved: every committed write bumps it, so a
// change is seen by the next request.
//
// See docs/authorization.md for what is enforced and the condition keys.
package authz
