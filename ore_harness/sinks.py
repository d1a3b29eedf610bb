"""What `scripts/verify-deployment.sh` checks beyond the heartbeat: every place ORE writes to, each
with a verdict a deployer can act on (ok, or the hop that failed and what to check).

- mail (opt-in, `--mail-to`): a test mail of each kind (a state change, a digest, a scheduled change
  with its calendar attachment, which SES authorises as ses:SendRawEmail) through the deployed
  emailer itself (lambda:InvokeFunction with the SQS batch its queue would deliver), so its role, its
  SES identity and its templates are what is tested. The address must be one ORE's configuration
  already mails (EmailTo, a route, or EmailAlwaysCopy): the test never chooses a recipient of its own.
- the archive: Firehose's stream is active, the newest object under messages/ reads back as one JSON
  object per line, nothing landed under errors/ lately, and S3 delivery is not failing; with
  `--archive-record` a record put into the stream must come out in S3.
- the state table and the mail ledger: active, encrypted with ORE's key, and readable through it.
- the alarms: each alarm's metric is one AWS publishes under that exact name (docs/aws-names.yaml),
  and whether it has data yet (ListMetrics); a metric AWS sends only when non-zero may have none.
  That the heartbeat's own metric line was written is the "metric lines (EMF)" verdict.

Each check takes a `Deployment` (ore_harness.verify) and returns a list of `Sink` results.
"""
import dataclasses
import datetime as dt
import gzip
import json
import re
import time
import uuid

import yaml

from .template import ROOT, Template

REGISTRY = ROOT / "docs" / "aws-names.yaml"
SAMPLES = ROOT / "events"


@dataclasses.dataclass
class Sink:
    """One sink's verdict: `detail` says what was seen, or which hop failed and what to check."""
    name: str
    ok: bool
    detail: str

    def line(self):
        return f"{self.name:34} {'ok' if self.ok else 'FAILED'}: {self.detail}"


def registered_metrics():
    """(namespace, name) -> the registry entry of every AWS metric ORE relies on."""
    registry = yaml.safe_load(REGISTRY.read_text())
    return {(m["namespace"], m["name"]): m for m in registry["metrics"]}


# ---------------------------------------------------------------- mail


def recipients_of(environment):
    """The emailer's configured recipients: address -> the routing tag value that reaches it
    (None: no tag needed, it is in the default list or copied on every mail)."""
    reach = {}
    for address in filter(None, (a.strip().lower() for a in environment.get("EMAIL_TO", "").split(","))):
        reach.setdefault(address, None)
    for address in filter(None, (a.strip().lower() for a in environment.get("EMAIL_ALWAYS_COPY", "").split(","))):
        reach[address] = None
    for route in filter(None, (r.strip() for r in environment.get("EMAIL_ROUTES", "").split(";"))):
        value, _, addresses = route.partition("=")
        for address in filter(None, (a.strip().lower() for a in addresses.split(","))):
            reach.setdefault(address, value.strip())
    return reach


