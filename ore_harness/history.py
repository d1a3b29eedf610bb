"""History of one instance from ORE's state table (scripts/history.sh): its current state and every
event ORE recorded for it over the last days, oldest first, with the timing each event got.

    scripts/history.sh --stack-name ore --instance i-0123456789abcdef0 [--days 7] [--json]

The table is the stack's `StateTableName` output (or `--table`); the instance's ARN is built from
the account and region of the credentials (or `--account`, `--region`). Reads only: `dynamodb:Query`
on the table (and `cloudformation:DescribeStacks`, `sts:GetCallerIdentity` when they are needed).
For anything older than the table keeps (StateHistoryDays), query the S3 archive with Athena
(docs/deploying.md, "Querying the record").
"""
import argparse
import datetime as dt
import json
import sys

import boto3

HISTORY_PREFIX = "event#"  # ore_lambda::dynamodb::HISTORY_PREFIX
CURRENT_SORT_KEY = "state"  # ore_lambda::dynamodb::CURRENT_SORT_KEY
NOTICE_PREFIX = "notice#"  # normalizer::store::dynamodb::NOTICE_PREFIX
HEALTH_PREFIX = "health#"  # normalizer::store::dynamodb::HEALTH_PREFIX


def instance_arn(instance_id, region, account, partition="aws"):
    return f"arn:{partition}:ec2:{region}:{account}:instance/{instance_id}"


def history(dynamodb, table, arn, days, now=None):
    """{"current": {...} or None, "events": [...]}: the table's items for `arn` from `days` ago on."""
    now = now or dt.datetime.now(dt.timezone.utc)
    since = (now - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    items, start = [], None
    while True:
        page = dynamodb.query(
            TableName=table, ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND sk >= :from",
            ExpressionAttributeValues={":pk": {"S": arn}, ":from": {"S": HISTORY_PREFIX + since}},
            **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    current, events, notices = None, [], []
    for item in items:
        plain = {k: next(iter(v.values())) for k, v in item.items()}
        if plain["sk"] == CURRENT_SORT_KEY:
            current = {k: plain.get(k) for k in ("state", "since", "event_time", "event_id")}
            continue
        if plain["sk"].startswith(NOTICE_PREFIX):
            notices.append({"message_id": plain["sk"][len(NOTICE_PREFIX):], "time": plain.get("event_time")})
            continue
        if plain["sk"].startswith(HEALTH_PREFIX):
            continue  # an AWS Health event's latest communication: neither history nor a notice
        try:
            timing = json.loads(plain["timing"])
            events.append({"time": plain["event_time"], "state": plain["state"], "event_id": plain["event_id"],
                           "message_id": plain["message_id"], "published": plain.get("published") is True,
                           **timing})
        except (KeyError, ValueError) as error:
            print(f"skipped an unreadable item {plain.get('sk')!r}: {error}", file=sys.stderr)
    return {"arn": arn, "current": current, "events": events, "notices": notices}


def duration(seconds):
    """The Rust side's human_duration: the two largest units."""
    if seconds is None:
        return ""
    parts, rest = [], int(seconds)
    for size, name in ((86400, "d"), (3600, "h"), (60, "min"), (1, "s")):
        if rest >= size or (not parts and size == 1):
            parts.append(f"{rest // size} {name}")
            rest %= size
        elif parts:
            break
        if len(parts) == 2:
            break
    return " ".join(parts)


def render(result):
    lines = [f"{result['arn']}"]
    current = result["current"]
    lines.append(f"now: {current['state']} since {current['since']}" if current else "now: not recorded")
    lines.append(f"{'event time':22} {'state':14} {'was':14} {'for':12} notes")
    for e in result["events"]:
        notes = []
        if e.get("late"):
            notes.append(f"late (current: {e.get('current_state')})")
        if e.get("flapping"):
            notes.append(f"flapping ({e['flapping']['transitions']} in {duration(e['flapping']['window_seconds'])})")
        if not e["published"]:
            notes.append("not published yet")
        lines.append(f"{e['time']:22} {e['state']:14} {e.get('previous_state') or '':14} "
                     f"{duration(e.get('previous_state_seconds')):12} {', '.join(notes)}".rstrip())
    for notice in result.get("notices", []):
        lines.append(f"notice published: {notice['message_id']} (event time {notice['time']})")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instance", required=True, help="the EC2 instance id")
    parser.add_argument("--stack-name", help="the ORE stack (its StateTableName output names the table)")
    parser.add_argument("--table", help="the state table, instead of --stack-name")
    parser.add_argument("--days", type=float, default=7, help="how far back (default 7)")
    parser.add_argument("--region", help="the instance's region (default: the session's)")
    parser.add_argument("--account", help="the instance's account (default: the credentials')")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if not (args.table or args.stack_name):
        parser.error("give --stack-name or --table")
    session = boto3.session.Session(region_name=args.region)
    table = args.table
    if not table:
        [stack] = session.client("cloudformation").describe_stacks(StackName=args.stack_name)["Stacks"]
        table = next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "StateTableName")
    account = args.account or session.client("sts").get_caller_identity()["Account"]
    arn = instance_arn(args.instance, session.region_name, account)
    result = history(session.client("dynamodb"), table, arn, args.days)
    print(json.dumps(result, indent=2) if args.json else render(result))


if __name__ == "__main__":
    main()
