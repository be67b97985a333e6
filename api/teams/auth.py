"""Strict checks on the Bot Connector's token before anything from Teams is read or stored.

Every request to `POST /api/messages` carries `Authorization: Bearer <JWT>` signed by the Bot
Framework.  It is accepted only when all of these hold, and refused with `TeamsAuthError`
(answered 401) otherwise:

- the header names RS256 and a key id; any other algorithm (`none`, HS256 made with the public
  key, ...) is refused before a key is even looked up;
- the key id is one of the keys published in the OpenID metadata's JWKS (fetched again once
  when a key id is unknown, since the keys rotate), and when that key lists endorsements the
  activity's channel is one of them;
- the RS256 signature verifies with that key;
- `iss` is a configured issuer, `aud` is this bot's app id, `exp` and `nbf` are present and
  hold (with a small configurable clock skew);
- the `serviceurl` claim equals the activity's `serviceUrl`, so a stolen token cannot send the
  bot's replies (and their bearer token) somewhere else.

The checks are our own on PyJWT rather than the Agents SDK's validator because that one takes
its JWKS address from fixed Microsoft hosts (not the configured metadata), checks issuers only
on opt-in, allows five minutes of skew and does not compare the serviceUrl claim.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger(__name__)

ALGORITHM = "RS256"


class TeamsAuthError(Exception):
    """The request is not from the Bot Connector for this bot; the reason is safe to return."""


class KeysUnavailable(Exception):
    """The signing keys cannot be fetched, so no token can be checked: refuse for now (503;
    the Bot Connector retries), never accept unchecked."""


@dataclass(frozen=True)
class _Key:
    kid: str
    public_key: Any
    endorsements: tuple[str, ...] | None


class SigningKeys:
    """The Bot Connector's public keys, from the OpenID metadata's `jwks_uri`.

    Kept for `ttl` seconds; an unknown key id triggers one fresh fetch (at most once a minute,
    so a flood of made-up key ids cannot make us hammer the metadata host).
    """

    def __init__(
        self,
        metadata_url: str,
        *,
        ttl: float = 6 * 3600,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.metadata_url = metadata_url
        self.ttl = ttl
        self._client = httpx.Client(timeout=timeout, transport=transport)
        self._keys: dict[str, _Key] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def _fetch(self) -> None:
        try:
            metadata = self._client.get(self.metadata_url)
            metadata.raise_for_status()
            jwks_uri = metadata.json()["jwks_uri"]
            jwks = self._client.get(jwks_uri)
            jwks.raise_for_status()
            entries = jwks.json()["keys"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning("Teams: cannot fetch the signing keys: %s", type(exc).__name__)
            raise KeysUnavailable("the signing keys cannot be fetched") from exc
        keys: dict[str, _Key] = {}
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA" or "kid" not in entry:
                continue
            if entry.get("use", "sig") != "sig":
                continue
            try:
                public_key = RSAAlgorithm.from_jwk(entry)
            except (jwt.InvalidKeyError, ValueError, KeyError, TypeError):
                continue
            endorsements = entry.get("endorsements")
            keys[str(entry["kid"])] = _Key(
                str(entry["kid"]),
                public_key,
                tuple(str(e) for e in endorsements) if isinstance(endorsements, list) else None,
            )
        self._keys = keys
        self._fetched_at = time.monotonic()

    def get(self, kid: str) -> _Key:
        with self._lock:
            now = time.monotonic()
            stale = self._fetched_at is None or now - self._fetched_at > self.ttl
            if stale:
                self._fetch()
            key = self._keys.get(kid)
            if key is None and self._fetched_at is not None and now - self._fetched_at > 60:
                self._fetch()
                key = self._keys.get(kid)
            if key is None:
                raise TeamsAuthError("the token is signed with an unknown key")
            return key

    def close(self) -> None:
        self._client.close()


@dataclass(frozen=True)
class TokenRules:
    app_id: str
    issuers: tuple[str, ...]
    clock_skew: int = 60


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def check_token(
    authorization: str | None,
    *,
    keys: SigningKeys,
    rules: TokenRules,
    service_url: str | None,
    channel_id: str | None,
) -> dict[str, Any]:
    """The token's verified claims, or TeamsAuthError saying what is wrong."""
    if not authorization:
        raise TeamsAuthError("no Authorization header")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise TeamsAuthError("the Authorization header must be 'Bearer <token>'")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TeamsAuthError("the token is not a JWT") from exc
    if header.get("alg") != ALGORITHM:
        raise TeamsAuthError(f"the token must be signed with {ALGORITHM}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TeamsAuthError("the token names no signing key")
    key = keys.get(kid)
    if key.endorsements is not None and channel_id not in key.endorsements:
        raise TeamsAuthError("the signing key is not endorsed for this channel")
    try:
        claims = jwt.decode(
            token,
            key.public_key,
            algorithms=[ALGORITHM],
            audience=rules.app_id,
            issuer=list(rules.issuers),
            leeway=rules.clock_skew,
            options={"require": ["exp", "nbf", "iss", "aud"], "verify_iat": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TeamsAuthError("the token has expired") from exc
    except jwt.ImmatureSignatureError as exc:
        raise TeamsAuthError("the token is not valid yet") from exc
    except jwt.InvalidAudienceError as exc:
        raise TeamsAuthError("the token is not for this bot") from exc
    except jwt.InvalidIssuerError as exc:
        raise TeamsAuthError("the token's issuer is not trusted") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise TeamsAuthError(f"the token has no {exc.claim} claim") from exc
    except jwt.PyJWTError as exc:
        raise TeamsAuthError("the token's signature does not verify") from exc
    claimed = claims.get("serviceurl")
    if not isinstance(claimed, str) or not service_url or not _same_url(claimed, service_url):
        raise TeamsAuthError("the activity's serviceUrl does not match the token")
    return claims
