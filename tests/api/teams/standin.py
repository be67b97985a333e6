"""A local stand-in for Microsoft's side of a Teams bot, on loopback: the OpenID metadata and
JWKS with keys generated here, the client-credentials token endpoint, and the Bot Connector,
which records every activity the bot sends.  Plus a minter of Bot Connector tokens."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
APP_ID = "3f1a9c52-7d4e-4b8a-9e21-5c6d7e8f9a0b"
APP_PASSWORD = "stand-in-client-secret"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT_MENTION = {  # how Teams describes an @mention of the bot in a message's entities
    "type": "mention",
    "text": "<at>Trial screener</at>",
    "mentioned": {"id": f"28:{APP_ID}", "name": "Trial screener"},
}


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass
class Recorded:
    path: str
    conversation_id: str
    reply_to_id: str | None
    authorization: str | None
    activity: dict[str, Any]


@dataclass
class StandIn:
    """The running stand-in; `url` is its base, `service_url` what activities carry."""

    url: str
    key: rsa.RSAPrivateKey
    kid: str
    activities: list[Recorded] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    issued: set[str] = field(default_factory=set)
    connector_status: int = 200

    @property
    def service_url(self) -> str:
        return self.url + "/amer/"

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update(kid=self.kid, use="sig", endorsements=["msteams", "webchat"])
        return {"keys": [jwk]}

    def token(
        self,
        *,
        key: Any = None,
        algorithm: str = "RS256",
        kid: str | None = None,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A Bot Connector token: valid unless the arguments say otherwise (a claim set to
        None is left out)."""
        now = int(time.time())
        body: dict[str, Any] = {
            "serviceurl": self.service_url,
            "nbf": now - 5,
            "exp": now + 3600,
            "iss": ISSUER,
            "aud": APP_ID,
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        header = {"kid": self.kid if kid is None else kid, **(headers or {})}
        return jwt.encode(
            body, self.key if key is None else key, algorithm=algorithm, headers=header
        )

    def sent_texts(self) -> list[str]:
        return [r.activity.get("text", "") for r in self.activities]


def _handler(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            if self.path == "/openid":
                self._json(
                    200,
                    {
                        "issuer": ISSUER,
                        "jwks_uri": standin.url + "/keys",
                        "id_token_signing_alg_values_supported": ["RS256"],
                    },
                )
            elif self.path == "/keys":
                self._json(200, standin.jwks())
            else:
                self._json(404, {"error": "not here"})

        def do_POST(self) -> None:
            body = self._body()
            if self.path == "/token":
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                standin.token_requests.append(form)
                ok = (
                    form.get("grant_type") == "client_credentials"
                    and form.get("client_id") == APP_ID
                    and form.get("client_secret") == APP_PASSWORD
                )
                if not ok:
                    self._json(401, {"error": "invalid_client"})
                    return
                token = "connector-" + uuid.uuid4().hex
                standin.issued.add(token)
                self._json(200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})
                return
            prefix = "/amer/v3/conversations/"
            if self.path.startswith(prefix):
                rest = self.path[len(prefix) :].split("/")
                if len(rest) not in (2, 3) or rest[1] != "activities":
                    self._json(404, {"error": "not here"})
                    return
                auth = self.headers.get("Authorization")
                if not auth or auth.removeprefix("Bearer ") not in standin.issued:
                    self._json(401, {"error": "unauthorized"})
                    return
                if standin.connector_status >= 400:
                    self._json(standin.connector_status, {"error": "down"})
                    return
                standin.activities.append(
                    Recorded(
                        self.path,
                        unquote(rest[0]),
                        unquote(rest[2]) if len(rest) == 3 else None,
                        auth,
                        json.loads(body),
                    )
                )
                self._json(200, {"id": uuid.uuid4().hex})
                return
            self._json(404, {"error": "not here"})

    return Handler


class StandInServer:
    def __init__(self) -> None:
        self.key = new_key()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(None))  # type: ignore[arg-type]
        port = self.server.server_address[1]
        self.standin = StandIn(url=f"http://127.0.0.1:{port}", key=self.key, kid="key-1")
        self.server.RequestHandlerClass = _handler(self.standin)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self.standin

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


