"""ORE's whole pipeline on this machine, against the AWS API emulator (moto server) that
scripts/demo.sh starts: no AWS account, no credentials, no Docker.

It creates the stack template.yaml defines (`stack`), runs each function's real binary under the
AWS Lambda Runtime Interface Emulator (`lambda_rie`), with the environment the template gives it
(parameters as below), and plays the glue AWS provides: the rules, SNS, the SQS event source
mappings, and Lambda's log delivery (each function's output copied into the emulator's CloudWatch
Logs group, where the canary looks for its heartbeat).

Then it plays an operator's day (or replays event files), prints CSV records as they arrive,
writes every email to the output folder, runs the canary (`verify`, against the emulator) and
prints a summary (also written as summary.json).
"""
import argparse
import contextlib
import json
import pathlib
import sys
import threading
import time

import boto3

from . import history, verify, webhook
from .emulator import ACCOUNT, REGION, Aws, endpoint, recorded_emails, start_recording
from .lambda_rie import Function
from .member import MEMBER_ACCOUNT, MEMBER_NAME, MemberAccount
from .scenario import member_day, operator_day, replay, say
from .stack import EventBus, EventSourceMapping, Stack
from .template import ROOT, Template

# Template parameters for a local run: the emulator has no sending rate and its instances exist
# before their events (no settle time to wait out); everything else is the template's default.
LOCAL_PARAMETERS = {
    "EmailFrom": "ore@example.com",
    "EmailTo": "ops@example.com,sre@example.com",
    "EmailAllowedDomains": "example.com",
    # Instances tagged team=payments or team=data mail their team (the demo's burst: one digest each).
    "EmailRoutes": "payments=payments@example.com;data=data@example.com",
    "SesMaxSendRate": "1000",
    "EnrichmentSettleSeconds": "0",
    # The scenario's flapping instance changes state six times in six minutes.
    "FlappingTransitions": "4",
    "FlappingWindowMinutes": "10",
    # The organisation: a member account forwards its events (ore_harness.member); the normalizer
    # describes its instances through the member's enrichment role, and mail names the account.
    "EnrichmentRoleName": "ore-enrichment",
    "AccountNames": f"{MEMBER_ACCOUNT}={MEMBER_NAME}",
    "MemberAccountIds": MEMBER_ACCOUNT,
    # AWS Config's changes of security groups (the rule is disabled by default): the day opens SSH to
    # the world on a tagged group.
    "ConfigResourceTypes": "AWS::EC2::SecurityGroup",
}

# The webhooks' credentials, as an operator keeps them in Secrets Manager (test values).
WEBHOOK_SECRETS = {"ore-local/webhook": "Bearer local-webhook-token",
                   "ore-local/pagerduty": "0123456789abcdef0123456789abcdef"}


def run_canary(stack, pump_round, timeout_s, functions, mail_to=None, archive_record=False):
    """The canary's check (`verify`: the heartbeat, then every sink) in a thread, while this one
    keeps the pipeline moving. The test mails go to the local emailer through its runtime
    emulator, as `verify` invokes the deployed one."""
    report = {}

    def check():
        session = boto3.session.Session(region_name=REGION)
        environments = {spec.name: stack.environment(spec) for spec in stack.template.functions}
        deployment = verify.Deployment(session, stack.resources(),
                                       invoke=lambda logical, payload: functions[logical].invoke(payload),
                                       environments=environments)
        since_ms = int(time.time() * 1000) - 1000
        report.update(verify.verify(deployment, timeout_s=timeout_s, poll_s=0.5, origin="local-pipeline",
                                    route=verify.hops(stack.template)))
        results = verify.verify_sinks(deployment, report, since_ms, mail_to=mail_to, archive_record=archive_record,
                                      archive_timeout_s=30, template=stack.template)
        report["sinks"] = [{"name": r.name, "ok": r.ok, "detail": r.detail} for r in results]

    thread = threading.Thread(target=check, daemon=True)
    thread.start()
    while thread.is_alive():
        if not pump_round():
            time.sleep(0.2)
    return report


