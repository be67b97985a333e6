"""The benchmark's own screener, in the production shape of scripts/run: the action server,
`rasa run` with the SQL tracker store on SQLite, and the API under uvicorn on SQLite, all in a
temporary var dir on free ports, each process in its own process group (stopped on exit).

Start-up time is measured from spawning the processes to the first delivered API answer."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from bench.client import ApiClient, turn_problem

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import stack as bot_stack

REPO = Path(__file__).resolve().parents[1]
APP_BIN = REPO / ".venv-app" / "bin"
BOT_BIN = REPO / ".venv-bot" / "bin"
MODEL = REPO / "models" / "screener.tar.gz"
ADMIN = ("bench-admin@example.org", "bench admin passphrase")
PROBE = ("bench-probe@example.org", "bench probe passphrase")


class StackError(RuntimeError):
    pass


@dataclass
class Stack:
    var: Path
    api_url: str
    rasa_url: str
    actions_url: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    startup: dict[str, float] = field(default_factory=dict)

    @property
    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.processes.items()}

    def log(self, name: str) -> Path:
        return self.var / "log" / f"{name}.log"

    def tail(self, name: str, lines: int = 30) -> str:
        try:
            return "\n".join(self.log(name).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise StackError(
                    f"{name} exited with code {process.returncode}; {self.log(name)}:\n"
                    f"{self.tail(name)}"
                )


def _env(var: Path, ports: dict[str, int]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOST="127.0.0.1",
        API_PORT=str(ports["api"]),
        RASA_PORT=str(ports["rasa"]),
        ACTIONS_PORT=str(ports["actions"]),
        RASA_URL=f"http://127.0.0.1:{ports['rasa']}",
        DATABASE_URL=f"sqlite:///{var}/screener.db",
        SCREENER_VAR=str(var),
        SCREENER_ADMIN_EMAIL=ADMIN[0],
        SCREENER_ADMIN_PASSWORD=ADMIN[1],
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="3",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONUNBUFFERED="1",
        PYTHONWARNINGS="ignore",
        SANIC_HOST="127.0.0.1",
        MALLOC_ARENA_MAX=os.environ.get("MALLOC_ARENA_MAX", "2"),  # as scripts/run
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    env.pop("VIRTUAL_ENV", None)
    return env


def rasa_command() -> list[str]:
    """How supervisord.conf starts Rasa (tests/stack.py `command`: through bot/serve.py)."""
    return bot_stack.command(["run"])[:-1]


def _cli(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [str(APP_BIN / "python"), "-m", "api.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise StackError(f"api.cli {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _ok(url: str, expect: str = "") -> bool:
    try:
        r = httpx.get(url, timeout=2.0)
    except httpx.HTTPError:
        return False
    return r.status_code == 200 and expect in r.text


@contextlib.contextmanager
def running_stack(
    *,
    keep_var: bool = False,
    timeout: float = 600.0,
    progress: Callable[[str], None] = print,
) -> Iterator[Stack]:
    """Prepare a var dir (database migrated, an admin and a probe clinician), spawn the three
    processes and wait for the first delivered answer; stop everything on exit."""
    if not MODEL.exists():
        raise StackError(f"no model at {MODEL}: run scripts/train-bot")
    var = Path(tempfile.mkdtemp(prefix="bench-var-"))
    (var / "log").mkdir()
    ports = {name: bot_stack.free_port() for name in ("api", "rasa", "actions")}
    env = _env(var, ports)
    (var / "endpoints.yml").write_text(
        "# Written by bench/stack.py, as scripts/run does.\n"
        f'action_endpoint:\n  url: "http://127.0.0.1:{ports["actions"]}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: "{var}/tracker.db"\n',
        encoding="utf-8",
    )
    stack = Stack(
        var=var,
        api_url=f"http://127.0.0.1:{ports['api']}",
        rasa_url=f"http://127.0.0.1:{ports['rasa']}",
        actions_url=f"http://127.0.0.1:{ports['actions']}",
    )
    progress(
        f"[stack] var dir {var}; API :{ports['api']}, Rasa :{ports['rasa']}, "
        f"actions :{ports['actions']}"
    )
    _cli(env, "migrate")
    _cli(env, "create-admin")
    _cli(env, "create-user", PROBE[0], "clinician", "--password", PROBE[1])
    logs: list[IO[bytes]] = []

    def spawn(name: str, command: list[str]) -> None:
        handle = open(stack.log(name), "wb")  # noqa: SIM115 (closed in finally)
        logs.append(handle)
        stack.processes[name] = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    try:
        t0 = time.monotonic()
        spawn("actions", [str(BOT_BIN / "rasa"), "run", "actions", "--actions", "bot.actions",
                          "--port", str(ports["actions"])])  # fmt: skip
        spawn("api", [str(APP_BIN / "uvicorn"), "api.main:app", "--host", "127.0.0.1",
                      "--port", str(ports["api"])])  # fmt: skip
        deadline = t0 + timeout

        def wait(what: str, check: Callable[[], bool]) -> float:
            while time.monotonic() < deadline:
                stack.check_alive()
                if check():
                    return round(time.monotonic() - t0, 2)
                time.sleep(0.2)
            raise StackError(f"{what} not ready in {timeout:.0f} s")

        # As supervisord.conf does: Rasa starts once the action server answers.
        stack.startup["actions_ready_s"] = wait(
            "action server", lambda: _ok(f"{stack.actions_url}/health", "ok")
        )
        spawn("rasa", [*rasa_command(), "run", "--model", str(MODEL),
                       "--endpoints", str(var / "endpoints.yml"),
                       "--credentials", str(REPO / "credentials.yml"),
                       "--interface", "127.0.0.1", "--port", str(ports["rasa"])])  # fmt: skip
        stack.startup["api_ready_s"] = wait("API", lambda: _ok(f"{stack.api_url}/healthz"))
        progress(
            f"[stack] action server up at {stack.startup['actions_ready_s']} s, "
            f"API at {stack.startup['api_ready_s']} s; waiting for Rasa to load the model"
        )
        probe = ApiClient(stack.api_url)
        try:
            probe.login(*PROBE)
            first = probe.post("/api/screenings", {"trials": None})
            sid = first.body["screening_id"] if isinstance(first.body, dict) else None
            if sid is None:
                raise StackError(f"cannot create a screening: {first.error} {first.body}")

            def answered() -> bool:
                nonlocal first
                if turn_problem(first) is None:
                    return True
                first = probe.post(f"/api/screenings/{sid}/retry", {})
                return turn_problem(first) is None

            stack.startup["rasa_ready_s"] = wait("Rasa", lambda: _ok(f"{stack.rasa_url}/"))
            stack.startup["first_answer_s"] = wait("first answer", answered)
        finally:
            probe.close()
        progress(
            f"[stack] up: Rasa at {stack.startup['rasa_ready_s']} s, first delivered "
            f"answer at {stack.startup['first_answer_s']} s after spawning"
        )
        yield stack
    finally:
        for name in ("api", "rasa", "actions"):
            if name in stack.processes:
                bot_stack._stop(stack.processes[name], grace=15.0)
        for handle in logs:
            handle.close()
        if keep_var:
            progress(f"[stack] stopped; var dir kept: {var}")
        else:
            shutil.rmtree(var, ignore_errors=True)
