"""The organisation: member accounts forward their events to the central default bus
(member/template.yaml, a StackSet) and hold the read-only role the central normalizer assumes;
the central stack (template.yaml) accepts the forwarded events from the organisation or listed
accounts only. The member template is held to the central one's wiring and least-privilege rules."""
import json
import re

import pytest
from moto.events.models import EventPattern

import aws_docs
from ore_harness.template import MEMBER_TEMPLATE, Document, Template, of_type
from test_wiring import as_list, notice_sample, sample_events, statements

CENTRAL_ACCOUNT = "111111111111"
MEMBER_ACCOUNT = "222222222222"
CENTRAL_REGION = "eu-west-1"
NORMALIZER_ROLE = f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/ore-NormalizerRole-ABC123"
# The central rule each forwarding rule feeds.
FORWARDS = {"Ec2StateChangeForwardRule": "Ec2StateChangeRule",
            "ScheduledChangeForwardRule": "ScheduledChangeRule",
            "HealthEventForwardRule": "HealthEventRule",
            "VolumeNotificationForwardRule": "VolumeNotificationRule",
            "DatabaseEventForwardRule": "DatabaseEventRule",
            "TaskStoppedForwardRule": "TaskStoppedRule",
            "ConfigChangeForwardRule": "ConfigChangeRule",
            "ScalingActivityForwardRule": "ScalingActivityRule",
            "SpotWarningForwardRule": "SpotWarningRule"}
# The central rules' choices a member forwards everything for (the central stack's parameters).
CENTRAL_ONLY_DETAIL = {"Ec2StateChangeRule": {"state"}, "VolumeNotificationRule": {"result"},
                       "DatabaseEventRule": {"EventCategories"}, "TaskStoppedRule": {"stopCode"},
                       "ConfigChangeRule": {"$or"},
                       "HealthEventRule": {"eventTypeCategory", "eventScopeCode", "service"}}
# The central rules whose detail types a parameter chooses: a member forwards every one it may choose.
CENTRAL_CHOSEN_DETAIL_TYPES = {"ScalingActivityRule": ("ScalingActivities", Template().doc["Parameters"][
    "ScalingActivities"]["AllowedValues"])}


@pytest.fixture(scope="module")
def member():
    return Document(MEMBER_TEMPLATE)


@pytest.fixture(scope="module")
def central():
    return Template()


def member_parameters(account=MEMBER_ACCOUNT, region=CENTRAL_REGION):
    return {"CentralAccountId": CENTRAL_ACCOUNT, "CentralRegion": CENTRAL_REGION,
            "NormalizerRoleArn": NORMALIZER_ROLE, "AWS::AccountId": account, "AWS::Region": region,
            "AWS::Partition": "aws"}


def central_bus(region=CENTRAL_REGION):
    return f"arn:aws:events:{region}:{CENTRAL_ACCOUNT}:event-bus/default"


# ---------------------------------------------------------------- member: what is created where


def test_the_member_template_is_plain_cloudformation_for_stacksets(member):
    """StackSets deploy no transform (aws_docs.STACKSETS_TRANSFORMS): no SAM, no macro."""
    assert "Transform" not in member.doc
    assert not [name for name, r in member.resources.items() if r["Type"].startswith("AWS::Serverless")]


def test_a_member_region_forwards_and_only_the_central_region_creates_the_role(member):
    everywhere = set(FORWARDS) | {"ForwardRole", "ForwardDeadLetterQueue", "ForwardDeadLetterQueuePolicy",
                                  "ForwardDeadLetterAlarm", "ForwardDeadLetterFailedAlarm"}
    in_central_region = set(member.present(member_parameters()))
    assert in_central_region == everywhere | {"EnrichmentRole"}
    # IAM is global: a second region's stack instance must not create the same role again.
    assert set(member.present(member_parameters(region="us-east-1"))) == everywhere
    # The central account: its own bus is ORE's (forwarding it to itself would loop), and the
    # normalizer describes its own instances without a role.
    assert member.present(member_parameters(account=CENTRAL_ACCOUNT)) == []
    assert set(member.present(member_parameters(account=CENTRAL_ACCOUNT, region="us-east-1"))) == everywhere


# ---------------------------------------------------------------- member: forwarding


