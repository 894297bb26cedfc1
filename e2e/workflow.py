#!/usr/bin/env python3
"""End-to-end workflow against a running iamd, through boto3 and the aws CLI.

    python3 e2e/workflow.py --endpoint http://127.0.0.1:8080 --account-id 123456789012

Credentials come from the usual AWS sources (AWS_SHARED_CREDENTIALS_FILE=.../root.credentials, or
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY): they must be the account root's.

The workflow is the STEPS table below, run in order. A step is one call; add steps by adding rows. A step whose
operation the server answers NotImplemented is skipped with a note, and so is every step that needs it, so the
script passes against whatever subset of IAM is implemented. Any other unexpected result fails the step; the exit
status is 1 when a step failed.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import boto3
import botocore.config
import botocore.exceptions

PREFIX = "e2e-"
USER = PREFIX + "alice"
GROUP = PREFIX + "devs"
ROLE = PREFIX + "role"
POLICY = PREFIX + "read"
PROFILE = PREFIX + "profile"
ALIAS = "iamd-e2e-alias"

READ_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}],
})
INLINE_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}],
})

# The root may not assume roles (AWS: "Roles may not be assumed by root accounts."): users do, allowed by this.
ASSUME_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
})
ROOT_ASSUME_DENIED = "Roles may not be assumed by root accounts."


def trust_policy(account):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                       "Action": "sts:AssumeRole"}],
    })


class Skip(Exception):
    """Raised by a step that cannot run (e.g. the aws CLI is not installed)."""


class Step:
    """One call of the workflow.

    name     unique step name (others refer to it in `needs`)
    call     function(ctx) -> response; ctx has .iam, .sts, .as_user(...), .cli(...), .vars (values saved by steps)
    check    function(ctx, response) -> None, raising AssertionError when the response is wrong
    error    the AWS error code the call must fail with (None: must succeed)
    needs    names of steps that must have passed first (a failed or skipped one skips this step)
    """

    def __init__(self, name, call, check=None, error=None, needs=()):
        self.name, self.call, self.check, self.error = name, call, check, error
        self.needs = tuple(needs)


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def save(key, fn):
    """A check that stores fn(response) in ctx.vars[key]."""
    def check(ctx, r):
        ctx.vars[key] = fn(r)
    return check


def error_of(call):
    """Runs call, which must fail with an AWS error, and returns that error's Code and Message."""
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]
    raise AssertionError("succeeded, want an error")


def names(items, key):
    return [i[key] for i in items]


