"""The local pipeline's outcome (scripts/demo.sh --out DIR, run by scripts/test.sh just before):
the operator's day through the real binaries under the Lambda runtime emulator, every event of it
delivered twice, an instance whose events arrive newest first, and a flapping one."""
import collections
import csv
import io
import json
import os
import pathlib

import pytest

OUT = pathlib.Path(os.environ.get("ORE_DEMO_OUT", "target/demo-ci"))


@pytest.fixture(scope="module")
def summary():
    path = OUT / "summary.json"
    assert path.exists(), f"{path} missing: run scripts/demo.sh --out {OUT} first"
    return json.loads(path.read_text())


def test_every_transition_is_normalized_exactly_once_though_delivered_twice(summary):
    expected = sorted(map(tuple, summary["expected_transitions"]))
    assert len(expected) == 8 + 4 + 6, "the day, the reversed instance, the flapping one"
    assert sorted(map(tuple, summary["normalized"])) == expected
    assert summary["events_in"] == 36, "12 events of the day twice, 4 reversed, 6 flapping, 2 foreign"


def test_every_transition_gives_one_csv_record_and_the_ignored_instance_none(summary):
    text = (OUT / "csv-records.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert summary["csv_records"] == len(rows)
    assert sorted((r["resource_id"], r["state"]) for r in rows) == sorted(map(tuple, summary["expected_transitions"]))
    ignored = {instance for instance, _ in summary["ignored_transitions"]}
    assert len(summary["ignored_transitions"]) == 4
    assert not any(instance in text for instance in ignored)


def test_every_transition_gives_one_email_and_the_ignored_instance_none(summary):
    subjects = summary["email_subjects"]
    assert len(subjects) == summary["emails"] == 18, "one mail per message, redeliveries mail no one"
    expected = collections.Counter(map(tuple, summary["expected_transitions"]))
    for (instance, state), count in expected.items():
        matching = [s for s in subjects if instance in s and (f"is now {state}" in s or f"was {state} (late" in s)]
        assert len(matching) == count, f"{len(matching)} emails for {instance} {state}, expected {count}"
    ignored = {instance for instance, _ in summary["ignored_transitions"]}
    emails = sorted((OUT / "emails").iterdir())
    assert len([e for e in emails if e.suffix == ".html"]) == 18
    assert len([e for e in emails if e.suffix == ".txt"]) == 18
    for email in emails:
        body = email.read_text()
        assert not any(instance in body for instance in ignored), email
    assert all(not any(i in s for i in ignored) for s in subjects)


def test_rule_filters_and_malformed_event_is_dead_lettered(summary):
    assert summary["events_in"] == summary["events_matched_by_rule"] + 1, "the Auto Scaling event is not matched"
    assert summary["dlq_depth"] == {"normalizer": 1, "csv-formatter": 0, "emailer": 0}


def test_failures_are_logged_as_structured_json(summary):
    """The README's log claims: JSON lines, one per failed record, naming message id and kind."""
    lines = (OUT / "logs" / "normalizer.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records, "no JSON log lines from the normalizer"
    failures = [r["fields"] for r in records if r.get("level") == "ERROR"]
    assert failures and all(f["error_kind"] == "bad_input" and f["message_id"] for f in failures)
    assert all("instance-id" in f["error"] for f in failures)


def test_nothing_is_left_in_the_work_queues(summary):
    assert summary["work_queue_depth"] == {"normalizer": 0, "csv-formatter": 0, "emailer": 0}


def test_the_canary_went_through_every_hop(summary):
    """ore_harness/verify.py, run by the pipeline against the emulator after the scenario."""
    canary = summary["canary"]
    assert canary["ok"] is True, canary
    assert set(canary["hops"]) == {"NormalizerFunction", "CsvFormatterFunction", "EmailerFunction"}
    assert summary["heartbeat_messages"] == 1, "one heartbeat message on the normalized topic"
    # Consumers record it and send nothing: the mail and CSV counts above are the 8 transitions.


def test_each_function_logged_the_heartbeat_and_its_metrics(summary):
    heartbeat_id = summary["canary"]["heartbeat_id"]
    for log in ("normalizer", "csv-formatter", "emailer"):
        lines = [json.loads(line) for line in (OUT / "logs" / f"{log}.log").read_text().splitlines()
                 if line.startswith("{")]
        seen = [r for r in lines if r.get("fields", {}).get("heartbeat_id") == heartbeat_id]
        assert len(seen) == 1, f"{log}: {len(seen)} heartbeat lines"
        metrics = [r for r in lines if "_aws" in r and r.get("HeartbeatsSeen") == 1]
        assert metrics, f"{log}: no HeartbeatsSeen metric (Embedded Metric Format)"
        counted = [r for r in lines if "_aws" in r and "RecordsIn" in r]
        assert counted and all(r["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ORE" for r in counted)


def test_each_change_knows_the_state_before_it_and_how_long_it_lasted(summary):
    """The day's times are known in advance (ore_harness/scenario.py): web-01 ran 3 h 12 min."""
    checked = 0
    for key, expected in summary["expected_timing"].items():
        timing = summary["timing"][key]
        for field, value in expected.items():
            assert timing[field] == value, (key, field, timing)
        checked += 1
    assert checked == 8 + 4
    assert 192 * 60 in [t["previous_state_seconds"] for t in summary["timing"].values() if t]


def test_late_events_say_so_and_leave_the_newest_state_current(summary):
    reversed_ = "i-0e1f2a3b4c5d6e7f8"
    late = {k: t for k, t in summary["timing"].items() if k.startswith(reversed_) and t["late"]}
    assert len(late) == 3
    assert all(t["current_state"] == "stopped" for t in late.values())
    assert summary["history"][reversed_]["current"] == "stopped"
    assert [e[2] for e in summary["history"][reversed_]["events"]] == [True, True, True, False], "oldest first"


def test_a_flapping_instance_is_flagged_once_per_window(summary):
    flapping = summary["flapping_instance"]
    flagged = [t["flapping"] for k, t in summary["timing"].items() if k.startswith(flapping) and t.get("flapping")]
    assert flagged == [{"transitions": 4, "window_seconds": 600}], "FlappingTransitions=4 in 10 minutes, once"
    texts = [p.read_text() for p in (OUT / "emails").glob("*.txt")]
    assert sum("Flapping: 4 state changes within 10 min." in t for t in texts) == 1


def test_csv_and_mail_show_the_timing(summary):
    rows = list(csv.DictReader(io.StringIO((OUT / "csv-records.csv").read_text(), newline="")))
    stopped = [r for r in rows if r["state"] == "stopping" and r["previous_state"] == "running"
               and r["previous_state_seconds"] == str(192 * 60)]
    assert len(stopped) == 1, "web-01 stopping after running 3 h 12 min"
    assert sum(r["late"] == "true" for r in rows) == 3
    assert sum(r["flapping_transitions"] == "4" for r in rows) == 1
    texts = [p.read_text() for p in (OUT / "emails").glob("*.txt")]
    assert sum("Was running for 3 h 12 min" in t for t in texts) == 1
    assert sum("Late event" in t for t in texts) == 3
    html = [p.read_text() for p in (OUT / "emails").glob("*.html")]
    assert sum("Was running for 3 h 12 min" in h for h in html) == 1


def test_every_standard_message_is_archived_once(summary):
    """SNS -> Firehose -> S3 (the SNS hop emulated, README "Emulated hops"), heartbeats filtered out."""
    archived = summary["archived_messages"]
    assert len(archived) == len(set(archived)) == summary["normalized_messages"]


def test_the_history_command_answers_from_the_state_table(summary):
    for instance, history in summary["history"].items():
        assert all(published for *_, published in history["events"]), instance
        text = (OUT / f"history-{instance}.txt").read_text()
        assert text.startswith(f"arn:aws:ec2:eu-west-1:123456789012:instance/{instance}")
    web = [i for i, h in summary["history"].items() if len(h["events"]) == 8]
    assert len(web) == 1 and summary["history"][web[0]]["current"] == "terminated"
