"""The emulator's request recording is read whatever the load: lines that two concurrent requests ran
together (its recorder appends without a lock) give both requests back."""
import json

from ore_harness.emulator import recorded_requests


def test_requests_run_together_on_one_line_are_each_read_and_counted():
    a, b, c = ({"method": "POST", "url": f"/r{n}", "body": "{\"x\": [1, 2]}"} for n in range(3))
    text = json.dumps(a) + "\n" + json.dumps(b) + json.dumps(c) + "\n\n"
    entries, merged = recorded_requests(text)
    assert entries == [a, b, c]
    assert merged == 1


def test_a_clean_recording_reads_as_it_was_written():
    requests = [{"method": "GET", "url": f"/r{n}"} for n in range(5)]
    entries, merged = recorded_requests("".join(json.dumps(r) + "\n" for r in requests))
    assert (entries, merged) == (requests, 0)