STEPS = [
    # Who are we?
    Step("sts-get-caller-identity", lambda c: c.sts.get_caller_identity(),
         lambda c, r: expect(r["Account"] == c.account and r["Arn"] == f"arn:aws:iam::{c.account}:root",
                             f"caller identity {r}")),
    Step("cli-iam-list-users", lambda c: c.cli("iam", "list-users"),
         lambda c, r: expect("Users" in r, f"list-users output {r}")),

    # Users.
    Step("create-user", lambda c: c.iam.create_user(UserName=USER, Path="/e2e/", Tags=[{"Key": "team", "Value": "qa"}]),
         lambda c, r: expect(r["User"]["Arn"] == f"arn:aws:iam::{c.account}:user/e2e/{USER}", f"user {r['User']}")),
    Step("create-user-again", lambda c: c.iam.create_user(UserName=USER), error="EntityAlreadyExists",
         needs=["create-user"]),
    Step("get-user", lambda c: c.iam.get_user(UserName=USER),
         lambda c, r: expect(r["User"]["UserName"] == USER and r["User"]["Path"] == "/e2e/", f"user {r['User']}"),
         needs=["create-user"]),
    Step("get-missing-user", lambda c: c.iam.get_user(UserName=PREFIX + "nobody"), error="NoSuchEntity"),
    Step("list-users", lambda c: c.iam.list_users(PathPrefix="/e2e/"),
         lambda c, r: expect(names(r["Users"], "UserName") == [USER], f"users {r['Users']}"),
         needs=["create-user"]),
    Step("list-users-paginated", lambda c: list(c.iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 1})),
         lambda c, r: expect(USER in [u["UserName"] for page in r for u in page["Users"]], "user missing from pages"),
         needs=["create-user"]),
    Step("tag-user", lambda c: c.iam.tag_user(UserName=USER, Tags=[{"Key": "env", "Value": "e2e"}]), needs=["create-user"]),
    Step("list-user-tags", lambda c: c.iam.list_user_tags(UserName=USER),
         lambda c, r: expect(sorted(names(r["Tags"], "Key")) == ["env", "team"], f"tags {r['Tags']}"),
         needs=["tag-user"]),
    Step("cli-get-user", lambda c: c.cli("iam", "get-user", "--user-name", USER),
         lambda c, r: expect(r["User"]["UserName"] == USER, f"get-user output {r}"), needs=["create-user"]),

    # Groups.
    Step("create-group", lambda c: c.iam.create_group(GroupName=GROUP)),
    Step("add-user-to-group", lambda c: c.iam.add_user_to_group(GroupName=GROUP, UserName=USER),
         needs=["create-user", "create-group"]),
    Step("get-group", lambda c: c.iam.get_group(GroupName=GROUP),
         lambda c, r: expect(names(r["Users"], "UserName") == [USER], f"members {r['Users']}"),
         needs=["add-user-to-group"]),
    Step("list-groups-for-user", lambda c: c.iam.list_groups_for_user(UserName=USER),
         lambda c, r: expect(names(r["Groups"], "GroupName") == [GROUP], f"groups {r['Groups']}"),
         needs=["add-user-to-group"]),

    # Managed and inline policies.
    Step("create-policy", lambda c: c.iam.create_policy(PolicyName=POLICY, PolicyDocument=READ_POLICY),
         save("policy_arn", lambda r: r["Policy"]["Arn"])),
    Step("get-policy", lambda c: c.iam.get_policy(PolicyArn=c.vars["policy_arn"]),
         lambda c, r: expect(r["Policy"]["DefaultVersionId"] == "v1", f"policy {r['Policy']}"),
         needs=["create-policy"]),
    Step("create-policy-malformed", lambda c: c.iam.create_policy(PolicyName=PREFIX + "bad", PolicyDocument='{"Version":"2012-10-17"}'),
         error="MalformedPolicyDocument"),
    Step("attach-user-policy", lambda c: c.iam.attach_user_policy(UserName=USER, PolicyArn=c.vars["policy_arn"]),
         needs=["create-user", "create-policy"]),
    Step("list-attached-user-policies", lambda c: c.iam.list_attached_user_policies(UserName=USER),
         lambda c, r: expect(names(r["AttachedPolicies"], "PolicyName") == [POLICY], f"attached {r}"),
         needs=["attach-user-policy"]),
    Step("attach-group-policy", lambda c: c.iam.attach_group_policy(GroupName=GROUP, PolicyArn=c.vars["policy_arn"]),
         needs=["create-group", "create-policy"]),
    Step("put-user-policy", lambda c: c.iam.put_user_policy(UserName=USER, PolicyName="inline", PolicyDocument=INLINE_POLICY),
         needs=["create-user"]),
    Step("get-user-policy", lambda c: c.iam.get_user_policy(UserName=USER, PolicyName="inline"),
         lambda c, r: expect(r["PolicyDocument"]["Statement"][0]["Action"] == "sts:GetCallerIdentity", f"inline {r}"),
         needs=["put-user-policy"]),

    # Roles and instance profiles.
    Step("create-role", lambda c: c.iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=trust_policy(c.account)),
         lambda c, r: expect(r["Role"]["Arn"] == f"arn:aws:iam::{c.account}:role/{ROLE}", f"role {r['Role']}")),
    Step("get-role", lambda c: c.iam.get_role(RoleName=ROLE),
         lambda c, r: expect(r["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Action"] == "sts:AssumeRole", f"role {r}"),
         needs=["create-role"]),
    Step("attach-role-policy", lambda c: c.iam.attach_role_policy(RoleName=ROLE, PolicyArn=c.vars["policy_arn"]),
         needs=["create-role", "create-policy"]),
    Step("create-instance-profile", lambda c: c.iam.create_instance_profile(InstanceProfileName=PROFILE)),
    Step("add-role-to-instance-profile", lambda c: c.iam.add_role_to_instance_profile(InstanceProfileName=PROFILE, RoleName=ROLE),
         needs=["create-role", "create-instance-profile"]),
    Step("put-user-assume-policy", lambda c: c.iam.put_user_policy(UserName=USER, PolicyName="assume", PolicyDocument=ASSUME_POLICY),
         needs=["create-user"]),
    Step("root-assume-role-denied", lambda c: error_of(lambda: c.sts.assume_role(
        RoleArn=f"arn:aws:iam::{c.account}:role/{ROLE}", RoleSessionName="e2e")),
         lambda c, r: expect(r["Code"] == "AccessDenied" and r["Message"] == ROOT_ASSUME_DENIED, f"error {r}"),
         needs=["create-role"]),

    # Access keys: the user signs requests of its own.
    Step("create-access-key", lambda c: c.iam.create_access_key(UserName=USER),
         save("user_key", lambda r: (r["AccessKey"]["AccessKeyId"], r["AccessKey"]["SecretAccessKey"])),
         needs=["create-user"]),
    Step("list-access-keys", lambda c: c.iam.list_access_keys(UserName=USER),
         lambda c, r: expect(names(r["AccessKeyMetadata"], "AccessKeyId") == [c.vars["user_key"][0]], f"keys {r}"),
         needs=["create-access-key"]),
    Step("user-get-caller-identity", lambda c: c.as_user("sts").get_caller_identity(),
         lambda c, r: expect(r["Arn"] == f"arn:aws:iam::{c.account}:user/e2e/{USER}", f"caller {r}"),
         needs=["create-access-key"]),
    Step("user-create-user-denied", lambda c: c.as_user("iam").create_user(UserName=PREFIX + "mallory"),
         error="AccessDenied", needs=["create-access-key"]),
    Step("assume-role", lambda c: c.as_user("sts").assume_role(RoleArn=f"arn:aws:iam::{c.account}:role/{ROLE}", RoleSessionName="e2e"),
         lambda c, r: expect(r["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{c.account}:assumed-role/{ROLE}/e2e", f"assumed {r}"),
         needs=["create-role", "create-access-key", "put-user-assume-policy"]),
    Step("deactivate-access-key", lambda c: c.iam.update_access_key(UserName=USER, AccessKeyId=c.vars["user_key"][0], Status="Inactive"),
         needs=["create-access-key"]),
    Step("inactive-key-refused", lambda c: c.as_user("sts").get_caller_identity(), error="InvalidClientTokenId",
         needs=["deactivate-access-key", "user-get-caller-identity"]),

    # Account.
    Step("create-account-alias", lambda c: c.iam.create_account_alias(AccountAlias=ALIAS)),
    Step("list-account-aliases", lambda c: c.iam.list_account_aliases(),
         lambda c, r: expect(r["AccountAliases"] == [ALIAS], f"aliases {r}"), needs=["create-account-alias"]),
    Step("get-account-summary", lambda c: c.iam.get_account_summary(),
         lambda c, r: expect("Users" in r["SummaryMap"] and "AccessKeysPerUserQuota" in r["SummaryMap"], f"summary {r}")),

    # Clean-up, in dependency order; each runs when what it removes was created (even after failures).
    Step("delete-account-alias", lambda c: c.iam.delete_account_alias(AccountAlias=ALIAS), needs=["create-account-alias"]),
    Step("delete-access-key", lambda c: c.iam.delete_access_key(UserName=USER, AccessKeyId=c.vars["user_key"][0]),
         needs=["create-access-key"]),
    Step("remove-role-from-instance-profile", lambda c: c.iam.remove_role_from_instance_profile(InstanceProfileName=PROFILE, RoleName=ROLE),
         needs=["add-role-to-instance-profile"]),
    Step("delete-instance-profile", lambda c: c.iam.delete_instance_profile(InstanceProfileName=PROFILE),
         needs=["create-instance-profile"]),
    Step("detach-role-policy", lambda c: c.iam.detach_role_policy(RoleName=ROLE, PolicyArn=c.vars["policy_arn"]),
         needs=["attach-role-policy"]),
    Step("delete-role", lambda c: c.iam.delete_role(RoleName=ROLE), needs=["create-role"]),
    Step("delete-user-policy", lambda c: c.iam.delete_user_policy(UserName=USER, PolicyName="inline"),
         needs=["put-user-policy"]),
    Step("delete-user-assume-policy", lambda c: c.iam.delete_user_policy(UserName=USER, PolicyName="assume"),
         needs=["put-user-assume-policy"]),
    Step("detach-user-policy", lambda c: c.iam.detach_user_policy(UserName=USER, PolicyArn=c.vars["policy_arn"]),
         needs=["attach-user-policy"]),
    Step("detach-group-policy", lambda c: c.iam.detach_group_policy(GroupName=GROUP, PolicyArn=c.vars["policy_arn"]),
         needs=["attach-group-policy"]),
    Step("delete-policy", lambda c: c.iam.delete_policy(PolicyArn=c.vars["policy_arn"]), needs=["create-policy"]),
    Step("remove-user-from-group", lambda c: c.iam.remove_user_from_group(GroupName=GROUP, UserName=USER),
         needs=["add-user-to-group"]),
    Step("delete-group", lambda c: c.iam.delete_group(GroupName=GROUP), needs=["create-group"]),
    Step("delete-user", lambda c: c.iam.delete_user(UserName=USER), needs=["create-user"]),
    Step("user-gone", lambda c: c.iam.get_user(UserName=USER), error="NoSuchEntity", needs=["delete-user"]),

    # Users area in depth: rename, boundaries, login profiles, the 2-key limit, delete conflicts (own entities,
    # own clean-up).
    Step("u-create-user", lambda c: c.iam.create_user(UserName=U_BOB, Path="/e2e/",
                                                      PermissionsBoundary="arn:aws:iam::aws:policy/PowerUserAccess"),
         lambda c, r: expect(r["User"]["UserId"].startswith("AIDA") and r["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"]
                             == "arn:aws:iam::aws:policy/PowerUserAccess", f"user {r['User']}")),
    Step("u-create-user-case-conflict", lambda c: c.iam.create_user(UserName=U_BOB.upper()), error="EntityAlreadyExists",
         needs=["u-create-user"]),
    Step("u-create-user-bad-path", lambda c: c.iam.create_user(UserName=PREFIX + "x", Path="no-slashes"), error="ValidationError"),
    Step("u-update-user", lambda c: c.iam.update_user(UserName=U_BOB, NewUserName=U_ROBERT, NewPath="/e2e/ops/"),
         needs=["u-create-user"]),
    Step("u-get-renamed-user", lambda c: c.iam.get_user(UserName=U_ROBERT.upper()),
         lambda c, r: expect(r["User"]["Arn"] == f"arn:aws:iam::{c.account}:user/e2e/ops/{U_ROBERT}"
                             and r["User"]["UserName"] == U_ROBERT, f"user {r['User']}"),
         needs=["u-update-user"]),
    Step("u-get-old-name", lambda c: c.iam.get_user(UserName=U_BOB), error="NoSuchEntity", needs=["u-update-user"]),
    Step("u-put-boundary-missing-policy",
         lambda c: c.iam.put_user_permissions_boundary(UserName=U_ROBERT, PermissionsBoundary=f"arn:aws:iam::{c.account}:policy/e2e-none"),
         error="NoSuchEntity", needs=["u-update-user"]),
    Step("u-put-boundary", lambda c: c.iam.put_user_permissions_boundary(
        UserName=U_ROBERT, PermissionsBoundary="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"), needs=["u-update-user"]),
    Step("u-delete-boundary", lambda c: c.iam.delete_user_permissions_boundary(UserName=U_ROBERT), needs=["u-put-boundary"]),
    Step("u-boundary-gone", lambda c: c.iam.get_user(UserName=U_ROBERT),
         lambda c, r: expect("PermissionsBoundary" not in r["User"], f"user {r['User']}"), needs=["u-delete-boundary"]),
    Step("u-tag-user", lambda c: c.iam.tag_user(UserName=U_ROBERT, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(3)]),
         needs=["u-update-user"]),
    Step("u-tag-user-reserved", lambda c: c.iam.tag_user(UserName=U_ROBERT, Tags=[{"Key": "aws:x", "Value": "v"}]),
         error="InvalidInput", needs=["u-update-user"]),
    Step("u-untag-user", lambda c: c.iam.untag_user(UserName=U_ROBERT, TagKeys=["K0"]), needs=["u-tag-user"]),
    Step("u-list-user-tags-paginated",
         lambda c: list(c.iam.get_paginator("list_user_tags").paginate(UserName=U_ROBERT, PaginationConfig={"PageSize": 1})),
         lambda c, r: expect([t["Key"] for p in r for t in p["Tags"]] == ["k1", "k2"], f"tag pages {r}"),
         needs=["u-untag-user"]),
    Step("u-create-login-profile-weak", lambda c: c.iam.create_login_profile(UserName=U_ROBERT, Password="weak"),
         error="PasswordPolicyViolation", needs=["u-update-user"]),
    Step("u-create-login-profile", lambda c: c.iam.create_login_profile(UserName=U_ROBERT, Password="E2e-Passw0rd!long",
                                                                        PasswordResetRequired=True),
         lambda c, r: expect(r["LoginProfile"]["PasswordResetRequired"] is True, f"profile {r}"), needs=["u-update-user"]),
    Step("u-update-login-profile", lambda c: c.iam.update_login_profile(UserName=U_ROBERT, PasswordResetRequired=False),
         needs=["u-create-login-profile"]),
    Step("u-get-login-profile", lambda c: c.iam.get_login_profile(UserName=U_ROBERT),
         lambda c, r: expect(r["LoginProfile"]["UserName"] == U_ROBERT and not r["LoginProfile"]["PasswordResetRequired"],
                             f"profile {r}"),
         needs=["u-update-login-profile"]),
    Step("u-create-access-key-1", lambda c: c.iam.create_access_key(UserName=U_ROBERT),
         save("u_key1", lambda r: r["AccessKey"]["AccessKeyId"]), needs=["u-update-user"]),
    Step("u-create-access-key-2", lambda c: c.iam.create_access_key(UserName=U_ROBERT),
         save("u_key2", lambda r: r["AccessKey"]["AccessKeyId"]), needs=["u-create-access-key-1"]),
    Step("u-create-access-key-3", lambda c: c.iam.create_access_key(UserName=U_ROBERT), error="LimitExceeded",
         needs=["u-create-access-key-2"]),
    Step("u-get-access-key-last-used", lambda c: c.iam.get_access_key_last_used(AccessKeyId=c.vars["u_key1"]),
         lambda c, r: expect(r["UserName"] == U_ROBERT and r["AccessKeyLastUsed"]["ServiceName"] == "N/A"
                             and r["AccessKeyLastUsed"]["Region"] == "N/A", f"last used {r}"),
         needs=["u-create-access-key-1"]),
    Step("u-create-group", lambda c: c.iam.create_group(GroupName=U_GROUP, Path="/e2e/")),
    Step("u-add-user-to-group", lambda c: c.iam.add_user_to_group(GroupName=U_GROUP, UserName=U_ROBERT),
         needs=["u-create-group", "u-update-user"]),
    Step("u-delete-group-conflict", lambda c: c.iam.delete_group(GroupName=U_GROUP), error="DeleteConflict",
         needs=["u-add-user-to-group"]),
    Step("u-update-group", lambda c: c.iam.update_group(GroupName=U_GROUP, NewGroupName=U_GROUP2), needs=["u-create-group"]),
    Step("u-list-groups-for-user", lambda c: c.iam.list_groups_for_user(UserName=U_ROBERT),
         lambda c, r: expect(names(r["Groups"], "GroupName") == [U_GROUP2], f"groups {r['Groups']}"),
         needs=["u-add-user-to-group", "u-update-group"]),
    Step("u-delete-user-conflict", lambda c: c.iam.delete_user(UserName=U_ROBERT), error="DeleteConflict",
         needs=["u-create-login-profile"]),
    # Clean-up of the users-area entities.
    Step("u-remove-user-from-group", lambda c: c.iam.remove_user_from_group(GroupName=U_GROUP2, UserName=U_ROBERT),
         needs=["u-add-user-to-group", "u-update-group"]),
    Step("u-delete-group", lambda c: c.iam.delete_group(GroupName=U_GROUP2), needs=["u-update-group"]),
    Step("u-delete-access-key-1", lambda c: c.iam.delete_access_key(UserName=U_ROBERT, AccessKeyId=c.vars["u_key1"]),
         needs=["u-create-access-key-1"]),
    Step("u-delete-access-key-2", lambda c: c.iam.delete_access_key(UserName=U_ROBERT, AccessKeyId=c.vars["u_key2"]),
         needs=["u-create-access-key-2"]),
    Step("u-delete-login-profile", lambda c: c.iam.delete_login_profile(UserName=U_ROBERT), needs=["u-create-login-profile"]),
    Step("u-delete-user", lambda c: c.iam.delete_user(UserName=U_ROBERT), needs=["u-update-user"]),
    Step("u-user-gone", lambda c: c.iam.list_users(PathPrefix="/e2e/"),
         lambda c, r: expect(r["Users"] == [], f"users left {r['Users']}"), needs=["u-delete-user"]),

    # Account area in depth: password policy, virtual MFA with real TOTP codes, summary, credential report (own
    # entities, own clean-up).
    Step("a-no-password-policy", lambda c: c.iam.get_account_password_policy(), error="NoSuchEntity"),
    Step("a-update-password-policy", lambda c: c.iam.update_account_password_policy(
        MinimumPasswordLength=20, RequireSymbols=True, MaxPasswordAge=90)),
    Step("a-get-password-policy", lambda c: c.iam.get_account_password_policy(),
         lambda c, r: expect(r["PasswordPolicy"]["MinimumPasswordLength"] == 20 and r["PasswordPolicy"]["RequireSymbols"]
                             and r["PasswordPolicy"]["ExpirePasswords"] and not r["PasswordPolicy"]["RequireNumbers"],
                             f"policy {r['PasswordPolicy']}"),
         needs=["a-update-password-policy"]),
    Step("a-create-user", lambda c: c.iam.create_user(UserName=A_USER)),
    Step("a-login-profile-too-short", lambda c: c.iam.create_login_profile(UserName=A_USER, Password="Sh0rt-but-ok!"),
         error="PasswordPolicyViolation", needs=["a-create-user", "a-update-password-policy"]),
    Step("a-create-virtual-mfa", lambda c: c.iam.create_virtual_mfa_device(VirtualMFADeviceName=A_USER),
         save("mfa", lambda r: (r["VirtualMFADevice"]["SerialNumber"], r["VirtualMFADevice"]["Base32StringSeed"].decode()))),
    Step("a-enable-mfa-wrong-order", lambda c: c.iam.enable_mfa_device(
        UserName=A_USER, SerialNumber=c.vars["mfa"][0], AuthenticationCode1=totp(c.vars["mfa"][1], 0),
        AuthenticationCode2=totp(c.vars["mfa"][1], -1)),
         error="InvalidAuthenticationCode", needs=["a-create-user", "a-create-virtual-mfa"]),
    Step("a-enable-mfa", lambda c: enable_mfa(c), needs=["a-create-user", "a-create-virtual-mfa"]),
    Step("a-list-mfa-devices", lambda c: c.iam.list_mfa_devices(UserName=A_USER),
         lambda c, r: expect([d["SerialNumber"] for d in r["MFADevices"]] == [c.vars["mfa"][0]], f"devices {r['MFADevices']}"),
         needs=["a-enable-mfa"]),
    Step("a-list-virtual-mfa-assigned", lambda c: c.iam.list_virtual_mfa_devices(AssignmentStatus="Assigned"),
         lambda c, r: expect(any(d["SerialNumber"] == c.vars["mfa"][0] and d["User"]["UserName"] == A_USER
                                 for d in r["VirtualMFADevices"]), f"devices {r['VirtualMFADevices']}"),
         needs=["a-enable-mfa"]),
    Step("a-resync-replayed-codes", lambda c: c.iam.resync_mfa_device(
        UserName=A_USER, SerialNumber=c.vars["mfa"][0], AuthenticationCode1=c.vars["mfa_codes"][0],
        AuthenticationCode2=c.vars["mfa_codes"][1]),
         error="InvalidAuthenticationCode", needs=["a-enable-mfa"]),
    Step("a-delete-assigned-mfa", lambda c: c.iam.delete_virtual_mfa_device(SerialNumber=c.vars["mfa"][0]),
         error="DeleteConflict", needs=["a-enable-mfa"]),
    Step("a-account-summary", lambda c: c.iam.get_account_summary(),
         lambda c, r: expect(r["SummaryMap"]["MFADevicesInUse"] >= 1 and r["SummaryMap"]["Users"] >= 1
                             and len(r["SummaryMap"]) == 34, f"summary {r['SummaryMap']}"),
         needs=["a-enable-mfa"]),
    Step("a-generate-credential-report", lambda c: c.iam.generate_credential_report(),
         lambda c, r: expect(r["State"] in ("STARTED", "COMPLETE"), f"state {r}")),
    Step("a-get-credential-report", lambda c: c.iam.get_credential_report(),
         lambda c, r: expect(r["Content"].decode().startswith("user,arn,user_creation_time,")
                             and "\n<root_account>," in r["Content"].decode(), f"report {r['Content'][:200]}"),
         needs=["a-generate-credential-report"]),
    # Clean-up of the account-area entities.
    Step("a-deactivate-mfa", lambda c: c.iam.deactivate_mfa_device(UserName=A_USER, SerialNumber=c.vars["mfa"][0]),
         needs=["a-enable-mfa"]),
    Step("a-delete-virtual-mfa", lambda c: c.iam.delete_virtual_mfa_device(SerialNumber=c.vars["mfa"][0]),
         needs=["a-create-virtual-mfa"]),
    Step("a-delete-user", lambda c: c.iam.delete_user(UserName=A_USER), needs=["a-create-user"]),
    Step("a-delete-password-policy", lambda c: c.iam.delete_account_password_policy(), needs=["a-update-password-policy"]),
]