class Teams:
    """A Teams user in a conversation: builds the activities Teams would send."""

    def __init__(
        self,
        client: Any,
        standin: StandIn,
        aad: str,
        conversation: str,
        name: str = "Dr Ada",
        tenant: str = TENANT,
    ) -> None:
        self.client, self.standin = client, standin
        self.aad, self.conversation, self.name, self.tenant = aad, conversation, name, tenant

    def activity(self, text: str | None = None, value: Any = None, **extra: Any) -> dict[str, Any]:
        activity: dict[str, Any] = {
            "type": "message",
            "id": uuid.uuid4().hex[:16],
            "timestamp": "2026-12-01T10:00:00.000Z",
            "serviceUrl": self.standin.service_url,
            "channelId": "msteams",
            "from": {"id": f"29:{self.aad}", "name": self.name, "aadObjectId": self.aad},
            "conversation": {
                "id": self.conversation,
                "conversationType": "personal",
                "tenantId": self.tenant,
            },
            "recipient": {"id": f"28:{APP_ID}", "name": "Trial screener"},
            "channelData": {"tenant": {"id": self.tenant}},
            "locale": "en-GB",
        }
        if text is not None:
            activity["text"] = text
            activity["textFormat"] = "plain"
        if value is not None:
            activity["value"] = value
        activity.update(extra)
        return activity

    def post(self, activity: dict[str, Any], token: str | None = None) -> Any:
        token = token or self.standin.token()
        return self.client.post(
            "/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"}
        )

    def say(self, text: str | None = None, value: Any = None, **extra: Any) -> list[dict]:
        """Send a message; the activities the bot sent back for it."""
        before = len(self.standin.activities)
        r = self.post(self.activity(text, value, **extra))
        assert r.status_code == 200, r.text
        return [rec.activity for rec in self.standin.activities[before:]]


def texts(activities: list[dict]) -> list[str]:
    return [a["text"] for a in activities if a.get("text")]


def cards_in(activities: list[dict]) -> list[dict]:
    return [
        att["content"]
        for a in activities
        for att in a.get("attachments") or []
        if att.get("contentType") == "application/vnd.microsoft.card.adaptive"
    ]


def suggested(activities: list[dict]) -> list[dict]:
    return [x for a in activities for x in (a.get("suggestedActions") or {}).get("actions", [])]


class TeamsScreener:
    """Plays a case (tests/player.py) through Teams: a suggested action is clicked when one
    says what the case answers; otherwise every third answer is a card submit
    (`value={"answer": ...}`, no text) and every other one @mentions the bot first."""

    def __init__(self, teams: Teams, verdicts: Any) -> None:
        self.teams, self.verdicts = teams, verdicts
        self.last: list[dict] = []
        self.turns = self.clicks = self.submits = self.mentions = 0

    def start(self) -> tuple[list[str], None]:
        self.last = self.teams.say("hello")
        return texts(self.last), None

    def send(self, _handle: None, text: str) -> list[str]:
        self.turns += 1
        wanted = text.lower().rstrip(".!")
        click = [
            a
            for a in suggested(self.last)
            if a["title"].lower() in wanted or wanted in a["title"].lower()
        ]
        if click:
            self.clicks += 1
            self.last = self.teams.say(click[0]["value"])
        elif self.turns % 3 == 0:
            self.submits += 1
            self.last = self.teams.say(value={"answer": text})
        elif self.turns % 2 == 0:
            self.mentions += 1
            self.last = self.teams.say(f"<at>Trial screener</at> {text}", entities=[BOT_MENTION])
        else:
            self.last = self.teams.say(text)
        return texts(self.last)

    def finished(self, _handle: None) -> dict[str, str] | None:
        return self.verdicts() if cards_in(self.last) else None
