"""An operator's day on the emulator: instances launched, stopped, started and terminated (the
last step terminates everything at once, two teams' workers included: a burst), one tagged to be
ignored, a retirement AWS Health schedules and a Spot instance warned of its
interruption, one event no rule matches and one malformed event; then every state-change event
delivered again (nothing new may come out), one instance's events in reverse order (late events)
and a flapping instance. Event times follow a day that began ten hours ago, minute by minute as
written below, so previous states and durations are known in advance."""
import datetime as dt
import json
import pathlib
import uuid

from .emulator import ACCOUNT, REGION


def say(message):
    print(f"\033[1;32m-->\033[0m {message}", flush=True)


# Instances EC2 does not know (their messages are not enriched): one whose events arrive newest
# first, one that flaps.
REVERSED = "i-0e1f2a3b4c5d6e7f8"
FLAPPING = "i-0f1e2d3c4b5a69788"
DAY_START = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=10)).replace(second=0, microsecond=0)


def at(minute):
    """The time `minute` minutes into the day, as EventBridge writes it."""
    return (DAY_START + dt.timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")


def ec2_event(instance_id, state, minute=None, account=ACCOUNT, region=REGION):
    """An EC2 Instance State-change Notification, shaped as EventBridge delivers it."""
    now = at(minute) if minute is not None else dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "EC2 Instance State-change Notification",
            "source": "aws.ec2", "account": account, "time": now, "region": region,
            "resources": [f"arn:aws:ec2:{region}:{account}:instance/{instance_id}"],
            "detail": {"instance-id": instance_id, "state": state}}


def launch(aws, tags):
    spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    reply = aws.ec2.run_instances(ImageId="ami-12c6146b", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                  TagSpecifications=spec)
    return reply["Instances"][0]["InstanceId"]


def operator_day(aws, ignore_tag, bus, pump):
    """Launch, stop, start, launch an ignored instance, terminate everything; one bad event;
    redeliveries, a reversed instance, a flapping one. `ignore_tag` is the (key, value) the
    deployment ignores. Returns what must come out: the transitions delivered and ignored, each
    delivered transition's expected timing, and the flapping instance."""
    expected = {"transitions": [], "ignored": [], "timing": {}, "flapping": FLAPPING, "notices": []}
    ignore_key, ignore_value = ignore_tag
    sent = []
    last = {}

    def change(instance_id, state, minute, ignored=False, then_pump=True):
        event = ec2_event(instance_id, state, minute)
        sent.append(event)
        bus.put(event)
        (expected["ignored"] if ignored else expected["transitions"]).append((instance_id, state))
        if not ignored:
            before = last.get(instance_id)
            expected["timing"][f"{instance_id} {event['time']}"] = {
                "previous_state": before and before[0],
                "previous_state_seconds": before and (minute - before[1]) * 60,
                "late": False}
            last[instance_id] = (state, minute)
        if then_pump:
            pump()

    web = launch(aws, {"Name": "web-01", "team": "payments", "env": "prod"})
    say(f"launched {web} (web-01)")
    change(web, "pending", 0); change(web, "running", 1)  # noqa: E702
    aws.ec2.stop_instances(InstanceIds=[web])
    say(f"stopped {web} after 3 h 12 min")
    change(web, "stopping", 193); change(web, "stopped", 194)  # noqa: E702
    aws.ec2.start_instances(InstanceIds=[web])
    say(f"started {web} again")
    change(web, "pending", 250); change(web, "running", 251)  # noqa: E702
    sent += notices(aws, bus, pump, web, expected)
    scratch = launch(aws, {"Name": "scratch-box", ignore_key: ignore_value})
    say(f"launched {scratch} tagged {ignore_key}={ignore_value} (ORE must stay silent)")
    change(scratch, "pending", 300, True); change(scratch, "running", 301, True)  # noqa: E702
    say("an Auto Scaling event on the bus (the rule must not match it)")
    bus.put({**ec2_event(web, "running"), "source": "aws.autoscaling",
             "detail-type": "EC2 Instance Launch Successful"})
    say("a malformed EC2 event without instance-id (it must end in the normalizer's DLQ)")
    bad = ec2_event(web, "stopped")
    bad["detail"].pop("instance-id")
    bus.put(bad)
    fleet = [launch(aws, {"Name": f"{team}-worker-{n}", "team": team}) for team in ("payments", "data")
             for n in range(1, 5)]
    say(f"an Auto Scaling group's {len(fleet)} workers (4 of team payments, 4 of team data) run too")
    everything = [(web, False), (scratch, True)] + [(worker, False) for worker in fleet]
    aws.ec2.terminate_instances(InstanceIds=[i for i, _ in everything])
    say(f"terminate everything: {web}, {scratch} and the {len(fleet)} workers at once (a burst: one digest "
        "per team instead of a mail per change)")
    for state, minute in (("shutting-down", 540), ("terminated", 541)):
        for instance_id, ignored in everything:
            change(instance_id, state, minute, ignored, then_pump=False)
    pump()

    say(f"every one of those {len(sent)} events delivered again (EventBridge is at-least-once): nothing new")
    for event in sent:
        bus.put(event)
    pump()

    say(f"{REVERSED}'s day arrives newest first: the older events are late")
    for state, minute in (("stopped", 124), ("stopping", 123), ("running", 61), ("pending", 60)):
        event = ec2_event(REVERSED, state, minute)
        bus.put(event)
        expected["transitions"].append((REVERSED, state))
        expected["timing"][f"{REVERSED} {event['time']}"] = {"late": state != "stopped"}
        pump()

    say(f"{FLAPPING} starts and stops every minute: flagged flapping once")
    for index in range(6):
        state = "running" if index % 2 == 0 else "stopped"
        bus.put(ec2_event(FLAPPING, state, 400 + index))
        expected["transitions"].append((FLAPPING, state))
        pump()
    return expected