def test_messages(account, region, route_tag, route_value, digest_size):
    """Standard messages for the three kinds of test mail, from the committed samples, about
    instances that do not exist (named ore-verify-deployment), with fresh ids."""
    def instance_id():
        return "i-0" + uuid.uuid4().hex[:16]

    def adapt(message, instance):
        message = json.loads(json.dumps(message))
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        data = message["data"]
        message.update({"id": str(uuid.uuid4()), "subject": instance, "time": now,
                        "source": f"urn:ore:aws:{account}:{region}"})
        data.update({"account": account, "region": region, "resource_id": instance, "processed_at": now,
                     "resource_arn": f"arn:aws:ec2:{region}:{account}:instance/{instance}",
                     "source_event_id": str(uuid.uuid4())})
        data.pop("account_name", None)
        tags = {"Name": "ore-verify-deployment"}
        if route_tag and route_value:
            tags[route_tag] = route_value
        data["instance"].update({"name": "ore-verify-deployment", "tags": tags})
        return message

    stopped = json.loads((SAMPLES / "standard" / "message-stopped.json").read_text())
    notice = json.loads((SAMPLES / "notices" / "health-scheduled-change.json").read_text())
    # The window ahead of now, as a real notice's is.
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=7)
    notice["data"]["scheduled_change"].update({
        "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_time": (start + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")})
    return {
        "mail: state change": [adapt(stopped, instance_id())],
        "mail: digest": [adapt(stopped, instance_id()) for _ in range(digest_size)],
        "mail: scheduled change (.ics, raw)": [adapt(notice, instance_id())],
    }


def sqs_batch(messages, queue_arn, region):
    """The batch the emailer's queue would deliver (raw message delivery)."""
    return {"Records": [{
        "messageId": str(uuid.uuid4()), "receiptHandle": f"ore-verify-{uuid.uuid4()}",
        "body": json.dumps(m), "attributes": {"ApproximateReceiveCount": "1",
                                              "SentTimestamp": str(int(time.time() * 1000))},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
        "awsRegion": region} for m in messages]}


def check_mail(deployment, address, since_ms):
    """A test mail of each kind to `address` through the deployed emailer."""
    address = address.strip().lower()
    environment = deployment.function_environment("EmailerFunction")
    reach = recipients_of(environment)
    if address not in reach:
        return [Sink("mail", False, f"{address} is not a recipient ORE's configuration mails (EmailTo, EmailRoutes, "
                                    "EmailAlwaysCopy): add it there, or name one that is; the test chooses no "
                                    "recipient of its own")]
    queue_arn = deployment.queue_arn("EmailerQueue")
    account, region = queue_arn.split(":")[4], queue_arn.split(":")[3]
    digest_size = int(environment.get("EMAIL_DIGEST_THRESHOLD", "5") or 5)
    route_tag = environment.get("EMAIL_ROUTE_TAG", "team")
    results = []
    for name, messages in test_messages(account, region, route_tag, reach[address], digest_size).items():
        batch = sqs_batch(messages, queue_arn, region)
        try:
            reply = deployment.invoke("EmailerFunction", batch)
        except Exception as error:  # noqa: BLE001 - any refusal of the invoke is the verdict
            results.append(Sink(name, False, f"lambda:InvokeFunction on the emailer failed: {error}"))
            continue
        if "batchItemFailures" not in (reply or {}):
            results.append(Sink(name, False, f"the emailer failed the invocation ({reply}): see its log group "
                                             "for an init error naming a variable"))
            continue
        if not reply["batchItemFailures"]:
            results.append(Sink(name, True, f"{len(messages)} message(s) mailed"
                                            f"{' as one digest' if len(messages) > 1 else ''}; check {address}'s inbox "
                                            "(subject names ore-verify-deployment)"))
            continue
        why = deployment.log_reasons("EmailerLogGroup", [m["id"] for m in messages], since_ms)
        results.append(Sink(name, False, "the emailer refused it: " + (why or "see its log group")))
    return results


def reasons(lines, ids):
    """What the emailer's JSON log lines about these message ids say went wrong (the fix first)."""
    found = []
    for line in lines:
        if not any(i in line for i in ids):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            found.append(line.strip()[:300])
            continue
        fields = record.get("fields", record)
        for key in ("fix", "error", "message"):
            if fields.get(key) and fields[key] not in found:
                found.append(str(fields[key]))
    return "; ".join(found[:3])


# ---------------------------------------------------------------- archive


def json_lines(body):
    """The archive object's messages: gzip'd or not, one JSON object per non-blank line. Raises
    ValueError naming the first line that is not one."""
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    messages = []
    for number, line in enumerate(body.decode().split("\n"), 1):
        if not line.strip():
            continue
        value = json.loads(line)
        if not isinstance(value, dict):
            raise ValueError(f"line {number} is not a JSON object")
        messages.append(value)
    return messages


def check_archive(deployment, put_record=False, timeout_s=420, poll_s=5.0):
    stream = deployment.resources.get("ArchiveDeliveryStream")
    bucket = deployment.resources.get("ArchiveBucket")
    if not stream or not bucket:
        return [Sink("archive", False, "the stack has no ArchiveDeliveryStream / ArchiveBucket")]
    status = deployment.firehose.describe_delivery_stream(DeliveryStreamName=stream)[
        "DeliveryStreamDescription"]["DeliveryStreamStatus"]
    if status != "ACTIVE":
        return [Sink("archive", False, f"the Firehose stream {stream} is {status}")]
    errors = deployment.recent_objects(bucket, "errors/", hours=24)
    if errors:
        kinds = sorted({key.split("/")[1] for key, _ in errors if key.count("/") > 1})
        return [Sink("archive", False, f"{len(errors)} object(s) under s3://{bucket}/errors/ in 24 h "
                                       f"({', '.join(kinds)}): Firehose could not deliver; check FirehoseArchiveRole's "
                                       "kms:EncryptionContext:aws:s3:arn (the bucket ARN: S3 Bucket Key) and the "
                                       "stream's error log group")]
    success = deployment.metric_average("AWS/Firehose", "DeliveryToS3.Success", "DeliveryStreamName", stream)
    if success is not None and success < 1:
        return [Sink("archive", False, f"DeliveryToS3.Success is {success:.2f} over the last hour: S3 puts fail; "
                                       "check FirehoseArchiveRole (s3:PutObject, kms:GenerateDataKey with the bucket "
                                       "ARN as encryption context)")]
    marker = None
    started = time.time()
    if put_record:
        marker = str(uuid.uuid4())
        record = {"type": "org.ore.verify", "id": marker, "time": dt.datetime.now(dt.timezone.utc).isoformat()}
        deployment.firehose.put_record(DeliveryStreamName=stream,
                                       Record={"Data": (json.dumps(record) + "\n").encode()})
    deadline = time.monotonic() + (timeout_s if put_record else 0)
    while True:
        newest = deployment.newest_object(bucket, "messages/")
        if newest is not None:
            key, modified = newest
            try:
                messages = json_lines(deployment.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            except (ValueError, UnicodeDecodeError) as error:
                return [Sink("archive", False, f"s3://{bucket}/{key} is not one JSON object per line ({error}): "
                                               "check the stream's AppendDelimiterToRecord processor")]
            fresh = modified.timestamp() >= started - 1
            if not put_record or (fresh and any(m.get("id") == marker for m in messages)):
                delivered = deployment.metric_sum("AWS/Firehose", "DeliveryToS3.Records", "DeliveryStreamName",
                                                  stream, minutes=60)
                return [Sink("archive", True, f"s3://{bucket}/{key} reads back, {len(messages)} JSON object(s), one "
                                              f"per line{'; the test record came through' if put_record else ''}"
                                              f"{f'; {delivered:.0f} record(s) delivered in the last hour' if delivered else ''}")]
        if time.monotonic() >= deadline:
            break
        time.sleep(poll_s)
    if put_record:
        return [Sink("archive", False, f"the test record did not reach s3://{bucket}/messages/ in {timeout_s:.0f} s "
                                       "(Firehose buffers up to 5 min): check the stream's error log group and "
                                       "errors/ in the bucket")]
    return [Sink("archive", True, f"no object under s3://{bucket}/messages/ yet (nothing archived since the deploy; "
                                  "heartbeats are not archived): run with --archive-record to write one")]


# ---------------------------------------------------------------- tables


def check_tables(deployment, template=None):
    template = template or Template()
    key_id = deployment.resources.get("OreKey")
    results = []
    for logical in sorted(n for n, r in template.resources.items() if r["Type"] == "AWS::DynamoDB::Table"):
        name = deployment.resources.get(logical)
        if not name:
            continue
        try:
            table = deployment.dynamodb.describe_table(TableName=name)["Table"]
        except Exception as error:  # noqa: BLE001
            results.append(Sink(f"table {logical}", False, f"DescribeTable: {error}"))
            continue
        if table.get("TableStatus") != "ACTIVE":
            results.append(Sink(f"table {logical}", False, f"{name} is {table.get('TableStatus')}: "
                                                           "INACCESSIBLE_ENCRYPTION_CREDENTIALS means ORE's KMS key is "
                                                           "disabled or its policy lost DynamoDB"))
            continue
        sse = table.get("SSEDescription") or {}
        if sse and (sse.get("Status") != "ENABLED" or (key_id and key_id not in sse.get("KMSMasterKeyArn", key_id))):
            results.append(Sink(f"table {logical}", False, f"{name} is not encrypted with ORE's key: {sse}"))
            continue
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        key = {k["AttributeName"]: ({"N": "0"} if types[k["AttributeName"]] == "N" else {"S": "ore-verify#probe"})
               for k in table["KeySchema"]}
        try:
            deployment.dynamodb.get_item(TableName=name, Key=key)
        except Exception as error:  # noqa: BLE001
            results.append(Sink(f"table {logical}", False, f"a read failed ({error}): the key policy's "
                                                           "DynamoDbUsesKeyForAccountPrincipals statement, or your "
                                                           "kms:Decrypt through dynamodb.<region>.amazonaws.com"))
            continue
        encryption = "encrypted with ORE's key" if sse else "no KMS key reported (an AWS owned key, or an emulator)"
        results.append(Sink(f"table {logical}", True, f"{name} is active, {encryption}, and reads"))
    return results


# ---------------------------------------------------------------- alarms


def alarm_metrics(alarm):
    """(namespace, metric, dimensions) of each metric a CloudWatch alarm watches."""
    if alarm.get("MetricName"):
        return [(alarm["Namespace"], alarm["MetricName"], alarm.get("Dimensions", []))]
    return [(m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"],
             m["MetricStat"]["Metric"].get("Dimensions", [])) for m in alarm.get("Metrics", []) if "MetricStat" in m]


def check_alarms(deployment, template=None):
    """Every alarm of the stack watches a metric AWS publishes under that exact name, and the
    heartbeat alarms' metric has data (after the heartbeat)."""
    template = template or Template()
    registered = registered_metrics()
    names = [deployment.resources[n] for n, r in template.resources.items()
             if r["Type"] == "AWS::CloudWatch::Alarm" and n in deployment.resources]
    alarms = deployment.describe_alarms(names)
    wrong, waiting, watching = [], [], 0
    for alarm in alarms:
        for namespace, metric, dimensions in alarm_metrics(alarm):
            if namespace.startswith("AWS/") and (namespace, metric) not in registered:
                wrong.append(f"{alarm['AlarmName']} watches {namespace} {metric}, a name AWS does not publish "
                             "(names are case-sensitive; docs/aws-names.yaml lists the documented ones)")
                continue
            if deployment.metric_exists(namespace, metric, dimensions):
                watching += 1
                continue
            entry = registered.get((namespace, metric), {})
            if entry.get("reported") == "only when non-zero":
                watching += 1
            else:
                # Nothing happened there yet, or CloudWatch has not listed a new metric yet (it can
                # take minutes): whether the heartbeat's metric lines were written at all is the
                # "metric lines (EMF)" sink's verdict.
                waiting.append(alarm["AlarmName"])
    if len(alarms) < len(names):
        wrong.append(f"{len(names) - len(alarms)} of the stack's alarms could not be described")
    if wrong:
        return [Sink("alarms", False, "; ".join(wrong))]
    detail = f"{len(alarms)} alarms, each watching a metric AWS publishes under that name; {watching} with data"
    if waiting:
        shown = ", ".join(waiting[:4]) + (f" and {len(waiting) - 4} more" if len(waiting) > 4 else "")
        detail += f"; no data yet for {len(waiting)} (nothing happened there since the deploy): {shown}"
    return [Sink("alarms", True, detail)]


def final_lines(results):
    """The last lines of the report: one per sink."""
    return [sink.line() for sink in results]


def untested(name, why):
    return Sink(name, True, f"not tested ({why})")


def heartbeat_sink(report):
    if report.get("ok"):
        hops = ", ".join(f"{h} {s:.1f} s" for h, s in report.get("hops", {}).items())
        return Sink("heartbeat (rule, topics, queues, functions)", True, hops)
    return Sink("heartbeat (rule, topics, queues, functions)", False,
                f"stopped before {report.get('stopped_at')}: " + " | ".join(
                    re.sub(r"\s+", " ", c) for c in report.get("causes", [])))
