"""ORE's stack in the emulator, as template.yaml wires it, and the glue AWS runs for us:
- topics, each function's queue with its dead-letter queue and redrive, the raw-delivery
  subscriptions, log groups, the SES sender identity: all read from the template;
- the EC2 state-change, scheduled-change and Spot warning rules (`EventBus`): their patterns from
  the template, evaluated by moto's EventBridge matcher; matching events are published to the
  rule's target topic as EventBridge would;
- the heartbeat rule lives in the emulator's EventBridge with its real pattern; the emulator cannot
  target SNS, so it targets a "bus tap" queue that `Stack.forward_bus` publishes to the topic;
- the DynamoDB tables (state store, mail ledger), and the archive: its bucket and Firehose stream. The
  emulator's SNS cannot deliver to Firehose, so the archive subscription (its real filter policy,
  raw delivery) goes to an "archive tap" queue that `Stack.forward_archive` puts into the stream;
- the ORE event bus (its name, its archive and, with OrganizationId, its policy, from the template)
  in the emulator's EventBridge, which evaluates rules on it: `Stack.bus_taps` are rules there
  (every ORE event; and a team's rule by state and account, as docs/contract.md shows one);
- one SQS event source mapping per function (`EventSourceMapping`): receive up to BatchSize (a
  batching window gathers what earlier functions are still producing), invoke with Lambda's SQS
  event, delete only the records not reported in batchItemFailures."""
import json

from moto.events.models import EventPattern

from .template import of_type, ref

from .emulator import ACCOUNT, REGION
from .lambda_rie import lambda_sqs_event
from .member import MEMBER_ACCOUNT
from . import webhook

STACK = "ore-local"
# Rules on the ORE bus the local run watches: every ORE event, and a team's (the payments team's
# rule on docs/contract.md, "The ORE event bus": what stopped in the member account).
BUS_RULES = {
    "every-ore-event": {"source": ["org.ore"]},
    "team-rule": {"source": ["org.ore"], "detail-type": ["org.ore.resource.state-changed"],
                  "detail": {"data": {"state": ["stopped"], "account": [MEMBER_ACCOUNT]}}},
}
# Short, so retries and dead-lettering happen within a local run; AWS uses the template's.
VISIBILITY_TIMEOUT = 1


