"""`sam local invoke` of each function, as an AWS user runs it, against the AWS API emulator
(ore_harness.local_invoke: the emulator as a container, the topics, tables and SES identity the
functions' variables name, and the side effects read back), then the one command a user types,
scripts/local-invoke.sh.

scripts/test.sh prepares what this needs: the x86_64 release build and the two locally built images
(the provided.al2023 runtime and moto server), as scripts/local-invoke.sh would when they are missing.
"""
import json
import pathlib
import subprocess

import pytest

from ore_harness.local_invoke import LocalInvoke

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def local():
    with LocalInvoke() as running:
        yield running


def sam_local_invoke(local, function, event):
    return local.invoke(function, ROOT / event)


def received(local, function):
    return local.published(function)


def test_normalizer(local):
    response, logs = sam_local_invoke(local, "NormalizerFunction", "events/sqs/normalizer-stopped-sns-envelope.json")
    assert response == {"batchItemFailures": []}, logs
    [body] = received(local, "NormalizerFunction")
    message = json.loads(body)
    assert message["data"]["state"] == "stopped"
    assert message["data"]["enrichment"] == "not_found"  # the sample's instance is not in this emulator


def test_normalizer_reports_the_malformed_records(local):
    event = json.loads((ROOT / "events/sqs/normalizer-malformed-batch.json").read_text())
    response, logs = sam_local_invoke(local, "NormalizerFunction", "events/sqs/normalizer-malformed-batch.json")
    expected = [{"itemIdentifier": r["messageId"]} for r in event["Records"][1:]]
    assert response == {"batchItemFailures": expected}, logs
    assert len(received(local, "NormalizerFunction")) == 1


def test_csv_formatter(local):
    response, logs = sam_local_invoke(local, "CsvFormatterFunction", "events/sqs/csv-formatter-stopped-raw-delivery.json")
    assert response == {"batchItemFailures": []}, logs
    [record] = received(local, "CsvFormatterFunction")
    assert ",stopped,enriched,web-01," in record


def test_emailer(local):
    before = len(local.mails())
    response, logs = sam_local_invoke(local, "EmailerFunction", "events/sqs/emailer-stopped-sns-envelope.json")
    assert response == {"batchItemFailures": []}, logs
    sent = local.mails()
    assert len(sent) == before + 1
    assert sent[-1]["subject"] == "[123456789012 eu-west-1] web-01 (i-0abc1234def567890) is now stopped"


def test_chat_notifier(local):
    """The standard message as an Amazon Q Developer custom notification on ORE's chat topic."""
    response, logs = sam_local_invoke(local, "ChatNotifierFunction", "events/sqs/chat-notifier-stopped-sns-envelope.json")
    assert response == {"batchItemFailures": []}, logs
    [body] = received(local, "ChatNotifierFunction")
    post = json.loads(body)
    assert (post["version"], post["source"], post["content"]["textType"]) == ("1.0", "custom", "client-markdown")
    assert post["content"]["title"] == "[123456789012 eu-west-1] web-01 (i-0abc1234def567890) is now stopped"


def test_bus_publisher(local):
    """The standard message onto the ORE bus: a rule there (source org.ore) receives it whole."""
    response, logs = sam_local_invoke(local, "BusPublisherFunction", "events/sqs/bus-publisher-stopped-raw-delivery.json")
    assert response == {"batchItemFailures": []}, logs
    [body] = received(local, "BusPublisherFunction")
    event = json.loads(body)
    message = json.loads((ROOT / "events/standard/message-stopped.json").read_text())
    assert (event["source"], event["detail-type"], event["detail"]) == ("org.ore", message["type"], message)


