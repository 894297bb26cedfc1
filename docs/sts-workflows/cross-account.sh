#!/usr/bin/env bash
# Assume a role across accounts: a developer of account B works in account A through a role that trusts B,
# with an external ID.
#
# Needs: the aws CLI configured for the iamd server with account A's root credentials, and the iamd binary
# ($IAMD) with the server's data directory ($IAMD_DATA_DIR) to create account B.
set -euo pipefail
: "${IAMD:=iamd}"
: "${IAMD_DATA_DIR:?set IAMD_DATA_DIR to the data directory of the server}"
account_a=$(aws sts get-caller-identity --query Account --output text)
account_b=9$(printf '%011d' $(( (RANDOM << 30 | RANDOM << 15 | RANDOM) % 100000000000 )))
role="deploy-$RANDOM"
external_id="ext-$RANDOM$RANDOM"

# 1. Account B (its root credentials are written to $IAMD_DATA_DIR/root-<account>.credentials).
"$IAMD" admin account create --data-dir "$IAMD_DATA_DIR" --account-id "$account_b" >/dev/null
as_b() { AWS_SHARED_CREDENTIALS_FILE="$IAMD_DATA_DIR/root-$account_b.credentials" "$@"; }

# 2. In account A: a role that trusts account B when the caller gives the external ID.
role_arn=$(aws iam create-role --role-name "$role" --query Role.Arn --output text --assume-role-policy-document '{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::'"$account_b"':root"},
                 "Action": "sts:AssumeRole",
                 "Condition": {"StringEquals": {"sts:ExternalId": "'"$external_id"'"}}}]
}')
aws iam put-role-policy --role-name "$role" --policy-name read-iam --policy-document '{
  "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}]
}'

# 3. In account B: a developer whose own policy lets them assume that role (cross-account, both sides decide).
as_b aws iam create-user --user-name dev >/dev/null
as_b aws iam put-user-policy --user-name dev --policy-name assume-deploy --policy-document '{
  "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "'"$role_arn"'"}]
}'
read -r dev_key dev_secret < <(as_b aws iam create-access-key --user-name dev \
  --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
as_dev() { AWS_ACCESS_KEY_ID="$dev_key" AWS_SECRET_ACCESS_KEY="$dev_secret" AWS_SHARED_CREDENTIALS_FILE=/dev/null "$@"; }

# 4. The developer assumes the role; without the external ID the trust policy refuses.
if as_dev aws sts assume-role --role-arn "$role_arn" --role-session-name dev 2>/dev/null; then
  echo "assumed without the external ID" >&2; exit 1
fi
read -r key secret token < <(as_dev aws sts assume-role --role-arn "$role_arn" --role-session-name dev \
  --external-id "$external_id" --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
as_role() { AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_SESSION_TOKEN="$token" AWS_SHARED_CREDENTIALS_FILE=/dev/null "$@"; }
arn=$(as_role aws sts get-caller-identity --query Arn --output text)
[ "$arn" = "arn:aws:sts::$account_a:assumed-role/$role/dev" ] || { echo "unexpected identity: $arn" >&2; exit 1; }
echo "account B's developer works in account A as $arn"
as_role aws iam list-roles --query 'length(Roles)' >/dev/null
echo "with the role's permissions"

# Clean-up in account A (account B stays; accounts are not deleted).
aws iam delete-role-policy --role-name "$role" --policy-name read-iam
aws iam delete-role --role-name "$role"
