"""Write, for every IAM and STS operation, the form body botocore's own
QuerySerializer produces for an input with every member set (one element per
list, one entry per map), to <out>/<service>/<Operation>.form.

Regenerate with `go test ./internal/api/query -update` (needs botocore).
"""
import datetime
import os
import sys

import botocore.session
from botocore.serialize import QuerySerializer


def sample(shape, depth=0):
    t = shape.type_name
    if t == "structure":
        return {name: sample(m, depth + 1) for name, m in shape.members.items()} if depth < 8 else {}
    if t == "list":
        return [sample(shape.member, depth + 1)]
    if t == "map":
        return {sample(shape.key, depth + 1): sample(shape.value, depth + 1)}
    if t == "string":
        return shape.enum[0] if shape.enum else "s-" + shape.name
    if t in ("integer", "long"):
        return 7
    if t == "boolean":
        return True
    if t == "timestamp":
        return datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
    if t == "blob":
        return b"blob\x00\xff"
    raise ValueError(t)


def main(out):
    session = botocore.session.get_session()
    for service in ("iam", "sts"):
        model = session.get_service_model(service)
        os.makedirs(os.path.join(out, service), exist_ok=True)
        for name in model.operation_names:
            op = model.operation_model(name)
            params = sample(op.input_shape) if op.input_shape is not None else {}
            req = QuerySerializer().serialize_to_request(params, op)
            body = req["body"]
            if isinstance(body, dict):
                from urllib.parse import urlencode
                body = urlencode(body)
            with open(os.path.join(out, service, name + ".form"), "w") as f:
                f.write(body)


if __name__ == "__main__":
    main(sys.argv[1])
