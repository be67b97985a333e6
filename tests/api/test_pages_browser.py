"""The pages in a real browser (Playwright driving Debian's Chromium, headless) against the
real stack: the app served by uvicorn, `rasa run` and the action server (tests/stack.py).

A clinician screens a case to a verdict by clicking quick replies and typing (the case player's
topic mapping picks the answers), the panel shows verdicts and evidence, a correction from the
panel changes a verdict; the action server is stopped and the notice and resend work; a
coordinator reviews, signs off and downloads the log; another clinician cannot open the
screening by its address; a phone-width run by keyboard alone; axe-core finds no serious or
critical violation on any page; no page breaks its Content-Security-Policy.  Screenshots go to
docs/screenshots/.

Slow (trains if needed, starts Rasa): `pytest -m slow tests/api/test_pages_browser.py`.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, axe_violations, browser_or_skip, screenshot, serve
from player import ApiScreener, load_cases, play

from api.cli import migrate
from api.core.config import Settings
from api.main import create_app
from api.screenings.models import Message
from api.users import service as users

pytestmark = pytest.mark.slow

import stack as bot  # noqa: E402  (tests/stack.py)

PASSWORD = "a long browser passphrase"
CASES = {c.id: c for c in load_cases("examples.yaml")}
TURN_TIMEOUT_MS = 120_000
RESTARTED: list[subprocess.Popen] = []


@dataclass
class Site:
    base: str
    app: Any

    def user(self, role: str, name: str) -> str:
        email = f"{name}-{role}-{os.urandom(3).hex()}@example.org"
        with self.app.state.sessionmaker() as db:
            users.create_user(db, email=email, role=role, password=PASSWORD)
            db.commit()
        return email

    def token(self, email: str) -> str:
        with self.app.state.sessionmaker() as db:
            user = users.get_user_by_email(db, email=email)
            _, secret = users.create_token(
                db, user=user, name="browser-test", settings=self.app.state.settings
            )
            db.commit()
        return secret


@pytest.fixture(scope="module")
def ready() -> None:
    browser_or_skip()


@pytest.fixture(scope="module")
def rasa(ready):
    with bot.bot_stack() as running:
        try:
            yield running
        finally:
            for process in RESTARTED:
                bot._stop(process)


@pytest.fixture(scope="module")
def site(rasa, tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'screener.db'}"
    migrate(url)
    settings = Settings(
        database_url=url, rasa_url=rasa.rasa, rasa_timeout=30.0, secret_key="browser-secret"
    )
    app = create_app(settings)
    with serve(app, bot.free_port()) as base:
        yield Site(base, app)


@pytest.fixture(scope="module")
def chromium(ready):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _problem(message: Any) -> bool:
    """A console message that means the page broke: a CSP violation or a script error (an
    HTTP error status the page expects, such as the 503 of the unavailable bot, is not)."""
    if "Content Security Policy" in message.text:
        return True
    return message.type == "error" and "Failed to load resource" not in message.text


@pytest.fixture
def open_page(chromium, site):
    """A new browser (context) and page at a viewport size; on teardown, no page of it may have
    broken the Content-Security-Policy or thrown a script error."""
    contexts, problems = [], []

    def open_(width: int = 1280, height: int = 900):
        context = chromium.new_context(
            base_url=site.base, viewport={"width": width, "height": height}, accept_downloads=True
        )
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if _problem(m) else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        return page

    yield open_
    for context in contexts:
        context.close()
    assert problems == [], problems


def no_serious_violations(page, name: str) -> None:
    found = axe_violations(page)
    assert found == [], f"axe on {name}: {found}"


def sign_in(page, email: str) -> None:
    page.goto("/")
    assert page.url.endswith("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")


def turns(page) -> int:
    return int(page.get_attribute("#chat-form", "data-turns") or 0)


def wait_turn(page, before: int) -> None:
    page.wait_for_function(
        f"() => Number(document.getElementById('chat-form').dataset.turns) > {before}",
        timeout=TURN_TIMEOUT_MS,
    )


def say(page, text: str | None = None, button=None, keyboard: bool = False) -> None:
    before = turns(page)
    if button is not None:
        if keyboard:
            tab_to(page, button)
            page.keyboard.press("Enter")
        else:
            button.click()
    else:
        if keyboard:
            tab_to(page, page.locator("#message"))
            page.keyboard.type(text)
        else:
            page.fill("#message", text)
        page.keyboard.press("Enter") if keyboard else page.press("#message", "Enter")
    wait_turn(page, before)


def tab_to(page, locator, limit: int = 80) -> None:
    """Press Tab until the element has the focus: it must be reachable by keyboard."""
    handle = locator.element_handle()
    for _ in range(limit):
        if page.evaluate("(el) => document.activeElement === el", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} not reachable with Tab in {limit} presses")


def status(page) -> str:
    return page.get_attribute("#screening-status", "data-status")


def last_question(page) -> str:
    text = page.locator("#chat-log li.msg.bot").last.inner_text()
    return re.sub(r"^Assistant:\s*", "", text)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def quick_reply_for(page, answer: str, topics: list[str]):
    """The quick-reply button that says the case's answer, if one does."""
    buttons = page.locator("#quick button.quick-reply")
    titles = buttons.all_inner_texts()
    for i, title in enumerate(titles):
        if topics == ["trial_choice"]:
            if "all" in title.lower().split():
                return buttons.nth(i)
        elif _norm(answer) == _norm(title) or _norm(answer).startswith(_norm(title) + " "):
            return buttons.nth(i)
    return None


