"""A screening in a Teams chat: the same service, the same records, Teams-shaped replies."""

from __future__ import annotations

import uuid

from player import ApiScreener, load_cases, play
from sqlalchemy import func, select
from standin import APP_ID, BOT_MENTION, Teams, TeamsScreener, cards_in, suggested, texts

from api.screenings.models import Message, Screening
from api.screenings.service import UNAVAILABLE
from api.teams import service as teams_service
from api.teams.models import TeamsConversation

CASES = {c.id: c for c in load_cases("examples.yaml")}


def current_screening(db, teams: Teams) -> str:
    db.expire_all()
    return db.scalar(
        select(TeamsConversation.screening_id).where(
            TeamsConversation.conversation_id == teams.conversation
        )
    )


def test_a_full_screening_through_teams_reaches_the_verdict_and_the_review_queue(
    teams, standin, db, client, clinician, coordinator
):
    case = CASES["e02"]
    screener = TeamsScreener(
        teams,
        lambda: {
            v["trial"]: v["status"]
            for v in client.get(
                f"/api/screenings/{current_screening(db, teams)}", headers=clinician.h
            ).json()["verdicts"]
        },
    )
    result = play(case, screener.start, screener.send, screener.finished)
    assert not result.wrong(), result.transcript
    assert screener.clicks >= 1 and screener.submits >= 1 and screener.mentions >= 1

    sid = current_screening(db, teams)
    # the coordinator's queue has both verdicts of this screening, and its transcript
    queue = client.get("/api/review/queue", params={"limit": 200}, headers=coordinator.h).json()
    mine = {row["trial"]: row["status"] for row in queue["items"] if row["screening_id"] == sid}
    assert mine == case.expect
    s = client.get(f"/api/screenings/{sid}", headers=coordinator.h).json()
    said = [m["text"] for m in s["transcript"] if m["sender"] == "clinician"]
    sent = [t for who, t in result.transcript if who == "clinician"]
    # mentions stripped, card submits and clicks stored as the answers they carry
    assert said[0] == "/start_screening" and all("<at>" not in t for t in said)
    assert len(said) == len(sent) + 1
    assert all(m["who"] == clinician.email for m in s["transcript"] if m["sender"] == "clinician")
    assert all(m["status"] == "answered" for m in s["transcript"] if m["sender"] == "clinician")
    evidence = [e["text"] for v in s["verdicts"] for c in v["criteria"] for e in c["evidence"]]
    assert "He's 75." in evidence

    # the verdict card: per trial the verdict, the deciding criterion with the clinician's
    # words, and the enrollment confirmations of the eligible trial
    (card,) = cards_in(screener.last)
    assert card["type"] == "AdaptiveCard" and card["version"]
    shown = [
        b.get("text", "") for c in card["body"] if c["type"] == "Container" for b in c["items"]
    ]
    assert "Eligible" in shown and "Not eligible" in shown
    assert any("“He's 75.”" in t for t in shown)
    eligible = next(v for v in s["verdicts"] if v["status"] == "eligible")
    assert any(eligible["to_confirm"][0] in t for t in shown)
    assert card["actions"][0]["data"] == {"answer": "new screening"}

    # every reply went to the right conversation, as a reply, with the connector's token
    assert {r.conversation_id for r in standin.activities} == {teams.conversation}
    assert all(
        r.reply_to_id and r.authorization.startswith("Bearer connector-")
        for r in standin.activities
    )
    assert all(r.activity["from"]["id"] == f"28:{APP_ID}" for r in standin.activities)
    assert len(standin.token_requests) == 1  # the token is kept until it expires


def test_teams_and_the_web_chat_store_the_same_records(
    teams, standin, db, client, clinician, coordinator
):
    case = CASES["e02"]
    web = ApiScreener(client, clinician.h)
    play(case, web.start, web.send, web.finished)
    screener = TeamsScreener(teams, lambda: None)
    screener.finished = lambda _h: {} if cards_in(screener.last) else None
    play(case, screener.start, screener.send, screener.finished)

    def records(sid: str) -> dict:
        s = client.get(f"/api/screenings/{sid}", headers=coordinator.h).json()
        return {v["trial"]: (v["status"], v["reasons"], v["to_confirm"]) for v in s["verdicts"]}

    assert records(current_screening(db, teams)) == records(web.sid)


