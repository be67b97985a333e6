"""Only the Bot Connector, for this bot, with the serviceUrl it signed, gets in: every other
token is 401 and nothing is stored or sent."""

from __future__ import annotations

import time

import jwt
import pytest
from sqlalchemy import func, select
from standin import APP_ID, new_key, public_pem

from api.screenings.models import Message, Screening
from api.teams.models import TeamsConversation


def counts(db) -> tuple[int, int, int]:
    db.expire_all()
    return tuple(
        db.scalar(select(func.count()).select_from(t))
        for t in (Screening, Message, TeamsConversation)
    )


def test_a_valid_token_is_accepted_and_the_reply_goes_to_the_connector(teams, standin, db):
    before = counts(db)
    sent = teams.say("hello")
    assert any("new screening" in (a.get("text") or "").lower() for a in sent)
    assert counts(db)[0] == before[0] + 1
    assert standin.token_requests and standin.token_requests[0]["client_id"] == APP_ID


def _unsigned(standin) -> str:
    token = standin.token()
    return token.rsplit(".", 1)[0] + "."


def _alg_none(standin) -> str:
    now = int(time.time())
    claims = {
        "serviceurl": standin.service_url,
        "nbf": now,
        "exp": now + 600,
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
    }
    return jwt.encode(claims, None, algorithm="none", headers={"kid": standin.kid})


def _hs256_with_public_key(standin) -> str:
    """The classic confusion: HMAC keyed with the RSA public key the bot trusts."""
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT", "kid": standin.kid}
    claims = {
        "serviceurl": standin.service_url,
        "nbf": now,
        "exp": now + 600,
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
    }
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(public_pem(standin.key), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


BAD_TOKENS = {  # how the token is wrong: (make it, the reason given)
    "wrong issuer": (lambda s: s.token(iss="https://sts.windows.net/evil/"), "issuer"),
    "wrong audience": (
        lambda s: s.token(aud="00000000-0000-0000-0000-000000000000"),
        "not for this bot",
    ),
    "expired": (
        lambda s: s.token(exp=int(time.time()) - 3600, nbf=int(time.time()) - 7200),
        "expired",
    ),
    "not yet valid": (lambda s: s.token(nbf=int(time.time()) + 3600), "not valid yet"),
    "no expiry": (lambda s: s.token(exp=None), "no exp claim"),
    "no not-before": (lambda s: s.token(nbf=None), "no nbf claim"),
    "unsigned": (_unsigned, "signature does not verify"),
    "unknown key": (
        lambda s: s.token(key=new_key(), kid="key-not-published"),
        "unknown key",
    ),
    "published kid, other key": (lambda s: s.token(key=new_key()), "signature does not verify"),
    "alg none": (_alg_none, "RS256"),
    "HS256 with the public key": (_hs256_with_public_key, "RS256"),
    "serviceurl claim for another host": (
        lambda s: s.token(serviceurl="https://evil.example/"),
        "serviceUrl",
    ),
    "no serviceurl claim": (lambda s: s.token(serviceurl=None), "serviceUrl"),
    "not a JWT": (lambda s: "not-a-token", "not a JWT"),
}


@pytest.mark.parametrize(("make", "reason"), BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_bad_tokens_are_refused_and_nothing_is_stored(teams, standin, db, make, reason):
    before = counts(db)
    r = teams.post(teams.activity("71-year-old man, squamous NSCLC"), token=make(standin))
    assert r.status_code == 401, r.text
    assert r.json()["detail"].startswith("refused: ") and reason in r.json()["detail"]
    assert counts(db) == before
    assert standin.activities == []


def test_a_service_url_other_than_the_tokens_is_refused(teams, standin, db):
    before = counts(db)
    activity = teams.activity("hello", serviceUrl="https://evil.example/amer/")
    r = teams.post(activity, token=standin.token())
    assert r.status_code == 401
    assert "serviceUrl" in r.json()["detail"]
    assert counts(db) == before and standin.activities == []


@pytest.mark.parametrize(
    "header",
    [None, "Basic dXNlcjpwdw==", "Bearer", "Bearer "],
    ids=["none", "basic", "bearer-empty", "bearer-blank"],
)
def test_missing_or_malformed_authorization_is_refused(client, teams, standin, db, header):
    before = counts(db)
    headers = {"Authorization": header} if header else {}
    r = client.post("/api/messages", json=teams.activity("hello"), headers=headers)
    assert r.status_code == 401
    assert counts(db) == before and standin.activities == []


def test_a_key_not_endorsed_for_the_channel_is_refused(teams, standin, db):
    before = counts(db)
    r = teams.post(teams.activity("hello", channelId="skype"))
    assert r.status_code == 401 and "endorsed" in r.json()["detail"]
    assert counts(db) == before


def test_another_tenant_is_refused_by_a_single_tenant_bot(teams, standin, db):
    before = counts(db)
    other = "11111111-2222-3333-4444-555555555555"
    activity = teams.activity("hello", channelData={"tenant": {"id": other}})
    activity["conversation"]["tenantId"] = other
    r = teams.post(activity)
    assert r.status_code == 403
    assert counts(db) == before and standin.activities == []


def test_a_signed_body_that_is_not_an_activity_is_400(teams, standin, db):
    before = counts(db)
    r = teams.post({"serviceUrl": standin.service_url, "channelId": "msteams", "type": 7})
    assert r.status_code == 400
    assert counts(db) == before


def test_teams_off_is_404(db_url):
    from fastapi.testclient import TestClient

    from api.core.config import Settings
    from api.main import create_app

    with TestClient(create_app(Settings(database_url=db_url), bot=object())) as c:
        r = c.post("/api/messages", json={"type": "message"})
    assert r.status_code == 404


def test_unreachable_signing_keys_refuse_for_now(teams, standin, db, app):
    app.state.teams.keys.metadata_url = standin.url + "/no-such-metadata"
    before = counts(db)
    r = teams.post(teams.activity("hello"))
    assert r.status_code == 503 and "signing keys" in r.json()["detail"]
    assert counts(db) == before and standin.activities == []


def test_rotated_keys_are_fetched_again(teams, standin, app):
    assert teams.say("hello")
    standin.key, standin.kid = new_key(), "key-2"  # Microsoft rotates its signing keys
    r = teams.post(teams.activity("all"))
    assert r.status_code == 401 and "unknown key" in r.json()["detail"]  # fetched moments ago
    app.state.teams.keys.ttl = 0  # once the cached keys are old, the new key is fetched
    assert teams.post(teams.activity("all")).status_code == 200
