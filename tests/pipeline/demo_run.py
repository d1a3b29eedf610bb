"""The summary of a local pipeline run that scripts/test.sh made just before the tests that read it."""
import json
import os
import pathlib


def run_folder(variable, default):
    """Where that run wrote (the environment variable scripts/test.sh sets, else its default)."""
    return pathlib.Path(os.environ.get(variable, default))


def summary(folder, how):
    """The run's summary.json; `how` says which scripts/demo.sh command makes it."""
    path = folder / "summary.json"
    assert path.exists(), f"{path} missing: run scripts/demo.sh --out {folder} {how}"
    return json.loads(path.read_text())
