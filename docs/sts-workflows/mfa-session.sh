#!/usr/bin/env bash
# MFA-protected sessions: a user with a virtual MFA device gets session credentials with
# aws:MultiFactorAuthPresent, needed to call IAM with session credentials and to assume a role that requires MFA.
#
# Needs: the aws CLI configured for the iamd server with the account root's credentials, and python3 (to
# compute TOTP codes as an authenticator app would).
set -euo pipefail
user="mfa-$RANDOM"
role="admin-$RANDOM"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
account=$(aws sts get-caller-identity --query Account --output text)

# The code an authenticator app shows for the seed, $1 time steps (30 s) from now (RFC 6238).
totp() {
  python3 - "$tmp/seed" "$1" <<'PY'
import base64, hashlib, hmac, struct, sys, time
seed = base64.b32decode(open(sys.argv[1]).read().strip())
step = int(time.time()) // 30 + int(sys.argv[2])
mac = hmac.new(seed, struct.pack(">Q", step), hashlib.sha1).digest()
off = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7fffffff) % 1000000))
PY
}

# 1. A user with an access key, allowed to read IAM and to assume the role below.
aws iam create-user --user-name "$user" >/dev/null
aws iam put-user-policy --user-name "$user" --policy-name work --policy-document '{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": ["iam:List*", "sts:AssumeRole"], "Resource": "*"}]
}'
read -r key secret < <(aws iam create-access-key --user-name "$user" \
  --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
as_user() { AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_SHARED_CREDENTIALS_FILE=/dev/null "$@"; }

# 2. A virtual MFA device, enabled with two consecutive codes.
serial=$(aws iam create-virtual-mfa-device --virtual-mfa-device-name "$user" --outfile "$tmp/seed" \
  --bootstrap-method Base32StringSeed --query VirtualMFADevice.SerialNumber --output text)
aws iam enable-mfa-device --user-name "$user" --serial-number "$serial" \
  --authentication-code1 "$(totp -2)" --authentication-code2 "$(totp -1)"

# 3. Session credentials without MFA cannot call IAM.
read -r k s t < <(as_user aws sts get-session-token --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
if AWS_ACCESS_KEY_ID="$k" AWS_SECRET_ACCESS_KEY="$s" AWS_SESSION_TOKEN="$t" aws iam list-users >/dev/null 2>&1; then
  echo "a session without MFA called IAM" >&2; exit 1
fi
echo "without MFA: no IAM with session credentials"

# 4. With the device's current code they can.
read -r k s t < <(as_user aws sts get-session-token --serial-number "$serial" --token-code "$(totp 0)" \
  --duration-seconds 3600 --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
as_mfa() { AWS_ACCESS_KEY_ID="$k" AWS_SECRET_ACCESS_KEY="$s" AWS_SESSION_TOKEN="$t" AWS_SHARED_CREDENTIALS_FILE=/dev/null "$@"; }
as_mfa aws iam list-users --query 'length(Users)' >/dev/null
echo "with MFA: IAM works"

# 5. A role that requires MFA: refused to the user's plain key, granted to the MFA session.
role_arn=$(aws iam create-role --role-name "$role" --query Role.Arn --output text --assume-role-policy-document '{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "'"$account"'"}, "Action": "sts:AssumeRole",
                 "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]
}')
if as_user aws sts assume-role --role-arn "$role_arn" --role-session-name no-mfa >/dev/null 2>&1; then
  echo "assumed an MFA-only role without MFA" >&2; exit 1
fi
arn=$(as_mfa aws sts assume-role --role-arn "$role_arn" --role-session-name with-mfa --query AssumedRoleUser.Arn --output text)
echo "the MFA session assumed $arn"

# Clean-up.
aws iam delete-role --role-name "$role"
aws iam deactivate-mfa-device --user-name "$user" --serial-number "$serial"
aws iam delete-virtual-mfa-device --serial-number "$serial"
aws iam delete-access-key --user-name "$user" --access-key-id "$key"
aws iam delete-user-policy --user-name "$user" --policy-name work
aws iam delete-user --user-name "$user"