def archived(aws, stack):
    """Standard messages in the archive bucket (one JSON document per line, under messages/date=…/)."""
    bucket = stack.physical["ArchiveBucket"]
    lines = []
    for page in aws.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="messages/date="):
        for item in page.get("Contents", []):
            body = aws.s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            lines += [line for line in body.decode().splitlines() if line.strip()]
    return [json.loads(line)["id"] for line in lines]


def upload_templates(aws, folder):
    """The folder's files as replacement templates in an emulator bucket; the parameters that name it."""
    bucket, prefix = "ore-local-mail-templates", "ore-templates/"
    aws.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws.s3.meta.region_name})
    files = sorted(f for f in pathlib.Path(folder).iterdir() if f.is_file())
    for path in files:
        aws.s3.put_object(Bucket=bucket, Key=prefix + path.name, Body=path.read_bytes())
    say(f"replacement mail templates from {folder} in s3://{bucket}/{prefix}: {', '.join(f.name for f in files)}")
    return {"EmailTemplateBucket": bucket, "EmailTemplatePrefix": prefix}


def main():
    template = Template()
    names = [f.name for f in template.functions]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "out"), help="output folder (emails, CSV, logs, summary)")
    parser.add_argument("events", nargs="*", help="EventBridge event JSON files to replay instead of the scenario")
    parser.add_argument("--canary-only", action="store_true", help="skip the scenario: only the canary runs")
    parser.add_argument("--canary-timeout", type=float, default=30, help="seconds the canary waits for every hop")
    parser.add_argument("--templates", type=pathlib.Path,
                        help="a folder of replacement mail templates (email.html, digest.txt, ... as in "
                             "crates/emailer/templates): uploaded to a bucket in the emulator, which the emailer "
                             "reads at init as it would EmailTemplateBucket in AWS")
    parser.add_argument("--verify-mail-to", metavar="ADDRESS",
                        help="the canary also sends a test mail of each kind to ADDRESS (verify-deployment's "
                             "--mail-to)")
    parser.add_argument("--verify-archive-record", action="store_true",
                        help="the canary also puts a test record through the archive (--archive-record)")
    parser.add_argument("--break-hop", choices=names,
                        help="start this function with its own variables blanked (init fails): the canary must "
                             "report that hop")
    args = parser.parse_args()
    url = endpoint()

    out = pathlib.Path(args.out)
    (out / "emails").mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    for old in (out / "emails").iterdir():
        old.unlink()
    start_recording(url)

    aws = Aws()
    parameters = dict(LOCAL_PARAMETERS, LocalEndpointUrl=url)
    # The webhooks (API destinations on the ORE bus): a generic one and PagerDuty's, both posting to a
    # local receiver, their credentials in the emulator's Secrets Manager as an operator would keep them.
    receiver = webhook.Receiver().start()
    for name, value in WEBHOOK_SECRETS.items():
        aws.secretsmanager.create_secret(Name=name, SecretString=value)
    # The payments team's chat channel: a topic of its own (an operator creates it with its channel
    # configuration), named by ChatRoutes; what a channel would show is what its tap receives.
    payments_chat = aws.sns.create_topic(Name="ore-chat-payments")["TopicArn"]
    payments_chat_tap = aws.tap(payments_chat, "ore-chat-payments-tap")
    parameters["ChatRoutes"] = f"payments={payments_chat}"
    parameters.update({"WebhookUrl": f"{receiver.url}/hook", "WebhookSecretName": "ore-local/webhook",
                       "PagerDutySecretName": "ore-local/pagerduty",
                       "PagerDutyEndpoint": f"{receiver.url}/v2/enqueue"})
    if args.templates:
        parameters.update(upload_templates(aws, args.templates))
    stack = Stack(aws, template, parameters)
    say("created topics, queues, dead-letter queues, raw-delivery subscriptions, log groups and the SES "
        "identity as template.yaml defines them")
    functions = {}
    with contextlib.ExitStack() as running:
        for spec in template.functions:
            env = stack.environment(spec)
            if spec.name == args.break_hop:
                say(f"breaking {spec.name}: its own variables are blanked, so its init fails")
                env.update({name: "" for name in spec.environment})
            functions[spec.name] = running.enter_context(
                Function(spec.name, spec.binary, env, out / "logs", timeout_s=spec.timeout))
        say(f"started {', '.join(f.binary for f in template.functions)} under the Lambda Runtime Interface Emulator")
        def feeders(spec):
            """The functions whose output reaches `spec`'s queue, directly or through others (not
            its siblings: a stuck emailer must not hold the bus-publisher's window open)."""
            direct = [f for f in template.functions if spec.source_topic in f.outputs(template.resources)]
            return direct + [g for f in direct for g in feeders(f)]

        def upstream_busy(spec):
            earlier = feeders(spec)
            return lambda: any(aws.depth(stack.physical[f.queue]) for f in earlier)

        mappings = [EventSourceMapping(aws, functions[spec.name], stack.physical[spec.queue],
                                       stack.queue_arns[spec.queue], spec.batch_size, say,
                                       spec.batching_window, upstream_busy(spec))
                    for spec in template.functions]
        csv_topic = "CsvTopic"
        csv_path = out / "csv-records.csv"
        csv_path.write_text((ROOT / "schemas" / "csv-record.v1.csv").read_text())
        csv_count = 0

        def show_csv():
            nonlocal csv_count
            for message in aws.drain(stack.taps[csv_topic]):
                csv_count += 1
                print(f"    csv | {message['Body'].rstrip()}", flush=True)
                with csv_path.open("a", newline="") as f:
                    f.write(message["Body"])

        def pump_round():
            """EventBridge's SNS hop for the bus tap, one round of every event source mapping, and
            Lambda's log delivery. Returns how many messages the functions received."""
            stack.forward_bus()
            received = sum(m.poll() for m in mappings)
            stack.forward_archive()
            stack.forward_webhooks()
            show_csv()
            for spec in template.functions:
                lines = functions[spec.name].forward_logs(aws.logs, stack.physical[spec.log_group])
                stack.metrics_from_logs(lines)
            return received

        def pump(deadline_s=60):
            """Run the event source mappings until every work queue is empty."""
            deadline = time.monotonic() + deadline_s
            while time.monotonic() < deadline:
                received = pump_round()
                if not received and all(aws.depth(stack.physical[f.queue]) == 0 for f in template.functions):
                    return
                if not received:
                    time.sleep(0.2)
            raise RuntimeError("the work queues did not drain in time")

        bus = EventBus(aws, stack)
        expected = None
        if args.events:
            replay(bus, args.events, pump)
        elif not args.canary_only:
            ignore_tag = (template.resolve({"Ref": "IgnoreTagKey"}, parameters, {}),
                          template.resolve({"Ref": "IgnoreTagValue"}, parameters, {}))
            expected = operator_day(aws, ignore_tag, bus, pump)
            member = MemberAccount(bus, stack, REGION, parameters["EnrichmentRoleName"], say)
            member_day(member, pump, expected)
        pump()
        (out / "stack.json").write_text(json.dumps(stack.resources(), indent=2) + "\n")
        say("the canary: a heartbeat through every hop, followed in the functions' logs (ore_harness.verify)")
        canary = run_canary(stack, pump_round, args.canary_timeout, functions, mail_to=args.verify_mail_to,
                            archive_record=args.verify_archive_record)
        if args.break_hop is None:
            pump()
        show_csv()

    published = [json.loads(m["Body"]) for m in aws.drain(stack.taps["NormalizedTopic"])]
    normalized = [m for m in published if m["type"] == "org.ore.resource.state-changed"]
    notices = [m for m in published if m["type"] not in ("org.ore.resource.state-changed", "org.ore.heartbeat")]
    emails = recorded_emails(url, parameters["EmailFrom"])
    for index, email in enumerate(emails, 1):
        stem = out / "emails" / f"{index:02d}"
        stem.with_suffix(".html").write_text(email["html"])
        stem.with_suffix(".txt").write_text(f"Subject: {email['subject']}\nTo: {', '.join(email['to'])}\n\n"
                                            + email["text"])
        for attachment in email["attachments"]:
            (out / "emails" / f"{index:02d}-{attachment['filename']}").write_text(attachment["content"])
    summary = {
        "events_in": bus.received,
        "events_matched_by_rule": bus.matched,
        "normalized_messages": len(normalized),
        "normalized": [[m["data"]["resource_id"], m["data"]["state"]] for m in normalized],
        "normalized_ids": [m["id"] for m in normalized],
        "timing": {f"{m['data']['resource_id']} {m['time']}": m["data"].get("timing") for m in normalized},
        "notice_count": len(notices),
        "notices": [[m["data"]["resource_id"], m["type"]] for m in notices],
        "notice_messages": notices,
        "csv_records": csv_count,
        "emails": len(emails),
        "email_subjects": [e["subject"] for e in emails],
        "email_recipients": [e["to"] for e in emails],
        "digests": sum(e["subject"].startswith("[ORE] ") for e in emails),
        # Each state change and notice is in exactly one mail: the rest of the count is mail saved.
        "mails_saved": len(normalized) + len(notices) - len(emails),
        "dlq_depth": {f.binary: aws.depth(stack.physical[f.dead_letter_queue]) for f in template.functions},
        "work_queue_depth": {f.binary: aws.depth(stack.physical[f.queue]) for f in template.functions},
        "invocations": {m.function.name: m.invocations for m in mappings},
        "heartbeat_messages": sum(m["type"] == "org.ore.heartbeat" for m in published),
        "archived_messages": archived(aws, stack),
        # What rules on the ORE bus received (the emulator's EventBridge matched them).
        "bus_events": [json.loads(m["Body"]) for m in aws.drain(stack.bus_taps["every-ore-event"])],
        "team_rule_events": [json.loads(m["Body"]) for m in aws.drain(stack.bus_taps["team-rule"])],
        # What the chat channels would show: ORE's chat topic, and the payments team's.
        "chat_posts": {"default": [json.loads(m["Body"]) for m in aws.drain(stack.taps["ChatTopic"])],
                       "payments": [json.loads(m["Body"]) for m in aws.drain(payments_chat_tap)]},
        # What the webhooks' endpoints received (ore_harness.webhook emulates the API destination hop).
        "webhook_requests": receiver.received,
        "webhook_failed": sum(hook["failed"] for hook in stack.webhooks),
        "canary": canary,
    }
    table = stack.physical["StateTable"]
    summary["history"] = {}
    arns = {m["data"]["resource_id"]: m["data"]["resource_arn"] for m in normalized}
    for instance in sorted({i for i, _ in summary["normalized"]}):
        result = history.history(aws.dynamodb, table, arns[instance], days=2)
        (out / f"history-{instance}.txt").write_text(history.render(result) + "\n")
        summary["history"][instance] = {
            "current": result["current"] and result["current"]["state"],
            "events": [[e["time"], e["state"], e.get("late", False), e["published"]] for e in result["events"]]}
    if expected is not None:
        summary["expected_transitions"] = expected["transitions"]
        summary["ignored_transitions"] = expected["ignored"]
        summary["expected_timing"] = expected["timing"]
        summary["expected_notices"] = expected["notices"]
        summary["flapping_instance"] = expected["flapping"]
        summary["member_instance"] = expected["member_instance"]
        summary["member_messages"] = [m for m in normalized if m["data"]["account"] == MEMBER_ACCOUNT]
        summary["member_forwarded"] = member.forwarded
        summary["member_refused"] = member.refused
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print()
    say("summary")
    for key in ("events_in", "events_matched_by_rule", "normalized_messages", "notice_count",
                "csv_records", "emails", "digests", "mails_saved",
                "dlq_depth", "work_queue_depth"):
        print(f"    {key:24} {summary[key]}")
    print(f"    {'on the ORE bus':24} {len(summary['bus_events'])} events "
          f"(team rule: {len(summary['team_rule_events'])})")
    if expected is not None:
        print(f"    {'ignored (tagged)':24} {len(expected['ignored'])} events")
    print(f"    emails (HTML + text) in {out / 'emails'}, CSV in {csv_path}, function logs in {out / 'logs'}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        say("interrupted: the functions are stopped, the emulator stops next")
        sys.exit(130)
