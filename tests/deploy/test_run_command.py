"""The README's run command brings the whole screener up, a scripted screening succeeds through
the API, and Ctrl-C stops every process it started.

Slow: starts `scripts/run` (environments and model already in place after scripts/test's set-up
and training, so this measures the second-run path).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import stack
from player import ApiScreener, load_cases, play

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _pids_in_group(pgid: int) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if os.getpgid(int(proc.name)) == pgid:
                    pids.append(int(proc.name))
            except (ProcessLookupError, PermissionError):
                pass
    return pids


def test_run_command_serves_a_screening_and_stops_cleanly(tmp_path):
    stack.train()
    api_port, rasa_port, actions_port = stack.free_port(), stack.free_port(), stack.free_port()
    env = {
        **os.environ,
        "API_PORT": str(api_port),
        "RASA_PORT": str(rasa_port),
        "ACTIONS_PORT": str(actions_port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "SCREENER_ADMIN_EMAIL": "admin@example.org",
        "SCREENER_ADMIN_PASSWORD": "a-long-admin-passphrase",
        "SCREENER_VAR": str(tmp_path / "var"),  # its logs, tracker store and supervisor socket
    }
    log = tmp_path / "run.log"
    started = time.monotonic()
    with open(log, "wb") as out:
        run = subprocess.Popen(
            [str(REPO / "scripts" / "run")],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300
        while "The screener is up" not in log.read_text(errors="replace"):
            assert run.poll() is None, f"scripts/run exited:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"not up in time:\n{log.read_text()[-3000:]}"
            time.sleep(0.5)
        up_after = time.monotonic() - started
        print(f"scripts/run: up after {up_after:.1f} s (environments and model already there)")
        base = f"http://127.0.0.1:{api_port}"
        subprocess.run(
            [str(REPO / ".venv-app/bin/python"), "-m", "api.cli", "create-user",
             "dr.run@example.org", "clinician", "--password", "another-long-passphrase"],
            cwd=REPO, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        token = subprocess.run(
            [str(REPO / ".venv-app/bin/python"), "-m", "api.cli", "create-token",
             "dr.run@example.org", "run-test"],
            cwd=REPO, env=env, capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        with httpx.Client(base_url=base, timeout=60) as client:
            login = client.post(
                "/api/auth/login",
                json={"email": "admin@example.org", "password": "a-long-admin-passphrase"},
            )
            assert login.status_code == 200, login.text  # the first admin exists
            case = next(c for c in load_cases("examples.yaml") if c.id == "e02")
            screener = ApiScreener(client, {"Authorization": f"Bearer {token}"})
            result = play(case, screener.start, screener.send, screener.finished)
        assert not result.wrong(), result.transcript
        # every process's output, at the levels the run command sets, carries no patient text
        said = [text for who, text in result.transcript if who == "clinician" and len(text) > 8]
        output = log.read_text(errors="replace")
        assert said and not [text for text in said if text in output], "patient text in logs"
        # nor in any process's log file (supervisord writes one per process)
        files = sorted((tmp_path / "var" / "log").glob("*.log"))
        assert {f.stem for f in files} == {"actions", "rasa", "api", "supervisord"}
        for path in files:
            text = path.read_text(errors="replace")
            assert not [t for t in said if t in text], f"patient text in {path.name}"
    finally:
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground group
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            raise
    deadline = time.monotonic() + 30
    while _pids_in_group(run.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _pids_in_group(run.pid) == [], "processes left running after Ctrl-C"
    for port in (api_port, rasa_port, actions_port):
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