class Stack:
    """What CloudFormation would create, with `physical` as its list of stack resources."""

    def __init__(self, aws, template, parameters):
        self.aws, self.template, self.parameters = aws, template, parameters
        self.physical = {"AWS::StackName": STACK, "AWS::AccountId": ACCOUNT, "AWS::Region": REGION,
                         "AWS::Partition": "aws",
                         "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/"
                                         "5e1f0b2a-7c3d-4e8f-9a1b-2c3d4e5f6a7b"}
        for topic in template.topics():
            self.physical[topic] = aws.sns.create_topic(Name=f"{STACK}-{topic}")["TopicArn"]
        self.queue_arns = {}
        for spec in template.functions:
            dlq_url, dlq_arn = aws.queue(f"{STACK}-{spec.dead_letter_queue}")
            redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec.max_receive_count})
            url, arn = aws.queue(f"{STACK}-{spec.queue}", VisibilityTimeout=VISIBILITY_TIMEOUT, RedrivePolicy=redrive)
            # A local function is named by its logical id (lambda_rie.Function sets AWS_LAMBDA_FUNCTION_NAME).
            self.physical.update({spec.queue: url, spec.dead_letter_queue: dlq_url, spec.name: spec.name})
            self.queue_arns[spec.queue] = arn
            aws.subscribe(self.physical[spec.source_topic], arn)
            group = template.resolve(template.resources[spec.log_group]["Properties"]["LogGroupName"],
                                     parameters, self.physical)
            aws.logs.create_log_group(logGroupName=group)
            aws.logs.create_log_stream(logGroupName=group, logStreamName="local")
            self.physical[spec.log_group] = group
        for logical, table in of_type(template.resources, "AWS::DynamoDB::Table").items():
            self.physical[logical] = aws.table(f"{STACK}-{logical}", table["Properties"])
        self._archive(aws, template)
        # Taps: what a subscriber of each topic the functions publish to receives.
        self.taps = {topic: aws.tap(self.physical[topic], f"{STACK}-{topic}-tap")
                     for spec in template.functions for topic in spec.outputs(template.resources)}
        aws.ses.create_email_identity(EmailIdentity=template.resolve({"Ref": "EmailFrom"}, parameters, {}))
        # The heartbeat rule in the emulator's EventBridge, targeting the bus tap queue.
        self.bus_tap, bus_tap_arn = aws.queue(f"{STACK}-bus-tap")
        rule = f"{STACK}-HeartbeatRule"
        aws.events.put_rule(Name=rule, EventPattern=json.dumps(template.rule_pattern("HeartbeatRule", parameters)),
                            State="ENABLED")
        aws.events.put_targets(Rule=rule, Targets=[{"Id": "RawEventsTopic", "Arn": bus_tap_arn}])
        [target] = template.rule("HeartbeatRule")["Targets"]
        self.heartbeat_topic = template.resolve(target["Arn"], parameters, self.physical)
        self.physical["HeartbeatRule"] = rule
        self.physical["RuleDeadLetterQueue"], _ = aws.queue(f"{STACK}-RuleDeadLetterQueue")
        self._bus_policies(aws, template)
        self._ore_bus(aws, template)
        self._alarms(aws, template)

    def _bus_policies(self, aws, template):
        """The default bus's policy statements for member accounts, when the parameters ask for them."""
        for logical in template.present(self.parameters):
            if template.resources[logical]["Type"] != "AWS::Events::EventBusPolicy":
                continue
            props = template.resolve(template.resources[logical]["Properties"], self.parameters, self.physical)
            statement = props["Statement"]
            principal = statement["Principal"]
            if principal == "*":
                [(key, value)] = statement["Condition"]["StringEquals"].items()
                aws.events.put_permission(EventBusName=props["EventBusName"], Action=statement["Action"],
                                          Principal="*", StatementId=props["StatementId"],
                                          Condition={"Type": "StringEquals", "Key": key, "Value": value})
            else:
                for account in principal["AWS"]:
                    aws.events.put_permission(EventBusName=props["EventBusName"], Action=statement["Action"],
                                              # One statement per account here (PutPermission takes one
                                              # principal), its id within the 64 characters allowed.
                                              Principal=account, StatementId=f"{props['StatementId'][:51]}-{account}")
            self.physical[logical] = props["StatementId"]

    def _ore_bus(self, aws, template):
        """The ORE bus, its archive and its policy, as CloudFormation would create them, and the taps:
        what a rule on it for every ORE event, and a team's rule, receive."""
        props = template.resolve(template.resources["OreEventBus"]["Properties"], self.parameters, self.physical)
        name = props["Name"]
        arn = aws.events.create_event_bus(Name=name, Description=props["Description"])["EventBusArn"]
        if "Policy" in props:
            aws.events.put_permission(EventBusName=name, Policy=json.dumps(props["Policy"]))
        self.physical.update({"OreEventBus": name, "OreEventBus.Arn": arn})
        archive = template.resolve(template.resources["OreEventBusArchive"]["Properties"], self.parameters,
                                   self.physical)
        archive_name = f"{STACK}-OreEventBusArchive"
        archived = aws.events.create_archive(ArchiveName=archive_name, EventSourceArn=archive["SourceArn"],
                                             EventPattern=json.dumps(archive["EventPattern"]),
                                             RetentionDays=int(archive["RetentionDays"]))
        self.physical.update({"OreEventBusArchive": archive_name, "OreEventBusArchive.Arn": archived["ArchiveArn"]})
        self.bus_taps = {rule: aws.bus_tap(name, f"{STACK}-{rule}", pattern) for rule, pattern in BUS_RULES.items()}
        self._webhooks(aws, template)

    def _webhooks(self, aws, template):
        """The API destinations on the ORE bus the parameters ask for: their connections and
        destinations in the emulator's EventBridge, their dead-letter queue, and for each rule a tap rule
        with its pattern, whose events `forward_webhooks` sends as EventBridge would."""
        self.webhooks = []
        present = template.present(self.parameters)
        for logical in present:
            kind = template.resources[logical]["Type"]
            if kind == "AWS::Events::Connection":
                props = template.resolve(template.resources[logical]["Properties"], self.parameters, self.physical)
                props = webhook.resolve_dynamic_references(props, aws.secretsmanager)
                made = aws.events.create_connection(Name=f"{STACK}-{logical}", **props)
                self.physical.update({logical: f"{STACK}-{logical}", f"{logical}.Arn": made["ConnectionArn"],
                                      f"{logical}.props": props})
        for logical in present:
            if template.resources[logical]["Type"] == "AWS::Events::ApiDestination":
                props = template.resolve(template.resources[logical]["Properties"], self.parameters, self.physical)
                props["InvocationRateLimitPerSecond"] = int(props["InvocationRateLimitPerSecond"])
                made = aws.events.create_api_destination(Name=f"{STACK}-{logical}", **props)
                self.physical.update({logical: f"{STACK}-{logical}", f"{logical}.Arn": made["ApiDestinationArn"]})
        if "WebhookDeadLetterQueue" in present:
            url, arn = aws.queue(f"{STACK}-WebhookDeadLetterQueue")
            self.physical.update({"WebhookDeadLetterQueue": url, "WebhookDeadLetterQueue.Arn": arn,
                                  "WebhookInvokeRole.Arn": f"arn:aws:iam::{ACCOUNT}:role/{STACK}-WebhookInvokeRole"})
        for logical in present:
            resource = template.resources[logical]
            if resource["Type"] != "AWS::Events::Rule" or resource["Properties"]["EventBusName"] != {"Ref": "OreEventBus"}:
                continue
            props = template.resolve(resource["Properties"], self.parameters, self.physical)
            [target] = props["Targets"]
            destination = ref(resource["Properties"]["Targets"][0]["Arn"])
            endpoint = template.resolve(template.resources[destination]["Properties"]["InvocationEndpoint"],
                                        self.parameters, self.physical)
            connection = ref(template.resources[destination]["Properties"]["ConnectionArn"])
            tap = aws.bus_tap(props["EventBusName"], f"{STACK}-{logical}-tap", props["EventPattern"])
            self.webhooks.append({"rule": logical, "tap": tap, "target": target, "endpoint": endpoint,
                                  "connection": self.physical[f"{connection}.props"], "sent": 0, "failed": 0})
            self.physical[logical] = props["Name"]

    def forward_webhooks(self):
        """EventBridge's API destination hop (ore_harness.webhook): each event a webhook rule matched,
        sent to its endpoint with the connection's credential. Returns how many were sent."""
        sent = 0
        for hook in self.webhooks:
            for message in self.aws.drain(hook["tap"]):
                url, headers, body = webhook.request_for(json.loads(message["Body"]), hook["target"],
                                                         hook["connection"], hook["endpoint"])
                status = webhook.send(url, headers, body)
                hook["sent" if 200 <= status < 300 else "failed"] += 1
                sent += 1
        return sent

    def _alarms(self, aws, template):
        """The template's alarms in the emulator's CloudWatch, as CloudFormation would create them
        (the emulator never evaluates them; `verify` checks what they watch)."""
        for rule in of_type(template.resources, "AWS::Events::Rule"):
            # The rules the emulated bus plays in-process (ore_harness.stack.EventBus), by name.
            self.physical.setdefault(rule, f"{STACK}-{rule}")
        for logical in template.present(self.parameters):
            if template.resources[logical]["Type"] != "AWS::CloudWatch::Alarm":
                continue
            props = template.resolve(template.resources[logical]["Properties"], self.parameters, self.physical)
            props = {k: v for k, v in props.items() if v is not None}
            name = f"{STACK}-{logical}"
            aws.cloudwatch.put_metric_alarm(AlarmName=name, **props)
            self.physical[logical] = name

    def metrics_from_logs(self, lines):
        """CloudWatch's hop from a log line in Embedded Metric Format to metrics (the emulator
        does not extract them): each metric of each directive, with its dimension values. Each
        metric is put once, with its first value: what reads it locally (`verify`) asks only
        whether it exists, and the emulator slows down as data points pile up."""
        seen = self.__dict__.setdefault("_metrics_put", set())
        data = []
        for line in lines:
            try:
                document = json.loads(line)
            except ValueError:
                continue
            if not isinstance(document, dict) or "_aws" not in document:
                continue
            for directive in document["_aws"].get("CloudWatchMetrics", []):
                for dimension_set in directive.get("Dimensions", [[]]):
                    dimensions = [{"Name": d, "Value": str(document[d])} for d in dimension_set if d in document]
                    for metric in directive.get("Metrics", []):
                        identity = (directive["Namespace"], metric["Name"], json.dumps(dimensions))
                        if metric["Name"] in document and identity not in seen:
                            seen.add(identity)
                            data.append((directive["Namespace"], {
                                "MetricName": metric["Name"], "Dimensions": dimensions,
                                "Value": float(document[metric["Name"]]), "Unit": metric.get("Unit", "None")}))
        for namespace in {n for n, _ in data}:
            points = [d for n, d in data if n == namespace]
            for start in range(0, len(points), 500):
                self.aws.cloudwatch.put_metric_data(Namespace=namespace, MetricData=points[start:start + 500])
        return len(data)

    def accepts_events_from(self, account):
        """Whether the default bus's policy lets `account` put events on it (as EventBridge checks
        a forwarded event against the receiving bus's policy)."""
        policy = self.aws.events.describe_event_bus(Name="default").get("Policy")
        if not policy:
            return False
        for statement in json.loads(policy)["Statement"]:
            principal = statement.get("Principal")
            principals = principal.get("AWS") if isinstance(principal, dict) else principal
            principals = principals if isinstance(principals, list) else [principals]
            if statement.get("Effect") == "Allow" and any(
                    p in (account, f"arn:aws:iam::{account}:root") for p in principals):
                return True
        return False

    def normalizer_role_arn(self):
        """The role the normalizer runs with (the template's NormalizerRole, named as this stack would)."""
        return f"arn:aws:iam::{ACCOUNT}:role/{STACK}-NormalizerRole"

    def _archive(self, aws, template):
        bucket = f"{STACK}-archivebucket"
        aws.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws.s3.meta.region_name})
        self.physical["ArchiveBucket"] = bucket
        stream = template.resources["ArchiveDeliveryStream"]["Properties"]
        destination = stream["ExtendedS3DestinationConfiguration"]
        self.archive_stream = f"{STACK}-ArchiveDeliveryStream"
        aws.firehose.create_delivery_stream(
            DeliveryStreamName=self.archive_stream, DeliveryStreamType=stream["DeliveryStreamType"],
            ExtendedS3DestinationConfiguration={
                "BucketARN": f"arn:aws:s3:::{bucket}", "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/{STACK}-firehose",
                "Prefix": destination["Prefix"], "CompressionFormat": destination["CompressionFormat"],
                "BufferingHints": destination["BufferingHints"]})
        self.physical["ArchiveDeliveryStream"] = self.archive_stream
        subscription = template.resources["ArchiveSubscription"]["Properties"]
        url, arn = aws.queue(f"{STACK}-archive-tap")
        self.archive_tap = url
        aws.sns.subscribe(TopicArn=self.physical[ref(subscription["TopicArn"])], Protocol="sqs", Endpoint=arn,
                          Attributes={"RawMessageDelivery": str(subscription["RawMessageDelivery"]).lower(),
                                      "FilterPolicy": json.dumps(subscription["FilterPolicy"])})

    def forward_archive(self, sns_adds_newline=False):
        """SNS's Firehose hop: what the archive subscription received goes into the stream, each
        message as SNS delivers it with raw delivery (no delimiter is documented; with
        `sns_adds_newline`, as if SNS added one), then the stream's processors as Firehose would
        apply them (the emulator applies none)."""
        messages = self.aws.drain(self.archive_tap)
        sent = [m["Body"] + ("\n" if sns_adds_newline else "") for m in messages]
        records = firehose_records(sent, self.template.resources["ArchiveDeliveryStream"]["Properties"])
        for start in range(0, len(records), 500):
            self.aws.firehose.put_record_batch(DeliveryStreamName=self.archive_stream,
                                               Records=[{"Data": r} for r in records[start:start + 500]])
        return len(messages)

    def resources(self):
        """Logical id -> physical id, as CloudFormation would list the deployed stack's."""
        return {k: v for k, v in self.physical.items() if not k.startswith("AWS::")}

    def environment(self, spec):
        return self.template.environment(spec, self.parameters, self.physical)

    def forward_bus(self):
        """EventBridge's SNS hop for the heartbeat rule: what reached the bus tap goes to the topic."""
        for message in self.aws.drain(self.bus_tap):
            event = json.loads(message["Body"])
            # The emulator's rule targets leave out the event's `account`; EventBridge sets it.
            event.setdefault("account", ACCOUNT)
            self.aws.sns.publish(TopicArn=self.heartbeat_topic, Message=json.dumps(event))