def test_each_forwarding_rule_takes_what_its_central_rule_takes(member, central):
    """Same sources, detail types and details (the central parameters' filters, WatchedStates and the
    Health categories, services and scopes, stay central)."""
    for forward, central_rule in FORWARDS.items():
        mine = member.rule_pattern(forward)
        theirs = central.rule_pattern(central_rule)
        if central_rule in CENTRAL_CHOSEN_DETAIL_TYPES:
            parameter, every = CENTRAL_CHOSEN_DETAIL_TYPES[central_rule]
            assert set(theirs["detail-type"]) <= set(every), central_rule
            theirs = central.rule_pattern(central_rule, {parameter: ",".join(every)})
        central_only = CENTRAL_ONLY_DETAIL.get(central_rule, set())
        detail = {k: v for k, v in theirs.get("detail", {}).items() if k not in central_only}
        theirs = {k: v for k, v in theirs.items() if k != "detail"} | ({"detail": detail} if detail else {})
        assert mine == theirs, forward


def test_forwarding_rules_match_every_sample_and_nothing_else(member):
    patterns = {name: EventPattern.load(json.dumps(member.rule_pattern(name))) for name in FORWARDS}
    for event in sample_events():
        assert [n for n, p in patterns.items() if p.matches_event(event)] == ["Ec2StateChangeForwardRule"]
    for sample, rule in {"health-scheduled-change": "ScheduledChangeForwardRule",
                         "health-event": "HealthEventForwardRule",
                         "ebs-volume-notification": "VolumeNotificationForwardRule",
                         "rds-db-instance-event": "DatabaseEventForwardRule",
                         "ecs-task-state-change": "TaskStoppedForwardRule",
                         "config-configuration-item-change": "ConfigChangeForwardRule",
                         "autoscaling-instance-launch-unsuccessful": "ScalingActivityForwardRule",
                         "ec2-spot-interruption-warning": "SpotWarningForwardRule",
                         "ec2-rebalance-recommendation": "SpotWarningForwardRule"}.items():
        assert [n for n, p in patterns.items() if p.matches_event(notice_sample(sample))] == [rule], sample
    unrelated = {**sample_events()[0], "source": "aws.autoscaling",
                                       "detail-type": "EC2 Instance-launch Lifecycle Action"}
    assert not any(p.matches_event(unrelated) for p in patterns.values())


def test_forwarded_events_match_the_central_rules_as_local_ones(central):
    """A forwarded event keeps its account and region; no central pattern looks at either."""
    for name in FORWARDS.values():
        assert not {"account", "region"} & set(central.rule_pattern(name)), name
    state_rule = EventPattern.load(json.dumps(central.rule_pattern("Ec2StateChangeRule")))
    for event in sample_events():
        forwarded = {**event, "account": MEMBER_ACCOUNT, "region": "us-east-1"}
        assert state_rule.matches_event(forwarded)


def test_forwarding_targets_the_central_bus_with_its_role_retries_and_a_dead_letter_queue(member, central):
    """aws_docs.EVENTBRIDGE_CROSS_ACCOUNT: a rule sending to another account's bus names an
    execution role (required when the receiver accepts an organisation, aws_docs.EVENTBRIDGE_PUT_PERMISSION)."""
    parameters = member_parameters(region="us-east-1")
    for forward, central_rule in FORWARDS.items():
        [target] = member.rule(forward)["Targets"]
        assert member.resolve(target["Arn"], parameters, {}) == central_bus(), forward
        assert target["RoleArn"] == {"Fn::GetAtt": ["ForwardRole", "Arn"]}, forward
        assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["ForwardDeadLetterQueue", "Arn"]}, forward
        [central_target] = central.rule(central_rule)["Targets"]
        assert target["RetryPolicy"] == central_target["RetryPolicy"], forward
        assert member.rule(forward)["EventBusName"] == "default"


