"""An operator's day on the emulator: instances launched, stopped, started and terminated, one
tagged to be ignored, one event the rule must not match and one malformed event."""
import datetime as dt
import json
import pathlib
import uuid

from .emulator import ACCOUNT, REGION


def say(message):
    print(f"\033[1;32m-->\033[0m {message}", flush=True)


def ec2_event(instance_id, state):
    """An EC2 Instance State-change Notification, shaped as EventBridge delivers it."""
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


def operator_day(aws, ignore_tag, bus, pump):
    """Launch, stop, start, launch an ignored instance, terminate everything; one bad event.
    `ignore_tag` is the (key, value) the deployment ignores. Returns the transitions expected
    to be delivered and those expected to be ignored."""
    expected = {"transitions": [], "ignored": []}
    ignore_key, ignore_value = ignore_tag

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
    scratch = launch(aws, {"Name": "scratch-box", ignore_key: ignore_value})
    say(f"launched {scratch} tagged {ignore_key}={ignore_value} (ORE must stay silent)")
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
    """Put the events of these files (one event or a list each) on the bus."""
    for name in files:
        document = json.loads(pathlib.Path(name).read_text())
        events = [document] if isinstance(document, dict) else document
        for event in events:
            matched = bus.put(event)
            say(f"{name}: {'published to the raw events topic' if matched else 'not matched by the rule'}")
        pump()
