#!/usr/bin/env python3
"""ORE's cold-start harness; run it through scripts/bench/cold-start.sh, which builds the release
bootstraps the way `sam build` does, starts the AWS API emulator and sets AWS_ENDPOINT_URL.

For each function, and for the floor (crates/cold-start-floor: an echo function with nothing of
ORE in it, same profile, same build), it repeats a fresh start: the Runtime Interface Emulator
from the SAM CLI package starts the bootstrap, and the harness measures
- start to first response: from spawning the emulator to the first invocation's reply;
- init: the emulator's INIT REPORT (from exec of the bootstrap, which the emulator starts on the
  first invocation, until the runtime asks for its first event), Lambda's "Init Duration";
- first invocation: the round trip of that first 10-record batch (the cold one);
- warm invocation: the median duration the emulator reports for the next batches (what Lambda
  bills: the handler's time, without the harness's HTTP round trip);
- peak RSS: the bootstrap's VmHWM after those batches.
Every batch is a real SQS event of 10 records (received from an emulator queue) that the function
must process without a failure. Medians are compared with the floor's, measured in the same run.
It also zips each function's build folder the way `sam deploy` does and weighs the zips, and
reads `cargo bench`'s estimates when they exist. Writes results.json and results.md.
"""
import argparse
import datetime as dt
import json
import os
import pathlib
import platform
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "local"))
import pipeline  # noqa: E402  (the local pipeline's stack, emulator and event helpers)

FLOOR = "cold-start-floor"
BATCH = 10
# The budgets; README.md states them with the measured values.
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
# The emulator's own log lines: init is INIT START (exec) to the runtime's first request for work.
INIT_REPORT = re.compile(r"INIT REPORT\(durationMs: ([\d.]+)\)")
INVOKE_DONE = re.compile(r"INVOKE RTDONE\(status: (\w+), produced bytes: \d+, duration: ([\d.]+)ms\)")


def measure_start(name, binary, executable, env, event, warm, log_dir):
    """One fresh start: spawn, first invocation, `warm` more, peak RSS, stop."""
    started = time.perf_counter()
    function = pipeline.Function(name, binary, env, log_dir, executable=executable)
    try:
        cold_sent = time.perf_counter()
        check_reply(name, function.invoke(event))
        replied = time.perf_counter()
        for _ in range(warm):
            check_reply(name, function.invoke(event))
        rss_kb = peak_rss_kb(function.process.pid, executable)
    finally:
        function.stop()
    log = pathlib.Path(function.log.name).read_text()
    inits = INIT_REPORT.findall(log)
    invokes = INVOKE_DONE.findall(log)
    if len(inits) != 1 or len(invokes) != warm + 1 or any(status != "success" for status, _ in invokes):
        raise RuntimeError(f"{name}: expected one init and {warm + 1} successful invocations in {function.log.name}")
    return {
        "start_to_first_ms": (replied - started) * 1000,
        "init_ms": float(inits[0]),
        "first_invocation_ms": (replied - cold_sent) * 1000,
        "warm_invocation_ms": statistics.median(float(ms) for _, ms in invokes[1:]),
        "peak_rss_mb": rss_kb / 1024,
    }


def check_reply(name, reply):
    """A benchmark of failures would flatter: every record must succeed."""
    if name == FLOOR:
        ok = isinstance(reply, dict) and len(reply.get("Records", [])) == BATCH
    else:
        ok = reply == {"batchItemFailures": []}
    if not ok:
        raise RuntimeError(f"{name}: unexpected reply to a {BATCH}-record batch: {str(reply)[:500]}")


def peak_rss_kb(emulator_pid, executable):
    """VmHWM of the bootstrap the emulator started (its child running `executable`)."""
    target = os.path.realpath(executable)
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent != emulator_pid or os.path.realpath(f"/proc/{pid}/exe") != target:
                continue
            status = pathlib.Path(f"/proc/{pid}/status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))
    raise RuntimeError(f"no running {executable} under the emulator (pid {emulator_pid})")


def sqs_batch(aws, queue_name, bodies):
    """The SQS event Lambda would send for these bodies, shaped by a real receive."""
    url, arn = aws.queue(queue_name)
    for start in range(0, len(bodies), 10):
        aws.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start:start + 10])])
    messages = []
    for _ in range(20):
        messages += aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                            MessageAttributeNames=["All"]).get("Messages", [])
        if len(messages) >= len(bodies):
            break
    if len(messages) != len(bodies):
        raise RuntimeError(f"{queue_name}: received {len(messages)} of {len(bodies)} messages")
    return pipeline.lambda_sqs_event(messages, arn)