def test_the_forward_role_can_only_put_events_on_the_central_bus(member):
    role = member.resources["ForwardRole"]["Properties"]
    [trust] = statements(role["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    [policy] = role["Policies"]
    [grant] = statements(policy["PolicyDocument"])
    assert grant["Action"] == "events:PutEvents"
    assert member.resolve(grant["Resource"], member_parameters(), {}) == central_bus()
    assert not role.get("ManagedPolicyArns")


def test_the_forward_dead_letter_queue_takes_only_the_forward_rules_and_is_alarmed(member):
    queue = member.resources["ForwardDeadLetterQueue"]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 1209600
    policy = member.resources["ForwardDeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]
    [allow] = [s for s in statements(policy) if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}, aws_docs.EVENTBRIDGE_RULE_DLQ
    assert allow["Action"] == "sqs:SendMessage"
    sources = allow["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert sorted(s["Fn::GetAtt"][0] for s in sources) == sorted(FORWARDS)
    [deny] = [s for s in statements(policy) if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    depth = member.resources["ForwardDeadLetterAlarm"]["Properties"]
    assert depth["MetricName"] == "ApproximateNumberOfMessagesVisible", aws_docs.SQS_METRICS
    assert depth["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["ForwardDeadLetterQueue", "QueueName"]}
    dropped = member.resources["ForwardDeadLetterFailedAlarm"]["Properties"]
    watched = {m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
               for m in dropped["Metrics"] if "MetricStat" in m}
    assert watched == set(FORWARDS), aws_docs.EVENTBRIDGE_METRICS
    assert {m["MetricStat"]["Metric"]["MetricName"] for m in dropped["Metrics"] if "MetricStat" in m} == {
        "InvocationsFailedToBeSentToDlq"}
    # EventBridge sends some rule metrics only when they are non-zero: a sum over rules must fill
    # the gaps, or one quiet rule makes the whole expression empty (aws_docs.METRIC_MATH).
    [expression] = [m["Expression"] for m in dropped["Metrics"] if "Expression" in m]
    assert expression == " + ".join(f"FILL({m['Id']}, 0)" for m in dropped["Metrics"] if "MetricStat" in m)
    for alarm in (depth, dropped):
        assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"


# ---------------------------------------------------------------- member: enrichment role


def test_only_the_central_normalizer_can_assume_the_enrichment_role(member):
    """aws_docs.IAM_CROSS_ACCOUNT_ROLE: the trust policy names the one principal allowed."""
    role = member.resources["EnrichmentRole"]["Properties"]
    [trust] = statements(role["AssumeRolePolicyDocument"])
    assert trust["Effect"] == "Allow"
    assert trust["Principal"] == {"AWS": {"Ref": "NormalizerRoleArn"}}
    assert trust["Action"] == "sts:AssumeRole"
    pattern = member.doc["Parameters"]["NormalizerRoleArn"]["AllowedPattern"]
    assert pattern.endswith(":role/[\\w+=,.@/-]+$"), "a role, never an account root or a wildcard"


def test_the_enrichment_role_can_do_nothing_but_describe_instances_and_read_tags(member):
    """ec2:DescribeInstances, tag:GetResources and autoscaling:DescribeTags have no resource-level permissions
    (aws_docs.ACTIONS_WITHOUT_RESOURCE_LEVEL), hence "*"."""
    role = member.resources["EnrichmentRole"]["Properties"]
    [policy] = role["Policies"]
    assert statements(policy["PolicyDocument"]) == [
        {"Sid": "DescribeInstancesOnly", "Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"},
        {"Sid": "ReadTagsOnly", "Effect": "Allow", "Action": "tag:GetResources", "Resource": "*"},
        {"Sid": "ReadAutoScalingTagsOnly", "Effect": "Allow", "Action": "autoscaling:DescribeTags",
         "Resource": "*"}]
    assert "ManagedPolicyArns" not in role


def test_the_enrichment_role_grants_what_the_central_normalizer_uses_at_home(member, central):
    """The member role allows exactly the lookups the normalizer's own role has on "*"."""
    from aws_docs import ACTIONS_WITHOUT_RESOURCE_LEVEL
    [policy] = member.resources["EnrichmentRole"]["Properties"]["Policies"]
    member_actions = {s["Action"] for s in statements(policy["PolicyDocument"])}
    central_actions = set()
    for policy in central.resources["NormalizerRole"]["Properties"]["Policies"]:
        for statement in statements(policy["PolicyDocument"]):
            if isinstance(statement, dict) and statement.get("Resource") == "*":
                central_actions.update(as_list(statement["Action"]))
    assert member_actions == central_actions == set(ACTIONS_WITHOUT_RESOURCE_LEVEL)


def test_the_role_name_is_the_one_the_central_normalizer_assumes(member, central):
    """The central grant is sts:AssumeRole on role/${EnrichmentRoleName} in any account
    (aws_docs.IAM_SWITCH_ROLES); the member creates exactly that name."""
    role = member.resources["EnrichmentRole"]["Properties"]
    assert role["RoleName"] == {"Ref": "EnrichmentRoleName"}
    assert member.doc["Parameters"]["EnrichmentRoleName"]["AllowedPattern"] == \
        central.doc["Parameters"]["EnrichmentRoleName"]["AllowedPattern"].replace("{0,64}", "{1,64}")
    normalizer = central.function("NormalizerFunction").environment
    assert normalizer["ENRICHMENT_ROLE_NAME"] == {"Ref": "EnrichmentRoleName"}


# ---------------------------------------------------------------- member: the generic rules


def member_policy_statements(member):
    for name, role in of_type(member.resources, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in statements(policy["PolicyDocument"]):
                yield name, statement, True
    for name, resource in of_type(member.resources, "AWS::SQS::QueuePolicy").items():
        for statement in statements(resource["Properties"]["PolicyDocument"]):
            yield name, statement, False


def test_member_has_no_wildcard_action_and_a_wildcard_resource_only_for_the_lookups(member):
    from aws_docs import ACTIONS_WITHOUT_RESOURCE_LEVEL
    found = list(member_policy_statements(member))
    assert len(found) == 6
    for where, statement, is_iam in found:
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{where}: wildcard action {action}"
        if "*" in as_list(statement.get("Resource", [])):
            [action] = as_list(statement["Action"])
            assert is_iam and action in ACTIONS_WITHOUT_RESOURCE_LEVEL, where


# ---------------------------------------------------------------- central: the bus policy


def test_a_single_account_deployment_opens_the_bus_to_no_one(central):
    present = central.present({"EmailFrom": "ore@example.com"})
    assert not [n for n in present if central.resources[n]["Type"] == "AWS::Events::EventBusPolicy"]


def test_the_bus_accepts_the_organisation_only_through_its_id(central):
    """Principal "*" bounded by aws:PrincipalOrgID (aws_docs.EVENTBRIDGE_PUT_PERMISSION,
    aws_docs.EVENTBRIDGE_BUS_PERMISSIONS); events:PutEvents on this default bus only."""
    parameters = {"OrganizationId": "o-abcdefghij", "AWS::Region": CENTRAL_REGION,
                  "AWS::AccountId": CENTRAL_ACCOUNT, "AWS::Partition": "aws"}
    present = central.present(parameters)
    assert "OrganizationEventBusPolicy" in present and "MemberAccountsEventBusPolicy" not in present
    policy = central.resources["OrganizationEventBusPolicy"]["Properties"]
    assert policy["EventBusName"] == "default"
    statement = central.resolve(policy["Statement"], parameters, {})
    assert statement == {
        "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents", "Resource": central_bus(),
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}}


def test_the_bus_accepts_listed_accounts_as_principals(central):
    parameters = {"MemberAccountIds": f"{MEMBER_ACCOUNT},333333333333"}
    present = central.present(parameters)
    assert "MemberAccountsEventBusPolicy" in present and "OrganizationEventBusPolicy" not in present
    policy = central.resources["MemberAccountsEventBusPolicy"]["Properties"]
    statement = policy["Statement"]
    assert statement["Principal"] == {"AWS": {"Fn::Split": [",", {"Ref": "MemberAccountIds"}]}}
    assert statement["Action"] == "events:PutEvents" and "Condition" not in statement
    assert statement["Resource"] == central.resources["OrganizationEventBusPolicy"]["Properties"][
        "Statement"]["Resource"]
    pattern = central.doc["Parameters"]["MemberAccountIds"]["AllowedPattern"]
    assert re.fullmatch(pattern, f"{MEMBER_ACCOUNT},333333333333")
    assert not re.fullmatch(pattern, "*") and not re.fullmatch(pattern, "12345")


def test_the_central_stack_outputs_what_the_member_template_asks_for(central, member):
    outputs = central.doc["Outputs"]
    assert outputs["NormalizerRoleArn"]["Value"] == {"Fn::GetAtt": ["NormalizerRole", "Arn"]}
    assert "CentralEventBusArn" in outputs
    assert {"CentralAccountId", "CentralRegion", "NormalizerRoleArn", "EnrichmentRoleName"} <= set(
        member.doc["Parameters"])


def test_each_stack_has_its_own_bus_policy_statements(central):
    """A StatementId is unique on the bus (aws_docs.EVENTBRIDGE_PUT_PERMISSION): each names its stack's
    id, so two ORE stacks in one account and region do not collide, within the 64 characters allowed."""
    ids = set()
    for stack_uuid in ("5e1f0b2a-7c3d-4e8f-9a1b-2c3d4e5f6a7b", "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d"):
        physical = {"AWS::StackId": f"arn:aws:cloudformation:{CENTRAL_REGION}:{CENTRAL_ACCOUNT}:stack/"
                                    f"a-long-stack-name-{'x' * 100}/{stack_uuid}"}
        for name in ("OrganizationEventBusPolicy", "MemberAccountsEventBusPolicy"):
            statement_id = central.resolve(central.resources[name]["Properties"]["StatementId"], {}, physical)
            assert re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", statement_id), statement_id
            assert stack_uuid in statement_id
            ids.add(statement_id)
    assert len(ids) == 4


def test_a_member_forwards_config_changes_only_when_told(member):
    """A recorder sends many changes: the member's ConfigChangeForwardRule is DISABLED unless
    ForwardConfigChanges is true (the central ConfigResourceTypes chooses the types)."""
    assert not member.rule_enabled("ConfigChangeForwardRule", member_parameters())
    assert member.rule_enabled("ConfigChangeForwardRule", member_parameters() | {"ForwardConfigChanges": "true"})
    assert all(member.rule_enabled(name, member_parameters()) for name in FORWARDS if name != "ConfigChangeForwardRule")
