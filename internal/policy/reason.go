package policy

// policyTypeNoun is how AWS names a policy type in AccessDenied reasons.
func policyTypeNoun(k Kind) string {
	switch k {
	case KindResource, KindTrust:
		return "resource-based policy"
	case KindBoundary:
		return "permissions boundary"
	case KindSession:
		return "session policy"
	case KindSCP:
		return "service control policy"
	}
	return "identity-based policy"
}

// Reason returns AWS's reason phrase for a denied request (evaluation.md
// §10): "with an explicit deny in a permissions boundary", "because no
// identity-based policy allows the s3:GetObject action", …; "" for Allow.
func (r *Result) Reason(action string) string {
	switch r.Decision {
	case ExplicitDeny:
		noun := policyTypeNoun(r.DeniedBy)
		article := "a "
		if noun[0] == 'i' {
			article = "an "
		}
		return "with an explicit deny in " + article + noun
	case ImplicitDeny:
		return "because no " + policyTypeNoun(r.DeniedBy) + " allows the " + action + " action"
	}
	return ""
}

// AccessDeniedMessage is the message of AWS's AccessDenied error for a
// denied request: "User: <principal ARN> is not authorized to perform:
// <action> on resource: <resource> <reason>".
func (r *Result) AccessDeniedMessage(principalARN, action, resource string) string {
	if principalARN == "" {
		principalARN = "anonymous"
	}
	msg := "User: " + principalARN + " is not authorized to perform: " + action
	if resource != "" {
		msg += " on resource: " + resource
	}
	if reason := r.Reason(action); reason != "" {
		msg += " " + reason
	}
	return msg
}