# Account-area entities (the a-* steps).
A_USER = PREFIX + "mfa-user"


def enable_mfa(c):
    """Enables the device with the codes of the previous and the current step, kept for the replay step."""
    c.vars["mfa_codes"] = (totp(c.vars["mfa"][1], -1), totp(c.vars["mfa"][1], 0))
    return c.iam.enable_mfa_device(UserName=A_USER, SerialNumber=c.vars["mfa"][0],
                                   AuthenticationCode1=c.vars["mfa_codes"][0], AuthenticationCode2=c.vars["mfa_codes"][1])


def totp(seed_b32, offset):
    """The RFC 6238 code (HMAC-SHA1, 6 digits, 30 s) of the step offset steps from now."""
    import base64
    import hashlib
    import hmac
    import struct
    key = base64.b32decode(seed_b32 + "=" * (-len(seed_b32) % 8))
    counter = int(time.time()) // 30 + offset
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)

# Users-area entities (the u-* steps).
U_BOB = PREFIX + "bob"
U_ROBERT = PREFIX + "robert"
U_GROUP = PREFIX + "ops"
U_GROUP2 = PREFIX + "operations"


# Roles area in depth: trust policies validated as trust policies, updates, boundaries, tags, the one-role limit of
# instance profiles, delete conflicts, OIDC providers (own entities, own clean-up). Run after STEPS.
R_ROLE = PREFIX + "deployer"
R_WEB_ROLE = PREFIX + "ci"
R_PROFILE = PREFIX + "web"
R_PROFILE2 = PREFIX + "api"
R_OIDC_URL = "https://token.actions.e2e.example.com"
R_TRUSTED_USER = PREFIX + "trusted"
R_TRUSTING_ROLE = PREFIX + "trusting"