def play_in_page(page, case, keyboard: bool = False, max_turns: int = 60) -> tuple[int, int]:
    """Answer the assistant's questions from the case until the screening is complete: a
    quick reply when one says the case's answer, else typed.  Returns (clicked, typed)."""
    clicked = typed = 0
    for _ in range(max_turns):
        if status(page) == "complete":
            return clicked, typed
        assert page.locator("#notice").is_hidden(), page.locator("#notice").inner_text()
        assert page.locator("#chat-error").is_hidden(), page.locator("#chat-error").inner_text()
        answer, topics = case.answer_for(last_question(page))
        button = quick_reply_for(page, answer, topics)
        if button is not None:
            say(page, button=button, keyboard=keyboard)
            clicked += 1
        else:
            say(page, answer, keyboard=keyboard)
            typed += 1
        for topic in topics:
            if topic in case.corrections:
                say(page, case.corrections[topic], keyboard=keyboard)
    raise AssertionError(f"no verdict after {max_turns} turns")


def start_from_home(page, trials: list[str] | None, patient_ref: str = "") -> str:
    for box in page.locator("input[name=trials]").all():
        box.set_checked(trials is not None and box.get_attribute("value") in trials)
    if patient_ref:
        page.get_by_label("Patient reference").fill(patient_ref)
    page.get_by_role("button", name="Start screening").click()
    page.wait_for_url(re.compile(r".*/screenings/\w+$"))
    return page.url.rsplit("/", 1)[1]


def verdict_badge(page, trial: str) -> str:
    return page.locator(f"#verdict-{trial} .badge").inner_text()


def test_clinician_screens_to_a_verdict_and_corrects_from_the_panel(open_page, site):
    page = open_page()
    page.goto("/")
    no_serious_violations(page, "sign-in")
    screenshot(page, "sign-in")
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong email or password."
    sign_in(page, site.user("clinician", "ada"))
    no_serious_violations(page, "home")
    sid = start_from_home(page, None, patient_ref="MRN-0042")
    assert "MRN" not in page.url and "MRN" not in page.title()
    no_serious_violations(page, "chat (first question)")

    # the "thinking" state shows while a turn is in flight (recorded as it happens, not timed)
    page.evaluate(
        """() => {
        const thinking = document.getElementById('thinking');
        new MutationObserver(() => {
          if (!thinking.hidden) window.sawThinking = document.getElementById('send').disabled;
        }).observe(thinking, { attributes: true });
      }"""
    )
    case = CASES["e02"]  # age 75: primary-rt eligible, oligomet-rt ineligible
    clicked, typed = play_in_page(page, case)
    assert page.evaluate("() => window.sawThinking") is True
    assert page.locator("#thinking").is_hidden()
    assert clicked >= 1 and typed >= 1, (clicked, typed)
    assert verdict_badge(page, "primary-rt") == "Eligible"
    assert verdict_badge(page, "oligomet-rt") == "Not eligible"
    oligomet = page.locator("#verdict-oligomet-rt").inner_text()
    assert "He's 75." in oligomet  # the clinician's words that decided it
    assert page.locator("#verdict-primary-rt .confirm li").count() >= 1  # confirm at enrollment
    assert page.get_by_text("Recorded facts").is_visible()
    no_serious_violations(page, "chat with panel")
    screenshot(page, "chat-with-panel", full_page=False)

    # correct the age from the panel: it goes through the chat, and the verdict changes
    page.get_by_role("button", name="Correct age").click()
    page.get_by_label("New value for age").fill("58")
    before = turns(page)
    page.get_by_role("button", name="Send correction").click()
    wait_turn(page, before)
    assert "correction: age is 58" in page.locator("#chat-log").inner_text()
    play_in_page(page, CASES["e01"])  # the same patient at 58: the remaining questions
    assert verdict_badge(page, "oligomet-rt") == "Eligible"
    assert verdict_badge(page, "primary-rt") == "Eligible"

    # nothing about the patient in the address, the title or the browser's storage
    assert "MRN" not in page.url and "MRN" not in page.title()
    stored = page.evaluate(
        "() => [localStorage.length, sessionStorage.length, document.cookie, history.length]"
    )
    assert stored[:3] == [0, 0, ""], stored  # the session cookie is HttpOnly: not readable
    # the page was built from stored records: a reload shows the same
    page.reload()
    assert verdict_badge(page, "oligomet-rt") == "Eligible"
    with site.app.state.sessionmaker() as db:
        said = [m.text for m in db.query(Message).filter_by(screening_id=sid, sender="clinician")]
    assert "correction: age is 58" in said

    page.get_by_role("link", name="Home").click()  # the past screening, with its verdicts
    row = page.locator(f'tr:has(a[href="/screenings/{sid}"])')
    assert "MRN-0042" in row.inner_text() and "primary-rt: Eligible" in row.inner_text()
    no_serious_violations(page, "home with a past screening")
    screenshot(page, "home")


