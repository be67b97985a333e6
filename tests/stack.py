"""Start and stop a real Rasa stack for end-to-end tests: `rasa run` (REST channel) and
`rasa run actions`, both from .venv-bot.  Standard library only (imports under 3.10 and 3.11).

    from tests.stack import bot_stack, send
    with bot_stack() as stack:                      # free ports, trains first if needed
        replies = send(stack.rasa, "s-1", "/start_screening", {"trials": None})

Logs go to files in a temporary directory (`stack.log_dir`); if a process dies or does not
become healthy in time, the error carries the tail of its log.  Both processes run in their own
process groups, which are killed on exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(__file__).resolve().parents[1]
BOT_VENV = Path(os.environ.get("BOT_VENV", REPO / ".venv-bot"))
RASA = BOT_VENV / "bin" / "rasa"
MODEL = REPO / "models" / "screener.tar.gz"


class Stack(NamedTuple):
    rasa: str  # base URL of `rasa run`, e.g. http://127.0.0.1:5005
    actions: str  # base URL of the action server, e.g. http://127.0.0.1:5055
    log_dir: Path


def command(args: list[str]) -> list[str]:
    """The command line for `rasa <args>`: `rasa run` goes through bot/serve.py, as in
    scripts/run (the same command, with the action server's answers checked by a validator
    compiled once); `rasa run actions` is Rasa's own."""
    if args[:1] == ["run"] and args[1:2] != ["actions"]:
        return [str(BOT_VENV / "bin" / "python"), "-m", "bot.serve", *args]
    return [str(RASA), *args]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train(force: bool = False) -> None:
    """Train into models/screener.tar.gz unless the model is up to date."""
    command = [str(REPO / "scripts" / "train-bot"), *(["--force"] if force else [])]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0 or not MODEL.exists():
        raise RuntimeError(f"training failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="3",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        SANIC_HOST="127.0.0.1",  # the action server on loopback only, as in scripts/run
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
    )
    return env


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _get(url: str, timeout: float = 2.0) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode("utf-8", "replace")
    except (OSError, urllib.error.URLError):
        return None


def _stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


def _wait(
    name: str, process: subprocess.Popen, url: str, expect: str, log: Path, deadline: float
) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{name} exited with code {process.returncode} before it was ready; "
                f"log {log}:\n{_tail(log)}"
            )
        body = _get(url)
        if body is not None and expect in body:
            return
        time.sleep(0.5)
    raise RuntimeError(f"{name} not healthy at {url} in time; log {log}:\n{_tail(log)}")


@contextlib.contextmanager
def bot_stack(
    rasa_port: int | None = None,
    actions_port: int | None = None,
    *,
    train_first: bool = True,
    timeout: float = 240.0,
    log_dir: str | Path | None = None,
) -> Iterator[Stack]:
    """Run `rasa run actions` and `rasa run` (REST channel, no HTTP API) until the block ends."""
    if train_first:
        train()
    if not MODEL.exists():
        raise RuntimeError(f"no model at {MODEL}; run scripts/train-bot")
    rasa_port = rasa_port or free_port()
    actions_port = actions_port or free_port()
    logs = Path(log_dir or tempfile.mkdtemp(prefix="bot-stack-"))
    logs.mkdir(parents=True, exist_ok=True)
    endpoints = logs / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n', encoding="utf-8"
    )
    processes: list[subprocess.Popen] = []
    files = []
    try:

        def spawn(name: str, args: list[str]) -> tuple[subprocess.Popen, Path]:
            log = logs / f"{name}.log"
            handle = open(log, "wb")  # noqa: SIM115 (closed in finally)
            files.append(handle)
            process = subprocess.Popen(
                command(args),
                cwd=REPO,
                env=_env(),
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            processes.append(process)
            return process, log

        actions, actions_log = spawn(
            "actions", ["run", "actions", "--actions", "bot.actions", "--port", str(actions_port)]
        )
        rasa, rasa_log = spawn(
            "rasa",
            [
                "run",
                "--model", str(MODEL),
                "--endpoints", str(endpoints),
                "--credentials", str(REPO / "credentials.yml"),
                "--interface", "127.0.0.1",
                "--port", str(rasa_port),
            ],
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        actions_url = f"http://127.0.0.1:{actions_port}"
        rasa_url = f"http://127.0.0.1:{rasa_port}"
        _wait("action server", actions, f"{actions_url}/health", "ok", actions_log, deadline)
        _wait("rasa", rasa, f"{rasa_url}/", "Hello from Rasa", rasa_log, deadline)
        yield Stack(rasa_url, actions_url, logs)
    finally:
        for process in reversed(processes):
            _stop(process)
        for handle in files:
            handle.close()


def send(
    rasa_url: str,
    sender: str,
    message: str,
    metadata: dict[str, Any] | None = None,
    timeout: float = 60.0,
) -> list[dict[str, Any]]:
    """POST a message to the REST channel; the bot's messages for this turn."""
    body = json.dumps({"sender": sender, "message": message, "metadata": metadata or {}})
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook",
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))
