"""ore_harness.webhook, the local API destination hop: an input transformer's output, and the request
a connection's parameters make (no emulator needed)."""
import json

import pytest

from ore_harness import webhook

EVENT = {"source": "org.ore", "detail-type": "org.ore.resource.state-changed",
         "detail": {"id": "m-1", "time": "2026-12-06T10:00:00Z",
                    "data": {"resource_id": "i-1", "state": "stopped", "tags": {"Name": 'web "01"\n'}}}}


def test_placeholders_are_text_inside_quotes_and_json_outside():
    transformer = {"InputPathsMap": {"id": "$.detail.id", "data": "$.detail.data",
                                     "type": "$.detail-type", "missing": "$.detail.nothing"},
                   "InputTemplate": '{"summary": "<type>: <id>", "data": <data>, "none": <missing>, "also": "<missing>"}'}
    body = json.loads(webhook.input_transform(transformer, EVENT))
    assert body == {"summary": "org.ore.resource.state-changed: m-1", "data": EVENT["detail"]["data"],
                    "none": None, "also": ""}


def test_a_quote_in_a_value_placed_inside_quotes_breaks_the_json_as_in_eventbridge():
    transformer = {"InputPathsMap": {"name": "$.detail.data.tags.Name"}, "InputTemplate": '{"name": "<name>"}'}
    text = webhook.input_transform(transformer, EVENT)
    with pytest.raises(ValueError):
        json.loads(text)


def test_a_template_without_placeholders_is_left_alone():
    transformer = {"InputPathsMap": {"x": "$.source"}, "InputTemplate": '{"a": "<b>", "c": "x"}'}
    assert webhook.input_transform(transformer, EVENT) == '{"a": "<b>", "c": "x"}'


def test_the_connection_adds_its_header_and_secret_body_parameters():
    connection = {"AuthParameters": {
        "ApiKeyAuthParameters": {"ApiKeyName": "X-Key", "ApiKeyValue": "k"},
        "InvocationHttpParameters": {"BodyParameters": [{"Key": "routing_key", "Value": "r", "IsValueSecret": True}]}}}
    target = {"HttpParameters": {"HeaderParameters": {"Content-Type": "application/json"}},
              "InputTransformer": {"InputPathsMap": {"id": "$.detail.id"}, "InputTemplate": '{"dedup_key": "<id>"}'}}
    url, headers, body = webhook.request_for(EVENT, target, connection, "http://127.0.0.1:1/x")
    assert url == "http://127.0.0.1:1/x"
    assert headers == {"Content-Type": "application/json", "X-Key": "k"}
    assert json.loads(body) == {"dedup_key": "m-1", "routing_key": "r"}


def test_without_a_transformer_the_event_is_the_body():
    connection = {"AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "Authorization", "ApiKeyValue": "Bearer t"}}}
    _, headers, body = webhook.request_for(EVENT, {}, connection, "http://127.0.0.1:1/hook")
    assert json.loads(body) == EVENT and headers == {"Authorization": "Bearer t"}


def test_the_receiver_records_each_post():
    with webhook.Receiver() as receiver:
        status = webhook.send(receiver.url + "/hook", {"Content-Type": "application/json"}, b'{"a": 1}')
    assert status == 202
    assert receiver.received == [{"path": "/hook", "headers": receiver.received[0]["headers"], "body": {"a": 1}}]
    assert receiver.received[0]["headers"]["content-type"] == "application/json"
