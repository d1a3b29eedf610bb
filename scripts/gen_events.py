#!/usr/bin/env python3
"""Regenerate the sample events under events/ (deterministic output; commit the result).

The shapes follow what AWS delivers:
- events/eventbridge/: the EventBridge "EC2 Instance State-change Notification" event, one per state.
- events/sqs/: the Lambda SQS event a function receives, wrapping those events either inside the SNS
  notification envelope (default SNS->SQS delivery) or as the raw message (RawMessageDelivery: true).
- events/sqs/*-malformed-batch.json: one good record among bad ones, to see the partial batch response.
- events/standard/: the ORE standard message (what the normalizer emits), and the SQS events the
  csv-formatter and emailer receive.
- events/eventbridge/ also holds the other kinds ORE reads, shaped as the AWS documentation's
  examples: an AWS Health scheduled change (instance retirement; times in RFC 2822 as AWS Health
  writes them), a Spot interruption warning and a rebalance recommendation; events/notices/ the
  notice messages the normalizer emits for them, and events/sqs/ each function's SQS event.
- events/canary/: ORE's heartbeat as EventBridge delivers it (what the schedule and
  scripts/verify-deployment.sh put on the bus), the heartbeat message the normalizer emits, and
  the SQS events each function receives for them.
Run: python3 scripts/gen_events.py            (rewrites events/)
     python3 scripts/gen_events.py --out DIR  (writes elsewhere; scripts/test.sh diffs it with events/)
"""
import base64
import hashlib
import datetime
import json
import pathlib
import sys
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent / "events"
ACCOUNT = "123456789012"
REGION = "eu-west-1"
INSTANCE = "i-0abc1234def567890"
STATES = ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"]
NS = uuid.UUID("6f1c2a3e-0b7d-4d5e-9c1a-2b3c4d5e6f70")  # only for stable sample ids
# ore_model::standard::ID_NAMESPACE: standard message ids are UUIDv5("{event id}|{resource arn}").
ORE_ID_NAMESPACE = uuid.UUID("0e2c6d1a-5b7f-4c3e-9a41-7d2f1b6e8c05")
# ore_model::heartbeat::ID_NAMESPACE: heartbeat message ids are UUIDv5("{event id}").
HEARTBEAT_ID_NAMESPACE = uuid.UUID("5d0c94a2-7e1b-4f6a-8c3d-2b1e0f9a7c64")


def sample_id(*parts):
    return str(uuid.uuid5(NS, "/".join(parts)))


def eventbridge_event(state, index):
    return {
        "version": "0",
        "id": sample_id("eventbridge", state),
        "detail-type": "EC2 Instance State-change Notification",
        "source": "aws.ec2",
        "account": ACCOUNT,
        "time": f"2026-11-26T09:{10 + index:02d}:{index * 7:02d}Z",
        "region": REGION,
        "resources": [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{INSTANCE}"],
        "detail": {"instance-id": INSTANCE, "state": state},
    }


def sns_envelope(message, topic, key):
    message_id = sample_id("sns", key)
    signature = base64.b64encode(hashlib.sha512(message_id.encode()).digest() * 4).decode()
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:{topic}",
        "Message": json.dumps(message, separators=(",", ":")),
        "Timestamp": "2026-11-26T09:30:00.123Z",
        "SignatureVersion": "1",
        "Signature": signature,
        "SigningCertURL": f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "UnsubscribeURL": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:{REGION}:{ACCOUNT}:{topic}:{sample_id('sub', topic)}",
    }


def sqs_record(body, queue, key, sender="AIDAIT2UOQQY3AUEKVGXU"):
    return {
        "messageId": sample_id("sqs", key),
        "receiptHandle": base64.b64encode(hashlib.sha256(key.encode()).digest() * 3).decode(),
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1795685400123",
            "SenderId": sender,
            "ApproximateFirstReceiveTimestamp": "1795685400130",
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}",
        "awsRegion": REGION,
    }


def sqs_event(*records):
    return {"Records": list(records)}


def write(rel, doc):
    path = ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def timing(index):
    """What the normalizer's state table gives the sample day: each event follows the one before."""
    if index == 0:
        return {"previous_state": None, "previous_state_since": None, "previous_state_seconds": None,
                "late": False}
    since = eventbridge_event(STATES[index - 1], index - 1)["time"]
    now = eventbridge_event(STATES[index], index)["time"]
    seconds = (datetime.datetime.fromisoformat(now.replace("Z", "+00:00"))
               - datetime.datetime.fromisoformat(since.replace("Z", "+00:00"))).seconds
    return {"previous_state": STATES[index - 1], "previous_state_since": since,
            "previous_state_seconds": seconds, "late": False}


