"""The pipeline runs of this test session (demo_run.Runs): under $ORE_PIPELINE_RUNS when set
(scripts/test.sh keeps them in target/ for a look after a failure), else in pytest's own temporary
folder. Either way each run gets a new folder."""
import os
import pathlib

import pytest

import demo_run


@pytest.fixture(scope="session")
def pipeline_runs(tmp_path_factory):
    base = os.environ.get("ORE_PIPELINE_RUNS")
    if base:
        pathlib.Path(base).mkdir(parents=True, exist_ok=True)
        return demo_run.Runs(base)
    return demo_run.Runs(tmp_path_factory.mktemp("pipeline-runs"))
