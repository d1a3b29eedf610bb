"""template.yaml after SAM's transform is wired and locked down the way the architecture says."""
import json
import pathlib

import pytest
from moto.events.models import EventPattern

import aws_docs

from ore_harness.template import Template, of_type, ref

# Every rule of the central stack: the EC2 state changes, the notices' (AWS Health twice: EC2's scheduled
# changes, every other event; EBS volumes; RDS databases; ECS tasks; AWS Config; Auto Scaling; Spot),
# the heartbeat.
CENTRAL_RULES = {"Ec2StateChangeRule", "ScheduledChangeRule", "HealthEventRule", "VolumeNotificationRule",
                 "DatabaseEventRule", "TaskStoppedRule", "ConfigChangeRule", "ScalingActivityRule", "SpotWarningRule",
                 "HeartbeatRule"}

ROOT = pathlib.Path(__file__).resolve().parents[2]

def subscription(resources, topic):
    subs = [s["Properties"] for s in of_type(resources, "AWS::SNS::Subscription").values()
            if ref(s["Properties"]["TopicArn"]) == topic and s["Properties"]["Protocol"] == "sqs"]
    return subs


def mapping_for(resources, queue):
    found = [m["Properties"] for m in of_type(resources, "AWS::Lambda::EventSourceMapping").values()
             if ref(m["Properties"]["EventSourceArn"]) == queue]
    assert len(found) == 1, f"{queue} has {len(found)} event source mappings"
    return found[0]


def test_the_pipeline_is_wired_end_to_end(resources):
    rule = of_type(resources, "AWS::Events::Rule")["Ec2StateChangeRule"]["Properties"]
    assert [ref(t["Arn"]) for t in rule["Targets"]] == ["RawEventsTopic"]

    raw_subs = subscription(resources, "RawEventsTopic")
    assert [ref(s["Endpoint"]) for s in raw_subs] == ["NormalizerQueue"]
    assert ref(mapping_for(resources, "NormalizerQueue")["FunctionName"]) == "NormalizerFunction"
    template = Template()
    assert template.function("NormalizerFunction").outputs(template.resources) == ["NormalizedTopic"]

    fanout = sorted(ref(s["Endpoint"]) for s in subscription(resources, "NormalizedTopic"))
    assert fanout == ["BusPublisherQueue", "ChatNotifierQueue", "CsvFormatterQueue", "EmailerQueue"]
    assert ref(mapping_for(resources, "CsvFormatterQueue")["FunctionName"]) == "CsvFormatterFunction"
    assert ref(mapping_for(resources, "EmailerQueue")["FunctionName"]) == "EmailerFunction"
    assert ref(mapping_for(resources, "BusPublisherQueue")["FunctionName"]) == "BusPublisherFunction"
    assert ref(mapping_for(resources, "ChatNotifierQueue")["FunctionName"]) == "ChatNotifierFunction"
    assert template.function("ChatNotifierFunction").outputs(template.resources) == ["ChatTopic"]
    assert template.function("CsvFormatterFunction").outputs(template.resources) == ["CsvTopic"]
    assert template.function("EmailerFunction").outputs(template.resources) == []
    # The bus-publisher's output is the ORE bus, not a topic.
    assert template.function("BusPublisherFunction").outputs(template.resources) == []
    assert ref(template.function("BusPublisherFunction").environment["EVENT_BUS_ARN"]) == "OreEventBus"
    assert [f.name for f in template.functions] == ["NormalizerFunction", "CsvFormatterFunction", "EmailerFunction",
                                                    "ChatNotifierFunction", "BusPublisherFunction"]

    for topic in ("RawEventsTopic", "NormalizedTopic"):
        for sub in subscription(resources, topic):
            assert sub["RawMessageDelivery"] in (True, "true"), f"{topic} -> {ref(sub['Endpoint'])} raw delivery"


