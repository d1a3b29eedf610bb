"""The pipeline tests' runs (tests/pipeline/demo_run.py) are made by the session that reads them:
each in a new folder, once per session, and a failed run fails its tests with the run's own words.
A stand-in for scripts/demo.sh records how it was called."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "pipeline"))
import demo_run  # noqa: E402

STAND_IN = """#!/usr/bin/env bash
# Writes a summary naming its arguments, or fails when asked to.
out="$2"; shift 2
echo "$*" >> "{calls}"
if [ "${{1:-}}" = --fail ]; then echo "the emulator did not start"; exit 3; fi
mkdir -p "$out"
printf '{{"args": "%s"}}' "$*" > "$out/summary.json"
"""


@pytest.fixture
def stand_in(tmp_path):
    calls = tmp_path / "calls"
    script = tmp_path / "demo.sh"
    script.write_text(STAND_IN.format(calls=calls))
    script.chmod(0o755)
    return script, calls


def test_each_run_is_made_once_per_session_in_a_new_folder(tmp_path, stand_in, monkeypatch):
    script, calls = stand_in
    monkeypatch.setitem(demo_run.RUNS, "day", ["--scenario"])
    first, second = demo_run.Runs(tmp_path / "one", script), demo_run.Runs(tmp_path / "two", script)
    for runs in (first, second):
        runs.base.mkdir()
    a = first.get("day")
    assert first.get("day") is a, "the same session asks twice: one run"
    b = second.get("day")
    assert a.folder != b.folder and a.folder.parent == tmp_path / "one" and b.folder.parent == tmp_path / "two"
    assert a.summary == {"args": "--scenario"}
    assert calls.read_text().splitlines() == ["--scenario", "--scenario"], "a later session runs again"


def test_a_failed_run_fails_with_its_last_lines(tmp_path, stand_in, monkeypatch):
    script, _ = stand_in
    monkeypatch.setitem(demo_run.RUNS, "broken", ["--fail"])
    with pytest.raises(pytest.fail.Exception) as failure:
        demo_run.Runs(tmp_path, script).get("broken")
    assert "exited 3" in str(failure.value) and "the emulator did not start" in str(failure.value)


def test_every_run_is_one_scripts_demo_sh_accepts():
    """Each run's arguments name options and files that exist."""
    options = (demo_run.ROOT / "ore_harness" / "pipeline.py").read_text()
    for name, arguments in demo_run.RUNS.items():
        for argument in arguments:
            if argument.startswith("--"):
                assert f'"{argument}"' in options, (name, argument)
            elif "/" in argument:
                assert (demo_run.ROOT / argument).exists(), (name, argument)
