-- The unique IDs of the IAM users and roles a role's trust policy names, as a
-- JSON object {"<ARN as written>": "<AIDA... or AROA...>"}; NULL when none.
-- IAM trusts the entity, not the name: a deleted and re-created entity of the
-- same name is not trusted until the policy is saved again.
ALTER TABLE roles ADD COLUMN trust_principals TEXT COLLATE "C";