def workloads(aws):
    """A 10-record batch per function, of the kind it receives in production."""
    instances = [pipeline.launch(aws, {"Name": f"bench-{i:02d}", "team": "platform", "env": "prod"})
                 for i in range(BATCH)]
    states = ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"]
    raw = [json.dumps(pipeline.ec2_event(iid, states[i % len(states)])) for i, iid in enumerate(instances)]
    samples = sorted((ROOT / "events" / "standard").glob("message-*.json"))
    standard = [samples[i % len(samples)].read_text() for i in range(BATCH)]
    return {
        "NormalizerFunction": sqs_batch(aws, "ore-bench-normalizer", raw),
        "CsvFormatterFunction": sqs_batch(aws, "ore-bench-csv-formatter", standard),
        "EmailerFunction": sqs_batch(aws, "ore-bench-emailer", standard),
        FLOOR: sqs_batch(aws, "ore-bench-floor", raw),
    }


def lambda_like_trust_store():
    """The functions load the system's CA certificates at init (rustls-native-certs). Lambda's
    provided.al2023 keeps them in one bundle file; Debian's /etc/ssl/certs also holds ~290
    single-certificate files, which are read one by one and add milliseconds that Lambda does not
    have. So the CA bundle is named in SSL_CERT_FILE, and only it is read (--host-trust-store: not)."""
    paths = ssl.get_default_verify_paths()
    bundle = next((p for p in (paths.cafile, paths.openssl_cafile) if p and os.path.isfile(p)), None)
    if bundle is None:
        sys.exit("no CA bundle file on this machine: pass --host-trust-store")
    return {"SSL_CERT_FILE": os.path.realpath(bundle)}


def zip_mb(folder):
    """The deployment package `sam deploy` would upload for this build folder (its own zipper)."""
    from samcli.lib.package.utils import make_zip
    with tempfile.TemporaryDirectory() as scratch:
        return os.path.getsize(make_zip(os.path.join(scratch, "package"), str(folder))) / 1e6


def elf_machine(path):
    return {183: "arm64", 62: "x86_64"}.get(int.from_bytes(path.read_bytes()[18:20], "little"), "unknown")


def package_sizes(build_dirs):
    sizes = {}
    for build_dir in build_dirs:
        for name in pipeline.FUNCTIONS:
            bootstrap = build_dir / name / "bootstrap"
            if bootstrap.is_file():
                sizes.setdefault(name, {})[elf_machine(bootstrap)] = {
                    "bootstrap_mb": bootstrap.stat().st_size / 1e6, "zip_mb": zip_mb(build_dir / name)}
    return sizes


def throughput():
    """Events per second on one core from `cargo bench`'s latest estimates, when it has run."""
    found = {}
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for estimates in sorted((target / "criterion").glob("**/new/estimates.json")):
        bench = json.loads((estimates.parent / "benchmark.json").read_text())
        mean_ns = json.loads(estimates.read_text())["mean"]["point_estimate"]
        found[bench["full_id"]] = 1e9 / mean_ns
    return found


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(os.sysconf("SC_PHYS_PAGES")
                                                                         * os.sysconf("SC_PAGE_SIZE") / 2**30),
            "kernel": platform.release(), "arch": platform.machine()}


def summarize(starts):
    keys = starts[0].keys()
    return {key: {"median": statistics.median(s[key] for s in starts),
                  "min": min(s[key] for s in starts), "max": max(s[key] for s in starts)}
            for key in keys}


