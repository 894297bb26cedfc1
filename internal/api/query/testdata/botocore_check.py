"""Parse every golden response under testdata/responses with botocore's own
QueryParser and check that each member of the output shape came through.

Run by TestGoldenResponsesParseWithBotocore; prints one line per problem and
exits 1 if there is any.
"""
import os
import sys

import botocore.session
from botocore.parsers import QueryParser


def missing(shape, value, path, out):
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            out.append(f"{path}: not a structure: {value!r}")
            return
        for name, member in shape.members.items():
            if name not in value:
                out.append(f"{path}.{name}: missing")
            else:
                missing(member, value[name], f"{path}.{name}", out)
    elif shape.type_name == "list":
        if not isinstance(value, list) or not value:
            out.append(f"{path}: empty or not a list: {value!r}")
            return
        missing(shape.member, value[0], f"{path}[0]", out)
    elif shape.type_name == "map":
        if not isinstance(value, dict) or len(value) != 2:
            out.append(f"{path}: map with {value!r}")


def main(root):
    session = botocore.session.get_session()
    problems = []
    for service in ("iam", "sts"):
        model = session.get_service_model(service)
        directory = os.path.join(root, service)
        for fname in sorted(os.listdir(directory)):
            op = model.operation_model(fname[:-4])
            with open(os.path.join(directory, fname), "rb") as f:
                body = f.read()
            parsed = QueryParser().parse({"body": body, "headers": {}, "status_code": 200}, op.output_shape)
            if op.output_shape is None:
                continue
            if parsed.get("ResponseMetadata", {}).get("RequestId") != "11111111-2222-4333-8444-555555555555":
                problems.append(f"{service}.{op.name}: RequestId not parsed")
            parsed.pop("ResponseMetadata", None)
            missing(op.output_shape, parsed, f"{service}.{op.name}", problems)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
