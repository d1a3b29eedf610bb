"""Is ORE working? Put a heartbeat on the EventBridge default bus, follow it through every hop, then
check every sink.

    scripts/verify-deployment.sh --stack-name ore [--region eu-west-1] [--timeout 180]
        [--mail-to ops@example.com] [--archive-record]

The heartbeat (source `ore.canary`, detail-type `ORE Heartbeat`) takes the path of an EC2 event:
rule -> raw events topic (KMS) -> normalizer queue -> normalizer -> normalized topic -> the
csv-formatter's and the emailer's queues -> those functions, which record it in their logs (and
its metric line) and send nothing. This script waits (bounded, with progress) until each function
logged it, prints each hop with its latency, and when one stays silent says where it stopped and
the likely cause. Then the sinks (ore_harness.sinks): the heartbeat's metric lines, the test mails
(opt-in), the archive, the state table and the mail ledger, what each alarm watches. The output
ends with one line per sink, ok or what failed and what to check. Exit 0 when every sink is ok.

Calls: events:PutEvents and reads (CloudFormation, CloudWatch Logs and metrics, SQS attributes,
EventBridge rules, Firehose, S3, DynamoDB, Lambda's configuration of the emailer); with
--mail-to, lambda:InvokeFunction of the emailer; with --archive-record, firehose:PutRecord.

The hops (each function with its queue, dead-letter queue and log group, in the order a heartbeat
reaches them) come from template.yaml. The local pipeline (scripts/demo.sh) runs the same check
against the AWS API emulator, with the stack described by the pipeline instead of CloudFormation.
"""
import argparse
import dataclasses
import datetime as dt
import json
import pathlib
import sys
import time

import boto3

from . import sinks
from .sinks import reasons
from .template import Template

# The heartbeat rule's pattern in template.yaml matches exactly this source and detail-type.
SOURCE = "ore.canary"
DETAIL_TYPE = "ORE Heartbeat"


def hops(template=None):
    """(function, queue, dead-letter queue, log group) logical ids, in the order a heartbeat
    reaches them."""
    template = template or Template()
    return [(f.name, f.queue, f.dead_letter_queue, f.log_group) for f in template.functions]


def say(message):
    print(message, flush=True)


