"""Where one turn's time goes: the 30-message conversation of bench/conversation.yaml through the
API, with a recording proxy between Rasa and the action server.

    .venv-app/bin/python -m bench.turn_profile [--out bench/results/turn_profile.md]

For every turn it records: the API's time for the request and how much of it was spent waiting
for Rasa; each action server call (action, bytes of the request Rasa sent, events in its
tracker, bytes of the slots, time); the rows and bytes Rasa's SQL tracker store wrote; the SQL
statements and commits of the API.  The stack is the production shape of scripts/run (`rasa`
through bot/serve.py when the checkout has it, the SQL tracker store on SQLite) except that the
API runs in this process, so that its statements can be counted.  Figures, not assertions: the
README of bench/ quotes a run of it, before and after the changes of issue 13.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests")]

import stack as bot_stack  # noqa: E402  (tests/stack.py: ports, waiting, stopping)

from bench.conversation import load_conversation  # noqa: E402
from bench.report import format_table  # noqa: E402


@dataclass
class ActionCall:
    action: str
    request_bytes: int
    events: int
    slot_bytes: int
    ms: float
    user_messages: int = 0  # clinician messages among the events sent (1: a session per message)
    record_copies: int = 0  # copies of the API's screening record in the request (none: 0)


@dataclass
class TurnProfile:
    turn: int
    text_kind: str
    api_ms: float = 0.0
    rasa_ms: float = 0.0
    calls: list[ActionCall] = field(default_factory=list)
    store_rows: int = 0
    store_bytes: int = 0
    sql_statements: int = 0
    sql_commits: int = 0


class Recorder:
    """The action calls of the turn being played (the proxy appends, the player reads)."""

    def __init__(self) -> None:
        self.calls: list[ActionCall] = []
        self.lock = threading.Lock()

    def take(self) -> list[ActionCall]:
        with self.lock:
            calls, self.calls = self.calls, []
        return calls


def proxy_handler(target: str, recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            pass

        def _forward(self, body: bytes | None) -> tuple[int, bytes]:
            request = urllib.request.Request(
                target + self.path,
                data=body,
                headers={"Content-Type": "application/json"},
                method=self.command,
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as error:
                return error.code, error.read()

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer(*self._forward(None))

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            started = time.perf_counter()
            status, answer = self._forward(body)
            elapsed = (time.perf_counter() - started) * 1000
            request = json.loads(body or b"{}")
            tracker = request.get("tracker") or {}
            with recorder.lock:
                recorder.calls.append(
                    ActionCall(
                        action=str(request.get("next_action")),
                        request_bytes=len(body),
                        events=len(tracker.get("events") or []),
                        slot_bytes=len(json.dumps(tracker.get("slots") or {})),
                        ms=elapsed,
                        user_messages=sum(
                            1 for e in tracker.get("events") or [] if e.get("event") == "user"
                        ),
                        record_copies=body.count(b'"screening_record"'),
                    )
                )
            self._answer(status, answer)

    return Handler


@contextmanager
def profiled_bot(logs: Path, recorder: Recorder) -> Iterator[tuple[str, Path]]:
    """The action server, a recording proxy in front of it, and Rasa with a SQLite store."""
    actions_port, proxy_port, rasa_port = (bot_stack.free_port() for _ in range(3))
    store = logs / "tracker.db"
    endpoints = logs / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{proxy_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: "{store}"\n',
        encoding="utf-8",
    )
    serve = (REPO / "bot" / "serve.py").exists()
    rasa = (
        [str(bot_stack.BOT_VENV / "bin" / "python"), "-m", "bot.serve"]
        if serve
        else [str(bot_stack.RASA)]
    )
    commands = {
        "actions": [str(bot_stack.RASA), "run", "actions", "--actions", "bot.actions",
                    "--port", str(actions_port)],
        "rasa": [*rasa, "run", "--model", str(bot_stack.MODEL), "--endpoints", str(endpoints),
                 "--credentials", str(REPO / "credentials.yml"), "--interface", "127.0.0.1",
                 "--port", str(rasa_port)],
    }  # fmt: skip
    processes: dict[str, subprocess.Popen] = {}
    server = ThreadingHTTPServer(
        ("127.0.0.1", proxy_port),
        proxy_handler(f"http://127.0.0.1:{actions_port}", recorder),
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        deadline = time.monotonic() + 300
        for name, command in commands.items():
            log = logs / f"{name}.log"
            with open(log, "wb") as handle:
                processes[name] = subprocess.Popen(
                    command,
                    cwd=REPO,
                    env=bot_stack._env(),
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            url, expect = (
                (f"http://127.0.0.1:{actions_port}/health", "ok")
                if name == "actions"
                else (f"http://127.0.0.1:{rasa_port}/", "Hello from Rasa")
            )
            bot_stack._wait(name, processes[name], url, expect, log, deadline)
        print(f"[profile] Rasa {'through bot/serve.py' if serve else '(plain rasa)'}; logs {logs}")
        yield f"http://127.0.0.1:{rasa_port}", store
    finally:
        server.shutdown()
        for process in reversed(list(processes.values())):
            bot_stack._stop(process)


def store_totals(store: Path) -> tuple[int, int]:
    if not store.exists():
        return 0, 0
    with sqlite3.connect(store) as db:
        query = "SELECT count(*), coalesce(sum(length(data)), 0) FROM events"
        rows, size = db.execute(query).fetchone()
    return int(rows), int(size)


def play(logs: Path) -> list[TurnProfile]:
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from api.cli import migrate
    from api.core.config import Settings
    from api.main import create_app
    from api.screenings.bot_client import RasaClient
    from api.users import service as users

    recorder = Recorder()
    conversation = load_conversation()
    profiles: list[TurnProfile] = []
    with profiled_bot(logs, recorder) as (rasa_url, store):
        url = f"sqlite:///{logs / 'screener.db'}"
        migrate(url)
        settings = Settings(database_url=url, rasa_url=rasa_url, rasa_timeout=60.0)
        waited = [0.0]

        class TimedRasa(RasaClient):
            def send(self, **kwargs: Any) -> list[dict]:
                started = time.perf_counter()
                try:
                    return super().send(**kwargs)
                finally:
                    waited[0] += time.perf_counter() - started

        app = create_app(settings, bot=TimedRasa(rasa_url, timeout=60.0))
        counts = {"statements": 0, "commits": 0}
        with TestClient(app) as client:
            engine = app.state.engine
            event.listen(
                engine,
                "before_cursor_execute",
                lambda *_a, **_k: counts.__setitem__("statements", counts["statements"] + 1),
            )
            event.listen(
                engine, "commit", lambda *_a: counts.__setitem__("commits", counts["commits"] + 1)
            )
            with app.state.sessionmaker() as db:
                user = users.create_user(db, email="profile@example.org", role="clinician")
                _, token = users.create_token(db, user=user, name="profile", settings=settings)
                db.commit()
            headers = {"Authorization": f"Bearer {token}"}
            response = client.post("/api/screenings", json={}, headers=headers)
            response.raise_for_status()
            sid = response.json()["screening_id"]
            recorder.take()
            for number, message in enumerate(conversation.messages, 1):
                rows, size = store_totals(store)
                counts.update(statements=0, commits=0)
                waited[0] = 0.0
                started = time.perf_counter()
                response = client.post(
                    f"/api/screenings/{sid}/messages", json={"text": message.text}, headers=headers
                )
                elapsed = time.perf_counter() - started
                if response.status_code != 200 or not response.json().get("delivered"):
                    raise SystemExit(
                        f"turn {number} failed: {response.status_code} {response.text}"
                    )
                after_rows, after_size = store_totals(store)
                profiles.append(
                    TurnProfile(
                        turn=number,
                        text_kind=message.kind,
                        api_ms=elapsed * 1000,
                        rasa_ms=waited[0] * 1000,
                        calls=recorder.take(),
                        store_rows=after_rows - rows,
                        store_bytes=after_size - size,
                        sql_statements=counts["statements"],
                        sql_commits=counts["commits"],
                    )
                )
                print(f"[profile] turn {number}: {elapsed * 1000:.0f} ms", flush=True)
    return profiles


def table(profiles: list[TurnProfile], turns: tuple[int, ...] = (1, 2, 10, 20, 30)) -> str:
    rows = []
    for p in profiles:
        if p.turn not in turns:
            continue
        action_ms = sum(c.ms for c in p.calls)
        rows.append(
            [
                p.turn,
                p.text_kind,
                f"{p.api_ms:.0f}",
                f"{p.api_ms - p.rasa_ms:.0f}",
                f"{p.rasa_ms - action_ms:.0f}",
                f"{action_ms:.0f}",
                len(p.calls),
                " ".join(c.action.removeprefix("action_") for c in p.calls),
                f"{max((c.request_bytes for c in p.calls), default=0) / 1000:.0f}",
                max((c.events for c in p.calls), default=0),
                f"{max((c.slot_bytes for c in p.calls), default=0) / 1000:.1f}",
                p.store_rows,
                f"{p.store_bytes / 1000:.0f}",
                f"{p.sql_statements}/{p.sql_commits}",
            ]
        )
    headers = [
        "turn", "message", "total ms", "API ms", "Rasa ms", "actions ms", "calls", "actions",
        "max kB to actions", "max events", "slots kB", "store rows", "store kB", "API SQL/commits",
    ]  # fmt: skip
    return format_table(headers, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    logs = Path(tempfile.mkdtemp(prefix="turn-profile-"))
    profiles = play(logs)
    text = table(profiles)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
