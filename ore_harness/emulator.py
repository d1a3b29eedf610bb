"""The AWS API emulator (moto server, started by scripts/lib/common.sh): clients, and the few
helpers every local run needs once: a free port, a queue with its ARN, a topic tap (an SQS queue
subscribed with raw delivery: what a subscriber receives), draining a queue, the mail SES accepted."""
import base64
import email
import email.policy
import json
import os
import socket
import urllib.request

import boto3

ACCOUNT = "123456789012"
REGION = os.environ.get("AWS_REGION", "eu-west-1")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def endpoint():
    """The emulator's URL; refuses anything but a loopback one (a run never touches AWS)."""
    url = os.environ.get("AWS_ENDPOINT_URL", "")
    if not url.startswith("http://127.0.0.1"):
        raise SystemExit("no AWS API emulator: run through scripts/demo.sh, scripts/bench/cold-start.sh or "
                         "scripts/test.sh (they start one and set AWS_ENDPOINT_URL)")
    return url


class Aws:
    """boto3 clients on the emulator (`AWS_ENDPOINT_URL`, or the `endpoint_url` given; other
    keyword arguments go to every client, e.g. `verify` for an emulator on HTTPS)."""

    def __init__(self, region=REGION, **client_options):
        for service in ("sns", "sqs", "ec2", "sesv2", "events", "logs", "dynamodb", "s3", "firehose", "cloudwatch", "ecs", "autoscaling",
                        "secretsmanager"):
            setattr(self, service, boto3.client(service, region_name=region, **client_options))
        self.ses = self.sesv2

    def table(self, name, properties):
        """A DynamoDB table with the key schema of a template table's `properties`."""
        self.dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                   KeySchema=properties["KeySchema"],
                                   AttributeDefinitions=properties["AttributeDefinitions"])
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            self.dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        return name

    def queue(self, name, **attributes):
        """Create a queue; returns (URL, ARN)."""
        url = self.sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def subscribe(self, topic_arn, queue_arn):
        """An SQS subscription with raw delivery, as ORE's template makes them."""
        self.sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn,
                           Attributes={"RawMessageDelivery": "true"})

    def tap(self, topic_arn, name):
        """A queue that receives what a raw-delivery subscriber of `topic_arn` would; returns its URL."""
        url, arn = self.queue(name)
        self.subscribe(topic_arn, arn)
        return url

    def bus_tap(self, bus, name, pattern):
        """A queue that receives what a rule with `pattern` on the event bus `bus` matches (the
        emulator's EventBridge evaluates the pattern and delivers to SQS); returns its URL."""
        url, arn = self.queue(name)
        self.events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern), State="ENABLED")
        self.events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
        return url

    def depth(self, url):
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
        return sum(int(v) for v in attributes["Attributes"].values())

    def drain(self, url):
        """Every message waiting in the queue, deleted as read."""
        out = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                                MessageAttributeNames=["All"]).get("Messages", [])
            if not messages:
                return out
            for message in messages:
                out.append(message)
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def start_recording(url):
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/recorder/start-recording", method="POST"))


def recorded_requests(text):
    """The requests in the emulator's recording, and how many lines held more than one. Its
    threaded server appends a line per request without a lock, so two requests at once can run
    together on one line: each line is read as a run of JSON documents."""
    decoder = json.JSONDecoder()
    entries, merged = [], 0
    for line in text.splitlines():
        line, position, found = line.strip(), 0, 0
        while position < len(line):
            entry, position = decoder.raw_decode(line, position)
            entries.append(entry)
            found += 1
            while position < len(line) and line[position].isspace():
                position += 1
        merged += found > 1
    return entries, merged


def recorded_emails(url, sender):
    """SES v2 SendEmail requests the emulator accepted from `sender`, with both parts (from its
    request recorder, which scripts/demo.sh turns on; the emulator's own store keeps only one
    part of a simple mail). Every mail the emulator's SES accepted must be in the recording."""
    with urllib.request.urlopen(f"{url}/moto-api/recorder/download-recording", timeout=10) as reply:
        entries, _merged = recorded_requests(reply.read().decode())
    emails = []
    for entry in entries:
        if entry["method"] != "POST" or not entry["url"].endswith("/v2/email/outbound-emails"):
            continue
        body = base64.b64decode(entry["body"]).decode() if entry.get("body_encoded") else entry["body"]
        request = json.loads(body)
        if request["FromEmailAddress"] != sender:
            continue
        mail = {"from": request["FromEmailAddress"], "to": request["Destination"]["ToAddresses"],
                "attachments": []}
        content = request["Content"]
        if "Simple" in content:
            simple = content["Simple"]
            mail.update(subject=simple["Subject"]["Data"], text=simple["Body"]["Text"]["Data"],
                        html=simple["Body"]["Html"]["Data"])
        else:
            # ORE's own MIME message (a mail with attachments), read back with the standard library.
            message = email.message_from_bytes(base64.b64decode(content["Raw"]["Data"]), policy=email.policy.default)
            mail.update(subject=str(message["subject"]),
                        text=message.get_body(("plain",)).get_content().replace("\r\n", "\n"),
                        html=message.get_body(("html",)).get_content().replace("\r\n", "\n"),
                        attachments=[{"filename": part.get_filename(), "content_type": part.get_content_type(),
                                      "content": part.get_content()} for part in message.iter_attachments()])
        emails.append(mail)
    accepted = len(sent_emails(url, sender))
    if len(emails) < accepted:
        raise RuntimeError(f"the emulator's recording holds {len(emails)} of the {accepted} mails its SES accepted")
    return emails[:accepted]


def sent_emails(url, sender):
    """The mail the emulator's SES accepted from `sender`: simple ones (subject, destinations,
    body) and raw MIME ones (destinations, raw_data)."""
    with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=10) as reply:
        ses = json.load(reply)["ses"]
    return [m for kind in ("Message", "RawMessage") for m in ses.get(kind, []) if m["source"] == sender]
