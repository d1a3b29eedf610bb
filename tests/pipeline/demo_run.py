"""The local pipeline runs the tests in this folder read: each is made by this test run, into a
fresh folder, the first time a test asks for it (scripts/demo.sh with that run's arguments), so no
test reads what an earlier run, or another commit, left behind."""
import json
import pathlib
import subprocess
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Each run the tests read: scripts/demo.sh's arguments for it (one place; the tests name the run).
RUNS = {
    # The operator's day through every function.
    "day": [],
    # The emailer's init fails: the canary must name that hop, and each test mail must fail.
    "broken": ["--canary-only", "--canary-timeout", "15", "--break-hop", "EmailerFunction",
               "--verify-mail-to", "ops@example.com"],
    # verify-deployment's sinks: a test mail of each kind, an archive record, the tables and alarms.
    "verify": ["--canary-only", "--verify-mail-to", "ops@example.com", "--verify-archive-record"],
    # Replacement mail templates, one good and one broken (docs/emailer.md, "Changing the mail").
    "templates": ["--templates", "tests/pipeline/mail-templates", "events/eventbridge/ec2-instance-stopped.json"],
}
LOG_TAIL_LINES = 80


class Run:
    """One finished run: its folder and its summary.json."""

    def __init__(self, folder):
        self.folder = folder
        self.summary = json.loads((folder / "summary.json").read_text())


class Runs:
    """Makes each run once per test session, under `base` (a folder of this session's own)."""

    def __init__(self, base, demo=ROOT / "scripts" / "demo.sh"):
        self.base = pathlib.Path(base)
        self.demo = demo
        self.done = {}

    def get(self, name):
        if name not in self.done:
            self.done[name] = self.make(name)
        return self.done[name]

    def make(self, name):
        folder = pathlib.Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.base))
        log = folder.with_suffix(".log")
        command = [str(self.demo), "--out", str(folder), *RUNS[name]]
        with log.open("w") as output:
            finished = subprocess.run(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, check=False)
        if finished.returncode != 0 or not (folder / "summary.json").exists():
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:])
            pytest.fail(f"scripts/demo.sh for run {name!r} exited {finished.returncode} "
                        f"(command: {' '.join(command)}; full log {log}); its last lines:\n{tail}", pytrace=False)
        return Run(folder)
