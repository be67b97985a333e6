"""The one seam to the Rasa assistant (REST channel).  Tests put a fake here.

A client has `send(sender=..., message=..., metadata=...) -> list[dict]` and raises
`BotUnavailable` when the bot cannot be reached, errors or does not answer in time.  Deciding
whether the answer is usable (a custom screening payload last) is the service's job.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

import httpx

from api.core.fifo_gate import FifoGate

log = logging.getLogger(__name__)


class BotUnavailable(Exception):
    """The bot did not answer: `kind` is connection | timeout | busy | http_error | bad_response.

    `busy`: the message waited its turn at the gate for the whole timeout and was never sent."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


class BotClient(Protocol):
    def send(self, *, sender: str, message: str, metadata: dict[str, Any]) -> list[dict]: ...


class RasaClient:
    """Talks to one Rasa server, or to several replicas in turn.

    `base_url` may list replicas separated by commas; messages alternate between them, and a
    replica that refuses the connection is skipped (the message never reached it, so sending
    it to the next one cannot process it twice).  A timeout is not retried elsewhere: the slow
    replica may still process the message.

    At most `per_server` messages are in one Rasa server at once from this process; the others
    wait their turn, in arrival order (api/core/fifo_gate.py says why), for at most `timeout`
    seconds, then fail as `busy` without having been sent.
    """

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        per_server: int = 2,
    ) -> None:
        bases = [u.strip().rstrip("/") for u in base_url.split(",") if u.strip()]
        if not bases:
            raise ValueError("RASA_URL names no Rasa server")
        self.urls = [b + "/webhooks/rest/webhook" for b in bases]
        self.timeout = timeout
        self.gates = {url: FifoGate(per_server) for url in self.urls}
        self._client = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport)
        self._next = 0
        self._turn_lock = threading.Lock()

    def _order(self) -> list[str]:
        with self._turn_lock:
            start = self._next
            self._next = (self._next + 1) % len(self.urls)
        return self.urls[start:] + self.urls[:start]

    def send(self, *, sender: str, message: str, metadata: dict[str, Any]) -> list[dict]:
        body = {"sender": sender, "message": message, "metadata": metadata}
        log.debug("to rasa %s: %r", sender, message)
        refused: list[str] = []
        for url in self._order():
            gate = self.gates[url]
            if not gate.acquire(timeout=self.timeout):
                raise BotUnavailable(
                    "busy", f"the assistant was busy with other messages for {self.timeout:g} s"
                )
            try:
                response = self._client.post(url, json=body)
                break
            except httpx.TimeoutException as exc:
                raise BotUnavailable("timeout", f"no answer within {self.timeout:g} s") from exc
            except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
                refused.append(f"{url}: {type(exc).__name__}")
                if len(self.urls) > 1:
                    log.warning("Rasa replica %s refused the connection; trying the next", url)
            except httpx.HTTPError as exc:
                raise BotUnavailable("connection", f"{type(exc).__name__}: {exc}") from exc
            finally:
                gate.release()
        else:
            raise BotUnavailable("connection", "no Rasa server answered: " + "; ".join(refused))
        if response.status_code >= 400:
            raise BotUnavailable("http_error", f"HTTP {response.status_code} from Rasa")
        try:
            data = response.json()
        except ValueError as exc:
            raise BotUnavailable("bad_response", "Rasa answered with something not JSON") from exc
        if not isinstance(data, list) or not all(isinstance(m, dict) for m in data):
            raise BotUnavailable("bad_response", "Rasa answered with something not a list")
        log.debug("from rasa %s: %r", sender, data)
        return data

    def close(self) -> None:
        self._client.close()
