"""verify-deployment against the emulator: the run "verify" (demo_run.RUNS: scripts/demo.sh --canary-only
--verify-mail-to ops@example.com --verify-archive-record) follows the heartbeat, then checks every sink
through the same code a deployer runs after `sam deploy`: a test mail of each kind through the emailer, a
test record through the archive, the two tables, and what each alarm watches. Each ends as one line."""
import pytest

from ore_harness.template import Template, of_type

SINKS = ["heartbeat (rule, topics, queues, functions)", "metric lines (EMF)", "mail: state change", "mail: digest",
         "mail: scheduled change (.ics, raw)", "archive", "table MailLedgerTable", "table StateTable", "alarms"]


@pytest.fixture(scope="module")
def run(pipeline_runs):
    return pipeline_runs.get("verify")


@pytest.fixture(scope="module")
def summary(run):
    return run.summary


def test_every_sink_has_its_line_and_each_is_ok(summary):
    sinks = summary["canary"]["sinks"]
    assert [s["name"] for s in sinks] == SINKS
    assert all(s["ok"] for s in sinks), [s for s in sinks if not s["ok"]]


def test_a_mail_of_each_kind_went_out_through_the_emailer_the_notice_with_its_calendar(summary, run):
    assert summary["emails"] == 3 and summary["digests"] == 1
    assert all(to == ["ops@example.com", "sre@example.com"] for to in summary["email_recipients"])
    assert all("ore-verify-deployment" in s or s.startswith("[ORE] ") for s in summary["email_subjects"])
    [calendar] = list((run.folder / "emails").glob("*.ics"))
    assert "BEGIN:VCALENDAR" in calendar.read_text()


def test_the_archive_test_record_came_through_and_the_alarms_were_all_checked(summary):
    verdicts = {s["name"]: s["detail"] for s in summary["canary"]["sinks"]}
    assert "the test record came through" in verdicts["archive"]
    alarms = [n for n in of_type(Template().resources, "AWS::CloudWatch::Alarm")
              if n != "EmailerTemplateRefusedAlarm"]  # only with EmailTemplateBucket
    assert verdicts["alarms"].startswith(f"{len(alarms)} alarms, each watching a metric AWS publishes")
    # The heartbeat's metric lines became metrics (the emulated EMF hop), so its alarms watch data.
    assert "HeartbeatMissingAlarm" not in verdicts["alarms"]