def standard_message(state, index, tags):
    event = eventbridge_event(state, index)
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid5(ORE_ID_NAMESPACE, f"{event['id']}|{event['resources'][0]}")),
        "source": f"urn:ore:aws:{ACCOUNT}:{REGION}",
        "type": "org.ore.resource.state-changed",
        "subject": INSTANCE,
        "time": event["time"],
        "datacontenttype": "application/json",
        "dataschema": "urn:ore:schema:resource-state-changed:1",
        "data": {
            "account": ACCOUNT,
            "region": REGION,
            "partition": "aws",
            "resource_type": "ec2:instance",
            "resource_id": INSTANCE,
            "resource_arn": event["resources"][0],
            "state": state,
            "source_event_id": event["id"],
            "processed_at": f"2026-11-26T09:{10 + index:02d}:{index * 7 + 1:02d}.250Z",
            "enrichment": "enriched",
            "instance": {
                "name": tags.get("Name"),
                "instance_type": "t3.micro",
                "availability_zone": f"{REGION}a",
                "private_ip": "10.0.1.23",
                "public_ip": "203.0.113.10" if state in ("pending", "running") else None,
                "vpc_id": "vpc-0a1b2c3d4e5f67890",
                "subnet_id": "subnet-0123456789abcdef0",
                "launch_time": "2026-11-26T09:10:00Z",
                "platform": "Linux/UNIX",
                "architecture": "x86_64",
                "tags": tags,
            },
            "timing": timing(index),
        },
    }


def main():
    bad_records = []
    for index, state in enumerate(STATES):
        event = eventbridge_event(state, index)
        write(f"eventbridge/ec2-instance-{state}.json", event)
        raw = json.dumps(event, separators=(",", ":"))
        envelope = json.dumps(sns_envelope(event, "ore-raw-events", state), indent=2)
        write(f"sqs/normalizer-{state}-sns-envelope.json",
              sqs_event(sqs_record(envelope, "ore-normalizer-queue", f"env-{state}")))
        write(f"sqs/normalizer-{state}-raw-delivery.json",
              sqs_event(sqs_record(raw, "ore-normalizer-queue", f"raw-{state}")))

    good = json.dumps(eventbridge_event("running", 1), separators=(",", ":"))
    wrong_type = dict(eventbridge_event("running", 1), **{"source": "aws.autoscaling",
                      "detail-type": "EC2 Instance Launch Successful",
                      "detail": {"EC2InstanceId": INSTANCE, "AutoScalingGroupName": "web"}})
    missing_id = dict(eventbridge_event("stopped", 3), detail={"state": "stopped"})
    unknown_state = dict(eventbridge_event("stopped", 3), detail={"instance-id": INSTANCE, "state": "rebooting"})
    bad_records = [
        sqs_record(good, "ore-normalizer-queue", "mixed-good"),
        sqs_record("{this is not json", "ore-normalizer-queue", "mixed-not-json"),
        sqs_record(json.dumps(wrong_type), "ore-normalizer-queue", "mixed-wrong-type"),
        sqs_record(json.dumps(missing_id), "ore-normalizer-queue", "mixed-missing-instance-id"),
        sqs_record(json.dumps(unknown_state), "ore-normalizer-queue", "mixed-unknown-state"),
    ]
    write("sqs/normalizer-malformed-batch.json", sqs_event(*bad_records))

    tags = {"Name": "web-01", "team": "payments", "env": "prod"}
    for index, state in enumerate(STATES):
        msg = standard_message(state, index, tags)
        write(f"standard/message-{state}.json", msg)
    stopped = standard_message("stopped", 3, tags)
    body = json.dumps(stopped, separators=(",", ":"))
    for consumer in ("csv-formatter", "emailer"):
        queue = f"ore-{consumer}-queue"
        write(f"sqs/{consumer}-stopped-raw-delivery.json",
              sqs_event(sqs_record(body, queue, f"{consumer}-raw")))
        write(f"sqs/{consumer}-stopped-sns-envelope.json",
              sqs_event(sqs_record(json.dumps(sns_envelope(stopped, "ore-normalized", consumer), indent=2),
                                   queue, f"{consumer}-env")))
        wrong_spec = dict(stopped, specversion="0.3")
        no_data = {k: v for k, v in stopped.items() if k != "data"}
        write(f"sqs/{consumer}-malformed-batch.json", sqs_event(
            sqs_record(body, queue, f"{consumer}-mixed-good"),
            sqs_record("not json at all", queue, f"{consumer}-mixed-not-json"),
            sqs_record(json.dumps(wrong_spec), queue, f"{consumer}-mixed-wrong-specversion"),
            sqs_record(json.dumps(no_data), queue, f"{consumer}-mixed-missing-data"),
            sqs_record(good, queue, f"{consumer}-mixed-raw-ec2-event"),
        ))