def r_service_trust(service="ec2.amazonaws.com"):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def r_web_identity_trust(account):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{account}:oidc-provider/{R_OIDC_URL[8:]}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{R_OIDC_URL[8:]}:aud": "sts.amazonaws.com"}}}]})


ROLE_STEPS = [
    Step("r-create-role", lambda c: c.iam.create_role(
        RoleName=R_ROLE, Path="/e2e/", AssumeRolePolicyDocument=r_service_trust(), Description="deploys",
        MaxSessionDuration=7200, PermissionsBoundary="arn:aws:iam::aws:policy/PowerUserAccess",
        Tags=[{"Key": "team", "Value": "infra"}]),
         lambda c, r: expect(r["Role"]["RoleId"].startswith("AROA") and r["Role"]["Arn"] == f"arn:aws:iam::{c.account}:role/e2e/{R_ROLE}"
                             and r["Role"]["MaxSessionDuration"] == 7200, f"role {r['Role']}")),
    Step("r-create-role-case-conflict", lambda c: c.iam.create_role(RoleName=R_ROLE.upper(), AssumeRolePolicyDocument=r_service_trust()),
         error="EntityAlreadyExists", needs=["r-create-role"]),
    Step("r-create-role-no-principal", lambda c: c.iam.create_role(RoleName=PREFIX + "bad", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]})), error="MalformedPolicyDocument"),
    Step("r-create-role-identity-policy", lambda c: c.iam.create_role(RoleName=PREFIX + "bad", AssumeRolePolicyDocument=READ_POLICY),
         error="MalformedPolicyDocument"),
    Step("r-create-role-bad-json", lambda c: c.iam.create_role(RoleName=PREFIX + "bad", AssumeRolePolicyDocument='{"Version": "2012-10-17",'),
         error="MalformedPolicyDocument"),
    Step("r-get-role", lambda c: c.iam.get_role(RoleName=R_ROLE.upper()),
         lambda c, r: expect(r["Role"]["AssumeRolePolicyDocument"] == json.loads(r_service_trust())
                             and r["Role"]["RoleName"] == R_ROLE and r["Role"]["Description"] == "deploys"
                             and r["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == "arn:aws:iam::aws:policy/PowerUserAccess"
                             and "RoleLastUsed" in r["Role"], f"role {r['Role']}"),
         needs=["r-create-role"]),
    Step("r-update-role", lambda c: c.iam.update_role(RoleName=R_ROLE, Description="deploys things", MaxSessionDuration=43200),
         needs=["r-create-role"]),
    Step("r-update-assume-role-policy", lambda c: c.iam.update_assume_role_policy(RoleName=R_ROLE, PolicyDocument=r_service_trust("lambda.amazonaws.com")),
         needs=["r-create-role"]),
    Step("r-update-assume-role-policy-bad", lambda c: c.iam.update_assume_role_policy(RoleName=R_ROLE, PolicyDocument=READ_POLICY),
         error="MalformedPolicyDocument", needs=["r-create-role"]),
    Step("r-get-updated-role", lambda c: c.iam.get_role(RoleName=R_ROLE),
         lambda c, r: expect(r["Role"]["Description"] == "deploys things" and r["Role"]["MaxSessionDuration"] == 43200
                             and r["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] == "lambda.amazonaws.com",
                             f"role {r['Role']}"),
         needs=["r-update-role", "r-update-assume-role-policy"]),
    Step("r-delete-boundary", lambda c: c.iam.delete_role_permissions_boundary(RoleName=R_ROLE), needs=["r-create-role"]),
    Step("r-put-boundary-missing", lambda c: c.iam.put_role_permissions_boundary(
        RoleName=R_ROLE, PermissionsBoundary=f"arn:aws:iam::{c.account}:policy/e2e-none"), error="NoSuchEntity", needs=["r-create-role"]),
    Step("r-tag-role", lambda c: c.iam.tag_role(RoleName=R_ROLE, Tags=[{"Key": "env", "Value": "e2e"}]), needs=["r-create-role"]),
    Step("r-untag-role", lambda c: c.iam.untag_role(RoleName=R_ROLE, TagKeys=["TEAM"]), needs=["r-tag-role"]),
    Step("r-list-role-tags", lambda c: c.iam.list_role_tags(RoleName=R_ROLE),
         lambda c, r: expect(names(r["Tags"], "Key") == ["env"], f"tags {r['Tags']}"), needs=["r-untag-role"]),
    Step("r-list-roles-paginated", lambda c: list(c.iam.get_paginator("list_roles").paginate(
        PathPrefix="/e2e/", PaginationConfig={"PageSize": 1})),
         lambda c, r: expect([x["RoleName"] for p in r for x in p["Roles"]] == [R_ROLE], f"role pages {r}"),
         needs=["r-create-role"]),
    Step("r-cli-get-role", lambda c: c.cli("iam", "get-role", "--role-name", R_ROLE),
         lambda c, r: expect(r["Role"]["RoleName"] == R_ROLE, f"get-role output {r}"), needs=["r-create-role"]),

    # Instance profiles: one role each.
    Step("r-create-instance-profile", lambda c: c.iam.create_instance_profile(InstanceProfileName=R_PROFILE, Path="/e2e/"),
         lambda c, r: expect(r["InstanceProfile"]["InstanceProfileId"].startswith("AIPA") and r["InstanceProfile"]["Roles"] == [],
                             f"profile {r}")),
    Step("r-create-instance-profile-2", lambda c: c.iam.create_instance_profile(InstanceProfileName=R_PROFILE2)),
    Step("r-add-role-to-profile", lambda c: c.iam.add_role_to_instance_profile(InstanceProfileName=R_PROFILE, RoleName=R_ROLE),
         needs=["r-create-role", "r-create-instance-profile"]),
    Step("r-add-second-role-to-profile", lambda c: c.iam.add_role_to_instance_profile(InstanceProfileName=R_PROFILE, RoleName=R_ROLE),
         error="LimitExceeded", needs=["r-add-role-to-profile"]),
    Step("r-add-role-to-profile-2", lambda c: c.iam.add_role_to_instance_profile(InstanceProfileName=R_PROFILE2, RoleName=R_ROLE),
         needs=["r-create-role", "r-create-instance-profile-2"]),
    Step("r-get-instance-profile", lambda c: c.iam.get_instance_profile(InstanceProfileName=R_PROFILE),
         lambda c, r: expect(names(r["InstanceProfile"]["Roles"], "RoleName") == [R_ROLE], f"profile {r}"),
         needs=["r-add-role-to-profile"]),
    Step("r-list-instance-profiles-for-role", lambda c: list(c.iam.get_paginator("list_instance_profiles_for_role").paginate(
        RoleName=R_ROLE, PaginationConfig={"PageSize": 1})),
         lambda c, r: expect([x["InstanceProfileName"] for p in r for x in p["InstanceProfiles"]] == [R_PROFILE2, R_PROFILE],
                             f"profile pages {r}"),
         needs=["r-add-role-to-profile", "r-add-role-to-profile-2"]),
    Step("r-delete-role-in-profile", lambda c: c.iam.delete_role(RoleName=R_ROLE), error="DeleteConflict",
         needs=["r-add-role-to-profile"]),
    Step("r-delete-profile-with-role", lambda c: c.iam.delete_instance_profile(InstanceProfileName=R_PROFILE), error="DeleteConflict",
         needs=["r-add-role-to-profile"]),

    # OIDC providers and a web-identity role trusting one.
    Step("r-create-oidc-provider", lambda c: c.iam.create_open_id_connect_provider(Url=R_OIDC_URL, ClientIDList=["sts.amazonaws.com"]),
         save("r_oidc_arn", lambda r: r["OpenIDConnectProviderArn"])),
    Step("r-create-oidc-provider-again", lambda c: c.iam.create_open_id_connect_provider(Url=R_OIDC_URL), error="EntityAlreadyExists",
         needs=["r-create-oidc-provider"]),
    Step("r-add-client-id", lambda c: c.iam.add_client_id_to_open_id_connect_provider(
        OpenIDConnectProviderArn=c.vars["r_oidc_arn"], ClientID="e2e-client"), needs=["r-create-oidc-provider"]),
    Step("r-update-thumbprint", lambda c: c.iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=c.vars["r_oidc_arn"], ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"]),
         needs=["r-create-oidc-provider"]),
    Step("r-get-oidc-provider", lambda c: c.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=c.vars["r_oidc_arn"]),
         lambda c, r: expect(r["Url"] == R_OIDC_URL[8:] and r["ClientIDList"] == ["sts.amazonaws.com", "e2e-client"]
                             and r["ThumbprintList"] == ["6938fd4d98bab03faadb97b34396831e3780aea1"], f"provider {r}"),
         needs=["r-add-client-id", "r-update-thumbprint"]),
    Step("r-list-oidc-providers", lambda c: c.iam.list_open_id_connect_providers(),
         lambda c, r: expect(c.vars["r_oidc_arn"] in names(r["OpenIDConnectProviderList"], "Arn"), f"providers {r}"),
         needs=["r-create-oidc-provider"]),
    Step("r-create-web-identity-role", lambda c: c.iam.create_role(RoleName=R_WEB_ROLE, AssumeRolePolicyDocument=r_web_identity_trust(c.account)),
         needs=["r-create-oidc-provider"]),

    # A trust policy trusts the user it names, not the name: once the user is deleted, the policy shows its unique ID.
    Step("r-create-trusted-user", lambda c: c.iam.create_user(UserName=R_TRUSTED_USER),
         save("r_trusted_user_id", lambda r: r["User"]["UserId"])),
    Step("r-create-role-trusting-user", lambda c: c.iam.create_role(RoleName=R_TRUSTING_ROLE, AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{c.account}:user/{R_TRUSTED_USER}"},
                                                 "Action": "sts:AssumeRole"}]})), needs=["r-create-trusted-user"]),
    Step("r-create-role-trusting-missing-user", lambda c: c.iam.create_role(RoleName=PREFIX + "bad", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{c.account}:user/{PREFIX}ghost"},
                                                 "Action": "sts:AssumeRole"}]})), error="MalformedPolicyDocument"),
    Step("r-delete-trusted-user", lambda c: c.iam.delete_user(UserName=R_TRUSTED_USER), needs=["r-create-trusted-user"]),
    Step("r-trust-shows-unique-id", lambda c: c.iam.get_role(RoleName=R_TRUSTING_ROLE),
         lambda c, r: expect(r["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] == c.vars["r_trusted_user_id"],
                             f"trust policy {r['Role']['AssumeRolePolicyDocument']}"),
         needs=["r-create-role-trusting-user", "r-delete-trusted-user"]),
    Step("r-delete-role-trusting-user", lambda c: c.iam.delete_role(RoleName=R_TRUSTING_ROLE), needs=["r-create-role-trusting-user"]),

    # Clean-up of the roles-area entities.
    Step("r-delete-web-identity-role", lambda c: c.iam.delete_role(RoleName=R_WEB_ROLE), needs=["r-create-web-identity-role"]),
    Step("r-delete-oidc-provider", lambda c: c.iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=c.vars["r_oidc_arn"]),
         needs=["r-create-oidc-provider"]),
    Step("r-oidc-provider-gone", lambda c: c.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=c.vars["r_oidc_arn"]),
         error="NoSuchEntity", needs=["r-delete-oidc-provider"]),
    Step("r-remove-role-from-profile", lambda c: c.iam.remove_role_from_instance_profile(InstanceProfileName=R_PROFILE, RoleName=R_ROLE),
         needs=["r-add-role-to-profile"]),
    Step("r-remove-role-from-profile-2", lambda c: c.iam.remove_role_from_instance_profile(InstanceProfileName=R_PROFILE2, RoleName=R_ROLE),
         needs=["r-add-role-to-profile-2"]),
    Step("r-delete-instance-profile", lambda c: c.iam.delete_instance_profile(InstanceProfileName=R_PROFILE),
         needs=["r-create-instance-profile"]),
    Step("r-delete-instance-profile-2", lambda c: c.iam.delete_instance_profile(InstanceProfileName=R_PROFILE2),
         needs=["r-create-instance-profile-2"]),
    Step("r-delete-role", lambda c: c.iam.delete_role(RoleName=R_ROLE), needs=["r-create-role"]),
    Step("r-role-gone", lambda c: c.iam.get_role(RoleName=R_ROLE), error="NoSuchEntity", needs=["r-delete-role"]),
]
STEPS += ROLE_STEPS


