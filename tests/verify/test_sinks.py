"""verify-deployment's verdict for each sink when something is wrong in a real account (the
emulator enforces no IAM, KMS or metric names, so these are the ways it cannot show): each failure
names the grant or the name to fix. The healthy path runs against the emulator in the local
pipeline (tests/pipeline/test_verify.py)."""
import datetime as dt
import gzip
import io
import json

from ore_harness import sinks, verify
from ore_harness.template import Template

NOW = dt.datetime.now(dt.timezone.utc)
EMAILER_ENVIRONMENT = {"EMAIL_TO": "ops@example.com", "EMAIL_ROUTES": "payments=payments@example.com",
                       "EMAIL_ROUTE_TAG": "team", "EMAIL_ALWAYS_COPY": "audit@example.com",
                       "EMAIL_DIGEST_THRESHOLD": "3"}


class Fake:
    """A deployment whose answers each test sets."""

    def __init__(self, **answers):
        self.resources = {"ArchiveDeliveryStream": "ore-archive", "ArchiveBucket": "ore-archive-bucket",
                          "EmailerFunction": "ore-emailer", "EmailerLogGroup": "/ore/ore/emailer"}
        self.invocations = []
        self.objects = answers.pop("objects", {})
        self.alarms = answers.pop("alarms", [])
        self.metrics = answers.pop("metrics", set())
        self.replies = answers.pop("replies", {})
        self.log_lines = answers.pop("log_lines", [])
        self.firehose = self
        self.s3 = self

    # the clients' calls the sinks make
    def describe_delivery_stream(self, DeliveryStreamName):
        return {"DeliveryStreamDescription": {"DeliveryStreamStatus": "ACTIVE"}}

    def put_record(self, **_):
        pass

    def get_object(self, Bucket, Key):
        return {"Body": io.BytesIO(self.objects[Key][1])}

    # the Deployment methods
    def function_environment(self, logical_id):
        return EMAILER_ENVIRONMENT

    def queue_arn(self, logical_id):
        return "arn:aws:sqs:eu-west-1:123456789012:ore-EmailerQueue"

    def invoke(self, logical_id, payload):
        self.invocations.append(payload)
        kind = "notice" if "change-scheduled" in payload["Records"][0]["body"] else "state"
        return self.replies.get(kind, {"batchItemFailures": []})

    def log_reasons(self, group, ids, since_ms):
        return sinks.reasons(self.log_lines, ids)

    def recent_objects(self, bucket, prefix, hours):
        return [(k, m) for k, (m, _) in self.objects.items() if k.startswith(prefix)]

    def newest_object(self, bucket, prefix):
        found = [(k, m) for k, (m, _) in self.objects.items() if k.startswith(prefix)]
        return max(found, key=lambda item: item[1], default=None)

    def metric_average(self, *_args, **_kwargs):
        return None

    def metric_sum(self, *_args, **_kwargs):
        return 0

    def describe_alarms(self, names):
        return self.alarms

    def metric_exists(self, namespace, metric, dimensions):
        return (namespace, metric) in self.metrics


def test_the_configured_recipients_and_the_tag_that_reaches_each():
    assert sinks.recipients_of(EMAILER_ENVIRONMENT) == {
        "ops@example.com": None, "audit@example.com": None, "payments@example.com": "payments"}


def test_a_test_mail_of_each_kind_goes_to_a_configured_recipient_through_the_emailer():
    deployment = Fake()
    results = sinks.check_mail(deployment, "Payments@Example.com", 0)
    assert [r.ok for r in results] == [True, True, True], results
    sizes = [len(p["Records"]) for p in deployment.invocations]
    assert sizes == [1, 3, 1], "one state change, a digest of the threshold, one scheduled change"
    for payload in deployment.invocations:
        for record in payload["Records"]:
            message = json.loads(record["body"])
            assert message["data"]["instance"]["tags"] == {"Name": "ore-verify-deployment", "team": "payments"}
            assert message["data"]["account"] == "123456789012"
            assert record["eventSourceARN"].endswith(":ore-EmailerQueue")


def test_an_address_ore_does_not_mail_is_refused_before_anything_is_sent():
    deployment = Fake()
    [result] = sinks.check_mail(deployment, "someone@elsewhere.example", 0)
    assert not result.ok and "EmailTo" in result.detail
    assert deployment.invocations == []


def test_a_refused_raw_send_is_named_with_the_grant_to_fix():
    fix = ("the emailer's role may not send this mail: ses:SendRawEmail must be allowed on the sender identity, on "
           "every recipient identity while the account is in the SES sandbox, and on the configuration set")
    deployment = Fake(replies={"notice": {"batchItemFailures": [{"itemIdentifier": "x"}]}})

    def reasons_for(ids):
        return [json.dumps({"level": "ERROR", "fields": {"message": "SES refuses the emailer's mail",
                                                         "fix": fix, "message_id": ids[0]}})]
    original = deployment.invoke

    def invoke(logical_id, payload):
        ids = [json.loads(r["body"])["id"] for r in payload["Records"]]
        deployment.log_lines = reasons_for(ids)
        return original(logical_id, payload)
    deployment.invoke = invoke
    results = {r.name: r for r in sinks.check_mail(deployment, "ops@example.com", 0)}
    raw = results["mail: scheduled change (.ics, raw)"]
    assert not raw.ok and "ses:SendRawEmail must be allowed" in raw.detail
    assert results["mail: state change"].ok and results["mail: digest"].ok


