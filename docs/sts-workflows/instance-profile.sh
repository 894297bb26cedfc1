#!/usr/bin/env bash
# Instance profiles: run a program with a role's credentials, the way an EC2 instance gets them.
#
# Needs: the aws CLI configured for the iamd server with an identity allowed to create roles and pass them
# (the account root here), and the iamd binary ($IAMD, default `iamd`).
set -euo pipefail
: "${IAMD:=iamd}"
name="web-$RANDOM"

# 1. A role that EC2 (the instance service) may assume, with what the program needs.
aws iam create-role --role-name "$name" --assume-role-policy-document '{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
}' >/dev/null
aws iam put-role-policy --role-name "$name" --policy-name read-iam --policy-document '{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}]
}'

# 2. An instance profile holding it.
aws iam create-instance-profile --instance-profile-name "$name" >/dev/null
aws iam add-role-to-instance-profile --instance-profile-name "$name" --role-name "$name"

# 3. Run programs as an instance of the profile: they find the role's credentials with no configuration
#    (container credentials endpoint and IMDSv2 on loopback, refreshed before they expire).
arn=$("$IAMD" exec --instance-profile "$name" -- aws sts get-caller-identity --query Arn --output text)
case "$arn" in
  *":assumed-role/$name/i-"*) echo "instance runs as $arn" ;;
  *) echo "unexpected identity: $arn" >&2; exit 1 ;;
esac
"$IAMD" exec --instance-profile "$name" -- aws iam list-roles --query 'length(Roles)' >/dev/null
echo "the role's policy applies to the instance"

# Tools that only know the EC2 metadata service work too.
arn=$("$IAMD" exec --instance-profile "$name" -- env -u AWS_CONTAINER_CREDENTIALS_FULL_URI \
  -u AWS_CONTAINER_AUTHORIZATION_TOKEN aws sts get-caller-identity --query Arn --output text)
case "$arn" in *":assumed-role/$name/i-"*) echo "through IMDS: $arn" ;; *) exit 1 ;; esac

# The instance cannot do what the role does not allow.
if "$IAMD" exec --instance-profile "$name" -- aws iam create-user --user-name "nope-$RANDOM" 2>/dev/null; then
  echo "the instance created a user its role does not allow" >&2; exit 1
fi
echo "and nothing more"

# Clean-up.
aws iam remove-role-from-instance-profile --instance-profile-name "$name" --role-name "$name"
aws iam delete-instance-profile --instance-profile-name "$name"
aws iam delete-role-policy --role-name "$name" --policy-name read-iam
aws iam delete-role --role-name "$name"