def stack_resources(cloudformation, stack_name):
    """Logical id -> physical id, as CloudFormation knows the deployed stack."""
    resources = {}
    paginator = cloudformation.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=stack_name):
        for resource in page["StackResourceSummaries"]:
            resources[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    return resources


class Deployment:
    """The AWS clients and the stack's resources. Every call is a read but PutEvents (the
    heartbeat), and, when asked for, lambda:InvokeFunction of the emailer (test mails) and
    firehose:PutRecord (a test record). A local run passes `invoke` and `environments` for
    the functions it runs itself."""

    def __init__(self, session, resources, invoke=None, environments=None):
        self.resources = resources
        self.events = session.client("events")
        self.logs = session.client("logs")
        self.sqs = session.client("sqs")
        self.cloudwatch = session.client("cloudwatch")
        self.firehose = session.client("firehose")
        self.s3 = session.client("s3")
        self.dynamodb = session.client("dynamodb")
        self._lambda = None if invoke else session.client("lambda")
        self._invoke = invoke
        self._environments = environments or {}

    def function_environment(self, logical_id):
        if logical_id in self._environments:
            return self._environments[logical_id]
        configuration = self._lambda.get_function_configuration(FunctionName=self.resources[logical_id])
        return configuration.get("Environment", {}).get("Variables", {})

    def invoke(self, logical_id, payload):
        if self._invoke:
            return self._invoke(logical_id, payload)
        reply = self._lambda.invoke(FunctionName=self.resources[logical_id], Payload=json.dumps(payload).encode())
        body = json.loads(reply["Payload"].read() or b"null")
        if reply.get("FunctionError"):
            return {"errorType": reply["FunctionError"], "errorMessage": body}
        return body

    def queue_arn(self, logical_id):
        return self.sqs.get_queue_attributes(QueueUrl=self.resources[logical_id],
                                             AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def log_reasons(self, log_group_logical_id, ids, since_ms):
        try:
            reply = self.logs.filter_log_events(logGroupName=self.resources.get(log_group_logical_id, ""),
                                                startTime=since_ms)
        except self.logs.exceptions.ResourceNotFoundException:
            return ""
        return reasons([e["message"] for e in reply.get("events", [])], ids)

    def _objects(self, bucket, prefix):
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"], item["LastModified"]

    def newest_object(self, bucket, prefix):
        return max(self._objects(bucket, prefix), key=lambda item: item[1], default=None)

    def recent_objects(self, bucket, prefix, hours):
        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours)
        return [(key, modified) for key, modified in self._objects(bucket, prefix) if modified >= since]

    def describe_alarms(self, names):
        alarms = []
        for start in range(0, len(names), 100):
            reply = self.cloudwatch.describe_alarms(AlarmNames=names[start:start + 100])
            alarms += reply.get("MetricAlarms", [])
        return alarms

    def metric_exists(self, namespace, metric, dimensions):
        reply = self.cloudwatch.list_metrics(Namespace=namespace, MetricName=metric,
                                             Dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in dimensions])
        return bool(reply.get("Metrics"))

    def metric_average(self, namespace, metric, dimension, value, minutes=60):
        now = dt.datetime.now(dt.timezone.utc)
        reply = self.cloudwatch.get_metric_statistics(
            Namespace=namespace, MetricName=metric, Dimensions=[{"Name": dimension, "Value": value}],
            StartTime=now - dt.timedelta(minutes=minutes), EndTime=now, Period=300, Statistics=["Average"])
        points = [p["Average"] for p in reply.get("Datapoints", [])]
        return min(points) if points else None

    def send_heartbeat(self, origin):
        reply = self.events.put_events(Entries=[{
            "Source": SOURCE, "DetailType": DETAIL_TYPE, "EventBusName": "default",
            "Detail": json.dumps({"origin": origin}),
        }])
        entry = reply["Entries"][0]
        if reply.get("FailedEntryCount") or "EventId" not in entry:
            raise SystemExit(f"events:PutEvents refused the heartbeat: {entry}")
        return entry["EventId"]

    def seen_at(self, log_group, heartbeat_id, since_ms):
        """When the function first logged a line containing `heartbeat_id` (ms since the epoch), or None."""
        try:
            reply = self.logs.filter_log_events(logGroupName=log_group, startTime=since_ms,
                                                filterPattern=f'"{heartbeat_id}"')
        except self.logs.exceptions.ResourceNotFoundException:
            return None
        times = [e["timestamp"] for e in reply.get("events", []) if heartbeat_id in e["message"]]
        return min(times) if times else None

    def logged(self, log_group, text, since_ms):
        """Whether a line containing `text` reached the log group since `since_ms`."""
        return self.seen_at(log_group, text, since_ms) is not None

    def depth(self, logical_id):
        url = self.resources.get(logical_id)
        if not url:
            return None
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return sum(int(v) for v in attributes.values())

    def metric_sum(self, namespace, metric, dimension, value, minutes=15):
        now = dt.datetime.now(dt.timezone.utc)
        reply = self.cloudwatch.get_metric_statistics(
            Namespace=namespace, MetricName=metric, Dimensions=[{"Name": dimension, "Value": value}],
            StartTime=now - dt.timedelta(minutes=minutes), EndTime=now, Period=60 if minutes <= 15 else 300,
            Statistics=["Sum"])
        return sum(p["Sum"] for p in reply.get("Datapoints", []))

    def error_lines(self, log_group, since_ms, limit=5):
        try:
            reply = self.logs.filter_log_events(logGroupName=log_group, startTime=since_ms - 15 * 60_000)
        except self.logs.exceptions.ResourceNotFoundException:
            return [f"(log group {log_group} does not exist)"]
        lines = [e["message"].strip() for e in reply.get("events", [])
                 if any(word in e["message"] for word in ("ERROR", "Error", "error", "Task timed out", "panicked"))]
        # The function's own lines say why; the runtime's (the local emulator's "(rapid)" lines,
        # Lambda's platform lines) only that it failed.
        own = [line for line in lines if "(rapid)" not in line]
        return own[-(limit - 2):] + [line for line in lines if line not in own][-2:]