def _our_processes(port: int, actions: bool = True) -> list[int]:
    """Our own child processes running the action server (or `rasa run`) on this port."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and (b"actions" in cmd) == actions and str(port).encode() in cmd:
            pids.append(int(proc.name))
    return pids


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def test_bot_unavailable_notice_then_resend(open_page, site, rasa):
    page = open_page()
    sign_in(page, site.user("clinician", "grace"))
    sid = start_from_home(page, ["primary-rt", "oligomet-rt"])
    case = CASES["e01"]
    answer, _ = case.answer_for(last_question(page))

    port = int(rasa.actions.rsplit(":", 1)[1])
    pids = _our_processes(port)
    assert pids, "cannot find the action server started by bot_stack"
    for pid in pids:
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while _healthy(f"{rasa.actions}/health") and time.monotonic() < deadline:
        time.sleep(0.2)

    say(page, answer)
    notice = page.locator("#notice")
    assert notice.is_visible() and "saved" in notice.inner_text()
    assert "not answering" in page.locator("#chat-log li.msg.system").last.inner_text()
    assert page.locator("#resend").evaluate("el => el === document.activeElement")
    no_serious_violations(page, "chat with the bot-unavailable notice")
    screenshot(page, "bot-unavailable", full_page=False)

    _restart(
        ["run", "actions", "--actions", "bot.actions", "--port", str(port)],
        f"{rasa.actions}/health",
        "ok",
        rasa.log_dir / "actions-restarted-pages.log",
    )

    before = turns(page)
    page.get_by_role("button", name="Resend").click()
    wait_turn(page, before)
    assert notice.is_hidden()
    with site.app.state.sessionmaker() as db:
        mine = db.query(Message).filter_by(screening_id=sid, text=answer).all()
    assert len(mine) == 1 and mine[0].status == "answered" and mine[0].attempts == 2
    play_in_page(page, case)
    assert verdict_badge(page, "primary-rt") == "Eligible"


def _restart(args: list[str], url: str, expect: str, log_path: Path) -> None:
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            bot.command(args),
            cwd=bot.REPO,
            env=bot._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    RESTARTED.append(process)
    bot._wait("restarted", process, url, expect, log_path, time.monotonic() + 300)


def test_rasa_stopped_notice_then_resend_starts_the_screening(open_page, site, rasa):
    """`rasa run` itself stopped: the screening started meanwhile is stored, the page says so,
    and Resend starts it once Rasa is back.  (Stopped at the start, because this stack keeps
    Rasa's conversations in memory; production's shared tracker store keeps them.)"""
    page = open_page()
    sign_in(page, site.user("clinician", "rosalind"))
    port = int(rasa.rasa.rsplit(":", 1)[1])
    pids = _our_processes(port, actions=False)
    assert pids, "cannot find the rasa server started by bot_stack"
    for pid in pids:
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while _healthy(f"{rasa.rasa}/") and time.monotonic() < deadline:
        time.sleep(0.2)

    start_from_home(page, ["primary-rt"])
    assert page.locator("#notice").is_visible()
    assert "not answering" in page.locator("#chat-log li.msg.system").last.inner_text()
    assert page.locator("#chat-log li.msg.bot").count() == 0

    _restart(
        ["run", "--model", str(bot.MODEL), "--endpoints", str(rasa.log_dir / "endpoints.yml"),
         "--credentials", str(bot.REPO / "credentials.yml"), "--interface", "127.0.0.1",
         "--port", str(port)],
        f"{rasa.rasa}/",
        "Hello from Rasa",
        rasa.log_dir / "rasa-restarted-pages.log",
    )  # fmt: skip
    before = turns(page)
    page.get_by_role("button", name="Resend").click()
    wait_turn(page, before)
    assert page.locator("#notice").is_hidden()
    assert page.locator("#chat-log li.msg.bot").count() >= 1
    assert CASES["e01"].answer_for(last_question(page))[1], last_question(page)  # a question


def _screened_through_api(site, email: str, case_id: str) -> str:
    with httpx.Client(base_url=site.base, timeout=120) as client:
        screener = ApiScreener(client, {"Authorization": f"Bearer {site.token(email)}"})
        result = play(CASES[case_id], screener.start, screener.send, screener.finished)
    assert not result.wrong(), result.wrong()
    return screener.sid


def test_coordinator_signs_off_and_downloads_the_log(open_page, site):
    clinician = site.user("clinician", "barbara")
    sid = _screened_through_api(site, clinician, "e03")  # prior chemo: both ineligible
    page = open_page()
    sign_in(page, site.user("coordinator", "mary"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    page.get_by_label("Verdict").select_option("ineligible")
    page.get_by_label("Review state").select_option("pending")
    page.get_by_role("button", name="Filter").click()
    assert "verdict=ineligible" in page.url
    rows = page.locator(f'a[href="/review/{sid}"]')
    assert rows.count() == 2  # one row per trial
    no_serious_violations(page, "review queue")
    screenshot(page, "queue")

    rows.first.click()
    page.wait_for_url(f"**/review/{sid}")
    evidence = page.locator(".decisive button.evidence").first  # what made it ineligible
    tab_to(page, evidence, limit=300)  # by keyboard
    page.keyboard.press("Enter")
    highlighted = page.locator("li.msg.highlight")
    assert highlighted.count() == 1 and highlighted.evaluate("el => el === document.activeElement")
    words = re.search(r"“(.+)”", evidence.inner_text()).group(1)
    assert words in highlighted.inner_text()  # the turn that said them
    assert page.locator("#verdict-primary-rt").get_by_text("Trial rules version").is_visible()
    no_serious_violations(page, "review page")
    screenshot(page, "review", full_page=False)  # transcript and evidence side by side

    form = page.get_by_role("form", name="Review primary-rt")
    tab_to(page, form.get_by_label("Reason (required)"), limit=300)
    page.keyboard.type("Checked against the notes.")
    tab_to(page, form.get_by_role("button", name="Record review of primary-rt"))
    # the form posts and the page comes back (303): wait for that page, not for the current one
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "signed off by" in page.locator("#verdict-primary-rt").inner_text()
    audit = page.locator("table").last.inner_text()
    assert "sign off" in audit and "Checked against the notes." in audit

    page.goto("/review")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the screening log (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if sid in line and ",primary-rt," in line)
    assert "signed_off" in row and "Checked against the notes." in row


def test_clinician_cannot_open_another_clinicians_screening(open_page, site):
    owner = site.user("clinician", "owner")
    sid = _screened_through_api(site, owner, "e05")
    page = open_page()
    sign_in(page, site.user("clinician", "other"))
    assert sid not in page.content()  # not on their home page
    response = page.goto(f"/screenings/{sid}")
    assert response.status == 404
    assert "not yours" in page.get_by_role("alert").inner_text()
    no_serious_violations(page, "not-found page")
    response = page.goto(f"/review/{sid}")
    assert response.status == 403


def test_phone_width_by_keyboard_alone(open_page, site):
    page = open_page(390, 844)
    email = site.user("clinician", "phone")
    page.goto("/sign-in")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(email)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/home")
    tab_to(page, page.get_by_role("button", name="Start screening"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/screenings/\w+$"))
    clicked, typed = play_in_page(page, CASES["e04"], keyboard=True)
    assert clicked >= 1 and typed >= 1
    assert verdict_badge(page, "oligomet-rt") == "Not eligible"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px: {width}"
    no_serious_violations(page, "chat at 390 px")
    screenshot(page, "phone-width-chat", full_page=False)
    page.locator("#panel-h").scroll_into_view_if_needed()
    screenshot(page, "phone-width", full_page=False)  # the verdicts, below the chat
    # sign out by keyboard too
    tab_to(page, page.get_by_role("button", name="Sign out"), limit=200)
    page.keyboard.press("Enter")
    page.wait_for_url("**/sign-in")


def test_admin_manages_users_and_tokens(open_page, site):
    page = open_page()
    sign_in(page, site.user("admin", "root"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users and tokens").click()
    page.get_by_label("Email").fill("new.coordinator@example.org")
    page.get_by_label("Role").select_option("coordinator")
    page.get_by_role("button", name="Add user").click()
    page.get_by_label("Token name for new.coordinator@example.org").fill("sheets")
    page.get_by_label("Token name for new.coordinator@example.org").press("Enter")
    token = page.get_by_label("Token", exact=True).input_value()
    assert token.startswith("sct_")
    no_serious_violations(page, "users and tokens")
    screenshot(page, "users")
    me = httpx.get(f"{site.base}/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == "new.coordinator@example.org"
    page.get_by_role("button", name="Revoke sheets").click()
    me = httpx.get(f"{site.base}/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401
