"""An upstream that serves only requests actas vouches for (PyJWT 2.x + cryptography)."""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

ACTAS_URL = os.environ["ACTAS_URL"]  # actas's publicUrl: the token's issuer
AUDIENCE = os.environ["ACTAS_AUDIENCE"]  # this upstream's name in the actas config
JWKS = jwt.PyJWKClient(os.environ.get("ACTAS_JWKS_URL", ACTAS_URL + "/.well-known/actas/jwks.json"))


def verify_assertion(headers):
    tokens = headers.get_all("X-Actas-Jwt-Assertion") or []
    if len(tokens) != 1:
        raise jwt.InvalidTokenError("expected exactly one assertion")
    key = JWKS.get_signing_key_from_jwt(tokens[0]).key
    return jwt.decode(
        tokens[0],
        key,
        algorithms=["ES256", "RS256", "EdDSA"],  # never "none", never HS*
        audience=AUDIENCE,
        issuer=ACTAS_URL,
        leeway=5,
        options={"require": ["iss", "aud", "sub", "exp", "iat"]},
    )


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            claims = verify_assertion(self.headers)
        except Exception:  # whatever went wrong, the request is not vouched for
            return self.reply(401, {"error": "unauthorized"})
        actor = claims.get("act", {}).get("user")
        self.reply(200, {"user": claims["user"], "groups": claims["groups"], "actor": actor})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


# Loopback only: nothing but actas, on this host, can reach the app.
server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8081"))), Handler)
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
