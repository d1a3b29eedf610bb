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
reads `cargo bench`'s estimates when they exist. Writes results.json and results.md; the verdicts
and the table are `report`'s.

The functions trust the Amazon Trust Services roots compiled in (what ships). With
--compare-trust-stores each function also runs, in the same rounds, with the template parameter
TlsTrustStore=system and the CA bundle file Lambda's provided.al2023 has (SSL_CERT_FILE): the before/after of that choice.
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
import uuid
import urllib.request

from . import report
from .emulator import Aws, endpoint
from .lambda_rie import Function, lambda_sqs_event
from .report import BATCH, FLOOR
from .scenario import ec2_event, launch, say
from .stack import Stack
from .template import ROOT, Template

# A variant's row name: the function's, with this suffix.
SYSTEM_STORE = " (system CA store)"
# The emulator's own log lines: init is INIT START (exec) to the runtime's first request for work.
INIT_REPORT = re.compile(r"INIT REPORT\(durationMs: ([\d.]+)\)")
INVOKE_DONE = re.compile(r"INVOKE RTDONE\(status: (\w+), produced bytes: \d+, duration: ([\d.]+)ms\)")


def measure_start(name, binary, executable, env, batch, warm, log_dir):
    """One fresh start: spawn, first invocation, `warm` more, peak RSS, stop. The bootstrap file
    is read first, so every start finds it in the page cache: this machine reclaims cold pages,
    and without this the row that runs first after another binary pays for reading its file
    from disk (a cost of this machine's storage, not of the function's init, and one that Lambda's
    code cache does not share)."""
    pathlib.Path(executable).read_bytes()
    started = time.perf_counter()
    with Function(name, binary, env, log_dir, executable=executable) as function:
        first = batch()
        cold_sent = time.perf_counter()
        check_reply(name, function.invoke(first))
        replied = time.perf_counter()
        for _ in range(warm):
            check_reply(name, function.invoke(batch()))
        rss_kb = peak_rss_kb(function.process.pid, executable)
    log = function.log_path.read_text()
    inits = INIT_REPORT.findall(log)
    invokes = INVOKE_DONE.findall(log)
    if len(inits) != 1 or len(invokes) != warm + 1 or any(status != "success" for status, _ in invokes):
        raise RuntimeError(f"{name}: expected one init and {warm + 1} successful invocations in {function.log_path}")
    return {
        "start_to_first_ms": (replied - started) * 1000,
        "init_ms": float(inits[0]),
        "first_invocation_ms": (replied - cold_sent) * 1000,
        "warm_invocation_ms": statistics.median(float(ms) for _, ms in invokes[1:]),
        "peak_rss_mb": rss_kb / 1024,
    }


def cold_instructions(name, binary, executable, env, batch, log_dir):
    """Instructions the bootstrap executes from exec through its first batch (init + the cold
    invocation), counted by valgrind's callgrind: unlike times, the same on every run, so two
    variants compare exactly."""
    log_dir = pathlib.Path(log_dir)
    profile = log_dir / f"callgrind.{binary}.{os.getpid()}.{time.monotonic_ns()}"
    wrapper = log_dir / f"under-callgrind-{binary}"
    wrapper.write_text(f"#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file={profile} "
                       f"{pathlib.Path(executable).resolve()}\n")
    wrapper.chmod(0o755)
    event = batch()
    with Function(name, binary, env, log_dir, executable=wrapper, timeout_s=120) as function:
        check_reply(name, function.invoke(event))
        # Dump now: the emulator stops the bootstrap with a signal, which writes no profile.
        pids = subprocess.run(["pgrep", "-f", f"callgrind-out-file={profile}"], capture_output=True,
                              text=True).stdout.split()
        subprocess.run(["callgrind_control", "--dump", *pids], capture_output=True, check=True)
    totals = [int(m.group(1)) for path in log_dir.glob(profile.name + "*")
              for m in [re.search(r"^(?:summary|totals): (\d+)", path.read_text(errors="replace"), re.M)] if m]
    if len(totals) != 1:
        raise RuntimeError(f"{name}: expected one callgrind profile, found {len(totals)}")
    return totals[0]


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
    for start in range(0, len(messages), 10):
        aws.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages[start:start + 10])])
    return lambda_sqs_event(messages, arn)


def workloads(aws, template):
    """Per function, something that makes a 10-record batch of the kind it receives in production:
    EC2 events for the function the EC2 rule feeds, standard messages for the others. Every batch
    is new (new event and message ids): the normalizer and the emailer remember what they did
    (state table, mail ledger), and a repeated batch would measure their duplicate path."""
    instances = [launch(aws, {"Name": f"bench-{i:02d}", "team": "platform", "env": "prod"}) for i in range(BATCH)]
    states = ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"]
    samples = [json.loads(p.read_text()) for p in sorted((ROOT / "events" / "standard").glob("message-*.json"))]

    def ec2_events(queue):
        return lambda: sqs_batch(aws, queue, [json.dumps(ec2_event(iid, states[i % len(states)]))
                                              for i, iid in enumerate(instances)])

    def standard_messages(queue):
        return lambda: sqs_batch(aws, queue, [json.dumps(dict(samples[i % len(samples)], id=str(uuid.uuid4())))
                                              for i in range(BATCH)])

    first = template.functions[0].name
    batches = {f.name: (ec2_events if f.name == first else standard_messages)(f"ore-bench-{f.binary}")
               for f in template.functions}
    batches[FLOOR] = ec2_events("ore-bench-floor")
    return batches


