#!/usr/bin/env python3
"""ORE's whole pipeline on this machine, against the AWS API emulator (moto server) that
scripts/demo.sh starts: no AWS account, no credentials, no Docker.

It creates what template.yaml defines (topics, queues with their dead-letter queues, raw-delivery
subscriptions, the SES sender identity), runs the three real Lambda binaries under the AWS Lambda
Runtime Interface Emulator shipped in the SAM CLI package, and reproduces the glue AWS provides:
- the EventBridge rule: its event pattern, read from template.yaml, evaluated by moto's EventBridge
  pattern matcher; matching events are published to the raw events topic as EventBridge would;
- one SQS event source mapping per function: receive up to BatchSize, invoke with the Lambda SQS
  event shape, delete only the records not reported in batchItemFailures; the others come back
  after the visibility timeout and reach the DLQ after maxReceiveCount (the emulator's redrive);
- the heartbeat rule lives in the emulator's EventBridge with its real pattern, so a PutEvents
  reaches it as in AWS; the emulator cannot target SNS, so the rule targets a "bus tap" queue and
  this script publishes what arrives there to the raw events topic (EventBridge's SNS hop);
- Lambda's log delivery: each function's output is copied into the emulator's CloudWatch Logs
  group `/ore/<stack>/<function>`, where scripts/verify_deployment.py follows its heartbeat.

Then it plays an operator's day (or replays event files), prints CSV records as they arrive,
writes every email to the output folder, runs the canary (scripts/verify_deployment.py against
the emulator) and prints a summary (also written as summary.json).
"""
import argparse
import base64
import copy
import datetime as dt
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import boto3
from moto.events.models import EventPattern
from samtranslator.yaml_helper import yaml_parse

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import verify_deployment  # noqa: E402  (the canary check, run against the emulator)

STACK = "ore-local"
ACCOUNT = "123456789012"
REGION = os.environ.get("AWS_REGION", "eu-west-1")
EMAIL_FROM = "ore@example.com"
EMAIL_TO = "ops@example.com,sre@example.com"
# Short, so retries and dead-lettering happen within the demo; AWS uses the template's 125 s.
VISIBILITY_TIMEOUT = 1
# The emulator has no sending rate: the demo's emailer sends as fast as it likes (in AWS the
# template's SesMaxSendRate, 1 per second by default, paces it).
DEMO_SEND_RATE = "1000"
# The emulator's instances exist before their events: no settle time to wait out.
DEMO_SETTLE_SECONDS = "0"
FUNCTIONS = {  # template logical id -> (binary, queue name, event source key)
    "NormalizerFunction": ("normalizer", "NormalizerQueue"),
    "CsvFormatterFunction": ("csv-formatter", "CsvFormatterQueue"),
    "EmailerFunction": ("emailer", "EmailerQueue"),
}


