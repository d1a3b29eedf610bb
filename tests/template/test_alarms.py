"""Nothing vanishes without an alarm: every place where a message can be lost or stuck in a real
account has a CloudWatch alarm on the alarm topic, and each says what to check first."""
import json

import aws_docs
from ore_harness.template import ROOT, of_type, ref


def alarms(resources):
    return {name: a["Properties"] for name, a in of_type(resources, "AWS::CloudWatch::Alarm").items()}


def named(resources):
    """Resources given a name in the template (a rule on the ORE bus), by that name: an alarm's
    dimension names them so, since a rule's Ref on a custom bus is not its name alone."""
    return {json.dumps(r["Properties"]["Name"], sort_keys=True): logical for logical, r in resources.items()
            if isinstance(r.get("Properties"), dict) and "Name" in r["Properties"]}


def alarmed(resources, namespace, metric):
    """The logical ids the alarms on `namespace`/`metric` watch (the bus a rule is on is not one)."""
    watched = set()
    names = named(resources)
    for props in alarms(resources).values():
        if props["Namespace"] == namespace and props["MetricName"] == metric:
            for dimension in props["Dimensions"]:
                if dimension["Name"] == "EventBusName":
                    continue
                watched.add(ref(dimension["Value"]) or names.get(json.dumps(dimension["Value"], sort_keys=True)))
    return watched


def test_every_alarm_notifies_and_explains_itself(resources):
    for name, props in alarms(resources).items():
        assert [ref(a) for a in props["AlarmActions"]] == ["AlarmTopic"], name
        assert [ref(a) for a in props["OKActions"]] == ["AlarmTopic"], name
        description = props["AlarmDescription"]
        assert "Check first" in description or "verify-deployment" in description, name


def test_every_rule_alarms_on_failed_delivery_and_failed_dead_lettering(resources):
    rules = set(of_type(resources, "AWS::Events::Rule"))
    for metric in ("FailedInvocations", "InvocationsFailedToBeSentToDlq"):
        assert alarmed(resources, "AWS/Events", metric) == rules, (metric, aws_docs.EVENTBRIDGE_METRICS)
    # A rule on the ORE bus reports under its bus too.
    for props in alarms(resources).values():
        if props["Namespace"] == "AWS/Events":
            dimensions = {d["Name"]: d["Value"] for d in props["Dimensions"]}
            on_ore_bus = any(r["Properties"].get("EventBusName") == {"Ref": "OreEventBus"}
                             and json.dumps(r["Properties"].get("Name"), sort_keys=True)
                             == json.dumps(dimensions["RuleName"], sort_keys=True)
                             for r in of_type(resources, "AWS::Events::Rule").values())
            assert ("EventBusName" in dimensions) == on_ore_bus, props["AlarmDescription"]


def test_every_topic_alarms_on_failed_notifications(resources):
    topics = set(of_type(resources, "AWS::SNS::Topic"))
    assert alarmed(resources, "AWS/SNS", "NumberOfNotificationsFailed") == topics, aws_docs.SNS_METRICS


def test_every_function_alarms_on_errors_and_throttles(resources):
    functions = set(of_type(resources, "AWS::Lambda::Function"))
    assert len(functions) == 5
    for metric in ("Errors", "Throttles"):
        assert alarmed(resources, "AWS/Lambda", metric) == functions, (metric, aws_docs.LAMBDA_METRICS)


def test_every_work_queue_alarms_on_its_oldest_message(resources):
    mappings = of_type(resources, "AWS::Lambda::EventSourceMapping").values()
    work_queues = {ref(m["Properties"]["EventSourceArn"]) for m in mappings}
    assert alarmed(resources, "AWS/SQS", "ApproximateAgeOfOldestMessage") == work_queues, aws_docs.SQS_METRICS


def test_each_consumer_alarms_when_heartbeats_stop(resources):
    consumers = {"CsvFormatterFunction", "EmailerFunction", "BusPublisherFunction", "ChatNotifierFunction"}
    assert alarmed(resources, "ORE", "HeartbeatsSeen") == consumers, aws_docs.EMF_SPEC
    for props in alarms(resources).values():
        if props["MetricName"] != "HeartbeatsSeen":
            continue
        assert props["TreatMissingData"] == "breaching", "no heartbeat at all must alarm"
        assert props["EvaluationPeriods"] == 2, "two intervals"
        assert props["ComparisonOperator"] == "LessThanThreshold" and props["Threshold"] == 1
        assert [d["Name"] for d in props["Dimensions"]] == ["FunctionName"]


def test_heartbeat_alarm_period_follows_the_interval(source_template):
    interval = source_template["Parameters"]["HeartbeatIntervalMinutes"]
    periods = source_template["Mappings"]["HeartbeatPeriod"]
    for minutes in map(int, interval["AllowedValues"]):
        seconds = periods[str(minutes)]["Seconds"]
        if minutes:
            assert seconds == minutes * 60
        assert 2 * seconds <= 86400, "CloudWatch evaluates at most a day"


def test_event_source_concurrency_fits_a_new_account(resources, source_template):
    """New accounts may have 10 concurrent executions; ORE's defaults fit in them (LAMBDA_SQS_SCALING:
    2 is the smallest MaximumConcurrency, and ORE has five functions, so at a burst's peak ORE can use
    all 10: docs/deploying.md asks such an account to raise its quota first)."""
    total = 0
    for mapping in of_type(resources, "AWS::Lambda::EventSourceMapping").values():
        value = mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"]
        if isinstance(value, dict):
            value = source_template["Parameters"][ref(value)]["Default"]
        assert value >= 2, aws_docs.LAMBDA_SQS_SCALING
        total += value
    assert total <= 10, f"{total} concurrent executions by default"


def test_metric_lines_survive_every_log_level(source_template, resources):
    """Lambda counts a JSON line without `level` as INFO and drops lines below the application log
    level (aws_docs.LAMBDA_LOG_LEVEL_FILTERING): the EMF lines carry no level, so Lambda's filter
    stays at TRACE and the functions filter their own lines at LogLevel (ORE_LOG_LEVEL)."""
    globals_ = source_template["Globals"]["Function"]
    assert globals_["LoggingConfig"]["LogFormat"] == "JSON"
    assert globals_["LoggingConfig"]["ApplicationLogLevel"] == "TRACE", aws_docs.LAMBDA_LOG_LEVEL_FILTERING
    assert globals_["Environment"]["Variables"]["ORE_LOG_LEVEL"] == {"Ref": "LogLevel"}
    for name, function in of_type(resources, "AWS::Lambda::Function").items():
        assert function["Properties"]["LoggingConfig"]["ApplicationLogLevel"] == "TRACE", name
    crates = ROOT / "crates" / "ore-lambda" / "src"
    assert 'LOG_LEVEL_VARIABLE: &str = "ORE_LOG_LEVEL"' in (crates / "runtime.rs").read_text()
    assert '"level"' not in (crates / "metrics.rs").read_text(), "a metric line must not carry a level"