class EventSourceMapping:
    """Lambda's SQS poller for one function: up to BatchSize records per invocation. With a
    batching window, Lambda gathers records for up to that many seconds; locally the window
    stays open while `upstream_busy()` says earlier functions still have records to process (so
    what a burst produces arrives together, as it would within the window), unless BatchSize
    records are waiting already."""

    def __init__(self, aws, function, queue_url, queue_arn, batch_size, say=print, batching_window=0,
                 upstream_busy=lambda: False):
        self.aws, self.function, self.queue_url, self.queue_arn = aws, function, queue_url, queue_arn
        self.batch_size, self.say = batch_size, say
        self.batching_window, self.upstream_busy = batching_window, upstream_busy
        self.invocations = self.failures = 0
        self.batch_sizes = []

    def gathering(self):
        return (self.batching_window > 0 and self.upstream_busy()
                and self.aws.depth(self.queue_url) < self.batch_size)

    def receive(self):
        """Up to BatchSize messages, in as many receives (of at most 10) as it takes."""
        messages, seen = [], set()
        while len(messages) < self.batch_size:
            got = self.aws.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=min(self.batch_size - len(messages), 10),
                AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
            new = [m for m in got if m["MessageId"] not in seen]
            if not new:
                break
            seen.update(m["MessageId"] for m in new)
            messages += new
        return messages

    def poll(self):
        """One receive + invoke + delete round; returns how many messages it received."""
        if self.gathering():
            return 0
        messages = self.receive()
        if not messages:
            return 0
        response = self.function.invoke(lambda_sqs_event(messages, self.queue_arn))
        self.invocations += 1
        self.batch_sizes.append(len(messages))
        if not isinstance(response, dict) or "errorType" in response:
            # A function error fails the whole batch: every record comes back.
            self.say(f"{self.function.name} failed the whole batch: {response}")
            failed = {m["MessageId"] for m in messages}
        else:
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        self.failures += len(failed)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self.aws.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start:start + 10])])
        return len(messages)