def say(message):
    print(f"\033[1;32m-->\033[0m {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Template:
    """The facts the local run takes from template.yaml, so it cannot drift from the deployment."""

    def __init__(self, path=ROOT / "template.yaml", watched_states=None):
        self.doc = yaml_parse(path.read_text())
        resources = self.doc["Resources"]
        pattern = copy.deepcopy(resources["Ec2StateChangeRule"]["Properties"]["EventPattern"])
        states = watched_states or self.doc["Parameters"]["WatchedStates"]["Default"].split(",")
        pattern["detail"]["state"] = states
        self.pattern = EventPattern.load(json.dumps(pattern))
        self.heartbeat_pattern = json.dumps(resources["HeartbeatRule"]["Properties"]["EventPattern"])
        self.parameters = {name: str(p.get("Default", "")) for name, p in self.doc["Parameters"].items()}
        global_env = self.doc["Globals"]["Function"]["Environment"]["Variables"]
        self.global_env = {k: str(v) for k, v in global_env.items() if isinstance(v, (str, int))}
        self.max_receive = {name: r["Properties"]["RedrivePolicy"]["maxReceiveCount"]
                            for name, r in resources.items()
                            if r["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in r["Properties"]}
        self.batch_size = {}
        self.env_names = {}
        for function in FUNCTIONS:
            props = resources[function]["Properties"]
            [source] = props["Events"].values()
            self.batch_size[function] = source["Properties"]["BatchSize"]
            self.env_names[function] = set(props["Environment"]["Variables"]) | set(self.global_env)
        self.ignore_key = self.doc["Parameters"]["IgnoreTagKey"]["Default"]
        self.ignore_value = self.doc["Parameters"]["IgnoreTagValue"]["Default"]


class Aws:
    def __init__(self):
        self.sns = boto3.client("sns", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.ec2 = boto3.client("ec2", region_name=REGION)
        self.ses = boto3.client("sesv2", region_name=REGION)
        self.events = boto3.client("events", region_name=REGION)
        self.logs = boto3.client("logs", region_name=REGION)

    def queue(self, name, **attributes):
        url = self.sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def depth(self, url):
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
        return sum(int(v) for v in attributes["Attributes"].values())


class Stack:
    """Topics, queues, DLQs and subscriptions as template.yaml wires them."""

    def __init__(self, aws, template):
        self.aws = aws
        self.template = template
        topic = lambda name: aws.sns.create_topic(Name=f"ore-{name}")["TopicArn"]  # noqa: E731
        self.raw_topic, self.normalized_topic, self.csv_topic = topic("raw-events"), topic("normalized"), topic("csv")
        self.queues, self.dlqs = {}, {}
        for function, (binary, queue) in FUNCTIONS.items():
            dlq_url, dlq_arn = aws.queue(f"ore-{binary}-dlq")
            redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": template.max_receive[queue]})
            self.queues[function], arn = aws.queue(f"ore-{binary}", VisibilityTimeout=VISIBILITY_TIMEOUT,
                                                   RedrivePolicy=redrive)
            self.dlqs[function] = dlq_url
            source = self.raw_topic if function == "NormalizerFunction" else self.normalized_topic
            aws.sns.subscribe(TopicArn=source, Protocol="sqs", Endpoint=arn,
                              Attributes={"RawMessageDelivery": "true"})
        # Taps: what a subscriber of each output topic receives.
        self.normalized_tap, tap_arn = aws.queue("ore-normalized-tap")
        aws.sns.subscribe(TopicArn=self.normalized_topic, Protocol="sqs", Endpoint=tap_arn,
                          Attributes={"RawMessageDelivery": "true"})
        self.csv_tap, tap_arn = aws.queue("ore-csv-tap")
        aws.sns.subscribe(TopicArn=self.csv_topic, Protocol="sqs", Endpoint=tap_arn,
                          Attributes={"RawMessageDelivery": "true"})
        aws.ses.create_email_identity(EmailIdentity=EMAIL_FROM)
        # The heartbeat rule in the emulator's EventBridge, targeting the bus tap queue.
        self.bus_tap, bus_tap_arn = aws.queue("ore-bus-tap")
        self.heartbeat_rule = f"{STACK}-HeartbeatRule"
        aws.events.put_rule(Name=self.heartbeat_rule, EventPattern=template.heartbeat_pattern, State="ENABLED")
        aws.events.put_targets(Rule=self.heartbeat_rule, Targets=[{"Id": "RawEventsTopic", "Arn": bus_tap_arn}])
        self.rule_dlq, _ = aws.queue("ore-rule-dlq")
        self.log_groups = {}
        for function, (binary, _queue) in FUNCTIONS.items():
            group = f"/ore/{STACK}/{binary}"
            aws.logs.create_log_group(logGroupName=group)
            aws.logs.create_log_stream(logGroupName=group, logStreamName="local")
            self.log_groups[function] = group

    def resources(self):
        """Logical id -> physical id, as CloudFormation would list the deployed stack's."""
        found = {"HeartbeatRule": self.heartbeat_rule, "RuleDeadLetterQueue": self.rule_dlq}
        for function, (binary, queue) in FUNCTIONS.items():
            found[function] = binary
            found[queue] = self.queues[function]
            found[queue.replace("Queue", "DeadLetterQueue")] = self.dlqs[function]
            found[function.replace("Function", "LogGroup")] = self.log_groups[function]
        return found

    def function_env(self, function):
        parameter = self.template.parameters
        return dict(self.template.global_env, **{
            "NormalizerFunction": {"NORMALIZED_TOPIC_ARN": self.normalized_topic,
                                   "IGNORE_TAG_KEY": self.template.ignore_key,
                                   "IGNORE_TAG_VALUE": self.template.ignore_value,
                                   "ENRICHMENT_SETTLE_SECONDS": DEMO_SETTLE_SECONDS,
                                   "ENRICHMENT_WAIT_FOR_TAGS": parameter["EnrichmentWaitForTags"]},
            "CsvFormatterFunction": {"CSV_TOPIC_ARN": self.csv_topic},
            "EmailerFunction": {"EMAIL_FROM": EMAIL_FROM, "EMAIL_TO": EMAIL_TO, "SES_CONFIGURATION_SET": "",
                                "EMAIL_SEND_RATE": DEMO_SEND_RATE,
                                "EMAIL_MAX_CONCURRENCY": parameter["EmailerMaxConcurrency"]},
        }[function])


def rie_binary():
    import samcli
    machine = "arm64" if os.uname().machine in ("aarch64", "arm64") else "x86_64"
    path = pathlib.Path(samcli.__file__).parent / "local" / "rapid" / f"aws-lambda-rie-{machine}"
    if not path.exists():
        sys.exit(f"the AWS Lambda Runtime Interface Emulator is not at {path}")
    path.chmod(0o755)
    return path


# What Lambda sets, taken from this shell: region, credentials, and the emulator's endpoint.
PASSED_THROUGH = ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                  "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL")


def lambda_environment():
    """A function's environment as Lambda builds it, not this shell's: nothing else leaks in
    (a developer's SSL_CERT_DIR, RUST_LOG or AWS_PROFILE would change what is run or measured)."""
    environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC"}
    environment.update({k: os.environ[k] for k in PASSED_THROUGH if k in os.environ})
    return environment


RUNNING = []  # every Function started, stopped in main's finally


class Function:
    """One Lambda binary served by the Runtime Interface Emulator on a 127.0.0.1 port."""

    def __init__(self, name, binary, env, log_dir, executable=None):
        """`executable` defaults to the debug build of `binary` (cargo build)."""
        self.name = name
        self.port = free_port()
        self.log_path = log_dir / f"{binary}.log"
        self.log = open(self.log_path, "w")
        self.forwarded = 0  # bytes of the log already copied to CloudWatch Logs
        environment = lambda_environment()
        environment.update(env)
        environment.update({"AWS_LAMBDA_FUNCTION_NAME": name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
                            "AWS_LAMBDA_FUNCTION_TIMEOUT": "20", "AWS_LAMBDA_LOG_FORMAT": "JSON",
                            "AWS_LAMBDA_LOG_LEVEL": "INFO"})
        command = [str(rie_binary()), "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
                   "--runtime-api-address", f"127.0.0.1:{free_port()}",
                   str(executable or ROOT / "target" / "debug" / binary)]
        # Started and registered with Ctrl-C held off, so an interrupt cannot leave it unregistered.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.process = subprocess.Popen(command, env=environment, stdout=self.log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
            RUNNING.append(self)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        self.url = f"http://127.0.0.1:{self.port}/2015-03-31/functions/function/invocations"
        for _ in range(1000):  # polled finely: the cold-start benchmark times from the spawn
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError(f"{name}: the runtime emulator did not start (see {self.log.name})")

    def invoke(self, event):
        request = urllib.request.Request(self.url, data=json.dumps(event).encode(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            # The emulator answers a failed init or a crash with an HTTP error: a function error.
            return {"errorType": f"HTTP {error.code}", "errorMessage": error.read().decode(errors="replace")}

    def forward_logs(self, logs, group):
        """Copy the function's new output lines to its log group, as Lambda does."""
        self.log.flush()
        with open(self.log_path, "rb") as f:
            f.seek(self.forwarded)
            data = f.read()
        complete = data[: data.rfind(b"\n") + 1]
        if not complete:
            return
        self.forwarded += len(complete)
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line} for line in complete.decode(errors="replace").splitlines()
                  if line.strip()]
        for start in range(0, len(events), 1000):
            logs.put_log_events(logGroupName=group, logStreamName="local", logEvents=events[start:start + 1000])

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


def lambda_sqs_event(messages, queue_arn):
    """The event Lambda's SQS event source sends (aws_lambda_events' SqsEvent shape)."""
    records = []
    for m in messages:
        records.append({
            "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": {k: {"stringValue": v.get("StringValue"), "binaryValue": None,
                                      "stringListValues": [], "binaryListValues": [],
                                      "dataType": v["DataType"]}
                                  for k, v in m.get("MessageAttributes", {}).items()},
            "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
            "awsRegion": REGION,
        })
    return {"Records": records}


class EventSourceMapping:
    def __init__(self, aws, function, queue_url, batch_size):
        self.aws, self.function, self.queue_url, self.batch_size = aws, function, queue_url, batch_size
        self.queue_arn = aws.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        self.invocations = self.failures = 0

    def poll(self):
        """One receive + invoke + delete round; returns how many messages it received."""
        messages = self.aws.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=min(self.batch_size, 10),
            AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
        if not messages:
            return 0
        response = self.function.invoke(lambda_sqs_event(messages, self.queue_arn))
        self.invocations += 1
        if not isinstance(response, dict) or "errorType" in response:
            # A function error fails the whole batch: every record comes back.
            say(f"{self.function.name} failed the whole batch: {response}")
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
    """The EventBridge default bus with ORE's rule: matching events go to the raw events topic."""

    def __init__(self, aws, template, raw_topic):
        self.aws, self.template, self.raw_topic = aws, template, raw_topic
        self.received = self.matched = 0

    def put(self, event):
        self.received += 1
        if self.template.pattern.matches_event(event):
            self.matched += 1
            self.aws.sns.publish(TopicArn=self.raw_topic, Message=json.dumps(event))
            return True
        return False


def ec2_event(instance_id, state):
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "EC2 Instance State-change Notification",
            "source": "aws.ec2", "account": ACCOUNT, "time": now, "region": REGION,
            "resources": [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance_id}"],
            "detail": {"instance-id": instance_id, "state": state}}


def launch(aws, tags):
    spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    reply = aws.ec2.run_instances(ImageId="ami-12c6146b", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                  TagSpecifications=spec)
    return reply["Instances"][0]["InstanceId"]


def operator_day(aws, template, bus, pump):
    """Launch, stop, start, launch an ignored instance, terminate everything; one bad event."""
    expected = {"transitions": [], "ignored": []}

    def change(instance_id, state, ignored=False):
        bus.put(ec2_event(instance_id, state))
        (expected["ignored"] if ignored else expected["transitions"]).append((instance_id, state))
        pump()

    web = launch(aws, {"Name": "web-01", "team": "payments", "env": "prod"})
    say(f"launched {web} (web-01)")
    change(web, "pending"); change(web, "running")  # noqa: E702
    aws.ec2.stop_instances(InstanceIds=[web])
    say(f"stopped {web}")
    change(web, "stopping"); change(web, "stopped")  # noqa: E702
    aws.ec2.start_instances(InstanceIds=[web])
    say(f"started {web} again")
    change(web, "pending"); change(web, "running")  # noqa: E702
    scratch = launch(aws, {"Name": "scratch-box", template.ignore_key: template.ignore_value})
    say(f"launched {scratch} tagged {template.ignore_key}={template.ignore_value} (ORE must stay silent)")
    change(scratch, "pending", True); change(scratch, "running", True)  # noqa: E702
    say("an Auto Scaling event on the bus (the rule must not match it)")
    bus.put({**ec2_event(web, "running"), "source": "aws.autoscaling",
             "detail-type": "EC2 Instance Launch Successful"})
    say("a malformed EC2 event without instance-id (it must end in the normalizer's DLQ)")
    bad = ec2_event(web, "stopped")
    bad["detail"].pop("instance-id")
    bus.put(bad)
    aws.ec2.terminate_instances(InstanceIds=[web, scratch])
    say(f"terminated {web} and {scratch}")
    for instance_id, ignored in ((web, False), (scratch, True)):
        change(instance_id, "shutting-down", ignored)
        change(instance_id, "terminated", ignored)
    return expected


def replay(bus, files, pump):
    for name in files:
        document = json.loads(pathlib.Path(name).read_text())
        events = [document] if isinstance(document, dict) else document
        for event in events:
            matched = bus.put(event)
            say(f"{name}: {'published to the raw events topic' if matched else 'not matched by the rule'}")
        pump()


def drain_queue(aws, url):
    out = []
    while True:
        messages = aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                           MessageAttributeNames=["All"]).get("Messages", [])
        if not messages:
            return out
        for m in messages:
            out.append(m)
            aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def recorded_emails(endpoint):
    """SES v2 SendEmail requests the emulator accepted, with both parts (from its recorder)."""
    with urllib.request.urlopen(f"{endpoint}/moto-api/recorder/download-recording", timeout=10) as reply:
        lines = reply.read().decode().splitlines()
    emails = []
    for line in lines:
        entry = json.loads(line)
        if entry["method"] != "POST" or not entry["url"].endswith("/v2/email/outbound-emails"):
            continue
        body = entry["body"]
        body = base64.b64decode(body).decode() if entry.get("body_encoded") else body
        request = json.loads(body)
        simple = request["Content"]["Simple"]
        emails.append({"from": request["FromEmailAddress"], "to": request["Destination"]["ToAddresses"],
                       "subject": simple["Subject"]["Data"], "text": simple["Body"]["Text"]["Data"],
                       "html": simple["Body"]["Html"]["Data"]})
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=10) as reply:
        accepted = [m for m in json.load(reply)["ses"]["Message"] if m["source"] == EMAIL_FROM]
    return emails[: len(accepted)] if len(emails) >= len(accepted) else emails