HEALTH_ARN = (f"arn:aws:health:{REGION}::event/EC2/AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED/"
              "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED_7bd5e2c9-4f1a-4c8e-9d3b-2a6f0e1c5b84")


# AWS Health's communication id carries the page number after a hyphen.
HEALTH_COMMUNICATION_ID = hashlib.sha256(b"health-retirement").hexdigest() + "-1"


def notice_events():
    """The other event kinds, as EventBridge delivers them (AWS documentation's examples)."""
    retirement = {
        "version": "0",
        "id": sample_id("eventbridge", "health-retirement"),
        "detail-type": "AWS Health Event",
        "source": "aws.health",
        "account": ACCOUNT,
        "time": "2026-11-26T09:40:00Z",
        "region": REGION,
        # As the AWS Health schema reference shows an EC2 retirement today: the instance named by
        # its ARN in affectedEntities, no `resources`, one page, not a backup copy.
        "detail": {
            "eventArn": HEALTH_ARN,
            "service": "EC2",
            "eventScopeCode": "ACCOUNT_SPECIFIC",
            "communicationId": HEALTH_COMMUNICATION_ID,
            "lastUpdatedTime": "Thu, 26 Nov 2026 09:39:58 GMT",
            "statusCode": "upcoming",
            "eventRegion": REGION,
            "eventTypeCode": "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED",
            "eventTypeCategory": "scheduledChange",
            "startTime": "Sat, 05 Dec 2026 10:00:00 GMT",
            "endTime": "Sat, 12 Dec 2026 10:00:00 GMT",
            "eventDescription": [{
                "language": "en_US",
                "latestDescription": (
                    "EC2 has detected degradation of the underlying hardware hosting your Amazon EC2 instance "
                    f"(instance-ID: {INSTANCE}) associated with your AWS account (AWS Account ID: {ACCOUNT}) in "
                    f"the {REGION} region. Due to this degradation your instance could already be unreachable. "
                    "We will stop your instance after 2026-12-05 10:00:00 UTC. Please take appropriate action "
                    "before this time.\n\nThe affected instances are listed below:\n\n" + INSTANCE),
            }],
            "affectedEntities": [{"entityValue": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{INSTANCE}",
                                  "status": "PENDING"}],
            "affectedAccount": ACCOUNT,
            "page": "1",
            "totalPages": "1",
            "backupEvent": "false",
            "personas": ["OPERATIONS"],
            "actionability": "ACTION_REQUIRED",
        },
    }
    spot = {
        "version": "0",
        "id": sample_id("eventbridge", "spot-interruption"),
        "detail-type": "EC2 Spot Instance Interruption Warning",
        "source": "aws.ec2",
        "account": ACCOUNT,
        "time": "2026-11-26T09:45:00Z",
        "region": REGION,
        "resources": [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{INSTANCE}"],
        "detail": {"instance-id": INSTANCE, "instance-action": "terminate"},
    }
    rebalance = {
        "version": "0",
        "id": sample_id("eventbridge", "rebalance"),
        "detail-type": "EC2 Instance Rebalance Recommendation",
        "source": "aws.ec2",
        "account": ACCOUNT,
        "time": "2026-11-26T09:43:00Z",
        "region": REGION,
        "resources": [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{INSTANCE}"],
        "detail": {"instance-id": INSTANCE},
    }
    return {"health-scheduled-change": retirement, "ec2-spot-interruption-warning": spot,
            "ec2-rebalance-recommendation": rebalance}


def notice_message(event, kind, notice):
    arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{INSTANCE}"
    types = {"scheduled_change": "change-scheduled", "spot_interruption": "spot-interruption-warned",
             "rebalance_recommendation": "rebalance-recommended"}
    name = types[kind]
    data = {
        "account": ACCOUNT,
        "region": REGION,
        "partition": "aws",
        "resource_type": "ec2:instance",
        "resource_id": INSTANCE,
        "resource_arn": arn,
        "source_event_id": event["id"],
        "processed_at": event["time"].replace("Z", ".250Z"),
        "enrichment": "enriched",
        "instance": {
            "name": "web-01", "instance_type": "t3.micro", "availability_zone": f"{REGION}a",
            "private_ip": "10.0.1.23", "public_ip": "203.0.113.10", "vpc_id": "vpc-0a1b2c3d4e5f67890",
            "subnet_id": "subnet-0123456789abcdef0", "launch_time": "2026-11-26T09:10:00Z",
            "platform": "Linux/UNIX", "architecture": "x86_64",
            "tags": {"Name": "web-01", "team": "payments", "env": "prod"},
        },
        kind: notice,
    }
    return {
        "specversion": "1.0",
        # A Health notice is identified by its communication (account, id, page), not the event id.
        "id": str(uuid.uuid5(ORE_ID_NAMESPACE, (
            f"aws.health|{ACCOUNT}|{HEALTH_COMMUNICATION_ID}|page 1|{arn}" if kind == "scheduled_change"
            else f"{event['id']}|{arn}"))),
        "source": f"urn:ore:aws:{ACCOUNT}:{REGION}",
        "type": f"org.ore.resource.{name}",
        "subject": INSTANCE,
        "time": event["time"],
        "datacontenttype": "application/json",
        "dataschema": f"urn:ore:schema:resource-{name}:1",
        "data": data,
    }


def notices():
    events = notice_events()
    retirement = events["health-scheduled-change"]
    messages = {
        "health-scheduled-change": notice_message(retirement, "scheduled_change", {
            "event_arn": HEALTH_ARN,
            "event_type_code": "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED",
            "status": "upcoming",
            "start_time": "2026-12-05T10:00:00Z",
            "end_time": "2026-12-12T10:00:00Z",
            "description": retirement["detail"]["eventDescription"][0]["latestDescription"],
        }),
        "ec2-spot-interruption-warning": notice_message(
            events["ec2-spot-interruption-warning"], "spot_interruption",
            {"action": "terminate", "action_time": "2026-11-26T09:47:00Z"}),
        "ec2-rebalance-recommendation": notice_message(
            events["ec2-rebalance-recommendation"], "rebalance_recommendation", {}),
    }
    batches = {"normalizer": [], "csv-formatter": [], "emailer": []}
    for name, event in events.items():
        write(f"eventbridge/{name}.json", event)
        envelope = json.dumps(sns_envelope(event, "ore-raw-events", name), indent=2)
        record = sqs_record(envelope, "ore-normalizer-queue", f"env-{name}")
        write(f"sqs/normalizer-{name}-sns-envelope.json", sqs_event(record))
        batches["normalizer"].append(record)
        message = messages[name]
        write(f"notices/{name}.json", message)
        for consumer in ("csv-formatter", "emailer"):
            record = sqs_record(json.dumps(sns_envelope(message, "ore-normalized", f"{consumer}-{name}"), indent=2),
                                f"ore-{consumer}-queue", f"{consumer}-env-{name}")
            write(f"sqs/{consumer}-{name}-sns-envelope.json", sqs_event(record))
            batches[consumer].append(record)
    # One batch of the three kinds per function, for `sam local invoke`.
    for function, records in batches.items():
        write(f"sqs/{function}-notices-batch.json", sqs_event(*records))


def canary():
    event = {
        "version": "0",
        "id": sample_id("eventbridge", "heartbeat"),
        "detail-type": "ORE Heartbeat",
        "source": "ore.canary",
        "account": ACCOUNT,
        "time": "2026-11-26T10:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {"origin": "schedule"},
    }
    write("canary/heartbeat-event.json", event)
    write("canary/normalizer-heartbeat-sns-envelope.json", sqs_event(sqs_record(
        json.dumps(sns_envelope(event, "ore-raw-events", "heartbeat"), indent=2), "ore-normalizer-queue",
        "heartbeat-env")))
    message = {
        "specversion": "1.0",
        "id": str(uuid.uuid5(HEARTBEAT_ID_NAMESPACE, event["id"])),
        "source": f"urn:ore:aws:{ACCOUNT}:{REGION}",
        "type": "org.ore.heartbeat",
        "subject": "heartbeat",
        "time": event["time"],
        "datacontenttype": "application/json",
        "dataschema": "urn:ore:schema:heartbeat:1",
        "data": {"account": ACCOUNT, "region": REGION, "source_event_id": event["id"], "origin": "schedule",
                 "processed_at": "2026-11-26T10:00:01.250Z"},
    }
    write("canary/heartbeat-message.json", message)
    body = json.dumps(message, separators=(",", ":"))
    for consumer in ("csv-formatter", "emailer"):
        write(f"canary/{consumer}-heartbeat-raw-delivery.json",
              sqs_event(sqs_record(body, f"ore-{consumer}-queue", f"{consumer}-heartbeat")))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--out":
        ROOT = pathlib.Path(sys.argv[2])
    main()
    notices()
    canary()
