"""The local pipeline's outcome (scripts/demo.sh --out DIR, run by scripts/test.sh just before):
the operator's day through the real binaries under the Lambda runtime emulator."""
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


def test_every_transition_is_normalized_exactly_once(summary):
    expected = sorted(map(tuple, summary["expected_transitions"]))
    assert len(expected) == 8
    assert sorted(map(tuple, summary["normalized"])) == expected


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
    assert len(subjects) == summary["emails"] == 8
    for instance, state in summary["expected_transitions"]:
        matching = [s for s in subjects if f"({instance}) is now {state}" in s]
        assert matching, f"no email for {instance} {state}"
    ignored = {instance for instance, _ in summary["ignored_transitions"]}
    emails = sorted((OUT / "emails").iterdir())
    assert len([e for e in emails if e.suffix == ".html"]) == 8
    assert len([e for e in emails if e.suffix == ".txt"]) == 8
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