# Policies area in depth: documents returned as submitted, the 5-version limit, AWS managed policies (read-only,
# attachable, counted per account), attachments, entities, inline size quotas, authorization details (own entities,
# own clean-up). Run after ROLE_STEPS.
P_POLICY = PREFIX + "reader"
P_ROLE = PREFIX + "p-app"
P_READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
# White space, key order and escapes that a re-serialisation would lose.
P_DOC = '{\n  "Version": "2012-10-17",\n\t"Statement": [{"Sid": "Caf\\u00e9", "Effect": "Allow", "Action": ["s3:Get*"], "Resource": "*"}]\n}\n'


def p_version_doc(i):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": f"V{i}", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]})


def p_big_inline():
    return json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                      "Resource": "arn:aws:s3:::" + "x" * 10300}]})


def p_raw_document(c, arn, version):
    """The document exactly as the server sends it: botocore decodes and parses it, so ask without that handler."""
    import urllib.parse
    client = c.iam
    handlers = client.meta.events
    captured = {}

    def grab(parsed, **kw):
        captured["doc"] = parsed.get("PolicyVersion", {}).get("Document")
    handlers.register_first("after-call.iam.GetPolicyVersion", grab)
    try:
        client.get_policy_version(PolicyArn=arn, VersionId=version)
    finally:
        handlers.unregister("after-call.iam.GetPolicyVersion", grab)
    doc = captured.get("doc")
    return urllib.parse.unquote(doc) if isinstance(doc, str) else doc


