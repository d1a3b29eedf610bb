"""Replacement mail templates tested locally, as the README shows (scripts/demo.sh --templates DIR,
run by scripts/test.sh with tests/pipeline/mail-templates and one stopped event): the emailer reads
them from the emulator's S3 at init, uses the good text template, refuses the broken HTML one by
name (log line and metric) and sends the compiled-in HTML instead: the mail still goes out."""
import json
import os
import pathlib

import pytest

OUT = pathlib.Path(os.environ.get("ORE_DEMO_TEMPLATES_OUT", "target/demo-templates"))


@pytest.fixture(scope="module")
def summary():
    path = OUT / "summary.json"
    assert path.exists(), (f"{path} missing: run scripts/demo.sh --out {OUT} --templates tests/pipeline/mail-templates "
                           "events/eventbridge/ec2-instance-stopped.json first")
    return json.loads(path.read_text())


def test_the_good_replacement_is_used_and_the_broken_one_falls_back(summary):
    assert summary["emails"] == 1
    [text] = list((OUT / "emails").glob("*.txt"))
    [html] = list((OUT / "emails").glob("*.html"))
    body = text.read_text().split("\n\n", 1)[1]
    assert body.startswith("ACME platform team: i-0abc1234def567890 is now STOPPED"), body
    assert "Sent by ORE (Org Resource Events)" in html.read_text(), "the compiled-in HTML"


def test_the_refusal_is_logged_and_counted(summary):
    lines = [json.loads(line) for line in (OUT / "logs" / "emailer.log").read_text().splitlines()
             if line.startswith("{")]
    refused = [line for line in lines if "template_refused" in json.dumps(line)]
    assert len(refused) == 1, refused
    assert "email.html" in json.dumps(refused[0]) and "does not parse" in json.dumps(refused[0])
    metrics = [line for line in lines if "TemplateOverridesRefused" in line]
    assert [m["TemplateOverridesRefused"] for m in metrics] == [1]
    applied = [line for line in lines if "replacement templates in use" in json.dumps(line)]
    assert applied and "email.txt" in json.dumps(applied[0])
