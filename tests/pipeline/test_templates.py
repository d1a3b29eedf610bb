"""Replacement mail templates tested locally, as docs/emailer.md shows (the run "templates":
scripts/demo.sh --templates tests/pipeline/mail-templates and one stopped event): the emailer reads
them from the emulator's S3 at init, uses the good text template, refuses the broken HTML one by
name (log line and metric) and sends the compiled-in HTML instead: the mail still goes out."""
import json

import pytest


@pytest.fixture(scope="module")
def run(pipeline_runs):
    return pipeline_runs.get("templates")


@pytest.fixture(scope="module")
def summary(run):
    return run.summary


def test_the_good_replacement_is_used_and_the_broken_one_falls_back(summary, run):
    assert summary["emails"] == 1
    [text] = list((run.folder / "emails").glob("*.txt"))
    [html] = list((run.folder / "emails").glob("*.html"))
    body = text.read_text().split("\n\n", 1)[1]
    assert body.startswith("ACME platform team: i-0abc1234def567890 is now STOPPED"), body
    assert "Sent by ORE (Org Resource Events)" in html.read_text(), "the compiled-in HTML"


def test_the_refusal_is_logged_and_counted(summary, run):
    lines = [json.loads(line) for line in (run.folder / "logs" / "emailer.log").read_text().splitlines()
             if line.startswith("{")]
    refused = [line for line in lines if "template_refused" in json.dumps(line)]
    assert len(refused) == 1, refused
    assert "email.html" in json.dumps(refused[0]) and "does not parse" in json.dumps(refused[0])
    metrics = [line for line in lines if "TemplateOverridesRefused" in line]
    assert [m["TemplateOverridesRefused"] for m in metrics] == [1]
    applied = [line for line in lines if "replacement templates in use" in json.dumps(line)]
    assert applied and "email.txt" in json.dumps(applied[0])
