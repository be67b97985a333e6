"""The Rasa client alternates replicas per message and skips one that refuses connections."""

import httpx
import pytest

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
