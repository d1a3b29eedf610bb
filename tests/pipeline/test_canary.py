"""The canary reports the hop that stops a heartbeat: the run "broken" (demo_run.RUNS: scripts/demo.sh
--canary-only --break-hop EmailerFunction, made by this test session) starts the emailer with its configuration
blanked, so its init fails, and the canary (ore_harness.verify) must say so."""
import pytest

from ore_harness.template import Template


@pytest.fixture(scope="module")
def run(pipeline_runs):
    return pipeline_runs.get("broken")


@pytest.fixture(scope="module")
def canary(run):
    return run.summary["canary"]


def test_the_broken_hop_is_named(canary):
    assert canary["ok"] is False
    assert canary["stopped_at"] == "EmailerFunction"
    assert canary["missing"] == ["EmailerFunction"]
    # The emailer's siblings on the normalized topic still see it.
    assert set(canary["hops"]) == {"NormalizerFunction", "CsvFormatterFunction", "ChatNotifierFunction",
                                   "BusPublisherFunction"}


def test_the_likely_cause_points_at_the_function_and_its_log(canary):
    causes = "\n".join(canary["causes"])
    assert "EmailerDeadLetterQueue" in causes or "EmailerQueue" in causes, causes
    own_variables = Template().function("EmailerFunction").environment
    assert any(name in causes for name in own_variables), "the init error line naming the emailer's variable"


def test_with_the_emailer_down_every_test_mail_is_named_failing(canary):
    """The same run asks for test mails (--verify-mail-to): each kind fails, naming the init error to look for."""
    sinks = {s["name"]: s for s in canary["sinks"]}
    for kind in ("mail: state change", "mail: digest", "mail: scheduled change (.ics, raw)"):
        assert not sinks[kind]["ok"] and "init error" in sinks[kind]["detail"], sinks[kind]
    assert not sinks["heartbeat (rule, topics, queues, functions)"]["ok"]
