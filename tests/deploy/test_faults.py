"""Nothing lost when a process dies or the screener restarts, on the default run.

One `scripts/run` (SQLite database, Rasa's SQL tracker store on SQLite, supervisord) serves
every test in this module, in order.  In each, a clinician plays a screening case through the
API with a client message id per message; at the third message a fault is injected: `kill -9`
of Rasa, of the action server, of the API; the tracker store file deleted (and Rasa restarted
on an empty store); the whole screener stopped with Ctrl-C (SIGINT) and started again.  The
clinician resends the same message while the answer is 503 with `retry: true` (or, while the
API itself is away, the connection is refused).  Every time: the process is back by itself
(a new pid from supervisord), the screening finishes with the case's verdicts, nothing is
asked twice, every message is stored and answered once, and every fact asked has its evidence.

Slow: Rasa loads its model in about 30 s at start and after each Rasa fault.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stack
from player import ApiScreener, load_cases, play

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
CASES = {c.id: c for c in load_cases("examples.yaml", "own.yaml")}
BACK_WITHIN = 420.0  # seconds: generous, the machine is shared
SAID: list[str] = []  # every clinician message of this module, looked for in the logs at the end
CANARY = "CANARY-PATIENT-7Q4Z"  # a patient reference that must appear in no log


class DefaultRun:
    """`scripts/run` on free ports with its own var directory, started and stopped like a user."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.var = home / "var"
        self.api_port = stack.free_port()
        self.env = {
            **os.environ,
            "API_PORT": str(self.api_port),
            "RASA_PORT": str(stack.free_port()),
            "ACTIONS_PORT": str(stack.free_port()),
            "DATABASE_URL": f"sqlite:///{home / 'screener.db'}",
            "SCREENER_VAR": str(self.var),
            "SCREENER_ADMIN_EMAIL": "admin@example.org",
            "SCREENER_ADMIN_PASSWORD": "a-long-admin-passphrase",
        }
        self.env.pop("RASA_ENDPOINTS", None)
        self.log = home / "run.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [str(REPO / "scripts" / "run")],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + BACK_WITHIN
        while self.output().count("The screener is up") < self.starts:
            assert self.process.poll() is None, f"scripts/run exited:\n{self.output()[-3000:]}"
            assert time.monotonic() < deadline, f"not up in time:\n{self.output()[-3000:]}"
            time.sleep(0.5)

    def stop(self) -> None:
        """Ctrl-C: SIGINT to the whole foreground group, as a terminal sends it."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [str(REPO / ".venv-app/bin/python"), "-m", "api.cli", *args],
            cwd=REPO, env=self.env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stdout

    def pid(self, program: str) -> int:
        """The pid supervisord has for a program (0 while it is not running)."""
        done = subprocess.run(
            [str(REPO / ".venv-app/bin/supervisorctl"), "-c", "supervisord.conf", "pid", program],
            cwd=REPO, env=self.env, capture_output=True, text=True,
        )  # fmt: skip
        text = done.stdout.strip()
        return int(text) if text.isdigit() else 0

    def kill(self, program: str) -> int:
        pid = self.pid(program)
        assert pid, f"{program} is not running"
        os.kill(pid, signal.SIGKILL)
        return pid


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Iterator[DefaultRun]:
    stack.train()
    running = DefaultRun(tmp_path_factory.mktemp("default-run"))
    running.start()
    try:
        yield running
    finally:
        if running.process is not None and running.process.poll() is None:
            running.stop()


@pytest.fixture(scope="module")
def token(run) -> str:
    run.cli("create-user", "dr.faults@example.org", "clinician", "--password", "long-passphrase-1")
    return run.cli("create-token", "dr.faults@example.org", "faults").strip().splitlines()[-1]


class PatientClinician(ApiScreener):
    """Sends each message with its own client message id and resends it until it is answered:
    on 503 (which must say `retry: true`) and while the API refuses connections."""

    def __init__(self, client: httpx.Client, fault: Callable[[], None]) -> None:
        super().__init__(client)
        self.fault = fault
        self.unavailable = 0  # 503 answers
        self.refused = 0  # connections refused (the API itself away)
        self.asked: list[str] = []
        self.groups: set[str] = set()
        self.faulted = False

    def start(self) -> tuple[list[str], str]:
        r = self.client.post("/api/screenings", json={"patient_ref": CANARY})
        assert r.status_code == 201, r.text
        self.last = r.json()
        assert self.last["delivered"], self.last
        self.sid = self.last["screening_id"]
        self._note_asking()
        return [m["text"] for m in self.last["replies"]], self.sid

    def _note_asking(self) -> None:
        asking = self.last.get("asking") or {}
        fact = asking.get("fact")
        if fact and self.last["status"] != "complete":
            self.asked.append(fact)
            if (asking.get("expected") or {}).get("kind") == "group":
                self.groups.add(fact)  # a checklist or lab panel: not a fact of its own

    def send(self, sid: str, text: str) -> list[str]:
        self.turns += 1
        if self.turns == 3:
            self.fault()
            self.faulted = True
        body = {"text": text, "client_message_id": f"m{self.turns}"}
        deadline = time.monotonic() + BACK_WITHIN
        while True:
            assert time.monotonic() < deadline, "the screener did not come back"
            try:
                r = self.client.post(f"/api/screenings/{sid}/messages", json=body)
            except httpx.TransportError:
                self.refused += 1
                time.sleep(1)
                continue
            if r.status_code == 503:
                assert r.json()["retry"] is True and r.headers["retry-after"], r.text
                self.unavailable += 1
                time.sleep(1)
                continue
            assert r.status_code == 200, r.text
            break
        self.last = r.json()
        self._note_asking()
        return [m["text"] for m in self.last["replies"]]


def play_with_fault(run: DefaultRun, token: str, case_id: str, fault: Callable[[], None]) -> Any:
    with httpx.Client(
        base_url=run.base, timeout=90, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        clinician = PatientClinician(client, fault)
        result = play(CASES[case_id], clinician.start, clinician.send, clinician.finished)
        assert clinician.faulted, "the case ended before the fault"
        assert not result.wrong(), result.transcript
        stored = client.get(f"/api/screenings/{clinician.sid}").json()
    # nothing asked twice (a rebuilt conversation goes on at the question it was at)
    repeated = [f for f in set(clinician.asked) if clinician.asked.count(f) > 1]
    assert not repeated, (repeated, result.transcript)
    # every message stored once and answered; no answer given twice to the bot's records
    mine = [m for m in stored["transcript"] if m["sender"] == "clinician"]
    said = [t for who, t in result.transcript if who == "clinician"]
    SAID.extend(said)
    assert [m["text"] for m in mine] == ["/start_screening", *said]
    assert all(m["status"] == "answered" for m in mine), mine
    # every fact asked (and so answered) is on record as evidence, in the clinician's words
    evidence = [
        e for v in stored["verdicts"] for c in v["criteria"] for e in c["evidence"]
    ]  # fmt: skip
    assert set(clinician.asked) - {"trials"} - clinician.groups <= {e["fact"] for e in evidence}
    assert {e["text"] for e in evidence} <= set(said)
    return clinician


def wait_until_running(run: DefaultRun, program: str, old_pid: int) -> int:
    deadline = time.monotonic() + BACK_WITHIN
    while not (pid := run.pid(program)) or pid == old_pid:
        assert time.monotonic() < deadline, f"{program} did not come back"
        time.sleep(0.5)
    return pid


def listening_addresses(port: int) -> set[str]:
    """The local addresses of sockets listening on a TCP port (Linux /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_rasa_and_the_action_server_listen_on_loopback_only(run):
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1
    for name in ("RASA_PORT", "ACTIONS_PORT"):
        addresses = listening_addresses(int(run.env[name]))
        assert addresses and addresses <= loopback, (name, addresses)


def test_rasa_killed_comes_back_and_the_screening_goes_on(run, token):
    killed: list[int] = []
    clinician = play_with_fault(run, token, "e01", lambda: killed.append(run.kill("rasa")))
    assert clinician.unavailable >= 1  # the clinician was told to resend meanwhile
    assert wait_until_running(run, "rasa", killed[0]) != killed[0]
    assert run.pid("actions") and run.pid("api")


def test_action_server_killed_comes_back_and_the_screening_goes_on(run, token):
    killed: list[int] = []

    def fault() -> None:
        killed.append(run.kill("actions"))

    clinician = play_with_fault(run, token, "e02", fault)
    assert wait_until_running(run, "actions", killed[0]) != killed[0]
    # the kill lands between two messages: whether the next one meets it down depends on how
    # fast supervisord is, so a 503 is allowed, not required, here
    assert clinician.refused == 0


def test_api_killed_comes_back_and_the_screening_goes_on(run, token):
    killed: list[int] = []
    play_with_fault(run, token, "e04", lambda: killed.append(run.kill("api")))
    assert wait_until_running(run, "api", killed[0]) != killed[0]


def test_tracker_store_lost_the_api_restores_the_screening(run, token):
    store = run.var / "tracker.db"

    def fault() -> None:
        assert store.exists()
        old = run.kill("rasa")
        # the store is the database with its write-ahead log (bot/speedups/tracker_store.py):
        # all of it is lost
        for path in (store, store.with_name("tracker.db-wal"), store.with_name("tracker.db-shm")):
            path.unlink(missing_ok=path != store)
        killed.append(old)

    killed: list[int] = []
    before = len(run.output())
    clinician = play_with_fault(run, token, "e05", fault)
    assert clinician.unavailable >= 1
    assert wait_until_running(run, "rasa", killed[0]) != killed[0]
    # rebuilt by Rasa's session start from the record, not by the API's fallback (a new
    # conversation when an answer would lose facts)
    assert "resending to a conversation rebuilt" not in run.output()[before:]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


def test_whole_screener_stopped_and_started_again(run, token):
    stopped: list[int] = []

    def fault() -> None:
        stopped.extend(run.pid(name) for name in ("actions", "rasa", "api"))
        run.stop()
        assert not [pid for pid in stopped if alive(pid)], "a process outlived Ctrl-C"
        run.start()

    play_with_fault(run, token, "e02", fault)
    assert "[run] stopped" in run.output()
    assert all(stopped) and not set(stopped) & {run.pid(n) for n in ("actions", "rasa", "api")}


def test_no_patient_text_in_any_log_or_terminal_line(run):
    """Every message of the screenings above, and the patient reference, at the default levels."""
    texts = [t for t in SAID if len(t) > 8] + [CANARY]
    assert len(texts) > 20
    logs = {path.name: path.read_text(errors="replace") for path in run.var.glob("log/*.log*")}
    logs["terminal"] = run.output()
    assert {"api.log", "rasa.log", "actions.log", "supervisord.log"} <= set(logs)
    found = {name: [t for t in texts if t in text] for name, text in logs.items()}
    assert not any(found.values()), found
