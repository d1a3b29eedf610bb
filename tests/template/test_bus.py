"""The ORE event bus in template.yaml: the bus-publisher may put only ORE's events and only there, the
organisation manages only its own rules, the archive leaves heartbeats out, and the schema registry is
what ore_harness.bus_schema writes from schemas/*.json, each schema accepting its messages as the bus
delivers them."""
import json
import pathlib
import re

import jsonschema
import pytest
from moto.events.models import EventPattern

from ore_harness import bus_schema
from ore_harness.template import TEMPLATE, Template, of_type

ROOT = pathlib.Path(__file__).resolve().parents[2]
ENTRY_RS = ROOT / "crates" / "bus-publisher" / "src" / "entry.rs"
# The largest Content AWS::EventSchemas::Schema takes (CreateSchema, Content: maximum length 100000).
MAX_SCHEMA_CONTENT = 100_000


@pytest.fixture(scope="module")
def template():
    return Template()


def rust_event_source():
    [value] = re.findall(r'pub const EVENT_SOURCE: &str = "([^"]+)";', ENTRY_RS.read_text())
    return value


def bus_event(message):
    """An event as EventBridge delivers what the bus-publisher puts (crates/bus-publisher/src/entry.rs)."""
    arn = message.get("data", {}).get("resource_arn")
    return {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": message["type"],
            "source": "org.ore", "account": "123456789012", "time": message["time"], "region": "eu-west-1",
            "resources": [arn] if arn else [], "detail": message}


def samples():
    folders = ["events/standard", "events/notices"]
    found = [json.loads(p.read_text()) for folder in folders for p in sorted((ROOT / folder).glob("*.json"))]
    found.append(json.loads((ROOT / "events" / "canary" / "heartbeat-message.json").read_text()))
    return found


def test_one_source_for_every_ore_event_in_code_template_and_generator(template):
    source = rust_event_source()
    assert source == bus_schema.EVENT_SOURCE == "org.ore"
    role = template.resources["BusPublisherRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    [put] = [s for s in role if s.get("Action") == "events:PutEvents"]
    assert put["Condition"] == {"StringEquals": {"events:source": source}}
    assert put["Resource"] == {"Fn::GetAtt": ["OreEventBus", "Arn"]}
    archive = template.resources["OreEventBusArchive"]["Properties"]
    assert archive["EventPattern"]["source"] == [source]


def test_the_bus_publisher_may_put_only_on_the_ore_bus(template):
    role = template.resources["BusPublisherRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    events = [s for s in role if any(str(a).startswith("events:") for a in
                                     (s["Action"] if isinstance(s["Action"], list) else [s["Action"]]))]
    assert [s["Action"] for s in events] == ["events:PutEvents"]


def test_the_organisation_manages_only_the_rules_it_created_and_puts_nothing(template):
    bus = template.resources["OreEventBus"]["Properties"]
    assert template.resolve(bus["Policy"], {}, {}) is None, "no policy without OrganizationId"
    policy = template.resolve(bus["Policy"], {"OrganizationId": "o-abcdefghij"}, {"AWS::Partition": "aws",
                                                                                    "AWS::Region": "eu-west-1",
                                                                                    "AWS::AccountId": "123456789012"})
    [statement] = policy["Statement"]
    assert statement["Principal"] == "*"
    assert "events:PutEvents" not in statement["Action"]
    assert all(a.startswith("events:") and "*" not in a for a in statement["Action"])
    assert statement["Resource"] == "arn:aws:events:eu-west-1:123456789012:rule/ore/*"
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"},
                                      "StringEqualsIfExists": {"events:creatorAccount": "${aws:PrincipalAccount}"}}


def test_the_archive_keeps_every_message_but_heartbeats(template):
    pattern = EventPattern.load(json.dumps(template.resources["OreEventBusArchive"]["Properties"]["EventPattern"]))
    for message in samples():
        archived = pattern.matches_event(bus_event(message))
        assert archived == (message["type"] != "org.ore.heartbeat"), message["type"]


def test_the_schema_block_is_what_the_generator_writes():
    assert bus_schema.in_template(TEMPLATE.read_text()) == bus_schema.block(), \
        "run: python -m ore_harness.bus_schema --write"


def test_every_detail_type_has_a_draft_4_schema_that_fits(template):
    schemas = of_type(template.resources, "AWS::EventSchemas::Schema")
    types = {json.loads(p.read_text())["properties"]["type"]["const"] for p in (ROOT / "schemas").glob("*.json")}
    assert {s["Properties"]["SchemaName"] for s in schemas.values()} == types
    for name, schema in schemas.items():
        props = schema["Properties"]
        assert props["Type"] == "JSONSchemaDraft4", name
        assert props["RegistryName"] == {"Fn::GetAtt": ["OreSchemaRegistry", "RegistryName"]}, name
        assert len(props["Content"]) <= MAX_SCHEMA_CONTENT, name
        content = json.loads(props["Content"])
        assert content["$schema"] == "http://json-schema.org/draft-04/schema#"
        jsonschema.Draft4Validator.check_schema(content)
        text = props["Content"]
        for later in ('"const"', '"$defs"', '"propertyNames"', '"$id"'):
            assert later not in text, (name, later)


def test_each_schema_accepts_its_messages_on_the_bus_and_refuses_a_broken_one(template):
    schemas = {s["Properties"]["SchemaName"]: json.loads(s["Properties"]["Content"])
               for s in of_type(template.resources, "AWS::EventSchemas::Schema").values()}
    checked = set()
    for message in samples():
        validator = jsonschema.Draft4Validator(schemas[message["type"]])
        event = bus_event(message)
        errors = [e.message for e in validator.iter_errors(event)]
        assert not errors, (message["type"], errors[:3])
        broken = json.loads(json.dumps(event))
        del broken["detail"]["data"]
        assert not validator.is_valid(broken), message["type"]
        wrong = dict(event, source="aws.ec2")
        assert not validator.is_valid(wrong), message["type"]
        checked.add(message["type"])
    assert checked == set(schemas)