def test_every_rule_feeds_the_raw_topic_with_retries_and_a_dead_letter_queue(resources):
    rules = {name: r for name, r in of_type(resources, "AWS::Events::Rule").items()
             if r["Properties"]["EventBusName"] == "default"}
    assert set(rules) == CENTRAL_RULES
    for name, rule in rules.items():
        [target] = rule["Properties"]["Targets"]
        assert ref(target["Arn"]) == "RawEventsTopic", name
        assert rule["Properties"]["EventBusName"] == "default", name
        assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0, name
        assert ref(target["DeadLetterConfig"]["Arn"]) == "RuleDeadLetterQueue", name


def test_every_queue_has_a_dead_letter_queue_with_an_alarm(resources):
    queues = of_type(resources, "AWS::SQS::Queue")
    dead_letter = {ref(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
                   for q in queues.values() if "RedrivePolicy" in q["Properties"]}
    dead_letter.update({"RuleDeadLetterQueue", "WebhookDeadLetterQueue"})
    work = set(queues) - dead_letter
    assert work == {"NormalizerQueue", "CsvFormatterQueue", "EmailerQueue", "BusPublisherQueue", "ChatNotifierQueue"}
    for name in work:
        assert queues[name]["Properties"]["RedrivePolicy"]["maxReceiveCount"] >= 3, name
    alarmed = set()
    for alarm in of_type(resources, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        assert props["AlarmActions"], "an alarm without an action"
        if props["MetricName"] == "ApproximateNumberOfMessagesVisible":
            alarmed.update(ref(d["Value"]) for d in props["Dimensions"])
    assert dead_letter <= alarmed, f"dead-letter queues without an alarm: {dead_letter - alarmed}"
    assert len(dead_letter) == 7


def test_every_sqs_event_source_reports_batch_item_failures(resources):
    mappings = of_type(resources, "AWS::Lambda::EventSourceMapping")
    assert len(mappings) == 5
    for name, mapping in mappings.items():
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"], name


def test_visibility_timeouts_fit_function_timeouts(resources, source_template):
    """Lambda Developer Guide, "Using Lambda with Amazon SQS" (event source mapping): the queue's
    visibility timeout at least six times the function timeout plus MaximumBatchingWindowInSeconds.
    A window set by a parameter counts at the parameter's MaxValue."""
    for mapping in of_type(resources, "AWS::Lambda::EventSourceMapping").values():
        props = mapping["Properties"]
        queue = resources[ref(props["EventSourceArn"])]["Properties"]
        function = resources[ref(props["FunctionName"])]["Properties"]
        window = props.get("MaximumBatchingWindowInSeconds", 0)
        if isinstance(window, dict):
            window = source_template["Parameters"][window["Ref"]]["MaxValue"]
        assert queue["VisibilityTimeout"] >= 6 * function["Timeout"] + window


def test_the_emailer_batch_fits_lambdas_limits(source_template, resources):
    """Lambda API reference, CreateEventSourceMapping: an SQS BatchSize above 10 needs a
    MaximumBatchingWindowInSeconds of at least 1 second; the window is at most 300 seconds."""
    parameters = source_template["Parameters"]
    assert parameters["EmailBatchWindowSeconds"]["MinValue"] >= 1
    assert parameters["EmailBatchWindowSeconds"]["MaxValue"] <= 300
    assert parameters["EmailBatchSize"]["MaxValue"] <= 10000
    # The emailer's, and the chat-notifier's: a burst is one digest post as it is one digest mail.
    takers = [m["Properties"] for m in of_type(resources, "AWS::Lambda::EventSourceMapping").values()
              if m["Properties"].get("BatchSize") == {"Ref": "EmailBatchSize"}]
    assert {ref(m["FunctionName"]) for m in takers} == {"EmailerFunction", "ChatNotifierFunction"}
    for mapping in takers:
        assert mapping["MaximumBatchingWindowInSeconds"] == {"Ref": "EmailBatchWindowSeconds"}


def test_functions_use_the_lambda_settings_and_their_crates_binaries(resources, source_template):
    # Which variables each function gets is checked against what its crate reads, in the crate
    # (crates/*/tests/environment.rs): the template owns the names, nothing here restates them.
    for spec in Template().functions:
        name = spec.name
        props = resources[name]["Properties"]
        variables = dict(props["Environment"]["Variables"])
        # Only sam local invoke sets it; deployed with the default parameter it is removed.
        assert variables.pop("AWS_ENDPOINT_URL") == {
            "Fn::If": ["UseLocalEndpoint", {"Ref": "LocalEndpointUrl"}, {"Ref": "AWS::NoValue"}]}
        assert source_template["Parameters"]["LocalEndpointUrl"]["Default"] == ""
        manifest = (ROOT / "crates" / spec.binary / "Cargo.toml").read_text()
        assert f'name = "{spec.binary}"' in manifest, f"{name}: no crate builds the binary {spec.binary}"
        assert props["Runtime"] == "provided.al2023"
        assert props["Handler"] == "bootstrap"
        assert props["MemorySize"] == 128
        assert props["LoggingConfig"]["LogFormat"] == "JSON"
        assert props["Architectures"] == [{"Ref": "Architecture"}]
        assert source_template["Resources"][name]["Metadata"]["BuildMethod"] == "rust-cargolambda"
    assert source_template["Parameters"]["Architecture"]["Default"] == "arm64"
    for group in of_type(resources, "AWS::Logs::LogGroup").values():
        assert "RetentionInDays" in group["Properties"]


def test_queues_and_topics_are_encrypted(resources):
    for kind in ("AWS::SQS::Queue", "AWS::SNS::Topic"):
        for name, resource in of_type(resources, kind).items():
            assert ref(resource["Properties"].get("KmsMasterKeyId")) == "OreKey", name
    assert resources["OreKey"]["Properties"]["EnableKeyRotation"] is True


def statements(document):
    """A policy's statements; a conditional one (`Fn::If` with `AWS::NoValue`) counts as present,
    so every rule below holds for it whenever its condition does."""
    found = document["Statement"]
    found = found if isinstance(found, list) else [found]
    expanded = []
    for statement in found:
        if isinstance(statement, dict) and "Fn::If" in statement:
            _, when_true, when_false = statement["Fn::If"]
            expanded += [s for s in (when_true, when_false) if s != {"Ref": "AWS::NoValue"}]
        else:
            expanded.append(statement)
    return expanded


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_work_queues_accept_only_their_topic_over_tls(resources):
    sources = {"NormalizerQueue": "RawEventsTopic", "CsvFormatterQueue": "NormalizedTopic", "EmailerQueue": "NormalizedTopic"}
    policies = of_type(resources, "AWS::SQS::QueuePolicy").values()
    for queue, topic in sources.items():
        [policy] = [p["Properties"]["PolicyDocument"] for p in policies
                    if [ref(q) for q in p["Properties"]["Queues"]] == [queue]]
        allows = [s for s in statements(policy) if s["Effect"] == "Allow"]
        assert len(allows) == 1
        assert allows[0]["Principal"] == {"Service": "sns.amazonaws.com"}
        assert ref(allows[0]["Condition"]["ArnEquals"]["aws:SourceArn"]) == topic
        denies = [s for s in statements(policy) if s["Effect"] == "Deny"]
        assert denies and denies[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_raw_topic_accepts_only_eventbridge(resources):
    [policy] = [p["Properties"]["PolicyDocument"] for p in of_type(resources, "AWS::SNS::TopicPolicy").values()
                if [ref(t) for t in p["Properties"]["Topics"]] == ["RawEventsTopic"]]
    [allow] = [s for s in statements(policy) if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert ref(allow["Resource"]) == "RawEventsTopic"
    # Why there is no Condition: tests/template/test_permissions.py (AWS documents it unsupported).


def all_policy_statements(resources):
    """(where, statement, is_iam) for every IAM and resource policy statement in the template."""
    for name, role in of_type(resources, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in statements(policy["PolicyDocument"]):
                yield name, statement, True
        assert not role["Properties"].get("ManagedPolicyArns"), f"{name} has managed policies"
    for kind in ("AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy"):
        for name, resource in of_type(resources, kind).items():
            for statement in statements(resource["Properties"]["PolicyDocument"]):
                yield name, statement, False
    for name, resource in of_type(resources, "AWS::Events::EventBusPolicy").items():
        yield name, resource["Properties"]["Statement"], False
    for statement in statements(resources["OreKey"]["Properties"]["KeyPolicy"]):
        yield "OreKey", statement, False


def test_no_wildcard_actions_but_the_documented_ones(resources):
    """No `*` in an action, except the key-policy statements whose AWS page lists action
    families (named, with the page, in aws_docs.DOCUMENTED_WILDCARD_ACTIONS)."""
    from aws_docs import DOCUMENTED_WILDCARD_ACTIONS
    for where, statement, _ in all_policy_statements(resources):
        allowed = DOCUMENTED_WILDCARD_ACTIONS.get((where, statement.get("Sid")), {}).get("actions", set())
        for action in as_list(statement["Action"]):
            assert "*" not in action or action in allowed, f"{where}: wildcard action {action}"


def test_wildcard_resources_only_where_aws_requires_them(resources):
    for where, statement, is_iam in all_policy_statements(resources):
        resources_ = as_list(statement.get("Resource", []))
        if "*" not in resources_:
            continue
        if is_iam:
            from aws_docs import ACTIONS_WITHOUT_RESOURCE_LEVEL
            [action] = as_list(statement["Action"])
            assert action in ACTIONS_WITHOUT_RESOURCE_LEVEL, f"{where}: {statement}"
        else:
            assert where == "OreKey", f"{where}: '*' resource outside a key policy"  # key policies are always '*'


# ---------------------------------------------------------------- the rule's event pattern


def rule_pattern(source_template, states=None):
    pattern = json.loads(json.dumps(source_template["Resources"]["Ec2StateChangeRule"]["Properties"]["EventPattern"]))
    assert pattern["detail"]["state"] == {"Ref": "WatchedStates"}
    watched = states or source_template["Parameters"]["WatchedStates"]["Default"].split(",")
    pattern["detail"]["state"] = watched
    return EventPattern.load(json.dumps(pattern))


def sample_events():
    files = sorted((ROOT / "events" / "eventbridge").glob("ec2-instance-*.json"))
    assert len(files) == 6
    return [json.loads(f.read_text()) for f in files]


def test_rule_matches_every_sample_event(source_template):
    pattern = rule_pattern(source_template)
    for event in sample_events():
        assert pattern.matches_event(event), event["detail"]


@pytest.mark.parametrize("change", [
    {"source": "aws.autoscaling"},
    {"detail-type": "EC2 Spot Instance Interruption Warning"},
    {"detail": {"instance-id": "i-0abc1234def567890", "state": "rebooting"}},
])
def test_rule_ignores_other_events(source_template, change):
    pattern = rule_pattern(source_template)
    for event in sample_events():
        assert not pattern.matches_event({**event, **change})


def test_rule_honours_the_watched_states_parameter(source_template):
    pattern = rule_pattern(source_template, ["stopped", "terminated"])
    matched = sorted(e["detail"]["state"] for e in sample_events() if pattern.matches_event(e))
    assert matched == ["stopped", "terminated"]


# ---------------------------------------------------------------- the notice rules' patterns

NOTICE_SAMPLES = {
    "rds-db-instance-event": "DatabaseEventRule",
    "ecs-task-state-change": "TaskStoppedRule",
    "config-configuration-item-change": "ConfigChangeRule",
    "autoscaling-instance-launch-unsuccessful": "ScalingActivityRule",
    "ebs-volume-notification": "VolumeNotificationRule",
    "health-scheduled-change": "ScheduledChangeRule",
    "ec2-spot-interruption-warning": "SpotWarningRule",
    "ec2-rebalance-recommendation": "SpotWarningRule",
    "health-event": "HealthEventRule",
}


def pattern_of(source_template, rule):
    return EventPattern.load(json.dumps(source_template["Resources"][rule]["Properties"]["EventPattern"]))


def notice_sample(name):
    return json.loads((ROOT / "events" / "eventbridge" / f"{name}.json").read_text())


def test_each_notice_sample_is_matched_by_its_rule_alone(source_template):
    """The samples are the documented shapes (each event's page is its entry in docs/aws-names.yaml,
    held by test_aws_names)."""
    rules = {"Ec2StateChangeRule": rule_pattern(source_template),
             "ScheduledChangeRule": pattern_of(source_template, "ScheduledChangeRule"),
             "HealthEventRule": EventPattern.load(json.dumps(Template().rule_pattern("HealthEventRule"))),
             "VolumeNotificationRule": EventPattern.load(json.dumps(Template().rule_pattern("VolumeNotificationRule"))),
             "DatabaseEventRule": EventPattern.load(json.dumps(Template().rule_pattern("DatabaseEventRule"))),
             "TaskStoppedRule": EventPattern.load(json.dumps(Template().rule_pattern("TaskStoppedRule"))),
             "ConfigChangeRule": EventPattern.load(json.dumps(Template().rule_pattern(
                 "ConfigChangeRule", {"ConfigResourceTypes": "AWS::EC2::SecurityGroup"}))),
             "ScalingActivityRule": EventPattern.load(json.dumps(Template().rule_pattern("ScalingActivityRule"))),
             "SpotWarningRule": pattern_of(source_template, "SpotWarningRule"),
             "HeartbeatRule": pattern_of(source_template, "HeartbeatRule")}
    for name, rule in NOTICE_SAMPLES.items():
        matched = [r for r, pattern in rules.items() if pattern.matches_event(notice_sample(name))]
        assert matched == [rule], (name, matched)
    for event in sample_events():
        assert not rules["ScheduledChangeRule"].matches_event(event)
        assert not rules["HealthEventRule"].matches_event(event)
        assert not rules["VolumeNotificationRule"].matches_event(event)
        assert not rules["DatabaseEventRule"].matches_event(event)
        assert not rules["TaskStoppedRule"].matches_event(event)
        assert not rules["ConfigChangeRule"].matches_event(event)
        assert not rules["ScalingActivityRule"].matches_event(event)
        assert not rules["SpotWarningRule"].matches_event(event)


@pytest.mark.parametrize("detail", [{"service": "RDS"}, {"eventTypeCategory": "issue"},
                                    {"eventTypeCategory": "accountNotification"}])
def test_the_health_rule_takes_ec2_scheduled_changes_only(source_template, detail):
    pattern = pattern_of(source_template, "ScheduledChangeRule")
    event = notice_sample("health-scheduled-change")
    assert pattern.matches_event(event), aws_docs.HEALTH_EVENT_SCHEMA
    event["detail"].update(detail)
    assert not pattern.matches_event(event), detail


def test_the_spot_rule_does_not_retry_past_the_warning(resources):
    """A Spot warning announces an interruption two minutes ahead; retrying for a day would only
    deliver news of something long over (aws_docs.EC2_SPOT_INTERRUPTION_NOTICES)."""
    [target] = resources["SpotWarningRule"]["Properties"]["Targets"]
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 900


def test_every_function_encrypts_its_environment_with_ores_key(resources):
    """KmsKeyArn comes from Globals (checkov's CKV_AWS_173 cannot see that through the
    AWS::LanguageExtensions transform list, so the template skips it and this test holds it)."""
    functions = of_type(resources, "AWS::Lambda::Function")
    assert len(functions) == 5
    for name, function in functions.items():
        assert ref(function["Properties"]["KmsKeyArn"]) == "OreKey", name


def test_the_harness_writes_out_the_loops_as_sam_cli_does():
    """The emulated stack and these tests read template.yaml through ore_harness's small
    Fn::ForEach expansion; SAM CLI's own (what `sam build` and `sam local invoke` run) must give
    the same resources, each alarm with the same metric, dimensions and description."""
    from samcli.lib.cfn_language_extensions.sam_integration import process_template_for_sam_cli
    from samtranslator.yaml_helper import yaml_parse

    from ore_harness.template import without_language_extensions

    raw = yaml_parse((ROOT / "template.yaml").read_text())
    assert any(key.startswith("Fn::ForEach::") for key in raw["Resources"]), "no loop to check"
    ours = without_language_extensions(raw)["Resources"]
    theirs = process_template_for_sam_cli(raw, parameter_values={})["Resources"]
    assert set(ours) == set(theirs)
    assert len(of_type(ours, "AWS::CloudWatch::Alarm")) == 57
    written = {name: r for name, r in of_type(ours, "AWS::CloudWatch::Alarm").items() if name not in raw["Resources"]}
    assert len(written) == 50, sorted(written)
    for name, alarm in written.items():
        mine, sams = alarm["Properties"], theirs[name]["Properties"]
        for field in ("AlarmDescription", "Namespace", "MetricName", "Dimensions", "AlarmActions"):
            assert mine[field] == sams[field], (name, field)
        assert alarm.get("Condition") == theirs[name].get("Condition"), name


def documented_health_sample(name):
    return json.loads((ROOT / "crates" / "ore-model" / "tests" / "aws-docs" / "health" / f"{name}.json").read_text())


def health_rules(parameters=None):
    template = Template()
    return {name: EventPattern.load(json.dumps(template.rule_pattern(name, parameters)))
            for name in ("ScheduledChangeRule", "HealthEventRule")}


def matched_by(rules, event):
    return [name for name, pattern in rules.items() if pattern.matches_event(event)]


def test_each_documented_health_event_reaches_ore_through_one_rule():
    """The AWS Health schema page's samples (aws_docs.HEALTH_EVENT_SCHEMA): an EC2 instance's
    scheduled change through ScheduledChangeRule, every other account-specific event through
    HealthEventRule, never both; a public event only when HealthEventScopes asks for it."""
    rules = health_rules()
    expected = {"ec2-instance-retirement-scheduled": ["ScheduledChangeRule"],
                "ec2-instance-store-drive-performance-degraded-backup": ["HealthEventRule"],
                "elb-api-issue-account-specific": ["HealthEventRule"],
                "lambda-planned-lifecycle-event": ["HealthEventRule"],
                "ec2-operational-issue-public": []}
    for name, rules_expected in expected.items():
        assert matched_by(rules, documented_health_sample(name)) == rules_expected, name
    public = health_rules({"HealthEventScopes": "ACCOUNT_SPECIFIC,PUBLIC"})
    assert matched_by(public, documented_health_sample("ec2-operational-issue-public")) == ["HealthEventRule"]


def test_the_health_event_rule_follows_its_services_and_categories():
    rds_only = health_rules({"HealthEventServices": "RDS"})
    assert matched_by(rds_only, notice_sample("health-event")) == ["HealthEventRule"]
    assert matched_by(rds_only, documented_health_sample("elb-api-issue-account-specific")) == []
    issues_only = health_rules({"HealthEventCategories": "issue"})
    assert matched_by(issues_only, notice_sample("health-event")) == []
    assert matched_by(issues_only, documented_health_sample("elb-api-issue-account-specific")) == [
        "HealthEventRule"]
    # Whatever the parameters say, an EC2 instance's scheduled change is ScheduledChangeRule's alone.
    everything = health_rules({"HealthEventServices": "EC2,RDS", "HealthEventCategories": "scheduledChange"})
    assert matched_by(everything, notice_sample("health-scheduled-change")) == ["ScheduledChangeRule"]


def test_the_volume_rule_takes_the_results_it_is_told():
    """By default only failures (aws_docs.EBS_EVENTS: a failed attachment names its KMS key's cause)."""
    sample = notice_sample("ebs-volume-notification")
    created = json.loads(json.dumps(sample))
    created["detail"].update(result="available", event="createVolume", cause="")
    default = EventPattern.load(json.dumps(Template().rule_pattern("VolumeNotificationRule")))
    assert default.matches_event(sample) and not default.matches_event(created)
    more = EventPattern.load(json.dumps(Template().rule_pattern(
        "VolumeNotificationRule", {"VolumeEventResults": "failed,available,deleted"})))
    assert more.matches_event(sample) and more.matches_event(created)


def test_the_database_rule_takes_the_categories_it_is_told():
    """aws_docs.RDS_EVENTS: an event's EventCategories is a list; the rule matches any of them."""
    sample = notice_sample("rds-db-instance-event")
    backup = json.loads(json.dumps(sample))
    backup["detail"]["EventCategories"] = ["backup"]
    default = EventPattern.load(json.dumps(Template().rule_pattern("DatabaseEventRule")))
    assert default.matches_event(sample) and not default.matches_event(backup)
    cluster = json.loads(json.dumps(sample))
    cluster["detail-type"] = "RDS DB Cluster Event"
    assert default.matches_event(cluster)
    with_backups = EventPattern.load(json.dumps(Template().rule_pattern(
        "DatabaseEventRule", {"DatabaseEventCategories": "failover,backup"})))
    assert with_backups.matches_event(backup)


def test_the_task_rule_takes_stopped_tasks_with_the_stop_codes_it_is_told():
    """aws_docs.ECS_TASK_EVENTS: ECS sends an event at each change of a task; the rule passes the stopped
    ones whose stopCode the deployment chose (a task still running, or stopped by a user, is not mailed)."""
    sample = notice_sample("ecs-task-state-change")
    running = json.loads(json.dumps(sample))
    running["detail"]["lastStatus"] = "RUNNING"
    by_user = json.loads(json.dumps(sample))
    by_user["detail"]["stopCode"] = "UserInitiated"
    default = EventPattern.load(json.dumps(Template().rule_pattern("TaskStoppedRule")))
    assert default.matches_event(sample)
    assert not default.matches_event(running) and not default.matches_event(by_user)
    with_users = EventPattern.load(json.dumps(Template().rule_pattern(
        "TaskStoppedRule", {"TaskStopCodes": "EssentialContainerExited,UserInitiated"})))
    assert with_users.matches_event(by_user) and not with_users.matches_event(running)


def test_the_config_rule_is_off_until_resource_types_are_chosen_and_takes_the_oversized_summary():
    """aws_docs.CONFIG_EVENTS: every recorded change of every type would be a mail each, so the rule is
    DISABLED by default; with types chosen it takes their items, and an oversized item's summary (which
    names its type in configurationItemSummary), and nothing else."""
    template = Template()
    assert not template.rule_enabled("ConfigChangeRule")
    chosen = {"ConfigResourceTypes": "AWS::EC2::SecurityGroup,AWS::S3::Bucket"}
    assert template.rule_enabled("ConfigChangeRule", chosen)
    pattern = EventPattern.load(json.dumps(template.rule_pattern("ConfigChangeRule", chosen)))
    sample = notice_sample("config-configuration-item-change")
    assert pattern.matches_event(sample)
    other_type = json.loads(json.dumps(sample))
    other_type["detail"]["configurationItem"]["resourceType"] = "AWS::IAM::Role"
    assert not pattern.matches_event(other_type)
    oversized = json.loads(json.dumps(sample))
    summary = oversized["detail"].pop("configurationItem")
    oversized["detail"].pop("configurationItemDiff")
    oversized["detail"].update(messageType="OversizedConfigurationItemChangeNotification",
                               configurationItemSummary={k: summary[k] for k in ("ARN", "resourceType",
                                                                                 "resourceId", "configurationItemStatus")})
    assert pattern.matches_event(oversized)
    compliance = json.loads(json.dumps(sample))
    compliance["detail"]["messageType"] = "ComplianceChangeNotification"
    assert not pattern.matches_event(compliance)


def test_the_scaling_rule_takes_the_failures_unless_told_more():
    """aws_docs.AUTOSCALING_EVENTS: a successful launch or termination is every scale-out and scale-in, so by
    default only the unsuccessful ones are mailed; ScalingActivities adds the others."""
    sample = notice_sample("autoscaling-instance-launch-unsuccessful")
    launched = json.loads(json.dumps(sample))
    launched["detail-type"] = "EC2 Instance Launch Successful"
    failed_termination = json.loads(json.dumps(sample))
    failed_termination["detail-type"] = "EC2 Instance Terminate Unsuccessful"
    default = EventPattern.load(json.dumps(Template().rule_pattern("ScalingActivityRule")))
    assert default.matches_event(sample) and default.matches_event(failed_termination)
    assert not default.matches_event(launched)
    every = EventPattern.load(json.dumps(Template().rule_pattern(
        "ScalingActivityRule", {"ScalingActivities": "EC2 Instance Launch Successful,EC2 Instance Launch Unsuccessful"})))
    assert every.matches_event(launched) and not every.matches_event(failed_termination)