POLICY_STEPS = [
    Step("p-create-policy", lambda c: c.iam.create_policy(
        PolicyName=P_POLICY, Path="/e2e/", PolicyDocument=P_DOC, Description="reads",
        Tags=[{"Key": "team", "Value": "qa"}]),
         save("p_arn", lambda r: r["Policy"]["Arn"])),
    Step("p-create-policy-duplicate", lambda c: c.iam.create_policy(PolicyName=P_POLICY.upper(), PolicyDocument=P_DOC),
         error="EntityAlreadyExists", needs=["p-create-policy"]),
    Step("p-create-policy-no-version", lambda c: c.iam.create_policy(PolicyName=PREFIX + "nov", PolicyDocument=json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})), error="MalformedPolicyDocument"),
    Step("p-get-policy", lambda c: c.iam.get_policy(PolicyArn=c.vars["p_arn"]),
         lambda c, r: expect(r["Policy"]["Description"] == "reads" and r["Policy"]["Tags"] == [{"Key": "team", "Value": "qa"}]
                             and r["Policy"]["AttachmentCount"] == 0, f"policy {r['Policy']}"),
         needs=["p-create-policy"]),
    Step("p-get-policy-version-exact", lambda c: p_raw_document(c, c.vars["p_arn"], "v1"),
         lambda c, r: expect(r == P_DOC or r == json.loads(P_DOC), f"document {r!r}"),
         needs=["p-create-policy"]),
    *[Step(f"p-create-policy-version-{i}", lambda c, i=i: c.iam.create_policy_version(
        PolicyArn=c.vars["p_arn"], PolicyDocument=p_version_doc(i), SetAsDefault=(i == 3)),
        lambda c, r, i=i: expect(r["PolicyVersion"]["VersionId"] == f"v{i}", f"version {r}"),
        needs=["p-create-policy"]) for i in range(2, 6)],
    Step("p-create-policy-version-6", lambda c: c.iam.create_policy_version(PolicyArn=c.vars["p_arn"], PolicyDocument=p_version_doc(6)),
         error="LimitExceeded", needs=["p-create-policy-version-5"]),
    Step("p-list-policy-versions-paginated",
         lambda c: list(c.iam.get_paginator("list_policy_versions").paginate(PolicyArn=c.vars["p_arn"], PaginationConfig={"PageSize": 2})),
         lambda c, r: expect([(v["VersionId"], v["IsDefaultVersion"]) for p in r for v in p["Versions"]]
                             == [("v5", False), ("v4", False), ("v3", True), ("v2", False), ("v1", False)], f"versions {r}"),
         needs=["p-create-policy-version-5"]),
    Step("p-delete-default-version", lambda c: c.iam.delete_policy_version(PolicyArn=c.vars["p_arn"], VersionId="v3"),
         error="DeleteConflict", needs=["p-create-policy-version-3"]),
    Step("p-delete-policy-with-versions", lambda c: c.iam.delete_policy(PolicyArn=c.vars["p_arn"]),
         error="DeleteConflict", needs=["p-create-policy-version-2"]),
    Step("p-set-default-version", lambda c: c.iam.set_default_policy_version(PolicyArn=c.vars["p_arn"], VersionId="v1"),
         needs=["p-create-policy-version-2"]),
    Step("p-list-local-policies", lambda c: c.iam.list_policies(Scope="Local", PathPrefix="/e2e/"),
         lambda c, r: expect(names(r["Policies"], "PolicyName") == [P_POLICY] and "Description" not in r["Policies"][0],
                             f"policies {r['Policies']}"),
         needs=["p-create-policy"]),
    Step("p-list-aws-policies-paginated",
         lambda c: list(c.iam.get_paginator("list_policies").paginate(Scope="AWS", PaginationConfig={"PageSize": 4})),
         lambda c, r: expect({"ReadOnlyAccess", "SecurityAudit", "ViewOnlyAccess", "AdministratorAccess"}
                             <= {p["PolicyName"] for page in r for p in page["Policies"]}, "AWS managed policies missing")),
    Step("p-get-aws-policy", lambda c: c.iam.get_policy(PolicyArn=P_READONLY),
         save("p_ro_version", lambda r: r["Policy"]["DefaultVersionId"])),
    Step("p-get-aws-policy-version", lambda c: c.iam.get_policy_version(PolicyArn=P_READONLY, VersionId=c.vars["p_ro_version"]),
         lambda c, r: expect(len(r["PolicyVersion"]["Document"]["Statement"]) >= 1, f"document {str(r)[:200]}"),
         needs=["p-get-aws-policy"]),
    Step("p-create-aws-policy-version", lambda c: c.iam.create_policy_version(PolicyArn=P_READONLY, PolicyDocument=READ_POLICY),
         error="AccessDenied"),
    Step("p-delete-aws-policy", lambda c: c.iam.delete_policy(PolicyArn=P_READONLY), error="AccessDenied"),
    Step("p-create-role", lambda c: c.iam.create_role(RoleName=P_ROLE, AssumeRolePolicyDocument=r_service_trust())),
    Step("p-attach-local", lambda c: c.iam.attach_role_policy(RoleName=P_ROLE, PolicyArn=c.vars["p_arn"]),
         needs=["p-create-role", "p-create-policy"]),
    Step("p-attach-aws", lambda c: c.iam.attach_role_policy(RoleName=P_ROLE, PolicyArn=P_READONLY), needs=["p-create-role"]),
    Step("p-attach-aws-again", lambda c: c.iam.attach_role_policy(RoleName=P_ROLE, PolicyArn=P_READONLY), needs=["p-attach-aws"]),
    Step("p-attach-missing", lambda c: c.iam.attach_role_policy(
        RoleName=P_ROLE, PolicyArn=f"arn:aws:iam::{c.account}:policy/{PREFIX}missing"), error="NoSuchEntity", needs=["p-create-role"]),
    Step("p-list-attached-role-policies", lambda c: c.iam.list_attached_role_policies(RoleName=P_ROLE),
         lambda c, r: expect(sorted(names(r["AttachedPolicies"], "PolicyName")) == sorted([P_POLICY, "ReadOnlyAccess"]), f"attached {r}"),
         needs=["p-attach-local", "p-attach-aws"]),
    Step("p-aws-policy-attachment-count", lambda c: c.iam.get_policy(PolicyArn=P_READONLY),
         lambda c, r: expect(r["Policy"]["AttachmentCount"] >= 1, f"policy {r['Policy']}"), needs=["p-attach-aws"]),
    Step("p-list-entities-for-policy", lambda c: c.iam.list_entities_for_policy(PolicyArn=c.vars["p_arn"], EntityFilter="Role"),
         lambda c, r: expect(names(r["PolicyRoles"], "RoleName") == [P_ROLE] and r["PolicyUsers"] == [], f"entities {r}"),
         needs=["p-attach-local"]),
    Step("p-delete-policy-attached", lambda c: c.iam.delete_policy(PolicyArn=c.vars["p_arn"]), error="DeleteConflict",
         needs=["p-attach-local"]),
    Step("p-put-role-policy", lambda c: c.iam.put_role_policy(RoleName=P_ROLE, PolicyName="inline", PolicyDocument=INLINE_POLICY),
         needs=["p-create-role"]),
    Step("p-get-role-policy", lambda c: c.iam.get_role_policy(RoleName=P_ROLE, PolicyName="INLINE"),
         lambda c, r: expect(r["PolicyDocument"] == json.loads(INLINE_POLICY) and r["PolicyName"] == "inline", f"inline {r}"),
         needs=["p-put-role-policy"]),
    Step("p-put-role-policy-too-big", lambda c: c.iam.put_role_policy(RoleName=P_ROLE, PolicyName="big", PolicyDocument=p_big_inline()),
         error="LimitExceeded", needs=["p-create-role"]),
    Step("p-list-role-policies", lambda c: c.iam.list_role_policies(RoleName=P_ROLE),
         lambda c, r: expect(r["PolicyNames"] == ["inline"], f"names {r}"), needs=["p-put-role-policy"]),
    Step("p-authorization-details", lambda c: c.iam.get_account_authorization_details(Filter=["Role", "LocalManagedPolicy"]),
         lambda c, r: expect(P_ROLE in names(r["RoleDetailList"], "RoleName") and P_POLICY in names(r["Policies"], "PolicyName")
                             and r["UserDetailList"] == [], f"details {str(r)[:300]}"),
         needs=["p-attach-local"]),
    Step("p-authorization-details-paginated",
         lambda c: list(c.iam.get_paginator("get_account_authorization_details").paginate(PaginationConfig={"PageSize": 1})),
         lambda c, r: expect(P_ROLE in [d["RoleName"] for p in r for d in p["RoleDetailList"]], "role missing from pages"),
         needs=["p-create-role"]),
    # Clean-up of the policies-area entities.
    Step("p-delete-role-policy", lambda c: c.iam.delete_role_policy(RoleName=P_ROLE, PolicyName="inline"), needs=["p-put-role-policy"]),
    Step("p-detach-local", lambda c: c.iam.detach_role_policy(RoleName=P_ROLE, PolicyArn=c.vars["p_arn"]), needs=["p-attach-local"]),
    Step("p-detach-aws", lambda c: c.iam.detach_role_policy(RoleName=P_ROLE, PolicyArn=P_READONLY), needs=["p-attach-aws"]),
    Step("p-detach-aws-again", lambda c: c.iam.detach_role_policy(RoleName=P_ROLE, PolicyArn=P_READONLY), error="NoSuchEntity",
         needs=["p-detach-aws"]),
    Step("p-delete-role", lambda c: c.iam.delete_role(RoleName=P_ROLE), needs=["p-create-role"]),
    *[Step(f"p-delete-policy-version-{i}", lambda c, i=i: c.iam.delete_policy_version(PolicyArn=c.vars["p_arn"], VersionId=f"v{i}"),
           needs=["p-set-default-version", f"p-create-policy-version-{i}"]) for i in range(2, 6)],
    Step("p-delete-policy", lambda c: c.iam.delete_policy(PolicyArn=c.vars["p_arn"]), needs=["p-create-policy"]),
    Step("p-policy-gone", lambda c: c.iam.get_policy(PolicyArn=c.vars["p_arn"]), error="NoSuchEntity", needs=["p-delete-policy"]),
]
STEPS += POLICY_STEPS


# STS through the aws CLI: every operation of the STS issue, with a user, a role, session and federated
# credentials, and an encoded authorization message from the check API (own entities, own clean-up).
S_USER = PREFIX + "broker"
S_ROLE = PREFIX + "s-role"
S_FED_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["sts:GetFederationToken", "sts:DecodeAuthorizationMessage", "iam:GetUser"], "Resource": "*"}]})
S_SESSION_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]})