def member_day(member, pump, expected):
    """The member account's instance starts and stops; its events reach ORE through the member's
    forwarding rule and are enriched through its enrichment role (its own tags, its own region)."""
    from .member import MEMBER_ACCOUNT, MEMBER_REGION
    ledger = member.launch({"Name": "ledger-01", "team": "payments", "env": "prod"})
    say(f"member account {MEMBER_ACCOUNT}: launched {ledger} (ledger-01) in {MEMBER_REGION}")
    expected["member_instance"] = ledger
    before = None
    for state, minute in (("pending", 560), ("running", 561), ("stopping", 600), ("stopped", 601)):
        event = ec2_event(ledger, state, minute, account=MEMBER_ACCOUNT, region=MEMBER_REGION)
        member.put(event)
        expected["transitions"].append((ledger, state))
        expected["timing"][f"{ledger} {event['time']}"] = {
            "previous_state": before and before[0],
            "previous_state_seconds": before and (minute - before[1]) * 60,
            "late": False}
        before = (state, minute)
        pump()
    say("the member's instance was described in its own account and region (its tags in the messages)")


SAMPLES = pathlib.Path(__file__).resolve().parent.parent / "events" / "eventbridge"


def notice_event(sample, instance_id, time, **detail):
    """A committed notice sample (the shape AWS documents) about `instance_id` at `time`."""
    event = json.loads((SAMPLES / f"{sample}.json").read_text())
    text = json.dumps(event).replace("i-0abc1234def567890", instance_id)
    event = json.loads(text)
    event.update({"id": str(uuid.uuid4()), "time": time, "account": ACCOUNT, "region": REGION})
    event["detail"].update(detail)
    return event