def lambda_like_ca_bundle():
    """With TlsTrustStore=system the functions read the system's CA certificates at init
    (rustls-native-certs). Lambda's provided.al2023 keeps them in one bundle file; Debian's
    /etc/ssl/certs also holds ~290 single-certificate files that Lambda does not have, so the bundle
    is named in SSL_CERT_FILE."""
    paths = ssl.get_default_verify_paths()
    bundle = next((p for p in (paths.cafile, paths.openssl_cafile) if p and os.path.isfile(p)), None)
    if bundle is None:
        sys.exit("no CA bundle file on this machine to compare with")
    return {"SSL_CERT_FILE": os.path.realpath(bundle)}


def zip_mb(folder):
    """The deployment package `sam deploy` would upload for this build folder (its own zipper)."""
    from samcli.lib.package.utils import make_zip
    with tempfile.TemporaryDirectory() as scratch:
        return os.path.getsize(make_zip(os.path.join(scratch, "package"), str(folder))) / 1e6


def elf_machine(path):
    return {183: "arm64", 62: "x86_64"}.get(int.from_bytes(path.read_bytes()[18:20], "little"), "unknown")


def package_sizes(build_dirs, names):
    sizes = {}
    for build_dir in build_dirs:
        for name in names:
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
    parser.add_argument("--compare-trust-stores", action="store_true",
                        help="also run each function with the system CA store (TlsTrustStore=system)")
    parser.add_argument("--callgrind", action="store_true",
                        help="also count each row's instructions from exec through its first batch (needs valgrind)")
    parser.add_argument("--check-sizes", action="store_true",
                        help="exit 1 when a memory or package budget is missed (times are never checked)")
    args = parser.parse_args()
    url = endpoint()
    if args.starts < 1 or args.warm < 1:
        sys.exit("--starts and --warm must be at least 1")

    args.out.mkdir(parents=True, exist_ok=True)
    template = Template()
    aws = Aws()
    stack = Stack(aws, template, {"EmailFrom": "ore@example.com", "EmailTo": "ops@example.com",
                                  "EmailAllowedDomains": "example.com",
                                  "SesMaxSendRate": "1000", "EnrichmentSettleSeconds": "0",
                                  "LocalEndpointUrl": url})
    batches = workloads(aws, template)
    runs = {}  # row name -> (function spec's name, binary, executable, environment)
    for spec in template.functions:
        executable = args.build_dir / spec.name / "bootstrap"
        runs[spec.name] = (spec.name, spec.binary, executable, stack.environment(spec))
        if args.compare_trust_stores:
            system = template.environment(spec, dict(stack.parameters, TlsTrustStore="system"), stack.physical)
            runs[spec.name + SYSTEM_STORE] = (spec.name, spec.binary, executable,
                                              dict(system, **lambda_like_ca_bundle()))
    runs[FLOOR] = (FLOOR, FLOOR, args.floor, {})
    for _, _, path, _ in runs.values():
        if not path.is_file():
            sys.exit(f"{path} is missing: build it first (scripts/bench/cold-start.sh does)")

    starts = {row: [] for row in runs}
    log_dir = args.out / "logs"
    log_dir.mkdir(exist_ok=True)
    # Interleaved, so a slow phase of the machine touches every function alike.
    for round_number in range(args.starts):
        for row, (name, binary, executable, env) in runs.items():
            starts[row].append(measure_start(name, binary, executable, env, batches[name], args.warm, log_dir))
        say(f"round {round_number + 1}/{args.starts}: "
            + ", ".join(f"{n} init {s[-1]['init_ms']:.1f} ms" for n, s in starts.items()))

    instructions = {}
    if args.callgrind:
        for row, (name, binary, executable, env) in runs.items():
            instructions[row] = cold_instructions(name, binary, executable, env, batches[name], log_dir)
            say(f"{row}: {instructions[row] / 1e6:.1f} M instructions from exec through the first batch")

    results = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip(),
        "machine": machine(),
        "trust_store": "Amazon Trust Services roots compiled in"
                       + (f"; rows marked{SYSTEM_STORE}: the system CA bundle" if args.compare_trust_stores else ""),
        "starts": args.starts, "warm": args.warm, "batch_records": BATCH,
        "functions": {row: report.summarize(s) for row, s in starts.items()},
        "variants": [row for row in runs if row.endswith(SYSTEM_STORE)],
        "packages": package_sizes([args.build_dir, *args.package_dir], [f.name for f in template.functions]),
        "throughput": throughput(),
        "instructions": instructions,
        "raw": starts,
    }
    report.evaluate(results)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = report.markdown(results)
    (args.out / "results.md").write_text(table)
    print("\n" + table)
    say(f"results in {args.out / 'results.json'} and {args.out / 'results.md'}")
    missed = report.size_misses(results)
    if args.check_sizes and missed:
        sys.exit("missed: " + "; ".join(f"{v['budget']} (measured {v['measured']})" for v in missed))


if __name__ == "__main__":
    main()
