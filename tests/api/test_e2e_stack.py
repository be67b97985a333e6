"""End to end: the API against the real Rasa stack (tests/stack.py): screening cases played
through the API with the case player, stored verdicts and transcripts checked; then the action
server is stopped mid-screening (clear message, nothing lost) and restarted (resend works).

Slow (trains if needed, starts `rasa run` + `rasa run actions`): `pytest -m slow tests/api`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from player import ApiScreener, load_cases, play

from api.main import create_app
from api.screenings.service import UNAVAILABLE

pytestmark = pytest.mark.slow

if not (Path(__file__).parents[1] / "stack.py").exists():
    pytest.skip("tests/stack.py (the bot stack helper) is missing", allow_module_level=True)

import stack as bot  # noqa: E402  (tests/stack.py)

CASES = load_cases("examples.yaml")


RESTARTED: list[subprocess.Popen] = []  # action servers this module started itself


@pytest.fixture(scope="module")
def rasa():
    with bot.bot_stack() as running:
        try:
            yield running
        finally:
            for process in RESTARTED:
                bot._stop(process)


@pytest.fixture
def e2e(settings, rasa):
    settings = settings.model_copy(update={"rasa_url": rasa.rasa, "rasa_timeout": 30.0})
    with TestClient(create_app(settings)) as client:
        yield client


def check_stored(client, who, sid, result):
    s = client.get(f"/api/screenings/{sid}", headers=who.h).json()
    assert s["status"] == "complete"
    assert {v["trial"]: v["status"] for v in s["verdicts"]} == result.verdicts
    assert all(v["version"] and v["criteria"] for v in s["verdicts"])
    assert set(s["trial_versions"]) == set(result.verdicts)
    said = [m["text"] for m in s["transcript"] if m["sender"] == "clinician"]
    assert said == ["/start_screening"] + [t for w, t in result.transcript if w == "clinician"]
    assert all(m["status"] == "answered" for m in s["transcript"] if m["sender"] == "clinician")
    bot_texts = [m["text"] for m in s["transcript"] if m["sender"] == "bot" and m["text"]]
    assert bot_texts == [t for w, t in result.transcript if w == "bot" and t]
    # evidence: every recorded fact keeps the clinician's exact words
    evidence = [e for v in s["verdicts"] for c in v["criteria"] for e in c["evidence"]]
    assert evidence and all(e["text"] in said or e["source"] == "derived" for e in evidence)
    return s


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cases_through_api_and_real_bot(e2e, make_user, case):
    who = make_user("clinician")
    screener = ApiScreener(e2e, who.h)
    result = play(case, screener.start, screener.send, screener.finished)
    check_stored(e2e, who, screener.sid, result)
    assert not result.false_eligible(), result.transcript
    assert not result.wrong(), result.wrong()


def _children_running(port: int) -> list[int]:
    """Our own child processes running the action server on this port (started by bot_stack)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and b"actions" in cmd and str(port).encode() in cmd:
            pids.append(int(proc.name))
    return pids


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def test_action_server_down_then_back(e2e, rasa, make_user):
    case = next(c for c in CASES if c.id == "e01")
    who = make_user("clinician")
    port = int(rasa.actions.rsplit(":", 1)[1])
    r = e2e.post("/api/screenings", json={"trials": ["primary-rt", "oligomet-rt"]}, headers=who.h)
    assert r.status_code == 201 and r.json()["delivered"]
    sid, question = r.json()["screening_id"], r.json()["replies"][-1]["text"]
    text, _ = case.answer_for(question)
    url = f"/api/screenings/{sid}/messages"

    # stop the action server (ours: started by bot_stack, or restarted by this test before)
    pids = _children_running(port)
    assert pids, "cannot find the action server started by bot_stack"
    for pid in pids:
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while _healthy(f"{rasa.actions}/health") and time.monotonic() < deadline:
        time.sleep(0.2)

    r = e2e.post(url, json={"text": text, "client_message_id": "t1"}, headers=who.h)
    assert r.status_code == 503, r.text
    assert r.json()["detail"] == UNAVAILABLE
    s = e2e.get(f"/api/screenings/{sid}", headers=who.h).json()
    mine = [m for m in s["transcript"] if m.get("client_message_id") == "t1"]
    assert len(mine) == 1 and mine[0]["status"] == "failed" and mine[0]["text"] == text
    assert s["transcript"][-1]["sender"] == "system"
    assert s["transcript"][-1]["text"] == UNAVAILABLE

    # restart it; it stays up for the rest of the module and stops with the stack
    log_path = rasa.log_dir / "actions-restarted.log"
    with open(log_path, "ab") as log:
        restarted = subprocess.Popen(
            [str(bot.RASA), "run", "actions", "--actions", "bot.actions", "--port", str(port)],
            cwd=bot.REPO,
            env=bot._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    RESTARTED.append(restarted)
    bot._wait(
        "action server", restarted, f"{rasa.actions}/health", "ok", log_path, time.monotonic() + 120
    )

    r = e2e.post(url, json={"text": text, "client_message_id": "t1"}, headers=who.h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["delivered"] and not body["duplicate"]
    s = e2e.get(f"/api/screenings/{sid}", headers=who.h).json()
    mine = [m for m in s["transcript"] if m.get("client_message_id") == "t1"]
    assert len(mine) == 1 and mine[0]["status"] == "answered" and mine[0]["attempts"] == 2
    # and the screening goes on to the right verdicts
    for _ in range(60):
        if body["status"] == "complete":
            break
        answer, _ = case.answer_for(body["replies"][-1]["text"] if body["replies"] else "")
        r = e2e.post(url, json={"text": answer}, headers=who.h)
        assert r.status_code == 200, r.text
        body = r.json()
    assert body["status"] == "complete"
    got = {slug: v["status"] for slug, v in body["verdicts"].items()}
    assert got == case.expect, got