def diagnose(deployment, route, hop_index, since_ms):
    """Likely causes for a heartbeat that never reached hop `hop_index` of `route`."""
    resources = deployment.resources
    function, queue, dlq, log_group = route[hop_index]
    causes = []
    if hop_index == 0:
        rule = resources.get("HeartbeatRule")
        if rule:
            state = deployment.events.describe_rule(Name=rule).get("State")
            if state != "ENABLED":
                causes.append(f"the heartbeat rule {rule} is {state}: enable it")
            failed = deployment.metric_sum("AWS/Events", "FailedInvocations", "RuleName", rule)
            if failed:
                causes.append(f"the rule failed to deliver {failed:.0f} time(s) in 15 min: EventBridge may not publish "
                              "to the raw events topic. Check the topic policy (events.amazonaws.com, sns:Publish, "
                              "no Condition) and the KMS key policy (events.amazonaws.com, no condition)")
        rule_dlq = deployment.depth("RuleDeadLetterQueue")
        if rule_dlq:
            causes.append(f"{rule_dlq} event(s) wait in the rule's dead-letter queue: EventBridge could not deliver "
                          "them to the raw events topic (topic or key policy)")
    waiting = deployment.depth(queue)
    if waiting:
        causes.append(f"{waiting} message(s) wait in {queue}: {function} is not taking them (failing, throttled, "
                      "or its event source mapping is disabled)")
    dead = deployment.depth(dlq)
    if dead:
        causes.append(f"{dead} message(s) in {dlq}: {function} failed them repeatedly; see its log")
    errors = deployment.metric_sum("AWS/Lambda", "Errors", "FunctionName", resources.get(function, function))
    if errors:
        causes.append(f"{function} had {errors:.0f} failed invocation(s) in 15 min")
    lines = deployment.error_lines(resources.get(log_group, ""), since_ms)
    if lines:
        causes.append(f"{function}'s recent error lines:\n        " + "\n        ".join(lines))
    if not causes:
        causes.append("nothing queued or failing: the message may still be on its way (raise --timeout), or a "
                      "subscription from the topic before this hop is missing")
    return causes


def verify(deployment, timeout_s=180, poll_s=2.0, origin="verify-deployment", route=None):
    """Send a heartbeat and follow it along `route` (default: the template's hops). Returns a
    report (dict) and prints progress."""
    route = route or hops()
    since_ms = int(time.time() * 1000) - 1000
    sent = time.time()
    heartbeat_id = deployment.send_heartbeat(origin)
    say(f"heartbeat {heartbeat_id} put on the default event bus; following it (at most {timeout_s:.0f} s)")
    seen = {}
    started = time.monotonic()
    deadline = started + timeout_s
    next_progress = started + 10
    while time.monotonic() < deadline and len(seen) < len(route):
        if time.monotonic() >= next_progress:
            waiting = [hop[0] for hop in route if hop[0] not in seen]
            say(f"  ... {time.monotonic() - started:4.0f} s, still waiting for {', '.join(waiting)}")
            next_progress += 10
        for function, _queue, _dlq, log_group in route:
            if function in seen:
                continue
            at = deployment.seen_at(deployment.resources.get(log_group, ""), heartbeat_id, since_ms)
            if at is not None:
                seen[function] = max(0.0, at / 1000 - sent)
                say(f"  {function:22} saw it after {seen[function]:6.1f} s")
        if len(seen) < len(route):
            time.sleep(poll_s)
    report = {"heartbeat_id": heartbeat_id, "hops": {f: round(s, 3) for f, s in seen.items()}, "ok": len(seen) == len(route)}
    if report["ok"]:
        say("every hop saw the heartbeat: ORE is delivering")
        # The heartbeat's metric line (EMF) must reach the log too, or no metric and no
        # heartbeat alarm works (Lambda drops lines below its log level filter).
        report["metric_lines"] = {}
        for function, _queue, _dlq, log_group in route[1:]:
            group = deployment.resources.get(log_group, "")
            found = deployment.logged(group, "HeartbeatsSeen", since_ms)
            for _ in range(int(min(timeout_s, 30) / max(poll_s, 0.1))):
                if found:
                    break
                time.sleep(poll_s)
                found = deployment.logged(group, "HeartbeatsSeen", since_ms)
            report["metric_lines"][function] = found
        return report
    missing = [i for i, hop in enumerate(route) if hop[0] not in seen]
    first = missing[0]
    report["stopped_at"] = route[first][0]
    report["missing"] = [route[i][0] for i in missing]
    report["causes"] = diagnose(deployment, route, first, since_ms)
    say(f"the heartbeat did not reach {', '.join(report['missing'])}; it stopped before {report['stopped_at']}")
    for cause in report["causes"]:
        say(f"  - {cause}")
    return report


