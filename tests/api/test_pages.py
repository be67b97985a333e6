"""The browser pages through the app (TestClient, the fake Rasa at the seam): sign-in and out,
CSRF on every form and on the JSON API with the session cookie, the security headers, who may
open what, the review forms and the admin page.  The real browser runs are in
test_pages_browser.py."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from api.core.db import utcnow
from api.pages.web import CSP
from api.users.models import WebSession

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')


def csrf_of(html: str) -> str:
    return TOKEN.search(html).group(1)


def sign_in(client, email: str, password: str = PASSWORD):
    page = client.get("/sign-in")
    assert page.status_code == 200, page.text
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


@pytest.fixture
def person(make_user):
    """A user of a role who can sign in with PASSWORD."""

    def make(role: str):
        return make_user(role, password=PASSWORD)

    return make


def signed_in_as(client, who) -> str:
    r = sign_in(client, who.email)
    assert r.status_code == 303 and r.headers["location"] == "/home", r.text
    home = client.get("/home")
    assert home.status_code == 200
    return META.search(home.text).group(1)


def start_page_screening(client, csrf: str, patient_ref: str = "") -> str:
    r = client.post(
        "/screenings/new",
        data={
            "csrf_token": csrf,
            "trials": ["primary-rt", "oligomet-rt"],
            "patient_ref": patient_ref,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def test_root_opens_sign_in_with_strict_headers(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    page = client.get("/sign-in")
    assert page.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    # no inline script, style or handler that the policy would have to allow
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)
    assert not re.search(r"\s(style|on\w+)=", page.text)
    assert "http://" not in page.text and "https://" not in page.text
    js = client.get("/static/screener.js")
    assert (
        js.status_code == 200 and "localStorage" not in js.text and "sessionStorage" not in js.text
    )


def test_sign_in_wrong_password_then_right(client, person):
    who = person("clinician")
    r = sign_in(client, who.email, "not the password")
    assert r.status_code == 401 and "Wrong email or password." in r.text
    r = sign_in(client, "nobody@example.org")
    assert r.status_code == 401 and "Wrong email or password." in r.text
    # a form without the sign-in token (another site posting it) is refused
    r = client.post("/sign-in", data={"email": who.email, "password": PASSWORD})
    assert r.status_code == 400 and "session" not in client.cookies
    r = sign_in(client, who.email)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/", follow_redirects=False).headers["location"] == "/home"


def test_sign_out_ends_the_session(client, person):
    who = person("clinician")
    csrf = signed_in_as(client, who)
    cookie = client.cookies.get("screener_session")
    # sign-out needs the token too (a cross-site form cannot sign people out)
    r = client.post("/sign-out", data={"csrf_token": "wrong"}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    client.cookies.set("screener_session", cookie)  # even if the browser kept it
    assert client.get("/home", follow_redirects=False).headers["location"] == "/sign-in"


def test_expired_session_goes_back_to_sign_in(client, person, db):
    who = person("clinician")
    signed_in_as(client, who)
    db.execute(
        update(WebSession)
        .where(WebSession.user_id == who.id)
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    db.commit()
    r = client.get("/home", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"


def test_start_and_chat_through_the_json_api_with_csrf(client, person):
    who = person("clinician")
    csrf = signed_in_as(client, who)
    r = client.post("/screenings/new", data={"trials": ["primary-rt"]}, follow_redirects=False)
    assert r.status_code == 403
    sid = start_page_screening(client, csrf, patient_ref="MRN-0042")
    page = client.get(f"/screenings/{sid}")
    assert page.status_code == 200
    assert "MRN-0042" in page.text  # shown to its clinician in the page...
    title = re.search(r"<title>(.*?)</title>", page.text).group(1)
    assert "MRN" not in title and "MRN" not in sid  # ...never in the title or the address
    assert 'id="chat-form"' in page.text and '<li class="msg bot"' in page.text
    url = f"/api/screenings/{sid}/messages"
    body = {"text": "Lung adenocarcinoma, confirmed by histology.", "client_message_id": "p1"}
    assert client.post(url, json=body).status_code == 403  # the cookie alone is not enough
    r = client.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["delivered"]
    panel = client.get(f"/screenings/{sid}/panel")
    assert panel.status_code == 200
    assert "Recorded facts" in panel.text and "Lung adenocarcinoma" in panel.text
    assert "Correct diagnosis" in panel.text


def test_bot_down_page_offers_resend_of_the_saved_message(client, person, bot):
    who = person("clinician")
    csrf = signed_in_as(client, who)
    sid = start_page_screening(client, csrf)
    bot.mode = "down"
    url = f"/api/screenings/{sid}/messages"
    body = {"text": "Lung adenocarcinoma.", "client_message_id": "q1"}
    r = client.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 503 and r.json()["retry"] is True
    page = client.get(f"/screenings/{sid}").text
    notice = re.search(r'<div class="notice" id="notice"([^>]*)>', page).group(1)
    assert "hidden" not in notice
    assert 'data-text="Lung adenocarcinoma."' in page and 'data-cmid="q1"' in page
    bot.mode = "ok"
    r = client.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["delivered"]
    page = client.get(f"/screenings/{sid}").text
    assert "hidden" in re.search(r'<div class="notice" id="notice"([^>]*)>', page).group(1)


def test_other_clinicians_screening_is_not_found_by_url(client, person):
    owner, other, coordinator = person("clinician"), person("clinician"), person("coordinator")
    sid = start_page_screening(client, signed_in_as(client, owner))
    client.cookies.clear()
    signed_in_as(client, other)
    for path in (f"/screenings/{sid}", f"/screenings/{sid}/panel"):
        r = client.get(path)
        assert r.status_code == 404 and "not yours" in r.text
    assert client.get(f"/review/{sid}").status_code == 403
    r = client.get("/review")
    assert r.status_code == 403 and f"{other.email} (clinician)" in r.text  # who is signed in
    assert client.get("/admin/users").status_code == 403
    client.cookies.clear()
    signed_in_as(client, coordinator)
    r = client.get(f"/screenings/{sid}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/review/{sid}"


def finish(client, csrf: str, sid: str) -> None:
    url = f"/api/screenings/{sid}/messages"
    h = {"X-CSRF-Token": csrf}
    body = client.post(url, json={"text": "He has had first-line chemotherapy."}, headers=h).json()
    for _ in range(40):
        if body["status"] == "complete":
            return
        body = client.post(url, json={"text": "I don't know"}, headers=h).json()
    raise AssertionError(body)


def test_coordinator_reviews_from_the_queue(client, person):
    clin, coordinator = person("clinician"), person("coordinator")
    csrf = signed_in_as(client, clin)
    sid = start_page_screening(client, csrf, patient_ref="MRN-7")
    finish(client, csrf, sid)
    client.cookies.clear()
    csrf = signed_in_as(client, coordinator)
    queue = client.get("/review", params={"verdict": "ineligible", "review_state": "pending"})
    assert queue.status_code == 200 and f"/review/{sid}" in queue.text
    assert (
        "/api/exports/screening-log.csv?verdict=ineligible&amp;review_state=pending" in queue.text
    )
    bad = client.get("/review", params={"date_from": "yesterday"})
    assert bad.status_code == 200 and "Filters not applied" in bad.text
    page = client.get(f"/review/{sid}")
    assert page.status_code == 200 and "Audit trail" in page.text and "MRN-7" in page.text
    assert 'class="evidence linkish" data-message="msg-' in page.text
    form = f"/review/{sid}/primary-rt"
    r = client.post(form, data={"csrf_token": csrf, "action": "sign_off", "reason": " "})
    assert r.status_code == 422 and "a reason is required" in r.text
    r = client.post(form, data={"action": "sign_off", "reason": "ok"})
    assert r.status_code == 403
    r = client.post(
        form,
        data={"csrf_token": csrf, "action": "sign_off", "reason": "Checked the notes."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(f"/review/{sid}").text
    assert "signed off by " + coordinator.email in page and "Checked the notes." in page
    r = client.post(
        f"/review/{sid}/oligomet-rt",
        data={
            "csrf_token": csrf,
            "action": "overrule",
            "status": "incomplete",
            "reason": "Old chemo",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    log = client.get("/api/exports/screening-log.csv")
    assert log.status_code == 200 and "Checked the notes." in log.text
    assert "Overruled by coordinator: Old chemo" in log.text


def test_admin_manages_users_and_tokens(client, person):
    admin = person("admin")
    csrf = signed_in_as(client, admin)
    r = client.post("/admin/users", data={"email": "x@example.org", "role": "admin"})
    assert r.status_code == 403 and "x@example.org" not in client.get("/admin/users").text
    r = client.post(
        "/admin/users",
        data={"csrf_token": csrf, "email": "new.doc@example.org", "role": "clinician"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get("/admin/users").text
    assert "new.doc@example.org" in page
    r = client.post(
        "/admin/users",
        data={"csrf_token": csrf, "email": "new.doc@example.org", "role": "clinician"},
    )
    assert r.status_code == 422 and "already exists" in r.text
    uid = re.search(r'action="/admin/users/(\w+)/tokens"', page).group(1)
    r = client.post(f"/admin/users/{uid}/tokens", data={"csrf_token": csrf, "name": "laptop"})
    assert r.status_code == 201
    secret = re.search(r'id="new-token" readonly value="([^"]+)"', r.text).group(1)
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {secret}"}).is_success
    assert secret not in client.get("/admin/users").text  # shown once
    tid = re.search(
        r'action="/admin/tokens/(\w+)/revoke"[^<]*<input[^>]*>\s*<button[^>]*>Revoke laptop<',
        client.get("/admin/users").text,
    )
    r = client.post(f"/admin/tokens/{tid.group(1)}/revoke", data={"csrf_token": csrf})
    assert r.status_code == 200
    assert (
        client.get("/api/auth/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )


def test_page_forms_refuse_nul_and_other_bodies(client, person):
    who = person("clinician")
    csrf = signed_in_as(client, who)
    r = client.post("/screenings/new", data={"csrf_token": csrf, "patient_ref": "a\x00b"})
    assert r.status_code == 422
    r = client.post("/screenings/new", data={"csrf_token": csrf, "trials": ["no-such-trial"]})
    assert r.status_code == 422 and "unknown trial(s): no-such-trial" in r.text
    r = client.post("/screenings/new", data={"csrf_token": csrf, "patient_ref": "x" * 101})
    assert r.status_code == 422 and "longer than 100 characters" in r.text
    assert "Your screenings (0)" in client.get("/home").text  # nothing was started
    r = client.post("/screenings/new", content=b"x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    # the JSON API still takes JSON only
    r = client.post(
        "/api/screenings",
        content=b"a=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415


@pytest.mark.parametrize(
    "body",
    [b"email=%ff%fe&password=x", b"\xff\xfe=\x80", b"csrf_token&email", b"=" * 1000],
)
def test_sign_in_form_garbage_is_a_clear_4xx(client, body):
    client.get("/sign-in")
    r = client.post(
        "/sign-in", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert 400 <= r.status_code < 500 and "Sign in" in r.text


def test_evidence_points_at_the_turn_that_said_it():
    """The same words said twice ("No" to two questions): the evidence's turn decides."""
    from api.pages.panel import _turn_finder
    from api.screenings.models import Message, Screening

    lines = [
        (1, "clinician", "/start_screening", "answered"),
        (2, "bot", "Does the patient have brain metastases?", None),
        (3, "clinician", "No", "answered"),
        (4, "bot", "Is the patient pregnant?", None),
        (5, "clinician", "Male.", "failed"),  # never reached the bot's count
        (6, "clinician", "No", "answered"),
    ]
    screening = Screening(
        messages=[Message(id=i, sender=who, text=t, status=st) for i, who, t, st in lines]
    )
    find = _turn_finder(screening)
    assert find("No", 2) == 3 and find("No", 3) == 6
    assert find("No", None) == 6  # no turn: the latest
    assert find("Male.", 9) == 5 and find("never said", 2) is None