def test_a_suggested_action_click_is_the_answer(teams, db, client, clinician):
    first = teams.say("hello")
    actions = suggested(first)
    assert actions and all(a["type"] == "imBack" for a in actions)
    oligo = next(a for a in actions if "oligomet" in a["value"].lower())  # the button's title
    replies = teams.say(oligo["value"])
    assert "1 trial" in " ".join(texts(replies))
    s = client.get(f"/api/screenings/{current_screening(db, teams)}", headers=clinician.h).json()
    said = [m["text"] for m in s["transcript"] if m["sender"] == "clinician"]
    assert said == ["/start_screening", oligo["value"]]
    assert s["requested_trials"] is None and [v["trial"] for v in s["verdicts"]] == ["oligomet-rt"]


def test_a_card_submit_is_the_answer_and_new_screening_starts_another(teams, db, client, clinician):
    teams.say("hello")
    teams.say("all")
    first = current_screening(db, teams)
    question = texts(teams.say(value={"answer": "He is 58."}))[-1]
    s = client.get(f"/api/screenings/{first}", headers=clinician.h).json()
    assert [m["text"] for m in s["transcript"] if m["sender"] == "clinician"][-1] == "He is 58."
    assert question  # the bot went on to the next question
    # the verdict card's button (or typing it) starts another screening in the same chat
    replies = teams.say(value={"answer": "new screening"})
    assert "Starting a new screening." in texts(replies)
    second = current_screening(db, teams)
    assert second != first
    assert client.get(f"/api/screenings/{first}", headers=clinician.h).status_code == 200


def test_an_unknown_teams_user_is_refused_politely_and_nothing_is_stored(client, standin, db):
    stranger = Teams(client, standin, str(uuid.uuid4()), f"a:{uuid.uuid4().hex}")
    before = db.scalar(select(func.count()).select_from(Message))
    replies = stranger.say("71-year-old man, squamous NSCLC")
    assert texts(replies) == [teams_service.NOT_LINKED]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Message)) == before
    assert (
        db.scalar(
            select(func.count())
            .select_from(TeamsConversation)
            .where(TeamsConversation.conversation_id == stranger.conversation)
        )
        == 0
    )


def test_bot_down_gives_the_same_notice_and_resend_delivers_it(teams, bot, db, client, clinician):
    teams.say("hello")
    teams.say("all")
    bot.mode = "down"
    replies = teams.say("He is 58.")
    assert texts(replies) == [UNAVAILABLE]
    assert [a["value"] for a in suggested(replies)] == ["resend"]
    sid = current_screening(db, teams)
    s = client.get(f"/api/screenings/{sid}", headers=clinician.h).json()
    mine = [m for m in s["transcript"] if m["text"] == "He is 58."]
    assert len(mine) == 1 and mine[0]["status"] == "failed"
    assert s["transcript"][-1]["sender"] == "system"

    bot.mode = "ok"
    replies = teams.say("resend")
    assert texts(replies) and texts(replies)[-1] != UNAVAILABLE
    s = client.get(f"/api/screenings/{sid}", headers=clinician.h).json()
    mine = [m for m in s["transcript"] if m["text"] == "He is 58."]
    assert len(mine) == 1 and mine[0]["status"] == "answered" and mine[0]["attempts"] == 2
    assert "resend" not in [m["text"] for m in s["transcript"]]


def test_the_same_activity_delivered_twice_is_stored_and_answered_once(teams, standin, db):
    teams.say("hello")
    activity = teams.activity("all")
    assert teams.post(activity).status_code == 200
    sent = len(standin.activities)
    assert teams.post(activity).status_code == 200
    assert len(standin.activities) == sent
    db.expire_all()
    sid = current_screening(db, teams)
    n = db.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.screening_id == sid, Message.text == "all")
    )
    assert n == 1


def test_another_clinician_in_the_chat_cannot_continue_someone_elses_screening(
    teams, standin, db, client, make_user, link
):
    teams.say("hello")
    sid = current_screening(db, teams)
    colleague = make_user("clinician")
    other = Teams(client, standin, link(colleague), teams.conversation, name="Dr Bo")
    before = db.scalar(select(func.count()).select_from(Message).where(Message.screening_id == sid))
    assert texts(other.say("all")) == [teams_service.NOT_YOURS]
    db.expire_all()
    after = db.scalar(select(func.count()).select_from(Message).where(Message.screening_id == sid))
    assert after == before


def test_a_connector_failure_loses_nothing(teams, standin, db, client, clinician):
    teams.say("hello")
    standin.connector_status = 502
    r = teams.post(teams.activity("all"))
    assert r.status_code == 200
    s = client.get(f"/api/screenings/{current_screening(db, teams)}", headers=clinician.h).json()
    mine = [m for m in s["transcript"] if m["text"] == "all"]
    assert mine and mine[0]["status"] == "answered"