def creds_of(r):
    c = r["Credentials"]
    return (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


def s_check_denial(c):
    """A denial of the check API (POST /authz/v1/check, SigV4 service iam), whose encodedMessage is saved."""
    import urllib.request
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    body = json.dumps({"principal": {"arn": f"arn:aws:iam::{c.account}:user/{S_USER}"},
                       "action": "s3:DeleteBucket", "resource": "arn:aws:s3:::e2e-bucket"})
    req = AWSRequest(method="POST", url=c.endpoint.rstrip("/") + "/authz/v1/check", data=body,
                     headers={"Content-Type": "application/json"})
    SigV4Auth(c.session.get_credentials().get_frozen_credentials(), "iam", "us-east-1").add_auth(req)
    with urllib.request.urlopen(urllib.request.Request(req.url, data=body.encode(), headers=dict(req.headers.items()),
                                                       method="POST"), timeout=30) as resp:
        return json.loads(resp.read())


STS_STEPS = [
    Step("s-cli-get-caller-identity", lambda c: c.cli("sts", "get-caller-identity"),
         lambda c, r: expect(r["Arn"] == f"arn:aws:iam::{c.account}:root" and r["Account"] == c.account
                             and r["UserId"] == c.account, f"caller {r}")),
    Step("s-create-user", lambda c: c.iam.create_user(UserName=S_USER)),
    Step("s-put-user-policy", lambda c: c.iam.put_user_policy(UserName=S_USER, PolicyName="fed", PolicyDocument=S_FED_POLICY),
         needs=["s-create-user"]),
    Step("s-create-access-key", lambda c: c.iam.create_access_key(UserName=S_USER),
         save("s_key", lambda r: (r["AccessKey"]["AccessKeyId"], r["AccessKey"]["SecretAccessKey"])), needs=["s-create-user"]),
    Step("s-cli-get-session-token", lambda c: c.cli("sts", "get-session-token", "--duration-seconds", "900",
                                                    creds=c.vars["s_key"]),
         save("s_session", creds_of), needs=["s-create-access-key"]),
    Step("s-cli-session-caller", lambda c: c.cli("sts", "get-caller-identity", creds=c.vars["s_session"]),
         lambda c, r: expect(r["Arn"] == f"arn:aws:iam::{c.account}:user/{S_USER}"
                             and c.vars["s_session"][0].startswith("ASIA"), f"caller {r}"),
         needs=["s-cli-get-session-token"]),
    Step("s-cli-federation-token-bad-name", lambda c: c.cli("sts", "get-federation-token", "--name", "e2e fed"),
         error="ValidationError"),
    Step("s-create-role", lambda c: c.iam.create_role(RoleName=S_ROLE, AssumeRolePolicyDocument=trust_policy(c.account))),
    Step("s-cli-assume-role-root-denied", lambda c: error_of(lambda: c.cli(
        "sts", "assume-role", "--role-arn", f"arn:aws:iam::{c.account}:role/{S_ROLE}", "--role-session-name", "e2e-cli")),
         lambda c, r: expect(r["Code"] == "AccessDenied" and ROOT_ASSUME_DENIED in r["Message"], f"error {r}"),
         needs=["s-create-role"]),
    Step("s-cli-assume-role-denied", lambda c: c.cli("sts", "assume-role", "--role-arn", f"arn:aws:iam::{c.account}:role/{S_ROLE}",
                                                     "--role-session-name", "e2e-cli", creds=c.vars["s_key"]),
         error="AccessDenied", needs=["s-create-role", "s-create-access-key"]),
    Step("s-put-user-assume-policy", lambda c: c.iam.put_user_policy(UserName=S_USER, PolicyName="assume", PolicyDocument=ASSUME_POLICY),
         needs=["s-create-user"]),
    Step("s-cli-assume-role", lambda c: c.cli("sts", "assume-role", "--role-arn", f"arn:aws:iam::{c.account}:role/{S_ROLE}",
                                              "--role-session-name", "e2e-cli", "--duration-seconds", "900",
                                              "--policy", S_SESSION_POLICY, creds=c.vars["s_key"]),
         lambda c, r: expect(r["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{c.account}:assumed-role/{S_ROLE}/e2e-cli"
                             and r["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
                             and r["AssumedRoleUser"]["AssumedRoleId"].endswith(":e2e-cli")
                             and r["PackedPolicySize"] > 0, f"assumed {r}"),
         needs=["s-create-role", "s-create-access-key", "s-put-user-assume-policy"]),
    Step("s-cli-get-federation-token", lambda c: c.cli("sts", "get-federation-token", "--name", "e2e-fed",
                                                       "--policy", S_SESSION_POLICY, creds=c.vars["s_key"]),
         lambda c, r: (expect(r["FederatedUser"]["Arn"] == f"arn:aws:sts::{c.account}:federated-user/e2e-fed"
                              and r["FederatedUser"]["FederatedUserId"] == f"{c.account}:e2e-fed", f"federated {r}"),
                       c.vars.__setitem__("s_fed", creds_of(r))),
         needs=["s-put-user-policy", "s-create-access-key"]),
    Step("s-cli-federated-caller", lambda c: c.cli("sts", "get-caller-identity", creds=c.vars["s_fed"]),
         lambda c, r: expect(r["Arn"] == f"arn:aws:sts::{c.account}:federated-user/e2e-fed"
                             and r["UserId"] == f"{c.account}:e2e-fed", f"caller {r}"),
         needs=["s-cli-get-federation-token"]),
    Step("s-cli-federated-no-iam", lambda c: c.cli("iam", "get-user", "--user-name", S_USER, creds=c.vars["s_fed"]),
         error="InvalidClientTokenId", needs=["s-cli-get-federation-token"]),
    Step("s-check-denied", s_check_denial,
         lambda c, r: (expect(not r["allowed"] and r.get("encodedMessage"), f"check {r}"),
                       c.vars.__setitem__("s_encoded", r["encodedMessage"])),
         needs=["s-create-user"]),
    Step("s-cli-decode-authorization-message", lambda c: c.cli("sts", "decode-authorization-message",
                                                               "--encoded-message", c.vars["s_encoded"], creds=c.vars["s_key"]),
         lambda c, r: (lambda m: expect(m["allowed"] is False and m["explicitDeny"] is False
                                        and m["context"]["action"] == "s3:DeleteBucket"
                                        and m["context"]["principal"]["arn"] == f"arn:aws:iam::{c.account}:user/{S_USER}",
                                        f"decoded {m}"))(json.loads(r["DecodedMessage"])),
         needs=["s-check-denied", "s-put-user-policy"]),
    Step("s-cli-decode-invalid", lambda c: c.cli("sts", "decode-authorization-message", "--encoded-message", "garbage"),
         error="InvalidAuthorizationMessageException"),
    Step("s-cli-get-access-key-info", lambda c: c.cli("sts", "get-access-key-info", "--access-key-id", c.vars["s_key"][0]),
         lambda c, r: expect(r["Account"] == c.account, f"info {r}"), needs=["s-create-access-key"]),
    # Clean-up.
    Step("s-delete-role", lambda c: c.iam.delete_role(RoleName=S_ROLE), needs=["s-create-role"]),
    Step("s-delete-access-key", lambda c: c.iam.delete_access_key(UserName=S_USER, AccessKeyId=c.vars["s_key"][0]),
         needs=["s-create-access-key"]),
    Step("s-delete-user-policy", lambda c: c.iam.delete_user_policy(UserName=S_USER, PolicyName="fed"),
         needs=["s-put-user-policy"]),
    Step("s-delete-user-assume-policy", lambda c: c.iam.delete_user_policy(UserName=S_USER, PolicyName="assume"),
         needs=["s-put-user-assume-policy"]),
    Step("s-delete-user", lambda c: c.iam.delete_user(UserName=S_USER), needs=["s-create-user"]),
]
STEPS += STS_STEPS


# The policy simulator through the aws CLI: simulate-custom-policy (the seed's EC2 owner-tag rule, with context
# entries), simulate-principal-policy (a user in two groups: an explicit deny in one beats an allow in the other)
# and get-context-keys-for-custom-policy (own entities, own clean-up).
SIM_USER = PREFIX + "sim-dana"
SIM_ALLOW_GROUP = PREFIX + "sim-admins"
SIM_DENY_GROUP = PREFIX + "sim-contractors"
SIM_OWNER_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "OwnInstances", "Effect": "Allow", "Action": ["ec2:StartInstances", "ec2:StopInstances"],
    "Resource": "arn:aws:ec2:*:*:instance/*",
    "Condition": {"StringEquals": {"ec2:ResourceTag/Owner": "${aws:username}"}}}]})
SIM_INSTANCE = "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"


def sim_owner_context(owner):
    return json.dumps([
        {"ContextKeyName": "aws:username", "ContextKeyValues": ["alice"], "ContextKeyType": "string"},
        {"ContextKeyName": "ec2:ResourceTag/Owner", "ContextKeyValues": [owner], "ContextKeyType": "string"}])


def sim_decisions(r):
    return [(e["EvalActionName"], e["EvalDecision"]) for e in r["EvaluationResults"]]


