#!/usr/bin/env bash
# Kubernetes service accounts: a pod trades its projected service-account token for role credentials
# (AssumeRoleWithWebIdentity), the way EKS "IAM roles for service accounts" works.
#
# Needs: the aws CLI configured for the iamd server with the account root's credentials, and python3 with
# `cryptography` for oidc_issuer.py, which plays the cluster's service-account issuer here. With a real
# cluster, register its --service-account-issuer URL instead and mount the token with audience
# sts.amazonaws.com.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
role="k8s-app-$RANDOM"
tmp=$(mktemp -d)
python3 "$here/oidc_issuer.py" serve "$tmp" &
issuer_pid=$!
trap 'kill "$issuer_pid"; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do [ -f "$tmp/issuer" ] && break; sleep 0.1; done
issuer=$(cat "$tmp/issuer")
host=${issuer#https://}

# 1. Register the cluster's issuer as an OIDC provider. Its certificate is self-signed: trust it by its
#    SHA-1 thumbprint (an issuer with a publicly trusted certificate needs none).
provider_arn=$(aws iam create-open-id-connect-provider --url "$issuer" --client-id-list sts.amazonaws.com \
  --thumbprint-list "$(cat "$tmp/thumbprint")" --query OpenIDConnectProviderArn --output text)

# 2. A role for the service account "app" of namespace "prod".
role_arn=$(aws iam create-role --role-name "$role" --query Role.Arn --output text --assume-role-policy-document '{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Federated": "'"$provider_arn"'"},
                 "Action": "sts:AssumeRoleWithWebIdentity",
                 "Condition": {"StringEquals": {"'"$host"':aud": "sts.amazonaws.com",
                                                "'"$host"':sub": "system:serviceaccount:prod:app"}}}]
}')

# 3. The pod: its token in a file, AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE set (what the EKS pod identity
#    webhook injects), AWS_ENDPOINT_URL pointing at iamd. The SDK's default chain does the rest.
python3 "$here/oidc_issuer.py" token "$tmp" '{"sub": "system:serviceaccount:prod:app", "aud": ["sts.amazonaws.com"],
  "kubernetes.io": {"namespace": "prod", "serviceaccount": {"name": "app"}}}' > "$tmp/token"
arn=$(AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ROLE_ARN="$role_arn" AWS_WEB_IDENTITY_TOKEN_FILE="$tmp/token" \
  AWS_ROLE_SESSION_NAME=app-pod aws sts get-caller-identity --query Arn --output text)
case "$arn" in *":assumed-role/$role/app-pod") echo "the pod runs as $arn" ;; *) echo "unexpected: $arn" >&2; exit 1 ;; esac

# 4. Another service account's token is refused by the trust policy.
other=$(python3 "$here/oidc_issuer.py" token "$tmp" '{"sub": "system:serviceaccount:prod:other", "aud": ["sts.amazonaws.com"]}')
if aws sts assume-role-with-web-identity --role-arn "$role_arn" --role-session-name other \
     --web-identity-token "$other" >/dev/null 2>"$tmp/err"; then
  echo "another service account assumed the role" >&2; exit 1
fi
grep -q AccessDenied "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
echo "another service account is refused"

# Clean-up.
aws iam delete-role --role-name "$role"
aws iam delete-open-id-connect-provider --open-id-connect-provider-arn "$provider_arn"