def test_bus_publisher_reports_the_malformed_records(local):
    event = json.loads((ROOT / "events/sqs/bus-publisher-malformed-batch.json").read_text())
    response, logs = sam_local_invoke(local, "BusPublisherFunction", "events/sqs/bus-publisher-malformed-batch.json")
    assert response == {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"][1:]]}, logs
    assert len(received(local, "BusPublisherFunction")) == 1


# The type of every committed notice sample: the *-notices-batch.json files hold one of each.
NOTICE_TYPES = sorted(json.loads(path.read_text())["type"] for path in (ROOT / "events" / "notices").glob("*.json"))


def test_normalizer_notices(local):
    """Every notice sample (each kind's) in one batch: one notice message each."""
    response, logs = sam_local_invoke(local, "NormalizerFunction", "events/sqs/normalizer-notices-batch.json")
    assert response == {"batchItemFailures": []}, logs
    # The tap is shared with the earlier tests: take the notices from what it holds.
    messages = [json.loads(body) for body in received(local, "NormalizerFunction")]
    assert sorted(m["type"] for m in messages if m["type"] in NOTICE_TYPES) == sorted(NOTICE_TYPES), logs


def test_csv_formatter_notices(local):
    response, logs = sam_local_invoke(local, "CsvFormatterFunction", "events/sqs/csv-formatter-notices-batch.json")
    assert response == {"batchItemFailures": []}, logs
    records = [r for r in received(local, "CsvFormatterFunction") if any(t in r for t in NOTICE_TYPES)]
    assert sorted(next(t for t in NOTICE_TYPES if t in r) for r in records) == sorted(NOTICE_TYPES), logs


def test_emailer_notices(local):
    """The batch's notices, one of each kind, all for the default recipients: the scheduled change
    alone as raw MIME with its calendar, every other kind together in one digest (they are at least
    EMAIL_DIGEST_THRESHOLD, 5), each on the subject line its own mail would have."""
    before = {m["id"] for m in local.mails()}
    response, logs = sam_local_invoke(local, "EmailerFunction", "events/sqs/emailer-notices-batch.json")
    assert response == {"batchItemFailures": []}, logs
    sent = [m for m in local.mails() if m["id"] not in before]
    assert len(sent) == 2, logs
    raw = [m for m in sent if "raw_data" in m]
    assert len(raw) == 1 and "text/calendar" in raw[0]["raw_data"] and "BEGIN:VCALENDAR" in raw[0]["raw_data"]
    [digest] = [m for m in sent if "subject" in m]
    others = len(NOTICE_TYPES) - 1
    assert digest["subject"].startswith(f"[ORE] {others} notices ("), digest["subject"]
    body = digest["body"]
    assert body.count("ORE message ") == others, body
    for kind in ("Rebalance recommended", "Spot interruption", "EBS: ", "RDS: ", "ECS: ", "Config: ",
                 "Auto Scaling: "):
        assert kind in body, kind


@pytest.mark.parametrize("function, event, side_effect", [
    ("CsvFormatterFunction", "events/sqs/csv-formatter-stopped-raw-delivery.json", ",stopped,enriched,web-01,"),
    ("EmailerFunction", "events/sqs/emailer-stopped-sns-envelope.json",
     '"subject": "[123456789012 eu-west-1] web-01 (i-0abc1234def567890) is now stopped"'),
])
def test_one_command_invokes_and_shows_the_side_effect(function, event, side_effect):
    """scripts/local-invoke.sh FUNCTION EVENT, as docs/local-pipeline.md shows it first: with the build and
    images in place it starts its own emulator, creates the resources, invokes, and prints the
    response and what the function published or mailed."""
    before = emulator_containers()
    finished = subprocess.run([str(ROOT / "scripts" / "local-invoke.sh"), function, event], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr
    response = finished.stdout.split("==> response\n", 1)[1].split("==> ", 1)[0]
    assert json.loads(response) == {"batchItemFailures": []}
    assert side_effect in finished.stdout, finished.stdout
    assert emulator_containers() == before, "its emulator container is removed"


def emulator_containers():
    listed = subprocess.run(["docker", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True,
                            check=True, timeout=60).stdout.split()
    return {name for name in listed if name.startswith("ore-moto-")}