def test_an_emailer_that_cannot_start_fails_every_mail_sink():
    deployment = Fake(replies={"state": {"errorType": "HTTP 500"}, "notice": {"errorType": "HTTP 500"}})
    results = sinks.check_mail(deployment, "ops@example.com", 0)
    assert [r.ok for r in results] == [False] * 3
    assert all("init error" in r.detail for r in results)


def gz(lines):
    return gzip.compress("".join(lines).encode())


def test_the_archive_reads_back_as_json_lines_with_or_without_blank_lines():
    body = gz(['{"id": "1", "type": "t"}\n', "\n", '{"id": "2", "type": "t"}\n'])
    deployment = Fake(objects={"messages/date=2026-12-02/a.gz": (NOW, body)})
    [result] = sinks.check_archive(deployment)
    assert result.ok and "2 JSON object(s)" in result.detail


def test_a_denied_archive_delivery_is_named_with_the_encryption_context_to_fix():
    deployment = Fake(objects={"errors/AccessDenied/date=2026-12-02/x": (NOW, b"{}")})
    [result] = sinks.check_archive(deployment)
    assert not result.ok
    assert "kms:EncryptionContext:aws:s3:arn" in result.detail and "AccessDenied" in result.detail


def test_concatenated_records_are_named_with_the_delimiter_to_fix():
    deployment = Fake(objects={"messages/date=2026-12-02/a": (NOW, b'{"id": "1"}{"id": "2"}')})
    [result] = sinks.check_archive(deployment)
    assert not result.ok and "AppendDelimiterToRecord" in result.detail


def alarm(name, namespace, metric, dimension="FunctionName"):
    return {"AlarmName": name, "Namespace": namespace, "MetricName": metric,
            "Dimensions": [{"Name": dimension, "Value": "x"}]}


def test_an_alarm_on_a_misspelt_metric_is_named():
    deployment = Fake(alarms=[alarm("ore-DeadLetterFailed", "AWS/Events", "InvocationsFailedToBeSentToDLQ", "RuleName")])
    deployment.resources.update({"Ec2StateChangeRuleDeadLetterFailedAlarm": "ore-DeadLetterFailed"})
    [result] = sinks.check_alarms(deployment, Template())
    assert not result.ok
    assert "ore-DeadLetterFailed watches AWS/Events InvocationsFailedToBeSentToDLQ" in result.detail


def test_an_alarm_whose_metric_has_no_data_yet_is_named_not_failed():
    """Whether the heartbeat's metric line was written is the EMF sink's verdict (below); CloudWatch can
    take minutes to list a new metric."""
    deployment = Fake(alarms=[alarm("ore-EmailerHeartbeat", "ORE", "HeartbeatsSeen")])
    deployment.resources.update({"EmailerHeartbeatMissingAlarm": "ore-EmailerHeartbeat"})
    [result] = sinks.check_alarms(deployment, Template())
    assert result.ok and "no data yet for 1" in result.detail and "ore-EmailerHeartbeat" in result.detail


def test_metrics_aws_sends_only_when_non_zero_may_have_no_data():
    deployment = Fake(alarms=[alarm("ore-Failed", "AWS/Events", "FailedInvocations", "RuleName"),
                              alarm("ore-EmailerHeartbeat", "ORE", "HeartbeatsSeen")],
                      metrics={("ORE", "HeartbeatsSeen")})
    deployment.resources.update({"Ec2StateChangeRuleFailedInvocationsAlarm": "ore-Failed",
                                 "EmailerHeartbeatMissingAlarm": "ore-EmailerHeartbeat"})
    [result] = sinks.check_alarms(deployment, Template())
    assert result.ok and "2 with data" in result.detail


def test_dropped_metric_lines_are_named_and_every_sink_gets_one_line(capsys):
    heartbeat = {"ok": True, "hops": {"NormalizerFunction": 1.0},
                 "metric_lines": {"CsvFormatterFunction": True, "EmailerFunction": False}}
    deployment = Fake(objects={"messages/a": (NOW, b'{"id": "1"}\n')})
    deployment.dynamodb = None
    template = Template()
    template.resources = {k: v for k, v in template.resources.items() if v["Type"] != "AWS::DynamoDB::Table"}
    results = verify.verify_sinks(deployment, heartbeat, 0, template=template)
    verdicts = {r.name: r for r in results}
    emf = verdicts["metric lines (EMF)"]
    assert not emf.ok and "EmailerFunction" in emf.detail and "ApplicationLogLevel" in emf.detail
    assert verdicts["mail"].ok and "not tested" in verdicts["mail"].detail
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[-len(results):] == [f"  {r.line()}" for r in results]
