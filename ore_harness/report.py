"""The cold-start benchmark's pure half: the budgets, the verdicts and the Markdown table, from
figures alone. No AWS tooling, no emulator: `tests/bench` checks it on made-up figures."""
import statistics

FLOOR = "cold-start-floor"  # the empty runtime: crates/cold-start-floor
BATCH = 10
# The architecture `sam deploy` ships (template.yaml's Architecture default; its Rules refuse x86_64).
DEPLOYED_ARCH = "arm64"
# The budgets; docs/benchmarks.md states them with the measured values.
BUDGETS = {
    "init_ratio": 2.0,          # init of each function / init of the floor
    "peak_rss_mb": 32.0,        # under a 10-record batch (MemorySize is 128)
    "zip_mb": 5.0,              # each function's deployment package
    "throughput": {             # events per second on one core, from cargo bench
        "normalizer/sqs-body-to-standard-message/sns-envelope": 100_000,
        "csv-formatter/standard-message-to-csv-record": 300_000,
        "emailer/standard-message-to-email": 20_000,
    },
}


def summarize(starts):
    """Median, min and max of each figure over the starts."""
    keys = starts[0].keys()
    return {key: {"median": statistics.median(s[key] for s in starts),
                  "min": min(s[key] for s in starts), "max": max(s[key] for s in starts)}
            for key in keys}


def evaluate(results):
    """Each budget with its measured value and whether it is met."""
    verdicts = []
    floor = results["functions"][FLOOR]
    for name, measured in results["functions"].items():
        if name != FLOOR:
            measured["init_ratio_to_floor"] = measured["init_ms"]["median"] / floor["init_ms"]["median"]
    variants = set(results.get("variants", []))
    for name in (n for n in results["functions"] if n != FLOOR and n not in variants):
        measured = results["functions"][name]
        ratio = measured["init_ratio_to_floor"]
        verdicts.append(("time", f"{name} init ≤ {BUDGETS['init_ratio']:g}× floor", f"{ratio:.2f}×",
                         ratio <= BUDGETS["init_ratio"]))
        rss = measured["peak_rss_mb"]["max"]
        verdicts.append(("memory", f"{name} peak RSS ≤ {BUDGETS['peak_rss_mb']:g} MB", f"{rss:.1f} MB",
                         rss <= BUDGETS["peak_rss_mb"]))
        packages = results["packages"].get(name, {})
        # The budget is the deployment package's: arm64, the one architecture the template deploys
        # (its Rules refuse x86_64). Other builds are weighed and shown, not judged, unless no
        # arm64 build exists on this machine: then each build stands in for it.
        judged = {DEPLOYED_ARCH} if DEPLOYED_ARCH in packages else set(packages)
        for arch, size in sorted(packages.items()):
            if arch in judged:
                verdicts.append(("package", f"{name} zip ({arch}) ≤ {BUDGETS['zip_mb']:g} MB",
                                 f"{size['zip_mb']:.2f} MB", size["zip_mb"] <= BUDGETS["zip_mb"]))
            else:
                verdicts.append(("info", f"{name} zip ({arch}, local runs only)", f"{size['zip_mb']:.2f} MB",
                                 True))
        if name not in results["packages"]:
            verdicts.append(("package", f"{name} zip ≤ {BUDGETS['zip_mb']:g} MB", "no build found", False))
    for bench, budget in BUDGETS["throughput"].items():
        if bench in results["throughput"]:
            rate = results["throughput"][bench]
            verdicts.append(("time", f"{bench} ≥ {budget:,} /s/core", f"{rate:,.0f} /s", rate >= budget))
    results["budgets"] = [{"kind": k, "budget": b, "measured": m, "met": ok} for k, b, m, ok in verdicts]
    return results


def size_misses(results):
    """The budgets that do not depend on the machine's speed: memory and package size."""
    return [v for v in results["budgets"] if not v["met"] and v["kind"] in ("memory", "package")]


def markdown(results):
    m = results["machine"]
    lines = [f"Measured {results['date']} on {m['cpu']} ({m['cores']} cores, {m['memory_gb']} GB, Linux "
             f"{m['kernel']}), {results['starts']} fresh starts of each x86_64 release bootstrap, "
             f"{results['warm']} warm {BATCH}-record batches per start; medians (min–max). Trust roots: "
             f"{results.get('trust_store', 'not recorded')}.", "",
             "| function | start → first reply | init | ratio to floor | first invocation (init + batch) | warm batch "
             "| peak RSS |",
             "|---|---|---|---|---|---|---|"]
    cell = lambda s, unit: f"{s['median']:.1f} {unit} ({s['min']:.1f}–{s['max']:.1f})"  # noqa: E731
    for name, r in results["functions"].items():
        ratio = "1 (floor)" if name == FLOOR else f"{r['init_ratio_to_floor']:.2f}×"
        warm = cell(r["warm_invocation_ms"], "ms")
        lines.append(f"| {name} | {cell(r['start_to_first_ms'], 'ms')} | {cell(r['init_ms'], 'ms')} | {ratio} | "
                     f"{cell(r['first_invocation_ms'], 'ms')} | {warm} | {r['peak_rss_mb']['max']:.1f} MB |")
    if results.get("instructions"):
        lines += ["", "| function | instructions, exec through the first batch (callgrind) |", "|---|---|"]
        lines += [f"| {name} | {count / 1e6:.1f} M |" for name, count in results["instructions"].items()]
    lines += ["", "| budget | measured | |", "|---|---|---|"]
    verdict = lambda v: "shown" if v["kind"] == "info" else "met" if v["met"] else "**missed**"  # noqa: E731
    lines += [f"| {v['budget']} | {v['measured']} | {verdict(v)} |" for v in results["budgets"]]
    return "\n".join(lines) + "\n"
