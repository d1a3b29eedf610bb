"""Ctrl-C during scripts/demo.sh stops every process it started (the functions' runtime emulators
and the AWS API emulator) and exits 130."""
import os
import pathlib
import signal
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
STARTED = "aws-lambda-rie|moto_server -H 127.0.0.1"


def pids(pattern):
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
    return {int(pid) for pid in found}


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def test_ctrl_c_stops_everything(tmp_path):
    before = pids(STARTED)
    log = open(tmp_path / "demo.log", "w")
    # SIGINT as a terminal leaves it: a runner that started this test in the background may have
    # left it ignored, which every process below would inherit (and a shell cannot undo).
    demo = subprocess.Popen([str(ROOT / "scripts" / "demo.sh"), "--out", str(tmp_path / "out")], cwd=ROOT,
                            start_new_session=True, stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        started = set()
        for _ in range(240):  # at most a minute for the build check and the start-up
            started = pids(STARTED) - before
            if len(started) >= 4:  # moto server and three runtime emulators
                break
            time.sleep(0.25)
        assert len(started) >= 4, (tmp_path / "demo.log").read_text()
        os.killpg(demo.pid, signal.SIGINT)  # what a terminal's Ctrl-C does to the foreground group
        assert demo.wait(timeout=60) == 130
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in started if alive(pid)], "processes left running after Ctrl-C"
    assert "interrupted" in (tmp_path / "demo.log").read_text()