SIM_STEPS = [
    Step("sim-cli-custom-owner-tag", lambda c: c.cli(
        "iam", "simulate-custom-policy", "--policy-input-list", SIM_OWNER_POLICY,
        "--action-names", "ec2:StartInstances", "ec2:TerminateInstances", "--resource-arns", SIM_INSTANCE,
        "--context-entries", sim_owner_context("alice")),
         lambda c, r: expect(sim_decisions(r) == [("ec2:StartInstances", "allowed"), ("ec2:TerminateInstances", "implicitDeny")]
                             and r["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
                             and r["EvaluationResults"][0]["MatchedStatements"][0]["StartPosition"] == {"Line": 1, "Column": 41},
                             f"simulation {r}")),
    Step("sim-cli-custom-other-owner", lambda c: c.cli(
        "iam", "simulate-custom-policy", "--policy-input-list", SIM_OWNER_POLICY,
        "--action-names", "ec2:StopInstances", "--resource-arns", SIM_INSTANCE, "--context-entries", sim_owner_context("bob")),
         lambda c, r: expect(sim_decisions(r) == [("ec2:StopInstances", "implicitDeny")], f"simulation {r}")),
    Step("sim-cli-custom-missing-context", lambda c: c.cli(
        "iam", "simulate-custom-policy", "--policy-input-list", SIM_OWNER_POLICY,
        "--action-names", "ec2:StartInstances", "--resource-arns", SIM_INSTANCE),
         lambda c, r: expect(sim_decisions(r) == [("ec2:StartInstances", "implicitDeny")]
                             and "ec2:ResourceTag/Owner" in r["EvaluationResults"][0].get("MissingContextValues", []),
                             f"simulation {r}")),
    Step("sim-cli-context-keys", lambda c: c.cli("iam", "get-context-keys-for-custom-policy", "--policy-input-list", SIM_OWNER_POLICY),
         lambda c, r: expect(sorted(k.lower() for k in r["ContextKeyNames"]) == ["aws:username", "ec2:resourcetag/owner"], f"keys {r}")),
    Step("sim-create-user", lambda c: c.iam.create_user(UserName=SIM_USER)),
    Step("sim-create-allow-group", lambda c: c.iam.create_group(GroupName=SIM_ALLOW_GROUP)),
    Step("sim-create-deny-group", lambda c: c.iam.create_group(GroupName=SIM_DENY_GROUP)),
    Step("sim-put-allow-policy", lambda c: c.iam.put_group_policy(GroupName=SIM_ALLOW_GROUP, PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]})),
         needs=["sim-create-allow-group"]),
    Step("sim-put-deny-policy", lambda c: c.iam.put_group_policy(GroupName=SIM_DENY_GROUP, PolicyName="no-deletes", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Sid": "NoDeletes", "Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}]})),
         needs=["sim-create-deny-group"]),
    Step("sim-join-allow-group", lambda c: c.iam.add_user_to_group(GroupName=SIM_ALLOW_GROUP, UserName=SIM_USER),
         needs=["sim-create-user", "sim-create-allow-group"]),
    Step("sim-join-deny-group", lambda c: c.iam.add_user_to_group(GroupName=SIM_DENY_GROUP, UserName=SIM_USER),
         needs=["sim-create-user", "sim-create-deny-group"]),
    Step("sim-cli-principal", lambda c: c.cli(
        "iam", "simulate-principal-policy", "--policy-source-arn", f"arn:aws:iam::{c.account}:user/{SIM_USER}",
        "--action-names", "iam:CreateUser", "iam:DeleteUser", "s3:GetObject"),
         lambda c, r: expect(sim_decisions(r) == [("iam:CreateUser", "allowed"), ("iam:DeleteUser", "explicitDeny"),
                                                  ("s3:GetObject", "implicitDeny")]
                             and [(m["SourcePolicyId"], m["SourcePolicyType"]) for m in r["EvaluationResults"][1]["MatchedStatements"]]
                             == [("no-deletes", "group")], f"simulation {r}"),
         needs=["sim-put-allow-policy", "sim-put-deny-policy", "sim-join-allow-group", "sim-join-deny-group"]),
    Step("sim-cli-principal-context-keys", lambda c: c.cli(
        "iam", "get-context-keys-for-principal-policy", "--policy-source-arn", f"arn:aws:iam::{c.account}:user/{SIM_USER}",
        "--policy-input-list", SIM_OWNER_POLICY),
         lambda c, r: expect(sorted(k.lower() for k in r["ContextKeyNames"]) == ["aws:username", "ec2:resourcetag/owner"], f"keys {r}"),
         needs=["sim-create-user"]),
    Step("sim-cli-principal-missing", lambda c: c.cli(
        "iam", "simulate-principal-policy", "--policy-source-arn", f"arn:aws:iam::{c.account}:user/{PREFIX}sim-nobody",
        "--action-names", "iam:GetUser"), error="NoSuchEntity"),
    # Clean-up.
    Step("sim-leave-deny-group", lambda c: c.iam.remove_user_from_group(GroupName=SIM_DENY_GROUP, UserName=SIM_USER),
         needs=["sim-join-deny-group"]),
    Step("sim-leave-allow-group", lambda c: c.iam.remove_user_from_group(GroupName=SIM_ALLOW_GROUP, UserName=SIM_USER),
         needs=["sim-join-allow-group"]),
    Step("sim-delete-deny-policy", lambda c: c.iam.delete_group_policy(GroupName=SIM_DENY_GROUP, PolicyName="no-deletes"),
         needs=["sim-put-deny-policy"]),
    Step("sim-delete-allow-policy", lambda c: c.iam.delete_group_policy(GroupName=SIM_ALLOW_GROUP, PolicyName="all"),
         needs=["sim-put-allow-policy"]),
    Step("sim-delete-deny-group", lambda c: c.iam.delete_group(GroupName=SIM_DENY_GROUP), needs=["sim-create-deny-group"]),
    Step("sim-delete-allow-group", lambda c: c.iam.delete_group(GroupName=SIM_ALLOW_GROUP), needs=["sim-create-allow-group"]),
    Step("sim-delete-user", lambda c: c.iam.delete_user(UserName=SIM_USER), needs=["sim-create-user"]),
]
STEPS += SIM_STEPS


class Context:
    def __init__(self, endpoint, account, use_cli):
        self.endpoint, self.account, self.use_cli = endpoint, account, use_cli
        self.vars, self.passed = {}, set()
        # Retries off: every error shows at once, and a step costs one request.
        self.config = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})
        self.session = boto3.session.Session(region_name="us-east-1")
        self.iam = self.client("iam")
        self.sts = self.client("sts")

    def client(self, service, **creds):
        return self.session.client(service, endpoint_url=self.endpoint, config=self.config, **creds)

    def as_user(self, service):
        key_id, secret = self.vars["user_key"]
        return self.client(service, aws_access_key_id=key_id, aws_secret_access_key=secret)

    def cli(self, *args, creds=None):
        """Runs the aws CLI and returns its JSON output; an AWS error becomes a ClientError.

        creds: (access key ID, secret[, session token]) to sign with instead of the root's."""
        if not self.use_cli:
            raise Skip("aws CLI disabled")
        aws = shutil.which("aws")
        if aws is None:
            raise Skip("aws CLI not installed")
        env = dict(os.environ, AWS_DEFAULT_REGION="us-east-1", AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
        if creds:
            env.pop("AWS_PROFILE", None)
            env.pop("AWS_SESSION_TOKEN", None)
            env.update(AWS_ACCESS_KEY_ID=creds[0], AWS_SECRET_ACCESS_KEY=creds[1])
            if len(creds) > 2:
                env["AWS_SESSION_TOKEN"] = creds[2]
        p = subprocess.run([aws, "--endpoint-url", self.endpoint, "--output", "json", *args],
                           capture_output=True, text=True, env=env, timeout=120)
        if p.returncode != 0:
            # "An error occurred (Code) when calling the Op operation: message"
            err = p.stderr.strip()
            code = err.split("(", 1)[1].split(")", 1)[0] if "An error occurred (" in err else "CLIError"
            raise botocore.exceptions.ClientError({"Error": {"Code": code, "Message": err}}, " ".join(args[:2]))
        return json.loads(p.stdout) if p.stdout.strip() else {}


def run(ctx, steps, only=None):
    results = {}
    for step in steps:
        if only and step.name not in only:
            continue
        missing = [n for n in step.needs if results.get(n) != "pass"]
        if missing:
            results[step.name] = "skip"
            print(f"SKIP {step.name}: needs {', '.join(missing)}")
            continue
        start = time.monotonic()
        try:
            try:
                resp = step.call(ctx)
            except botocore.exceptions.ClientError as e:
                code = e.response["Error"]["Code"]
                if code == "NotImplemented":
                    results[step.name] = "skip"
                    print(f"SKIP {step.name}: not implemented by the server")
                    continue
                if step.error != code:
                    raise AssertionError(f"{code}: {e.response['Error'].get('Message')}")
                resp = None
            else:
                if step.error:
                    raise AssertionError(f"succeeded, want error {step.error}")
                if step.check:
                    step.check(ctx, resp)
        except Skip as e:
            results[step.name] = "skip"
            print(f"SKIP {step.name}: {e}")
            continue
        except Exception as e:  # noqa: BLE001 - any failure of the step is reported the same way
            results[step.name] = "fail"
            print(f"FAIL {step.name}: {type(e).__name__}: {e}")
            continue
        results[step.name] = "pass"
        ctx.passed.add(step.name)
        print(f"PASS {step.name} ({(time.monotonic() - start) * 1000:.0f} ms)")
    counts = {k: sum(1 for v in results.values() if v == k) for k in ("pass", "skip", "fail")}
    print(f"{counts['pass']} passed, {counts['skip']} skipped, {counts['fail']} failed")
    return counts["fail"] == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint", required=True, help="iamd base URL, e.g. http://127.0.0.1:8080")
    ap.add_argument("--account-id", required=True, help="the account of the root credentials")
    ap.add_argument("--no-cli", action="store_true", help="skip the steps that run the aws CLI")
    ap.add_argument("--only", nargs="*", help="run only these steps")
    ap.add_argument("--list", action="store_true", help="list the steps and exit")
    args = ap.parse_args()
    if args.list:
        for s in STEPS:
            print(s.name)
        return 0
    names_seen = set()
    for s in STEPS:
        assert s.name not in names_seen, f"duplicate step {s.name}"
        names_seen.add(s.name)
        for n in s.needs:
            assert n in names_seen, f"step {s.name} needs {n}, which is not an earlier step"
    ctx = Context(args.endpoint, args.account_id, not args.no_cli)
    return 0 if run(ctx, STEPS, set(args.only or ())) else 1


if __name__ == "__main__":
    sys.exit(main())