def instance_notice_kinds():
    """(sample, CloudEvent type) of every committed notice about an EC2 instance but AWS Health's
    (which the day stages with its window): each kind's AWS event in events/eventbridge/, the
    type from the message the normalizer makes of it (events/notices/). A new kind's samples bring
    it into the day."""
    kinds = []
    for message_file in sorted((SAMPLES.parent / "notices").glob("*.json")):
        message = json.loads(message_file.read_text())
        if message_file.stem != "health-scheduled-change" and message["data"]["resource_type"] == "ec2:instance":
            kinds.append((message_file.stem, message["type"]))
    return kinds


def notices(aws, bus, pump, web, expected):
    """What will happen: AWS Health schedules web-01's retirement six days out; a Spot instance
    gets every other instance notice in turn (a rebalance recommendation, then its two-minute
    interruption warning). Returns the events."""
    now = dt.datetime.now(dt.timezone.utc)
    rfc2822 = "%a, %d %b %Y %H:%M:%S GMT"
    start, end = now + dt.timedelta(days=6, hours=1), now + dt.timedelta(days=13, hours=1)
    say(f"AWS Health schedules the retirement of {web} (web-01) for {start:%d %b}")
    events = [notice_event("health-scheduled-change", web, now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                           startTime=start.strftime(rfc2822), endTime=end.strftime(rfc2822))]
    bus.put(events[-1])
    expected["notices"].append((web, "org.ore.resource.change-scheduled"))
    pump()
    # AWS Health's backup copy of the same communication: a new event id, nothing new comes out.
    backup = json.loads(json.dumps(events[-1]))
    backup["id"] = str(uuid.uuid4())
    backup["detail"]["backupEvent"] = "true"
    say("AWS Health sends its backup copy of that communication (a new event id): nothing new")
    events.append(backup)
    bus.put(backup)
    pump()
    spot = launch(aws, {"Name": "batch-spot-07", "team": "data"})
    say(f"launched Spot instance {spot} (batch-spot-07): " + ", then ".join(
        kind.rsplit(".", 1)[-1] for _, kind in instance_notice_kinds()))
    for sample, kind in instance_notice_kinds():
        events.append(notice_event(sample, spot, dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")))
        bus.put(events[-1])
        expected["notices"].append((spot, kind))
        pump()
    events.append(table_issue(aws, now))
    bus.put(events[-1])
    expected["notices"].append((events[-1]["resources"][0].rsplit("/", 1)[-1], "org.ore.resource.health-event"))
    pump()
    events.append(volume_attach_failed(aws, now))
    bus.put(events[-1])
    expected["notices"].append((events[-1]["resources"][0].rsplit("/", 1)[-1], "org.ore.resource.volume-changed"))
    pump()
    # The database's timeline (ORE 0.6): RDS restarted it 40 minutes before failing it over, so
    # the failover's message and mail say what came before and for how long.
    for event in (database_restarted(now - dt.timedelta(minutes=40)), database_failover(now)):
        events.append(event)
        bus.put(event)
        expected["notices"].append(("orders-db", "org.ore.resource.database-event"))
        pump()
    events.append(task_stopped(aws, now))
    bus.put(events[-1])
    expected["notices"].append((events[-1]["detail"]["taskArn"].split(":task/", 1)[1], "org.ore.resource.task-stopped"))
    pump()
    events.append(security_group_opened(aws, now))
    bus.put(events[-1])
    expected["notices"].append((events[-1]["detail"]["configurationItem"]["resourceId"],
                                "org.ore.resource.configuration-changed"))
    pump()
    events.append(scale_out_failed(aws, now))
    bus.put(events[-1])
    expected["notices"].append((events[-1]["detail"]["AutoScalingGroupName"], "org.ore.resource.scaling-activity"))
    pump()
    return events


def scale_out_failed(aws, now):
    """Auto Scaling could not launch an instance for a tagged group (no capacity in the zone): the
    committed sample (events/eventbridge/autoscaling-instance-launch-unsuccessful.json, the
    documented shape) about a group created in the emulator, whose tags the normalizer reads from
    Auto Scaling's DescribeTags (the Tagging API returns none for Auto Scaling groups)."""
    name = f"orders-web-{uuid.uuid4().hex[:6]}"
    aws.autoscaling.create_launch_configuration(LaunchConfigurationName=name, ImageId="ami-12c6146b",
                                                InstanceType="m5.large")
    aws.autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name, LaunchConfigurationName=name, MinSize=0, MaxSize=0,
        AvailabilityZones=[f"{REGION}b"],
        Tags=[{"Key": key, "Value": value, "PropagateAtLaunch": True, "ResourceId": name,
               "ResourceType": "auto-scaling-group"} for key, value in (("Name", "orders-web"), ("team", "payments"))])
    [group] = aws.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    event = json.loads((SAMPLES / "autoscaling-instance-launch-unsuccessful.json").read_text())
    event.update({"id": str(uuid.uuid4()), "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "account": ACCOUNT,
                  "region": REGION, "resources": [group["AutoScalingGroupARN"], event["resources"][1]]})
    event["detail"]["AutoScalingGroupName"] = name
    say(f"Auto Scaling cannot launch an instance for group {name} (orders-web): no m5.large capacity")
    return event


def security_group_opened(aws, now):
    """AWS Config records SSH opened to the world on a tagged security group: the committed sample
    (events/eventbridge/config-configuration-item-change.json, the documented notification body)
    about a group created in the emulator. Its tags come with the item: nothing is asked."""
    vpc = aws.ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    group = aws.ec2.create_security_group(GroupName=f"orders-web-{uuid.uuid4().hex[:6]}", VpcId=vpc,
                                          Description="The orders web servers.")["GroupId"]
    arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{group}"
    event = json.loads((SAMPLES / "config-configuration-item-change.json").read_text())
    event.update({"id": str(uuid.uuid4()), "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "account": ACCOUNT,
                  "region": REGION, "resources": [arn]})
    item = event["detail"]["configurationItem"]
    item.update(ARN=arn, resourceId=group, awsRegion=REGION, awsAccountId=ACCOUNT,
                configurationItemCaptureTime=now.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    item["configuration"].update(groupId=group, vpcId=vpc)
    say(f"AWS Config records SSH opened to the world on security group {group} (orders-web)")
    return event


def task_stopped(aws, now):
    """An essential container of a tagged ECS task ran out of memory: the committed sample
    (events/eventbridge/ecs-task-state-change.json, the documented shape) about a task run in the
    emulator with its team tag, which the normalizer reads from the Tagging API."""
    cluster = "orders-cluster"
    aws.ecs.create_cluster(clusterName=cluster)
    aws.ecs.register_task_definition(family="orders-web", containerDefinitions=[
        {"name": "web", "image": "nginx", "memory": 512, "essential": True}])
    [task] = aws.ecs.run_task(cluster=cluster, taskDefinition="orders-web", launchType="FARGATE", count=1, tags=[
        {"key": "Name", "value": "orders-web"}, {"key": "team", "value": "payments"}])["tasks"]
    arn = task["taskArn"]
    aws.ecs.stop_task(cluster=cluster, task=arn, reason="Essential container in task exited")
    event = json.loads((SAMPLES / "ecs-task-state-change.json").read_text())
    event.update({"id": str(uuid.uuid4()), "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "account": ACCOUNT,
                  "region": REGION, "resources": [arn]})
    event["detail"].update(taskArn=arn, clusterArn=arn.split(":task/")[0] + f":cluster/{cluster}")
    for container in event["detail"]["containers"]:
        container["taskArn"] = arn
    say(f"Amazon ECS stops task {arn.rsplit('/', 1)[-1]} (orders-web): its web container ran out of memory")
    return event


def database_failover(now):
    """Amazon RDS fails a Multi-AZ database over to its standby: the committed sample
    (events/eventbridge/rds-db-instance-event.json, the documented shape). The emulator holds no
    such database (its own record of what it holds cannot write out an RDS instance), so the
    Tagging API knows no tags of it: the mail goes to the default recipients."""
    event = json.loads((SAMPLES / "rds-db-instance-event.json").read_text())
    event.update({"id": str(uuid.uuid4()), "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "account": ACCOUNT,
                  "region": REGION})
    say("Amazon RDS fails database orders-db over to its standby")
    return event


def database_restarted(when):
    """Amazon RDS restarted the same database earlier: the committed sample as RDS-EVENT-0006, in
    the words the RDS User Guide's event list gives it ("The DB instance restarted.")."""
    event = json.loads((SAMPLES / "rds-db-instance-event.json").read_text())
    event.update({"id": str(uuid.uuid4()), "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "account": ACCOUNT,
                  "region": REGION})
    event["detail"].update(EventCategories=["availability"], EventID="RDS-EVENT-0006",
                           Message="The DB instance restarted.", Date=when.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    say("Amazon RDS restarted database orders-db (40 minutes before its failover)")
    return event


def volume_attach_failed(aws, now):
    """EBS could not attach a tagged volume (its KMS key is pending deletion): the committed sample
    (events/eventbridge/ebs-volume-notification.json, the documented shape) about a volume created
    in the emulator, whose tags the normalizer reads from the Tagging API."""
    tags = [{"Key": "Name", "Value": "orders-data"}, {"Key": "team", "Value": "payments"}]
    volume = aws.ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=100,
                                   TagSpecifications=[{"ResourceType": "volume", "Tags": tags}])["VolumeId"]
    event = json.loads((SAMPLES / "ebs-volume-notification.json").read_text().replace(
        "vol-0a1b2c3d4e5f67890", volume))
    event.update({"id": str(uuid.uuid4()), "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "account": ACCOUNT,
                  "region": REGION})
    say(f"EBS could not attach volume {volume} (orders-data): its KMS key is pending deletion")
    return event


def table_issue(aws, now):
    """AWS Health reports an issue affecting a tagged DynamoDB table: the committed Health sample
    (events/eventbridge/health-event.json, the documented shape) as an account-specific `issue` of
    DYNAMODB naming a table created in the emulator, whose tags (team payments) the normalizer reads
    from the Tagging API."""
    table = f"orders-{uuid.uuid4().hex[:8]}"
    arn = aws.dynamodb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        Tags=[{"Key": "Name", "Value": "orders"}, {"Key": "team", "Value": "payments"}])["TableDescription"]["TableArn"]
    event = json.loads((SAMPLES / "health-event.json").read_text())
    code = "AWS_DYNAMODB_OPERATIONAL_ISSUE"
    event.update({"id": str(uuid.uuid4()), "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "account": ACCOUNT,
                  "region": REGION, "resources": [arn]})
    event["detail"].update(
        eventArn=f"arn:aws:health:{REGION}::event/DYNAMODB/{code}/{code}_{uuid.uuid4()}", service="DYNAMODB",
        eventTypeCode=code, eventTypeCategory="issue", statusCode="open", communicationId=uuid.uuid4().hex,
        startTime=(now - dt.timedelta(minutes=20)).strftime("%a, %d %b %Y %H:%M:%S GMT"),
        eventDescription=[{"language": "en_US", "latestDescription":
                           "We are investigating increased error rates for requests to tables in the region."}],
        affectedEntities=[{"entityValue": arn, "status": "IMPAIRED"}])
    event["detail"].pop("endTime")
    say(f"AWS Health reports an issue affecting DynamoDB table {table} (orders)")
    return event


def replay(bus, files, pump):
    """Put the events of these files (one event or a list each) on the bus."""
    for name in files:
        document = json.loads(pathlib.Path(name).read_text())
        events = [document] if isinstance(document, dict) else document
        for event in events:
            matched = bus.put(event)
            say(f"{name}: {'matched by ' + ', '.join(matched) if matched else 'not matched by any rule'}")
        pump()
