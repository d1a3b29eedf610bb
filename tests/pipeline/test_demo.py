"""The local pipeline's outcome (the run "day" of demo_run.RUNS, made by this test session): the
operator's day through the real binaries under the Lambda runtime emulator, every state change
of it delivered twice, an instance whose events arrive newest first, a flapping one, a retirement
AWS Health schedules and a Spot instance's rebalance recommendation and interruption warning."""
import csv
import io
import json
import uuid

import pytest


@pytest.fixture(scope="module")
def run(pipeline_runs):
    return pipeline_runs.get("day")


@pytest.fixture(scope="module")
def summary(run):
    return run.summary


def test_every_transition_is_normalized_exactly_once_though_delivered_twice(summary):
    expected = sorted(map(tuple, summary["expected_transitions"]))
    assert len(expected) == 8 + 16 + 4 + 6 + 4, \
        "the day, the 8 workers, the reversed instance, the flapping one, the member account's instance"
    assert sorted(map(tuple, summary["normalized"])) == expected
    assert summary["events_in"] == 94, \
        "28 events of the day and 10 notices with a Health backup copy twice, 4 reversed, 6 flapping, 2 foreign, " \
        "4 forwarded by the member"


def test_every_transition_gives_one_csv_record_and_the_ignored_instance_none(summary, run):
    text = (run.folder / "csv-records.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert summary["csv_records"] == len(rows)
    changes = [r for r in rows if r["message_type"] == "org.ore.resource.state-changed"]
    assert len(rows) - len(changes) == 10, "one record per notice"
    assert sorted((r["resource_id"], r["state"]) for r in changes) == sorted(map(tuple, summary["expected_transitions"]))
    ignored = {instance for instance, _ in summary["ignored_transitions"]}
    assert len(summary["ignored_transitions"]) == 4
    assert not any(instance in text for instance in ignored)


def test_every_message_is_in_exactly_one_mail_and_the_ignored_instance_in_none(summary, run):
    texts = [p.read_text() for p in sorted((run.folder / "emails").glob("*.txt"))]
    assert len(texts) == len(list((run.folder / "emails").glob("*.html"))) == summary["emails"]
    ids = summary["normalized_ids"] + [m["id"] for m in summary["notice_messages"]]
    assert len(ids) == 34 + 4 + 10
    for message_id in ids:
        assert sum(f"ORE message {message_id}" in t for t in texts) == 1, message_id
    ignored = {instance for instance, _ in summary["ignored_transitions"]}
    assert all(not any(i in t for i in ignored) for t in texts)
    assert all(not any(i in s for i in ignored) for s in summary["email_subjects"])


def test_terminating_everything_mails_one_digest_per_team(summary, run):
    """The burst: 20 terminations (the ignored instance's 2 are dropped) reach the emailer together;
    team payments (web-01 and 4 workers) and team data (4 workers) get one digest each."""
    digests = {tuple(to): s for s, to in zip(summary["email_subjects"], summary["email_recipients"])
               if s.startswith("[ORE] ")}
    assert digests == {
        ("payments@example.com",): "[ORE] 5 instances terminated, 5 shutting-down in eu-west-1, account 123456789012",
        ("data@example.com",): "[ORE] 4 instances terminated, 4 shutting-down in eu-west-1, account 123456789012",
    }
    assert summary["digests"] == 2
    # 38 state changes and 10 notices: 16 + 4 + 10 single mails and 2 digests holding 18 changes.
    assert summary["emails"] == 16 + 4 + 10 + 2
    assert summary["mails_saved"] == 48 - 32
    texts = {p.name: p.read_text() for p in (run.folder / "emails").glob("*.txt")}
    [payments] = [t for t in texts.values() if t.startswith("Subject: [ORE] 5 instances")]
    # Each of the 4 workers changed twice; each change has a table row, a details line and its Name tag.
    assert payments.count("payments-worker-") == 4 * 2 * 3
    assert "data-worker-" not in payments
    # Everything else follows the route of its tag: web-01 (team payments) before the burst.
    singles = [to for s, to in zip(summary["email_subjects"], summary["email_recipients"])
               if "web-01" in s and not s.startswith("[ORE] ")]
    assert singles and all(to == ["payments@example.com"] for to in singles)


def test_rule_filters_and_malformed_event_is_dead_lettered(summary):
    assert summary["events_in"] == summary["events_matched_by_rule"] + 1, "the Auto Scaling event is not matched"
    assert summary["dlq_depth"] == {"normalizer": 1, "csv-formatter": 0, "emailer": 0, "chat-notifier": 0,
                                    "bus-publisher": 0}


def test_failures_are_logged_as_structured_json(summary, run):
    """docs/deploying.md's log claims ("Failure handling"): JSON lines, one per failed record, naming message id and kind."""
    lines = (run.folder / "logs" / "normalizer.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records, "no JSON log lines from the normalizer"
    failures = [r["fields"] for r in records if r.get("level") == "ERROR"]
    assert failures and all(f["error_kind"] == "bad_input" and f["message_id"] for f in failures)
    assert all("instance-id" in f["error"] for f in failures)


def test_nothing_is_left_in_the_work_queues(summary):
    assert summary["work_queue_depth"] == {"normalizer": 0, "csv-formatter": 0, "emailer": 0, "chat-notifier": 0,
                                           "bus-publisher": 0}


def test_the_canary_went_through_every_hop(summary):
    """ore_harness/verify.py, run by the pipeline against the emulator after the scenario."""
    canary = summary["canary"]
    assert canary["ok"] is True, canary
    assert set(canary["hops"]) == {"NormalizerFunction", "CsvFormatterFunction", "EmailerFunction",
                                   "ChatNotifierFunction", "BusPublisherFunction"}
    assert summary["heartbeat_messages"] == 1, "one heartbeat message on the normalized topic"
    # Consumers record it and send nothing: the mail and CSV counts above are the 8 transitions.


def test_each_function_logged_the_heartbeat_and_its_metrics(summary, run):
    heartbeat_id = summary["canary"]["heartbeat_id"]
    for log in ("normalizer", "csv-formatter", "emailer"):
        lines = [json.loads(line) for line in (run.folder / "logs" / f"{log}.log").read_text().splitlines()
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
    assert checked == 8 + 16 + 4 + 4
    assert 192 * 60 in [t["previous_state_seconds"] for t in summary["timing"].values() if t]


def test_late_events_say_so_and_leave_the_newest_state_current(summary):
    reversed_ = "i-0e1f2a3b4c5d6e7f8"
    late = {k: t for k, t in summary["timing"].items() if k.startswith(reversed_) and t["late"]}
    assert len(late) == 3
    assert all(t["current_state"] == "stopped" for t in late.values())
    assert summary["history"][reversed_]["current"] == "stopped"
    assert [e[2] for e in summary["history"][reversed_]["events"]] == [True, True, True, False], "oldest first"


def test_a_flapping_instance_is_flagged_once_per_window(summary, run):
    flapping = summary["flapping_instance"]
    flagged = [t["flapping"] for k, t in summary["timing"].items() if k.startswith(flapping) and t.get("flapping")]
    assert flagged == [{"transitions": 4, "window_seconds": 600}], "FlappingTransitions=4 in 10 minutes, once"
    texts = [p.read_text() for p in (run.folder / "emails").glob("*.txt")]
    assert sum("Flapping: 4 state changes within 10 min." in t for t in texts) == 1


def test_csv_and_mail_show_the_timing(summary, run):
    rows = list(csv.DictReader(io.StringIO((run.folder / "csv-records.csv").read_text(), newline="")))
    stopped = [r for r in rows if r["state"] == "stopping" and r["previous_state"] == "running"
               and r["previous_state_seconds"] == str(192 * 60)]
    assert len(stopped) == 1, "web-01 stopping after running 3 h 12 min"
    assert sum(r["late"] == "true" for r in rows) == 3
    assert sum(r["flapping_transitions"] == "4" for r in rows) == 1
    texts = [p.read_text() for p in (run.folder / "emails").glob("*.txt")]
    assert sum("Was running for 3 h 12 min" in t for t in texts) == 1
    assert sum("Late event" in t for t in texts) == 3
    html = [p.read_text() for p in (run.folder / "emails").glob("*.html")]
    assert sum("Was running for 3 h 12 min" in h for h in html) == 1
    # A timed notice (ORE 0.6): the database's failover, 40 minutes after RDS restarted it.
    assert sum("Before this: restarted for 40 min" in t for t in texts) == 1
    assert sum("Before this: restarted for 40 min" in h for h in html) == 1
    [failover] = [r for r in rows if r["notice_code"] == "RDS-EVENT-0049"]
    assert (failover["previous_state"], failover["previous_state_seconds"], failover["state"]) == ("restarted", "2400", "")


def test_every_standard_message_is_archived_once(summary):
    """SNS -> Firehose -> S3 (the SNS hop emulated, docs/local-pipeline.md "Emulated hops"), heartbeats filtered out."""
    archived = summary["archived_messages"]
    assert len(archived) == len(set(archived)) == summary["normalized_messages"] + summary["notice_count"]


def test_every_message_is_on_the_ore_bus_once_under_its_type(summary):
    """The bus-publisher puts every message of the normalized topic on the ORE bus (the emulator's
    EventBridge): a rule there on source org.ore receives each state change, notice and heartbeat once,
    its detail the message and its detail-type the message's type."""
    events = summary["bus_events"]
    ids = [e["detail"]["id"] for e in events]
    assert len(ids) == len(set(ids))
    messages = set(summary["normalized_ids"]) | {m["id"] for m in summary["notice_messages"]}
    heartbeats = [e for e in events if e["detail-type"] == "org.ore.heartbeat"]
    assert len(heartbeats) == summary["heartbeat_messages"] > 0
    assert set(ids) == messages | {e["detail"]["id"] for e in heartbeats}
    for event in events:
        assert (event["source"], event["detail-type"]) == ("org.ore", event["detail"]["type"])
        arn = event["detail"].get("data", {}).get("resource_arn")
        assert event["resources"] == ([arn] if arn else [])


def test_a_team_rule_on_the_ore_bus_matches_by_state_and_account(summary):
    """The rule docs/contract.md shows (what stopped in one account) gets the member account's stopped
    instance alone: not the central account's stopped instances, not the member's other states."""
    [event] = summary["team_rule_events"]
    data = event["detail"]["data"]
    assert (data["account"], data["state"], data["resource_id"]) == ("222233334444", "stopped",
                                                                     summary["member_instance"])
    stopped_elsewhere = [m for m in summary["normalized"] if m[1] == "stopped" and m[0] != summary["member_instance"]]
    assert stopped_elsewhere, "the day also stops instances of the central account, which the rule leaves out"


def test_the_webhook_gets_every_message_but_heartbeats_with_its_credential(summary):
    """WebhookRule's API destination (the hop emulated by ore_harness.webhook): each state change and
    notice is POSTed once, as the ORE bus's event, with the credential the connection resolved from the
    operator's secret in the header it names."""
    hooks = [r for r in summary["webhook_requests"] if r["path"] == "/hook"]
    assert summary["webhook_failed"] == 0
    ids = [r["body"]["detail"]["id"] for r in hooks]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(summary["normalized_ids"]) | {m["id"] for m in summary["notice_messages"]}
    for request in hooks:
        assert request["headers"]["authorization"] == "Bearer local-webhook-token"
        assert request["headers"]["content-type"] == "application/json"
        assert request["body"]["source"] == "org.ore" and request["body"]["detail-type"] != "org.ore.heartbeat"


def test_pagerduty_gets_one_events_v2_trigger_per_stop_and_termination(summary):
    """PagerDutyRule: a state change to PagerDutyStates (stopped, terminated by default) becomes a PagerDuty
    Events API v2 trigger (its fields as PagerDuty documents them), routing_key added by the connection."""
    alerts = [r["body"] for r in summary["webhook_requests"] if r["path"] == "/v2/enqueue"]
    paging = [m for m in summary["normalized"] if m[1] in ("stopped", "terminated")]
    assert len(alerts) == len(paging) > 0
    by_id = {}
    for alert in alerts:
        assert alert["routing_key"] == "0123456789abcdef0123456789abcdef"
        assert alert["event_action"] == "trigger"
        payload = alert["payload"]
        message = payload["custom_details"]
        data = message["data"]
        assert alert["dedup_key"] == data["resource_arn"] and len(alert["dedup_key"]) <= 255
        assert payload["summary"] == f"ORE: {data['resource_id']} is now {data['state']} ({data['account']} {data['region']})"
        assert len(payload["summary"]) <= 1024
        assert payload["severity"] in ("critical", "error", "warning", "info")
        assert (payload["source"], payload["component"], payload["group"], payload["class"], payload["timestamp"]) == (
            data["resource_arn"], data["resource_id"], data["account"], "org.ore.resource.state-changed", message["time"])
        by_id[message["id"]] = data["state"]
    assert sorted(by_id.values()) == sorted(state for _, state in paging)


def test_chat_posts_every_message_once_routed_by_team_with_a_digest_per_burst(summary):
    """The chat-notifier: each state change and notice is in exactly one custom notification (a burst's
    in its team's digest post, as for mail), payments-tagged resources in the payments channel's topic
    (ChatRoutes), the rest in ORE's chat topic; each post in the documented format."""
    posts = summary["chat_posts"]["default"] + summary["chat_posts"]["payments"]
    assert all(p["version"] == "1.0" and p["source"] == "custom" for p in posts)
    assert all(p["content"]["textType"] == "client-markdown" and p["content"]["description"] for p in posts)
    digests = [p for p in posts if p["metadata"]["eventType"] == "org.ore.digest"]
    singles = [p for p in posts if p["metadata"]["eventType"] != "org.ore.digest"]
    in_digests = sum(int(d["metadata"]["additionalContext"]["messages"]) for d in digests)
    messages = summary["normalized_messages"] + summary["notice_count"]
    assert len(singles) + in_digests == messages
    assert len({p["id"] for p in singles}) == len(singles)
    payments = summary["chat_posts"]["payments"]
    assert payments and all("payments" in json.dumps(p) for p in payments)
    assert any(p["metadata"]["eventType"] == "org.ore.digest" for p in payments), "the payments burst"
    assert not any("team = payments" in p["content"]["description"] for p in summary["chat_posts"]["default"])


def test_the_history_command_answers_from_the_state_table(summary, run):
    for instance, history in summary["history"].items():
        assert all(published for *_, published in history["events"]), instance
        text = (run.folder / f"history-{instance}.txt").read_text()
        place = "us-east-1:222233334444" if instance == summary["member_instance"] else "eu-west-1:123456789012"
        assert text.startswith(f"arn:aws:ec2:{place}:instance/{instance}")
    web = [i for i, h in summary["history"].items() if len(h["events"]) == 8]
    assert len(web) == 1 and summary["history"][web[0]]["current"] == "terminated"
    # web-01's retirement notice is remembered beside its history, not in it.
    [retirement] = [m for m in summary["notice_messages"] if m["type"] == "org.ore.resource.change-scheduled"]
    assert f"notice published: {retirement['id']}" in (run.folder / f"history-{web[0]}.txt").read_text()


TIMED_NOTICE_TYPES = {f"org.ore.resource.{kind}" for kind in (
    "volume-changed", "database-event", "task-stopped", "configuration-changed", "scaling-activity")}


def test_each_notice_is_published_enriched_once_and_recorded_in_csv(summary, run):
    """Each notice's AWS event was delivered twice: the state table knows it went out."""
    assert sorted(map(tuple, summary["notices"])) == sorted(map(tuple, summary["expected_notices"]))
    for message in summary["notice_messages"]:
        data = message["data"]
        assert data["enrichment"] == "enriched", message["type"]
        name = data["instance"]["name"] if "instance" in data else data.get("resource_name")
        assert name in ("web-01", "batch-spot-07", "orders", "orders-data", "orders-web", None)
        assert "state" not in data
        # The kinds that tell what became of a resource are timed (ORE 0.6): each is the first
        # event of its timeline today, so nothing came before it; the others carry no timing.
        timed = message["type"] in TIMED_NOTICE_TYPES
        assert ("timing" in data) == timed, message["type"]
        if timed and data.get("database_event", {}).get("event_id") != "RDS-EVENT-0049":
            assert data["timing"] == {"previous_state": None, "previous_state_since": None,
                                      "previous_state_seconds": None, "late": False}, message["type"]
    # The DynamoDB table AWS Health reports an issue for: its tags from the Tagging API.
    [table] = [m for m in summary["notice_messages"] if m["type"] == "org.ore.resource.health-event"]
    assert table["data"]["resource_type"] == "dynamodb:table"
    assert table["data"]["tags"] == {"Name": "orders", "team": "payments"}
    assert table["data"]["health_event"]["category"] == "issue"
    # The volume EBS could not attach: its tags too, and EBS's cause.
    [volume] = [m for m in summary["notice_messages"] if m["type"] == "org.ore.resource.volume-changed"]
    assert volume["data"]["tags"] == {"Name": "orders-data", "team": "payments"}
    assert volume["data"]["volume_change"]["cause"].endswith("is pending deletion.")
    # The database RDS failed over: the emulator knows no tags of it, so none (and no name).
    restarted, database = sorted((m for m in summary["notice_messages"]
                                  if m["type"] == "org.ore.resource.database-event"), key=lambda m: m["time"])
    assert database["data"]["enrichment"] == "enriched" and database["data"]["tags"] == {}
    assert database["data"]["database_event"]["event_id"] == "RDS-EVENT-0049"
    # Its timeline: RDS restarted it 40 minutes before the failover (ORE 0.6).
    assert restarted["data"]["database_event"]["event_id"] == "RDS-EVENT-0006"
    timing = database["data"]["timing"]
    assert (timing["previous_state"], timing["previous_state_seconds"], timing["late"]) == ("restarted", 2400, False)
    assert timing["previous_state_since"] == restarted["time"]
    # The stopped ECS task, run in the emulator with its team tag: the Tagging API names it.
    [task] = [m for m in summary["notice_messages"] if m["type"] == "org.ore.resource.task-stopped"]
    assert task["data"]["tags"] == {"Name": "orders-web", "team": "payments"}
    assert task["data"]["task_stopped"]["stop_code"] == "EssentialContainerExited"
    # The security group AWS Config recorded: its tags came with the item.
    [group] = [m for m in summary["notice_messages"] if m["type"] == "org.ore.resource.configuration-changed"]
    assert group["data"]["tags"] == {"Name": "orders-web", "team": "payments"}
    assert group["data"]["configuration_change"]["changed_properties"][0]["name"] == "Configuration.IpPermissions.0"
    # The Auto Scaling group that could not scale out: its tags from Auto Scaling's DescribeTags.
    [scaling] = [m for m in summary["notice_messages"] if m["type"] == "org.ore.resource.scaling-activity"]
    assert scaling["data"]["tags"] == {"Name": "orders-web", "team": "payments"}
    assert scaling["data"]["scaling_activity"]["result"] == "unsuccessful"
    rows = list(csv.DictReader(io.StringIO((run.folder / "csv-records.csv").read_text(), newline="")))
    retirement = [r for r in rows if r["message_type"] == "org.ore.resource.change-scheduled"]
    assert len(retirement) == 1
    assert retirement[0]["notice_code"] == "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED"
    assert retirement[0]["window_start"] and retirement[0]["window_end"] and retirement[0]["state"] == ""
    [spot] = [r for r in rows if r["message_type"] == "org.ore.resource.spot-interruption-warned"]
    assert spot["notice_code"] == "terminate" and spot["name"] == "batch-spot-07"


def test_notice_mails_say_what_will_happen_and_when(summary):
    subjects = summary["email_subjects"]
    retirement = [s for s in subjects if "web-01" in s and "will be retired between" in s]
    assert len(retirement) == 1 and retirement[0].endswith(", in 6 days"), retirement
    # The warning is put on the bus as it happens: the mail goes out seconds later, to the minute.
    spot = [s for s in subjects if "Spot interruption: batch-spot-07" in s and s.endswith("terminates in 2 minutes")]
    assert len(spot) == 1, subjects
    assert sum("Rebalance recommended: batch-spot-07" in s for s in subjects) == 1
    # A Health event about a DynamoDB table reads as an issue, and goes where the table's team tag
    # routes it (its tags come from the Tagging API, not EC2).
    [issue] = [(s, to) for s, to in zip(subjects, summary["email_recipients"])
               if "AWS DYNAMODB operational issue: orders (orders-" in s]
    assert issue[1] == ["payments@example.com"], issue
    [attach] = [(s, to) for s, to in zip(subjects, summary["email_recipients"])
                if s.startswith("[123456789012 eu-west-1] EBS: orders-data (vol-") and s.endswith("could not be attached")]
    assert attach[1] == ["payments@example.com"], attach
    failover = [s for s in subjects if s == "[123456789012 eu-west-1] RDS: orders-db: A Multi-AZ failover has completed."]
    assert len(failover) == 1, subjects
    [task] = [(s, to) for s, to in zip(subjects, summary["email_recipients"])
              if s.startswith("[123456789012 eu-west-1] ECS: task orders-web (orders-cluster/")]
    assert task[0].endswith("stopped: web exited with code 137") and task[1] == ["payments@example.com"], task
    [opened] = [(s, to) for s, to in zip(subjects, summary["email_recipients"])
                if s.startswith("[123456789012 eu-west-1] Config: AWS::EC2::SecurityGroup orders-web (sg-")]
    assert opened[0].endswith("was changed (1 property)") and opened[1] == ["payments@example.com"], opened
    [scale_out] = [(s, to) for s, to in zip(subjects, summary["email_recipients"])
                   if s.startswith("[123456789012 eu-west-1] Auto Scaling: orders-web (orders-web-")]
    assert scale_out[0].endswith("could not launch an instance (i-0a1b2c3d4e5f60718)"), scale_out
    assert scale_out[1] == ["payments@example.com"], scale_out


def test_the_retirement_mail_carries_a_calendar_entry_a_calendar_reads(summary, run):
    """The .ics ORE attaches, read with the Python icalendar library (independent of the Rust
    crate that wrote it): one event, the maintenance window, a UID of the Health event and the
    instance (ORE's UUIDv5 of both ARNs: every communication of the event updates one entry) and the
    communication's time as its SEQUENCE."""
    import datetime as dt

    import icalendar

    [ics] = sorted((run.folder / "emails").glob("*.ics"))
    calendar = icalendar.Calendar.from_ical(ics.read_text())
    assert str(calendar["METHOD"]) == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    [message] = [m for m in summary["notice_messages"] if m["type"] == "org.ore.resource.change-scheduled"]
    change = message["data"]["scheduled_change"]
    as_time = lambda text: dt.datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: E731
    assert event.decoded("DTSTART") == as_time(change["start_time"])
    assert event.decoded("DTEND") == as_time(change["end_time"])
    # ore-model's message-id namespace (crates/ore-model/src/standard.rs, ID_NAMESPACE).
    namespace = uuid.UUID(int=0x0E2C6D1A5B7F4C3E9A417D2F1B6E8C05)
    same_event = uuid.uuid5(namespace, f"{change['event_arn']}|{message['data']['resource_arn']}")
    assert str(event["UID"]) == f"{same_event}@ore"
    # Seconds since 2020-01-01 (crates/emailer/src/calendar.rs, SEQUENCE_EPOCH): within RFC 5545's integers.
    assert int(event["SEQUENCE"]) == int(as_time(message["time"]).timestamp()) - 1_577_836_800
    assert "web-01" in str(event["SUMMARY"]) and "retirement" in str(event["SUMMARY"])
    assert "EC2 has detected degradation" in str(event["DESCRIPTION"])


def test_the_member_accounts_instance_is_forwarded_and_enriched_in_its_own_account(summary, run):
    """member/template.yaml's forwarding rule and enrichment role, the central bus policy
    (MemberAccountIds) and EnrichmentRoleName: the member's instance, in us-east-1, is described
    with its own tags through the role, and its account is named (AccountNames)."""
    assert summary["member_forwarded"] == 4 and summary["member_refused"] == 0
    messages = summary["member_messages"]
    assert [m["data"]["state"] for m in sorted(messages, key=lambda m: m["time"])] == [
        "pending", "running", "stopping", "stopped"]
    for message in messages:
        data = message["data"]
        assert (data["account"], data["region"], data["account_name"]) == (
            "222233334444", "us-east-1", "payments-prod")
        assert data["enrichment"] == "enriched", data
        assert data["instance"]["name"] == "ledger-01" and data["instance"]["instance_type"] == "m7g.large"
        assert data["instance"]["tags"]["team"] == "payments"
        assert message["source"] == "urn:ore:aws:222233334444:us-east-1"
    rows = [r for r in csv.DictReader(io.StringIO((run.folder / "csv-records.csv").read_text(), newline=""))
            if r["resource_id"] == summary["member_instance"]]
    assert len(rows) == 4 and all(r["account_name"] == "payments-prod" and r["name"] == "ledger-01" for r in rows)
    mails = [(s, to) for s, to in zip(summary["email_subjects"], summary["email_recipients"]) if "ledger-01" in s]
    assert len(mails) == 4 and all(to == ["payments@example.com"] for _, to in mails), mails
    texts = [p.read_text() for p in (run.folder / "emails").glob("*.txt") if "ledger-01" in p.read_text()]
    assert len(texts) == 4 and all("payments-prod (222233334444)" in t for t in texts)
    # Central instances are not named: AccountNames names only the member.
    assert all("account_name" not in m["data"] for m in summary["notice_messages"])


def test_the_log_volume_per_event_is_within_the_organisation_models(summary, run):
    """docs/organisation.md "Running for an organisation" prices CloudWatch Logs at org_scale.LOG_BYTES_PER_EVENT
    bytes per state change: the functions' logs of the whole demo stay under that per message."""
    from ore_harness import org_scale
    logged = sum(p.stat().st_size for p in (run.folder / "logs").iterdir() if p.is_file())
    messages = summary["normalized_messages"] + summary["notice_count"]
    assert logged / messages <= org_scale.LOG_BYTES_PER_EVENT, f"{logged / messages:.0f} bytes per message"
