"""The Rasa client alternates replicas per message and skips one that refuses connections."""

import threading
import time

import httpx
import pytest

from api.core.config import Settings
from api.main import create_app
from api.screenings.bot_client import BotUnavailable, RasaClient


def client_with(handler) -> RasaClient:
    return RasaClient("http://r1:5005, http://r2:5005/", transport=httpx.MockTransport(handler))


def test_messages_alternate_between_replicas():
    hosts = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        assert request.url.path == "/webhooks/rest/webhook"
        return httpx.Response(200, json=[{"text": "hi"}])

    client = client_with(handler)
    for _ in range(4):
        assert client.send(sender="s", message="m", metadata={}) == [{"text": "hi"}]
    assert hosts == ["r1", "r2", "r1", "r2"]


def test_a_replica_that_refuses_is_skipped():
    hosts = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.url.host == "r1":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=[])

    client = client_with(handler)
    client.send(sender="s", message="m", metadata={})
    client.send(sender="s", message="m", metadata={})
    assert hosts == ["r1", "r2", "r2"]


def test_all_replicas_down_is_bot_unavailable():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(BotUnavailable) as error:
        client_with(handler).send(sender="s", message="m", metadata={})
    assert error.value.kind == "connection" and "r1" in error.value.detail


def test_a_timeout_is_not_sent_to_another_replica():
    hosts = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(BotUnavailable) as error:
        client_with(handler).send(sender="s", message="m", metadata={})
    assert error.value.kind == "timeout" and hosts == ["r1"]


def test_no_url_is_a_clear_error():
    with pytest.raises(ValueError, match="names no Rasa server"):
        RasaClient(" , ")


@pytest.mark.parametrize("width", [1, 2])
def test_at_most_width_messages_in_each_server_the_next_wait_their_turn(width):
    inside, most, lock = [0], [0], threading.Lock()
    release = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        release.wait(5)
        with lock:
            inside[0] -= 1
        return httpx.Response(200, json=[{"text": "hi"}])

    client = RasaClient("http://r1:5005", per_server=width, transport=httpx.MockTransport(handler))
    results: list[list[dict]] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(client.send(sender="s", message="m", metadata={}))
        )
        for _ in range(width + 2)
    ]
    for t in threads:
        t.start()
    gate = client.gates["http://r1:5005/webhooks/rest/webhook"]
    deadline = time.monotonic() + 5
    while gate.waiting < 2 or inside[0] < width:  # width in Rasa, two waiting at the gate
        assert time.monotonic() < deadline
        time.sleep(0.001)
    release.set()
    for t in threads:
        t.join(5)
    assert most[0] == width and len(results) == width + 2


def test_a_message_that_waits_longer_than_the_timeout_is_busy_and_never_sent():
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=[])

    client = RasaClient(
        "http://r1:5005", timeout=0.05, per_server=1, transport=httpx.MockTransport(handler)
    )
    gate = client.gates["http://r1:5005/webhooks/rest/webhook"]
    assert gate.acquire()  # another message is in Rasa
    with pytest.raises(BotUnavailable) as error:
        client.send(sender="s", message="m", metadata={})
    assert error.value.kind == "busy" and sent == []
    gate.release()
    client.send(sender="s", message="m", metadata={})
    assert len(sent) == 1


def test_the_slot_comes_back_after_a_failure():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client = RasaClient("http://r1:5005", timeout=0.05, transport=httpx.MockTransport(handler))
    for _ in range(3):  # a slot kept by a failed send would make the next ones `busy`
        with pytest.raises(BotUnavailable) as error:
            client.send(sender="s", message="m", metadata={})
        assert error.value.kind == "timeout"


def test_the_setting_sets_how_many_at_once(tmp_path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/s.db",
        rasa_url="http://r1:5005,http://r2:5005",
        rasa_concurrency=3,
        secret_key="test-secret",
    )
    gates = create_app(settings).state.bot.gates
    assert [g.width for g in gates.values()] == [3, 3]
    assert Settings().rasa_concurrency == 2
    with pytest.raises(ValueError):
        Settings(rasa_concurrency=0)
