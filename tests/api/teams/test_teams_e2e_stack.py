"""End to end: a screening in a Teams chat against the real Rasa stack (tests/stack.py), with
the Bot Connector stand-in: the right verdicts, stored like a web chat, in the review queue.

Slow (trains if needed, starts `rasa run` + `rasa run actions`): `pytest -m slow tests/api/teams`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from player import load_cases, play
from sqlalchemy import select
from standin import Teams, TeamsScreener, cards_in

from api.main import create_app
from api.teams.models import TeamsConversation

pytestmark = pytest.mark.slow

if not (Path(__file__).parents[2] / "stack.py").exists():
    pytest.skip("tests/stack.py (the bot stack helper) is missing", allow_module_level=True)

import stack as bot  # noqa: E402  (tests/stack.py)

CASES = {c.id: c for c in load_cases("examples.yaml")}


@pytest.fixture(scope="module")
def rasa():
    with bot.bot_stack() as running:
        yield running


@pytest.fixture
def e2e(settings, rasa):
    settings = settings.model_copy(update={"rasa_url": rasa.rasa, "rasa_timeout": 30.0})
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize("case_id", ["e01", "e02"])
def test_a_teams_screening_through_the_real_bot(
    e2e, standin, db, clinician, coordinator, link, case_id
):
    import uuid

    case = CASES[case_id]
    teams = Teams(e2e, standin, link(clinician), f"a:{uuid.uuid4().hex}")

    def sid() -> str:
        db.expire_all()
        return db.scalar(
            select(TeamsConversation.screening_id).where(
                TeamsConversation.conversation_id == teams.conversation
            )
        )

    def verdicts() -> dict[str, str]:
        s = e2e.get(f"/api/screenings/{sid()}", headers=clinician.h).json()
        return {v["trial"]: v["status"] for v in s["verdicts"]}

    screener = TeamsScreener(teams, verdicts)
    result = play(case, screener.start, screener.send, screener.finished)
    assert not result.false_eligible(), result.transcript
    assert not result.wrong(), (result.wrong(), result.transcript)
    assert screener.submits >= 1 and screener.mentions >= 1
    assert screener.clicks >= 1, "no suggested action was clicked"
    assert cards_in(screener.last)

    s = e2e.get(f"/api/screenings/{sid()}", headers=coordinator.h).json()
    assert s["status"] == "complete"
    said = [m["text"] for m in s["transcript"] if m["sender"] == "clinician"]
    assert said[0] == "/start_screening" and all("<at>" not in t for t in said)
    assert all(m["status"] == "answered" for m in s["transcript"] if m["sender"] == "clinician")
    evidence = [e for v in s["verdicts"] for c in v["criteria"] for e in c["evidence"]]
    assert evidence and all(e["text"] in said or e["source"] == "derived" for e in evidence)
    queue = e2e.get("/api/review/queue", params={"limit": 200}, headers=coordinator.h).json()
    assert {r["trial"]: r["status"] for r in queue["items"] if r["screening_id"] == sid()} == (
        case.expect
    )
