"""The cold-start harness's verdicts and report (ore_harness.report), on made-up figures: the
budgets are applied as the issue states them, and only memory and package size can fail CI. Runs
without the AWS toolchain: ore_harness.report imports nothing but the standard library."""
from ore_harness import report as cold_start

FUNCTIONS = ["NormalizerFunction", "CsvFormatterFunction", "EmailerFunction"]


def figures(init_ms, rss_mb):
    stat = lambda v: {"median": v, "min": v, "max": v}  # noqa: E731
    return {"start_to_first_ms": stat(init_ms + 10), "init_ms": stat(init_ms), "first_invocation_ms": stat(5.0),
            "warm_invocation_ms": stat(1.0), "peak_rss_mb": stat(rss_mb)}


def results(init_ms=3.0, rss_mb=10.0, zip_mb=3.0, throughput=None):
    functions = {name: figures(init_ms, rss_mb) for name in FUNCTIONS}
    functions[cold_start.FLOOR] = figures(2.0, 3.0)
    return {"date": "2026-11-28", "machine": {"cpu": "test CPU", "cores": 2, "memory_gb": 24, "kernel": "6",
                                              "arch": "x86_64"},
            "starts": 3, "warm": 2, "functions": functions,
            "packages": {name: {"arm64": {"bootstrap_mb": 8.0, "zip_mb": zip_mb}} for name in FUNCTIONS},
            "throughput": throughput or {}}


def verdict(report, text):
    [match] = [v for v in report["budgets"] if text in v["budget"]]
    return match


def test_init_is_judged_as_a_ratio_to_the_floor():
    met = cold_start.evaluate(results(init_ms=4.0))
    assert verdict(met, "NormalizerFunction init")["met"] and verdict(met, "NormalizerFunction init")["measured"] == "2.00×"
    missed = cold_start.evaluate(results(init_ms=4.2))
    assert not verdict(missed, "EmailerFunction init")["met"]
    assert cold_start.size_misses(missed) == [], "a slow machine never fails the size check"


def test_memory_and_zip_budgets_are_the_ones_that_fail_the_check():
    report = cold_start.evaluate(results(rss_mb=33.0, zip_mb=5.2))
    missed = {v["budget"] for v in cold_start.size_misses(report)}
    assert "CsvFormatterFunction peak RSS ≤ 32 MB" in missed
    assert "EmailerFunction zip (arm64) ≤ 5 MB" in missed
    assert len(missed) == 6
    assert cold_start.size_misses(cold_start.evaluate(results(rss_mb=32.0, zip_mb=5.0))) == []


def test_the_zip_budget_judges_the_deployed_arm64_package_and_shows_the_local_x86_64_one():
    data = results(zip_mb=4.0)
    data["packages"]["EmailerFunction"]["x86_64"] = {"bootstrap_mb": 11.0, "zip_mb": 5.04}
    report = cold_start.evaluate(data)
    assert cold_start.size_misses(report) == []
    shown = verdict(report, "EmailerFunction zip (x86_64, local runs only)")
    assert shown["kind"] == "info" and shown["measured"] == "5.04 MB"
    # With no arm64 build on the machine, the build there is judged in its place.
    del data["packages"]["EmailerFunction"]["arm64"]
    missed = cold_start.size_misses(cold_start.evaluate(data))
    assert [v["budget"] for v in missed] == ["EmailerFunction zip (x86_64) ≤ 5 MB"]


def test_a_function_without_a_build_cannot_pass_the_zip_budget():
    data = results()
    del data["packages"]["EmailerFunction"]
    missed = cold_start.size_misses(cold_start.evaluate(data))
    assert [v["budget"] for v in missed] == ["EmailerFunction zip ≤ 5 MB"]


def test_throughput_budgets_and_the_markdown_table():
    report = cold_start.evaluate(results(throughput={
        "normalizer/sqs-body-to-standard-message/sns-envelope": 99_999,
        "csv-formatter/standard-message-to-csv-record": 300_000,
        "emailer/standard-message-to-email": 65_000}))
    assert not verdict(report, "normalizer/")["met"]
    assert verdict(report, "csv-formatter/")["met"] and verdict(report, "emailer/")["met"]
    table = cold_start.markdown(report)
    assert "| cold-start-floor | 12.0 ms (12.0–12.0) | 2.0 ms (2.0–2.0) | 1 (floor) |" in table
    assert "| normalizer/sqs-body-to-standard-message/sns-envelope ≥ 100,000 /s/core | 99,999 /s | **missed** |" in table
    assert "test CPU (2 cores, 24 GB" in table


def test_a_comparison_row_is_reported_but_never_judged():
    data = results()
    data["functions"]["NormalizerFunction (system CA store)"] = figures(9.0, 10.0)
    data["variants"] = ["NormalizerFunction (system CA store)"]
    report = cold_start.evaluate(data)
    assert not any("system CA store" in v["budget"] for v in report["budgets"])
    assert "| NormalizerFunction (system CA store) |" in cold_start.markdown(report)
    assert report["functions"]["NormalizerFunction (system CA store)"]["init_ratio_to_floor"] == 4.5


def test_instruction_counts_are_reported_when_measured():
    data = results()
    data["instructions"] = {"NormalizerFunction": 18_400_000, "cold-start-floor": 900_000}
    table = cold_start.markdown(cold_start.evaluate(data))
    assert "| NormalizerFunction | 18.4 M |" in table
    assert "instructions" not in cold_start.markdown(cold_start.evaluate(results()))