def verify_sinks(deployment, heartbeat, since_ms, mail_to=None, archive_record=False, archive_timeout_s=420,
                 template=None):
    """Every sink after the heartbeat: mail (when `mail_to`), the archive, the tables, the alarms.
    Prints one line per sink last; returns the sinks' verdicts."""
    template = template or Template()
    results = [sinks.heartbeat_sink(heartbeat)]
    lines = heartbeat.get("metric_lines", {})
    dropped = [f for f, seen in lines.items() if not seen]
    if dropped:
        results.append(sinks.Sink("metric lines (EMF)", False,
                                  f"{', '.join(dropped)} logged the heartbeat but no metric line: Lambda's log level "
                                  "filter drops them (the template keeps ApplicationLogLevel at TRACE; check the "
                                  "functions' logging configuration)"))
    elif lines:
        results.append(sinks.Sink("metric lines (EMF)", True,
                                  f"{', '.join(lines)} wrote the heartbeat's metric line to their logs"))
    if mail_to:
        say(f"test mails to {mail_to} through the deployed emailer (one per kind)")
        results += sinks.check_mail(deployment, mail_to, since_ms)
    else:
        results.append(sinks.untested("mail", "give --mail-to ADDRESS, a recipient ORE already mails"))
    say("the archive" + (": a test record through Firehose to S3" if archive_record else ""))
    results += sinks.check_archive(deployment, put_record=archive_record, timeout_s=archive_timeout_s)
    results += sinks.check_tables(deployment, template)
    results += sinks.check_alarms(deployment, template)
    say("")
    say("sinks:")
    for line in sinks.final_lines(results):
        say(f"  {line}")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack-name", help="the deployed ORE stack")
    where.add_argument("--stack-file", type=pathlib.Path,
                       help="JSON {logical id: physical id} instead of CloudFormation (the local pipeline writes one)")
    parser.add_argument("--region", help="defaults to your AWS configuration's")
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for every hop (default 180)")
    parser.add_argument("--report", type=pathlib.Path, help="also write the report as JSON here")
    parser.add_argument("--mail-to", metavar="ADDRESS",
                        help="send a test mail of each kind (state change, digest, scheduled change with its "
                             "calendar) through the deployed emailer (lambda:InvokeFunction), routed to ADDRESS's "
                             "route: ADDRESS must be a recipient ORE already mails, and everyone on its route "
                             "receives them")
    parser.add_argument("--archive-record", action="store_true",
                        help="put one test record into the archive stream (firehose:PutRecord) and wait for it in "
                             "S3 (Firehose buffers up to 5 min)")
    parser.add_argument("--archive-timeout", type=float, default=420, help="seconds to wait for it (default 420)")
    args = parser.parse_args()
    session = boto3.session.Session(region_name=args.region)
    if args.stack_name:
        resources = stack_resources(session.client("cloudformation"), args.stack_name)
    else:
        resources = json.loads(args.stack_file.read_text())
    deployment = Deployment(session, resources)
    since_ms = int(time.time() * 1000) - 1000
    report = verify(deployment, timeout_s=args.timeout)
    results = verify_sinks(deployment, report, since_ms, mail_to=args.mail_to, archive_record=args.archive_record,
                           archive_timeout_s=args.archive_timeout)
    report["sinks"] = [dataclasses.asdict(r) for r in results]
    report["ok"] = all(r.ok for r in results)
    if args.report:
        args.report.write_text(json.dumps(report, indent=2) + "\n")
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
