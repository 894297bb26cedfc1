#!/usr/bin/env python3
"""A local OpenID Connect issuer for the web-identity workflows: it stands in for a Kubernetes cluster's
service-account issuer or a GitLab instance.

    python3 oidc_issuer.py serve DIR        serve https://127.0.0.1:<port> until killed; writes DIR/issuer
                                            (the URL) and DIR/thumbprint (SHA-1 of its self-signed certificate)
    python3 oidc_issuer.py token DIR CLAIMS  print an ID token signed by the issuer; CLAIMS is a JSON object
                                            (iss, iat and exp, one hour on, are added)

It publishes /.well-known/openid-configuration and the JWKS they name, like any OIDC provider. Needs the
`cryptography` package.
"""

import base64
import datetime
import hashlib
import http.server
import ipaddress
import json
import os
import ssl
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_b64url(n):
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def serve(state):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with open(os.path.join(state, "key.pem"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oidc issuer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    with open(os.path.join(state, "cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    thumbprint = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    pub = key.public_key().public_numbers()
    jwks = {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "key-1",
                      "n": int_b64url(pub.n), "e": int_b64url(pub.e)}]}
    issuer = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/.well-known/openid-configuration":
                body = {"issuer": issuer["url"], "jwks_uri": issuer["url"] + "/keys",
                        "response_types_supported": ["id_token"], "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"]}
            elif self.path == "/keys":
                body = jwks
            else:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(state, "cert.pem"))
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    issuer["url"] = "https://127.0.0.1:%d" % httpd.server_address[1]
    with open(os.path.join(state, "thumbprint"), "w") as f:
        f.write(thumbprint + "\n")
    with open(os.path.join(state, "issuer.tmp"), "w") as f:
        f.write(issuer["url"] + "\n")
    os.rename(os.path.join(state, "issuer.tmp"), os.path.join(state, "issuer"))  # ready
    httpd.serve_forever()


def token(state, claims):
    with open(os.path.join(state, "key.pem"), "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    with open(os.path.join(state, "issuer")) as f:
        iss = f.read().strip()
    now = int(time.time())
    payload = {"iss": iss, "iat": now, "exp": now + 3600}
    payload.update(json.loads(claims))
    header = {"alg": "RS256", "typ": "JWT", "kid": "key-1"}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    print(signing_input + "." + b64url(signature))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "token":
        token(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
