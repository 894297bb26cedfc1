#!/usr/bin/env bash
# CI jobs: a GitLab CI job exchanges its id_token for a deploy role's credentials, for pipelines of the main
# branch of one project only.
#
# Needs: the aws CLI configured for the iamd server with the account root's credentials, and python3 with
# `cryptography` for oidc_issuer.py, which plays the GitLab instance here. In .gitlab-ci.yml the job would
# declare `id_tokens: {IAMD_TOKEN: {aud: https://gitlab.example.com}}` and run step 3 with $IAMD_TOKEN.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
role="ci-deploy-$RANDOM"
audience=https://gitlab.example.com
tmp=$(mktemp -d)
python3 "$here/oidc_issuer.py" serve "$tmp" &
issuer_pid=$!
trap 'kill "$issuer_pid"; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do [ -f "$tmp/issuer" ] && break; sleep 0.1; done
issuer=$(cat "$tmp/issuer")
host=${issuer#https://}

# 1. The GitLab instance as an OIDC provider, with the audience the jobs request. (Given as a JSON list:
#    aws CLI v1 would fetch a bare https:// parameter value as a URL.)
provider_arn=$(aws iam create-open-id-connect-provider --url "$issuer" --client-id-list "[\"$audience\"]" \
  --thumbprint-list "$(cat "$tmp/thumbprint")" --query OpenIDConnectProviderArn --output text)

# 2. A deploy role for main-branch pipelines of the projects under infra/.
role_arn=$(aws iam create-role --role-name "$role" --query Role.Arn --output text --assume-role-policy-document '{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Federated": "'"$provider_arn"'"},
                 "Action": "sts:AssumeRoleWithWebIdentity",
                 "Condition": {"StringEquals": {"'"$host"':aud": "'"$audience"'"},
                               "StringLike": {"'"$host"':sub": "project_path:infra/*:ref_type:branch:ref:main"}}}]
}')

job_token() { # project, branch
  python3 "$here/oidc_issuer.py" token "$tmp" '{"aud": "'"$audience"'",
    "sub": "project_path:'"$1"':ref_type:branch:ref:'"$2"'", "project_path": "'"$1"'", "ref": "'"$2"'",
    "ref_type": "branch", "pipeline_source": "push"}'
}

# 3. The job of infra/deploy on main gets credentials.
read -r key secret token < <(aws sts assume-role-with-web-identity --role-arn "$role_arn" \
  --role-session-name "job-$RANDOM" --web-identity-token "$(job_token infra/deploy main)" \
  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
arn=$(AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_SESSION_TOKEN="$token" \
  AWS_SHARED_CREDENTIALS_FILE=/dev/null aws sts get-caller-identity --query Arn --output text)
echo "the main-branch job deploys as $arn"

# 4. A feature branch, or another project, does not.
for job in "infra/deploy feature-x" "web/site main"; do
  # shellcheck disable=SC2086
  if aws sts assume-role-with-web-identity --role-arn "$role_arn" --role-session-name job \
       --web-identity-token "$(job_token $job)" >/dev/null 2>&1; then
    echo "job $job assumed the deploy role" >&2; exit 1
  fi
  echo "job $job is refused"
done

# Clean-up.
aws iam delete-role --role-name "$role"
aws iam delete-open-id-connect-provider --open-id-connect-provider-arn "$provider_arn"