def run_canary(stack, pump_round, timeout_s):
    """verify_deployment's check in a thread, while this one keeps the pipeline moving."""
    report = {}

    def check():
        session = boto3.session.Session(region_name=REGION)
        deployment = verify_deployment.Deployment(session, stack.resources())
        report.update(verify_deployment.verify(deployment, timeout_s=timeout_s, poll_s=0.5, origin="local-pipeline"))

    thread = threading.Thread(target=check, daemon=True)
    thread.start()
    while thread.is_alive():
        if not pump_round():
            time.sleep(0.2)
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "out"), help="output folder (emails, CSV, logs, summary)")
    parser.add_argument("events", nargs="*", help="EventBridge event JSON files to replay instead of the scenario")
    parser.add_argument("--canary-only", action="store_true", help="skip the scenario: only the canary runs")
    parser.add_argument("--canary-timeout", type=float, default=30, help="seconds the canary waits for every hop")
    parser.add_argument("--break-hop", choices=sorted(FUNCTIONS),
                        help="start this function with its configuration blanked (init fails): the canary must "
                             "report that hop")
    args = parser.parse_args()
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if not endpoint.startswith("http://127.0.0.1"):
        sys.exit("run through scripts/demo.sh: it starts the AWS API emulator and sets AWS_ENDPOINT_URL")

    out = pathlib.Path(args.out)
    (out / "emails").mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    for old in (out / "emails").iterdir():
        old.unlink()
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/recorder/start-recording", method="POST"))

    template = Template()
    aws = Aws()
    stack = Stack(aws, template)
    say("created topics, queues, dead-letter queues, raw-delivery subscriptions and the SES identity "
        "as template.yaml defines them")
    functions = {}
    try:
        for name, (binary, _queue) in FUNCTIONS.items():
            env = stack.function_env(name)
            assert set(env) == template.env_names[name], f"{name}: env names drifted from template.yaml"
            if name == args.break_hop:
                say(f"breaking {name}: its own variables are blanked, so its init fails")
                env = {k: (v if k in template.global_env else "") for k, v in env.items()}
            functions[name] = Function(name, binary, env, out / "logs")
        say("started normalizer, csv-formatter and emailer under the Lambda Runtime Interface Emulator")
        mappings = [EventSourceMapping(aws, functions[name], stack.queues[name], template.batch_size[name])
                    for name in FUNCTIONS]
        csv_path = out / "csv-records.csv"
        csv_path.write_text((ROOT / "schemas" / "csv-record.v1.csv").read_text())
        csv_count = 0

        def show_csv():
            nonlocal csv_count
            for message in drain_queue(aws, stack.csv_tap):
                csv_count += 1
                print(f"    csv | {message['Body'].rstrip()}", flush=True)
                with csv_path.open("a", newline="") as f:
                    f.write(message["Body"])

        def pump_round():
            """EventBridge's SNS hop for the bus tap, one round of every event source mapping, and
            Lambda's log delivery. Returns how many messages the functions received."""
            for message in drain_queue(aws, stack.bus_tap):
                event = json.loads(message["Body"])
                # The emulator's rule targets leave out the event's `account`; EventBridge sets it.
                event.setdefault("account", ACCOUNT)
                aws.sns.publish(TopicArn=stack.raw_topic, Message=json.dumps(event))
            received = sum(m.poll() for m in mappings)
            show_csv()
            for name, function in functions.items():
                function.forward_logs(aws.logs, stack.log_groups[name])
            return received

        def pump(deadline_s=60):
            """Run the event source mappings until every work queue is empty."""
            deadline = time.monotonic() + deadline_s
            while time.monotonic() < deadline:
                received = pump_round()
                if not received and all(aws.depth(stack.queues[n]) == 0 for n in FUNCTIONS):
                    return
                if not received:
                    time.sleep(0.2)
            raise RuntimeError("the work queues did not drain in time")

        bus = EventBus(aws, template, stack.raw_topic)
        expected = None
        if args.events:
            replay(bus, args.events, pump)
        elif not args.canary_only:
            expected = operator_day(aws, template, bus, pump)
        pump()
        (out / "stack.json").write_text(json.dumps(stack.resources(), indent=2) + "\n")
        say("the canary: scripts/verify_deployment.py against the emulator (a heartbeat through every hop)")
        canary = run_canary(stack, pump_round, args.canary_timeout)
        if args.break_hop is None:
            pump()
        show_csv()
    finally:
        for function in RUNNING:
            function.stop()

    published = [json.loads(m["Body"]) for m in drain_queue(aws, stack.normalized_tap)]
    normalized = [m for m in published if m["type"] == "org.ore.resource.state-changed"]
    emails = recorded_emails(endpoint)
    for index, email in enumerate(emails, 1):
        stem = out / "emails" / f"{index:02d}"
        stem.with_suffix(".html").write_text(email["html"])
        stem.with_suffix(".txt").write_text(f"Subject: {email['subject']}\nTo: {', '.join(email['to'])}\n\n"
                                            + email["text"])
    summary = {
        "events_in": bus.received,
        "events_matched_by_rule": bus.matched,
        "normalized_messages": len(normalized),
        "normalized": [[m["data"]["resource_id"], m["data"]["state"]] for m in normalized],
        "csv_records": csv_count,
        "emails": len(emails),
        "email_subjects": [e["subject"] for e in emails],
        "dlq_depth": {FUNCTIONS[n][0]: aws.depth(stack.dlqs[n]) for n in FUNCTIONS},
        "work_queue_depth": {FUNCTIONS[n][0]: aws.depth(stack.queues[n]) for n in FUNCTIONS},
        "invocations": {m.function.name: m.invocations for m in mappings},
        "heartbeat_messages": len(published) - len(normalized),
        "canary": canary,
    }
    if expected is not None:
        summary["expected_transitions"] = expected["transitions"]
        summary["ignored_transitions"] = expected["ignored"]
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print()
    say("summary")
    for key in ("events_in", "events_matched_by_rule", "normalized_messages", "csv_records", "emails",
                "dlq_depth", "work_queue_depth"):
        print(f"    {key:24} {summary[key]}")
    if expected is not None:
        print(f"    {'ignored (ore:ignore)':24} {len(expected['ignored'])} events")
    print(f"    emails (HTML + text) in {out / 'emails'}, CSV in {csv_path}, function logs in {out / 'logs'}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        say("interrupted: the functions are stopped, the emulator stops next")
        sys.exit(130)
