"""What the Teams door adds to a turn: one screening played through `POST /api/messages`
(token check, activity parsing, the screening service, replies to the Bot Connector stand-in)
against the same screening through the JSON API, both with the fake bot, on SQLite.

    .venv-app/bin/python benchmarks/teams_benchmark.py

Prints figures; asserts nothing (these machines are noisy).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [
    str(ROOT),
    str(ROOT / "tests"),
    str(ROOT / "tests" / "api"),
    str(ROOT / "tests" / "api" / "teams"),
]

from fakebot import FakeRasa  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from player import ApiScreener, load_cases, play  # noqa: E402
from standin import APP_ID, APP_PASSWORD, TENANT, StandInServer, Teams, TeamsScreener  # noqa: E402

from api.cli import migrate  # noqa: E402
from api.core.config import Settings  # noqa: E402
from api.main import create_app  # noqa: E402
from api.teams import service as teams_service  # noqa: E402
from api.users import service as users  # noqa: E402

ROUNDS = 5


def main() -> None:
    case = load_cases("examples.yaml")[1]
    with tempfile.TemporaryDirectory() as tmp, StandInServer() as standin:
        url = f"sqlite:///{tmp}/bench.db"
        migrate(url)
        settings = Settings(
            database_url=url,
            secret_key="bench",
            teams_app_id=APP_ID,
            teams_app_password=APP_PASSWORD,
            teams_tenant_id=TENANT,
            teams_openid_metadata_url=standin.url + "/openid",
            teams_token_endpoint=standin.url + "/token",
        )
        app = create_app(settings, bot=FakeRasa())
        with TestClient(app) as client, app.state.sessionmaker() as db:
            user = users.create_user(db, email="bench@example.org", role="clinician")
            _, token = users.create_token(db, user=user, name="bench", settings=settings)
            aad = str(uuid.uuid4())
            teams_service.link_user(db, aad_object_id=aad, user=user)
            db.commit()
            per_turn = {"json api": [], "teams": []}
            for _ in range(ROUNDS):
                web = ApiScreener(client, {"Authorization": f"Bearer {token}"})
                start = time.perf_counter()
                play(case, web.start, web.send, web.finished)
                per_turn["json api"].append((time.perf_counter() - start) / (web.turns + 1))
                screener = TeamsScreener(
                    Teams(client, standin, aad, f"a:{uuid.uuid4().hex}"), lambda: {}
                )
                start = time.perf_counter()
                play(case, screener.start, screener.send, screener.finished)
                per_turn["teams"].append((time.perf_counter() - start) / (screener.turns + 1))
            for door, times in per_turn.items():
                print(
                    f"{door:9s} median {statistics.median(times) * 1000:6.1f} ms per turn "
                    f"({ROUNDS} screenings of case {case.id})"
                )
            print(
                f"connector activities recorded: {len(standin.activities)}, "
                f"token requests: {len(standin.token_requests)}"
            )


if __name__ == "__main__":
    main()