def test_blank_and_mention_only_messages_store_nothing(teams, db):
    teams.say("hello")
    sid = current_screening(db, teams)
    before = db.scalar(select(func.count()).select_from(Message).where(Message.screening_id == sid))
    assert texts(teams.say("<at>Trial screener</at>")) == [teams_service.EMPTY]
    db.expire_all()
    assert (
        db.scalar(select(func.count()).select_from(Message).where(Message.screening_id == sid))
        == before
    )


def test_adding_the_bot_says_hello_and_stores_nothing(teams, standin, db):
    before = db.scalar(select(func.count()).select_from(Screening))
    activity = teams.activity(type="conversationUpdate", membersAdded=[{"id": f"28:{APP_ID}"}])
    assert teams.post(activity).status_code == 200
    assert texts([r.activity for r in standin.activities]) == [teams_service.WELCOME]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Screening)) == before


def test_a_first_message_that_is_not_a_greeting_is_not_kept_and_says_so(
    teams, db, client, clinician
):
    replies = texts(teams.say("71-year-old man, squamous NSCLC"))
    assert replies[:2] == [teams_service.STARTED, teams_service.NOT_KEPT]
    s = client.get(f"/api/screenings/{current_screening(db, teams)}", headers=clinician.h).json()
    assert [m["text"] for m in s["transcript"] if m["sender"] == "clinician"] == [
        "/start_screening"
    ]
    other = Teams(teams.client, teams.standin, teams.aad, f"a:{uuid.uuid4().hex}")
    assert teams_service.NOT_KEPT not in texts(other.say("Hello!"))


def test_the_verdict_card_comes_once_unless_a_verdict_changes(teams):
    screener = TeamsScreener(teams, lambda: {})
    play(CASES["e02"], screener.start, screener.send, screener.finished)
    assert cards_in(screener.last)
    assert not cards_in(teams.say("thanks"))
    # a correction re-opens the screening; the card comes again when it is decided again
    replies = teams.say("sorry, he is 58, not 75")
    for _ in range(30):
        if cards_in(replies):
            break
        assert texts(replies), "the bot stopped asking"
        replies = teams.say(CASES["e01"].answer_for(texts(replies)[-1])[0])
    (card,) = cards_in(replies)
    shown = [
        b.get("text", "") for c in card["body"] if c["type"] == "Container" for b in c["items"]
    ]
    assert shown.count("Eligible") == 2 and "Not eligible" not in shown


def test_a_revoked_connector_token_is_replaced(teams, standin):
    teams.say("hello")
    assert len(standin.token_requests) == 1
    standin.issued.clear()  # the token endpoint's tokens are no longer accepted
    replies = teams.say("all")
    assert replies and len(standin.token_requests) == 2


def test_the_bot_mention_goes_and_a_colleagues_name_stays(teams, db, client, clinician):
    teams.say("hello")
    teams.say("all")
    mention = {
        "type": "mention",
        "text": "<at>Dr Bo</at>",
        "mentioned": {"id": "29:someone", "name": "Dr Bo"},
    }
    teams.say(
        "<at>Trial screener</at> He is 58, <at>Dr Bo</at> checked.", entities=[BOT_MENTION, mention]
    )
    teams.say("<at>Trial screener</at> Male.")  # no entity: still known by the bot's name
    s = client.get(f"/api/screenings/{current_screening(db, teams)}", headers=clinician.h).json()
    said = [m["text"] for m in s["transcript"] if m["sender"] == "clinician"]
    assert said[-2:] == ["He is 58, Dr Bo checked.", "Male."]


def test_a_message_back_click_is_the_answer(teams, db, client, clinician):
    """messageBack: Teams shows `displayText`, sends `text` and `value`; the text is the answer."""
    teams.say("hello")
    teams.say("all")
    teams.say("Male.", value={"clicked": "sex", "answer": "Male."})
    teams.say(None, value={"unrelated": True})  # a value without an answer is not one
    s = client.get(f"/api/screenings/{current_screening(db, teams)}", headers=clinician.h).json()
    said = [m["text"] for m in s["transcript"] if m["sender"] == "clinician"]
    assert said[-1] == "Male."


def test_a_start_delivered_twice_opens_one_screening(teams, standin, db):
    activity = teams.activity("hello")
    assert teams.post(activity).status_code == 200
    first, sent = current_screening(db, teams), len(standin.activities)
    assert teams.post(activity).status_code == 200
    assert current_screening(db, teams) == first and len(standin.activities) == sent
    mine = db.scalar(select(func.count()).select_from(Screening).where(Screening.id == first))
    assert mine == 1
    assert teams_service.STARTED in texts(teams.say("new screening"))
    assert current_screening(db, teams) != first