class EventBus:
    """The EventBridge default bus with ORE's rules on it (all but the heartbeat rule, which lives in
    the emulator's EventBridge; the rules on the ORE bus live there too): an event goes to the target
    topic of every rule it matches."""

    def __init__(self, aws, stack, rules=None):
        template = stack.template
        self.aws = aws
        names = rules or [name for name, rule in of_type(template.resources, "AWS::Events::Rule").items()
                          if name != "HeartbeatRule" and rule["Properties"].get("EventBusName") == "default"
                          and template.rule_enabled(name, stack.parameters)]
        self.rules = []
        for name in names:
            pattern = EventPattern.load(json.dumps(template.rule_pattern(name, stack.parameters)))
            [target] = template.rule(name)["Targets"]
            self.rules.append((name, pattern, template.resolve(target["Arn"], stack.parameters, stack.physical)))
        self.received = self.matched = 0

    def put(self, event):
        """Returns the names of the rules that matched."""
        self.received += 1
        matched = [(name, topic) for name, pattern, topic in self.rules if pattern.matches_event(event)]
        if matched:
            self.matched += 1
        for _, topic in matched:
            self.aws.sns.publish(TopicArn=topic, Message=json.dumps(event))
        return [name for name, _ in matched]


def firehose_records(bodies, stream_properties):
    """The records a Firehose stream writes for `bodies`, after the processors the template gives
    it: AppendDelimiterToRecord appends a newline (Firehose API Reference, "Processor")."""
    processing = stream_properties["ExtendedS3DestinationConfiguration"].get("ProcessingConfiguration", {})
    types = [p["Type"] for p in processing.get("Processors", [])] if processing.get("Enabled") else []
    unknown = set(types) - {"AppendDelimiterToRecord"}
    if unknown:
        raise ValueError(f"the local Firehose hop does not emulate the processors {sorted(unknown)}")
    delimiter = "\n" if "AppendDelimiterToRecord" in types else ""
    return [(body + delimiter).encode() for body in bodies]
