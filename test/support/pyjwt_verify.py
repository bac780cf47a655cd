#!/usr/bin/python3
"""Verifies an actas assertion with PyJWT, independently of actas's own code.

usage: pyjwt_verify.py TOKEN JWKS_URL ISSUER AUDIENCE
Prints the verified claims as JSON and exits 0, or prints the PyJWT error
class and message on stderr and exits 1.
"""
import json
import sys

import jwt


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    token, jwks_url, issuer, audience = argv[1:]
    try:
        key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token).key
        claims = jwt.decode(
            token,
            key,
            algorithms=["ES256", "RS256", "EdDSA"],
            audience=audience,
            issuer=issuer,
            options={"require": ["iss", "aud", "sub", "exp", "iat"]},
        )
    except Exception as err:  # any failure means "not verified"
        print(f"{type(err).__name__}: {err}", file=sys.stderr)
        return 1
    print(json.dumps(claims))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