def evaluate(results):
    """Each budget with its measured value and whether it is met."""
    verdicts = []
    floor = results["functions"][FLOOR]
    for name in pipeline.FUNCTIONS:
        measured = results["functions"][name]
        ratio = measured["init_ms"]["median"] / floor["init_ms"]["median"]
        measured["init_ratio_to_floor"] = ratio
        verdicts.append(("time", f"{name} init ≤ {BUDGETS['init_ratio']:g}× floor", f"{ratio:.2f}×",
                         ratio <= BUDGETS["init_ratio"]))
        rss = measured["peak_rss_mb"]["max"]
        verdicts.append(("memory", f"{name} peak RSS ≤ {BUDGETS['peak_rss_mb']:g} MB", f"{rss:.1f} MB",
                         rss <= BUDGETS["peak_rss_mb"]))
        for arch, size in sorted(results["packages"].get(name, {}).items()):
            verdicts.append(("package", f"{name} zip ({arch}) ≤ {BUDGETS['zip_mb']:g} MB",
                             f"{size['zip_mb']:.2f} MB", size["zip_mb"] <= BUDGETS["zip_mb"]))
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
             f"{results['warm']} warm {BATCH}-record batches per start; medians (min–max).", "",
             "| function | start → first reply | init | ratio to floor | first batch | warm batch | peak RSS |",
             "|---|---|---|---|---|---|---|"]
    cell = lambda s, unit: f"{s['median']:.1f} {unit} ({s['min']:.1f}–{s['max']:.1f})"  # noqa: E731
    for name, r in results["functions"].items():
        ratio = "1 (floor)" if name == FLOOR else f"{r['init_ratio_to_floor']:.2f}×"
        warm = cell(r["warm_invocation_ms"], "ms")
        lines.append(f"| {name} | {cell(r['start_to_first_ms'], 'ms')} | {cell(r['init_ms'], 'ms')} | {ratio} | "
                     f"{cell(r['first_invocation_ms'], 'ms')} | {warm} | {r['peak_rss_mb']['max']:.1f} MB |")
    lines += ["", "| budget | measured | |", "|---|---|---|"]
    lines += [f"| {v['budget']} | {v['measured']} | {'met' if v['met'] else '**missed**'} |"
              for v in results["budgets"]]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", required=True, type=pathlib.Path,
                        help="sam build folder of the x86_64 release build (the bootstraps run here)")
    parser.add_argument("--floor", required=True, type=pathlib.Path, help="the floor's release bootstrap")
    parser.add_argument("--package-dir", action="append", type=pathlib.Path, default=[],
                        help="more sam build folders whose zips to weigh (e.g. the arm64 deployable build)")
    parser.add_argument("--starts", type=int, default=20, help="fresh starts per function")
    parser.add_argument("--warm", type=int, default=5, help="warm batches after each first invocation")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "target" / "bench")
    parser.add_argument("--host-trust-store", action="store_true",
                        help="let the functions read this machine's CA certificates as they find them")
    parser.add_argument("--check-sizes", action="store_true",
                        help="exit 1 when a memory or package budget is missed (times are never checked)")
    args = parser.parse_args()
    if not os.environ.get("AWS_ENDPOINT_URL", "").startswith("http://127.0.0.1"):
        sys.exit("run through scripts/bench/cold-start.sh: it starts the AWS API emulator")
    if args.starts < 1 or args.warm < 1:
        sys.exit("--starts and --warm must be at least 1")

    args.out.mkdir(parents=True, exist_ok=True)
    template = pipeline.Template()
    aws = pipeline.Aws()
    stack = pipeline.Stack(aws, template)
    batches = workloads(aws)
    executables = {name: args.build_dir / name / "bootstrap" for name in pipeline.FUNCTIONS}
    executables[FLOOR] = args.floor
    for path in executables.values():
        if not path.is_file():
            sys.exit(f"{path} is missing: build it first (scripts/bench/cold-start.sh does)")
    environments = {name: stack.function_env(name) for name in pipeline.FUNCTIONS}
    environments[FLOOR] = {}
    if not args.host_trust_store:
        for env in environments.values():
            env.update(lambda_like_trust_store())

    starts = {name: [] for name in executables}
    log_dir = args.out / "logs"
    log_dir.mkdir(exist_ok=True)
    # Interleaved, so a slow phase of the machine touches every function alike.
    for round_number in range(args.starts):
        for name, executable in executables.items():
            binary = pipeline.FUNCTIONS.get(name, (FLOOR,))[0]
            starts[name].append(measure_start(name, binary, executable, environments[name], batches[name],
                                              args.warm, log_dir))
        pipeline.say(f"round {round_number + 1}/{args.starts}: "
                     + ", ".join(f"{n} init {s[-1]['init_ms']:.1f} ms" for n, s in starts.items()))

    results = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip(),
        "machine": machine(), "trust_store": "host" if args.host_trust_store else "CA bundle file only",
        "starts": args.starts, "warm": args.warm, "batch_records": BATCH,
        "functions": {name: summarize(s) for name, s in starts.items()},
        "packages": package_sizes([args.build_dir, *args.package_dir]),
        "throughput": throughput(),
        "raw": starts,
    }
    evaluate(results)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (args.out / "results.md").write_text(table)
    print("\n" + table)
    pipeline.say(f"results in {args.out / 'results.json'} and {args.out / 'results.md'}")
    missed = size_misses(results)
    if args.check_sizes and missed:
        sys.exit("missed: " + "; ".join(f"{v['budget']} (measured {v['measured']})" for v in missed))


if __name__ == "__main__":
    main()
