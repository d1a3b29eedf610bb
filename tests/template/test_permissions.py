"""Each grant ORE needs in a real account, as the AWS documentation states it (moto enforces none
of them). One test per rule; each names the page it comes from (tests/template/aws_docs.py)."""
import json
import re

import aws_docs
from ore_harness.template import Template, of_type, ref
from test_wiring import CENTRAL_RULES, as_list, statements


def key_statement(resources, sid):
    [found] = [s for s in statements(resources["OreKey"]["Properties"]["KeyPolicy"]) if s.get("Sid") == sid]
    return found


def key_statements_for(resources, service):
    return [s for s in statements(resources["OreKey"]["Properties"]["KeyPolicy"])
            if service in as_list(s.get("Principal", {}).get("Service", []))]


def test_eventbridge_key_statement(resources):
    page = aws_docs.SNS_KMS_EVENT_SOURCES
    [statement] = key_statements_for(resources, "events.amazonaws.com")
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}, page
    assert "Condition" not in statement, f"no condition for EventBridge: {page}"
    assert set(as_list(statement["Action"])) == {"kms:GenerateDataKey*", "kms:Decrypt"}, page


def test_sns_and_cloudwatch_keep_their_confused_deputy_conditions(resources):
    for service, page in (("sns.amazonaws.com", aws_docs.SQS_KMS_SNS),
                          ("cloudwatch.amazonaws.com", aws_docs.CLOUDWATCH_ALARMS_ENCRYPTED_TOPIC)):
        [statement] = key_statements_for(resources, service)
        assert statement["Principal"] == {"Service": service}, "one service per statement"
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}, page
        assert "kms:Decrypt" in as_list(statement["Action"]), page


def test_logs_key_statement_is_the_documented_one(resources):
    page = aws_docs.LOGS_KMS
    statement = key_statement(resources, "LogsEncryptOreLogGroups")
    assert set(as_list(statement["Action"])) == aws_docs.DOCUMENTED_WILDCARD_ACTIONS[
        ("OreKey", "LogsEncryptOreLogGroups")]["actions"], page
    [condition] = statement["Condition"]["ArnLike"].values()
    assert ":log-group:/ore/" in json.dumps(condition), page


def test_documented_wildcard_exceptions_exist_and_name_a_page(resources):
    for (where, sid), rule in aws_docs.DOCUMENTED_WILDCARD_ACTIONS.items():
        assert rule["page"].startswith("https://docs.aws.amazon.com/")
        document = resources[where]["Properties"].get("KeyPolicy") or resources[where]["Properties"]["PolicyDocument"]
        [statement] = [s for s in statements(document) if s.get("Sid") == sid]
        assert rule["actions"] <= set(as_list(statement["Action"])), (where, sid, rule["page"])
        if statement["Effect"] == "Deny":
            assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, rule["page"]


def test_raw_topic_policy_has_no_condition_for_eventbridge(resources):
    page = aws_docs.EVENTBRIDGE_SNS_TOPIC_POLICY
    [policy] = [p["Properties"]["PolicyDocument"] for p in of_type(resources, "AWS::SNS::TopicPolicy").values()
                if [ref(t) for t in p["Properties"]["Topics"]] == ["RawEventsTopic"]]
    eventbridge = [s for s in statements(policy) if s["Effect"] == "Allow"
                   and s["Principal"] == {"Service": "events.amazonaws.com"}]
    assert len(eventbridge) == 1, page
    assert "Condition" not in eventbridge[0], f"Condition blocks are not supported here: {page}"
    assert as_list(eventbridge[0]["Action"]) == ["sns:Publish"], page


def test_rule_dead_letter_queue_accepts_exactly_ores_rules(resources):
    page = aws_docs.EVENTBRIDGE_RULE_DLQ
    [policy] = [p["Properties"]["PolicyDocument"] for p in of_type(resources, "AWS::SQS::QueuePolicy").values()
                if [ref(q) for q in p["Properties"]["Queues"]] == ["RuleDeadLetterQueue"]]
    [allow] = [s for s in statements(policy) if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}, page
    sources = {ref(a) for a in as_list(allow["Condition"]["ArnEquals"]["aws:SourceArn"])}
    rules = {name for name, r in of_type(resources, "AWS::Events::Rule").items()
             if r["Properties"]["EventBusName"] == "default"}
    assert sources == rules == CENTRAL_RULES, page
    for rule in rules:
        target = resources[rule]["Properties"]["Targets"][0]
        assert ref(target["DeadLetterConfig"]["Arn"]) == "RuleDeadLetterQueue", page


def test_ses_send_covers_every_identity_and_configuration_set_but_pins_the_sender(resources):
    pages = (aws_docs.SES_ACCESS, aws_docs.SES_V2_ACTIONS, aws_docs.SES_SANDBOX)
    [policy] = resources["EmailerRole"]["Properties"]["Policies"]
    [send] = [s for s in statements(policy["PolicyDocument"]) if "ses:SendEmail" in as_list(s["Action"])]
    # SES v2 SendEmail with raw content (the scheduled change's .ics) is authorised as
    # ses:SendRawEmail (docs/aws-names.yaml), and ses:FromAddress applies to both.
    assert as_list(send["Action"]) == ["ses:SendEmail", "ses:SendRawEmail"], (pages, aws_docs.SES_RAW_SEND)
    assert send["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "EmailFrom"}}}, pages
    rendered = [json.dumps(r) for r in as_list(send["Resource"])]
    # In the sandbox SES authorises the send against each recipient identity as well.
    assert any(":identity/*" in r for r in rendered), pages
    # A configuration set, named or an identity's default, is authorised too.
    assert any(":configuration-set/*" in r for r in rendered), pages
    assert all(r.count("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:") == 1 for r in rendered)


def test_functions_may_change_visibility_on_their_own_queue_only(resources):
    """Deferred records come back early through sqs:ChangeMessageVisibility (SQS_LAMBDA_VISIBILITY)."""
    for role, queue in (("NormalizerRole", "NormalizerQueue"), ("CsvFormatterRole", "CsvFormatterQueue"),
                        ("EmailerRole", "EmailerQueue")):
        [policy] = resources[role]["Properties"]["Policies"]
        grants = [s for s in statements(policy["PolicyDocument"])
                  if "sqs:ChangeMessageVisibility" in as_list(s["Action"])]
        assert [ref(g["Resource"]) for g in grants] == [queue], aws_docs.SQS_LAMBDA_VISIBILITY


def test_heartbeat_schedule_role_may_only_put_events_on_the_default_bus(resources):
    page = aws_docs.SCHEDULER_ROLE
    role = resources["HeartbeatSchedulerRole"]["Properties"]
    [trust] = statements(role["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}, page
    assert "aws:SourceAccount" in json.dumps(trust["Condition"]), page
    [policy] = role["Policies"]
    [statement] = statements(policy["PolicyDocument"])
    assert as_list(statement["Action"]) == ["events:PutEvents"], page
    assert "event-bus/default" in json.dumps(statement["Resource"]), page
    schedule = resources["HeartbeatSchedule"]["Properties"]
    assert ref(schedule["Target"]["RoleArn"]) == "HeartbeatSchedulerRole"
    assert schedule["Target"]["EventBridgeParameters"] == {"Source": "ore.canary", "DetailType": "ORE Heartbeat"}


def test_deployed_architecture_is_the_built_one(source_template):
    """`sam build` fixes the bootstrap's architecture; the Rules block keeps a deploy from
    declaring another one (x86_64 only with LocalEndpointUrl, i.e. local runs)."""
    rule = source_template["Rules"]["DeployedFunctionsAreArm64"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "LocalEndpointUrl"}, ""]}
    [assertion] = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "Architecture"}, "arm64"]}
    assert source_template["Parameters"]["Architecture"]["Default"] == "arm64"


def test_sender_parameter_pattern_accepts_what_the_readme_shows(source_template):
    import re
    import pathlib
    pattern = re.compile(source_template["Parameters"]["EmailFrom"]["AllowedPattern"])
    readme = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "emailer.md").read_text()
    emailer = Template().function("EmailerFunction")
    [variable] = [name for name, value in emailer.environment.items() if ref(value) == "EmailFrom"]
    [row] = [line for line in readme.splitlines() if line.startswith(f"| `{variable}` |")]
    examples = re.findall(r"`([^`]*@[^`]*)`", row)
    assert examples, row
    for example in examples:
        assert pattern.fullmatch(example), f"docs/emailer.md's {variable} example {example!r} fails the template's pattern"


def test_the_emailer_reads_replacement_templates_under_their_prefix_only(resources, source_template):
    """Only when a template bucket is set: s3:GetObject on `prefix*`, and s3:ListBucket (without
    which a missing key answers 403, not 404: S3_GET_OBJECT_PERMISSIONS) narrowed to the prefix
    by the s3:prefix condition key (S3_PREFIX_CONDITION)."""
    pages = (aws_docs.S3_GET_OBJECT_PERMISSIONS, aws_docs.S3_PREFIX_CONDITION)
    [policy] = resources["EmailerRole"]["Properties"]["Policies"]
    conditional = [s["Fn::If"] for s in policy["PolicyDocument"]["Statement"] if "Fn::If" in s]
    assert [c[0] for c in conditional] == ["HasTemplateBucket", "HasTemplateBucket"], pages
    assert all(c[2] == {"Ref": "AWS::NoValue"} for c in conditional)
    get, listing = (c[1] for c in conditional)
    assert get["Action"] == "s3:GetObject", pages
    assert get["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::${EmailTemplateBucket}/${EmailTemplatePrefix}*"}
    assert listing["Action"] == "s3:ListBucket", pages
    assert listing["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::${EmailTemplateBucket}"}
    assert listing["Condition"] == {"StringLike": {"s3:prefix": {"Fn::Sub": "${EmailTemplatePrefix}*"}}}, pages
    s3_grants = [s for s in statements(policy["PolicyDocument"])
                 if any(a.startswith("s3:") for a in as_list(s["Action"]))]
    assert len(s3_grants) == 2, "nothing else in S3"
    assert source_template["Conditions"]["HasTemplateBucket"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "EmailTemplateBucket"}, ""]}]}


def test_the_normalizer_may_assume_only_the_named_enrichment_role_and_only_when_set(resources, source_template):
    """Cross-account enrichment: the caller needs sts:AssumeRole on the role ARN (IAM_SWITCH_ROLES);
    the grant names the one role name (any account: the member's trust policy decides who gets in)
    and exists only when EnrichmentRoleName is set."""
    page = aws_docs.IAM_SWITCH_ROLES
    [policy] = resources["NormalizerRole"]["Properties"]["Policies"]
    [conditional] = [s["Fn::If"] for s in policy["PolicyDocument"]["Statement"] if "Fn::If" in s]
    assert conditional[0] == "HasEnrichmentRole" and conditional[2] == {"Ref": "AWS::NoValue"}, page
    grant = conditional[1]
    assert grant["Action"] == "sts:AssumeRole", page
    assert grant["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${EnrichmentRoleName}"}, page
    sts = [s for s in statements(policy["PolicyDocument"]) if any(a.startswith("sts:") for a in as_list(s["Action"]))]
    assert sts == [grant], "no other STS call"
    assert source_template["Conditions"]["HasEnrichmentRole"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "EnrichmentRoleName"}, ""]}]}
    assert source_template["Parameters"]["EnrichmentRoleName"]["Default"] == "", "single account by default"


def test_webhook_rules_dead_letter_into_their_own_queue_and_invoke_only_their_destinations(resources, source_template):
    """The API destinations on the ORE bus (off by default): each rule's target has a retry policy and the
    webhook dead-letter queue, whose policy admits exactly those rules (EVENTBRIDGE_RULE_DLQ); the role
    EventBridge invokes them with may invoke those destinations and nothing else."""
    page = aws_docs.EVENTBRIDGE_RULE_DLQ
    webhook_rules = {"WebhookRule", "PagerDutyRule"}
    rules = of_type(resources, "AWS::Events::Rule")
    assert {n for n, r in rules.items() if r["Properties"]["EventBusName"] == {"Ref": "OreEventBus"}} == webhook_rules
    for name in webhook_rules:
        [target] = rules[name]["Properties"]["Targets"]
        assert ref(target["DeadLetterConfig"]["Arn"]) == "WebhookDeadLetterQueue", page
        assert ref(target["RoleArn"]) == "WebhookInvokeRole"
        assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
        assert resources[name]["Condition"] in ("HasWebhook", "HasPagerDuty")
    [policy] = [p["Properties"]["PolicyDocument"] for p in of_type(resources, "AWS::SQS::QueuePolicy").values()
                if [ref(q) for q in p["Properties"]["Queues"]] == ["WebhookDeadLetterQueue"]]
    [allow] = [s for s in statements(policy) if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}, page
    sources = {ref(v["Fn::If"][1]) for v in allow["Condition"]["ArnEquals"]["aws:SourceArn"]}
    assert sources == webhook_rules, page
    role = resources["WebhookInvokeRole"]["Properties"]
    assert [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]] == [
        {"Service": "events.amazonaws.com"}]
    [statement] = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert statement["Action"] == "events:InvokeApiDestination"
    assert {ref(r["Fn::If"][1]) for r in statement["Resource"]} == {"WebhookDestination", "PagerDutyDestination"}


def test_no_credential_is_a_parameter_value_or_in_a_rule(source_template):
    """The webhooks' credentials are Secrets Manager dynamic references resolved into the connections,
    never a parameter's value (NoEcho or not) nor text in a rule's target."""
    connections = of_type(source_template["Resources"], "AWS::Events::Connection")
    assert set(connections) == {"WebhookConnection", "PagerDutyConnection"}
    for name, connection in connections.items():
        text = json.dumps(connection["Properties"]["AuthParameters"])
        assert "{{resolve:secretsmanager:${" in text, name
    for name, parameter in source_template["Parameters"].items():
        assert not parameter.get("NoEcho"), f"{name}: a secret passed as a parameter"
    for rule in of_type(source_template["Resources"], "AWS::Events::Rule").values():
        assert "secretsmanager" not in json.dumps(rule), "a credential in a rule"


def test_chat_posts_go_only_to_ores_chat_topics_and_channels_can_change_nothing(resources):
    """The chat-notifier may publish to ORE's chat topic and the ore-chat-* topics of its own account and
    region (what CHAT_ROUTES may name; the function refuses others at init); the channel configurations'
    role trusts Amazon Q Developer in chat applications, holds no permission, and their guardrail is
    read-only (without one the service applies AdministratorAccess)."""
    statements_ = [s for p in resources["ChatNotifierRole"]["Properties"]["Policies"]
                   for s in statements(p["PolicyDocument"])]
    [publish] = [s for s in statements_ if s["Action"] == "sns:Publish"]
    assert publish["Resource"] == [{"Ref": "ChatTopic"},
                                   {"Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:ore-chat-*"}]
    assert not [s for s in statements_ if s["Action"] != "sns:Publish" and "sns:" in json.dumps(s["Action"])]
    role = resources["ChatChannelRole"]
    assert role["Condition"] == "HasChatChannel"
    assert [s["Principal"] for s in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]] == [
        {"Service": "chatbot.amazonaws.com"}]
    assert "Policies" not in role["Properties"] and "ManagedPolicyArns" not in role["Properties"]
    for name, kind, condition in (("SlackChannel", "AWS::Chatbot::SlackChannelConfiguration", "HasSlack"),
                                  ("TeamsChannel", "AWS::Chatbot::MicrosoftTeamsChannelConfiguration", "HasTeams")):
        channel = resources[name]
        assert (channel["Type"], channel["Condition"]) == (kind, condition)
        props = channel["Properties"]
        assert props["GuardrailPolicies"] == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess"}]
        assert props["SnsTopicArns"] == [{"Ref": "ChatTopic"}]
        assert ref(props["IamRoleArn"]) == "ChatChannelRole"


def test_pagerdutys_input_template_quotes_only_values_of_aws_formats(source_template):
    """EventBridge places an input path's value inside quotes without escaping it, so a quote in a tag or
    name would break the alert's JSON: PagerDuty's template quotes only values whose format AWS or ORE
    fixes (ARN, ids, state, account, region, time, type); the message itself goes in as JSON."""
    [target] = source_template["Resources"]["PagerDutyRule"]["Properties"]["Targets"]
    transformer = target["InputTransformer"]
    template = transformer["InputTemplate"]["Fn::Sub"][0]
    quoted = set(re.findall(r'"[^"]*<([a-z_]+)>[^"]*"', template))
    fixed_formats = {"$.detail.data.resource_arn", "$.detail.data.resource_id", "$.detail.data.state",
                     "$.detail.data.account", "$.detail.data.region", "$.detail.time", "$.detail-type"}
    assert quoted and {transformer["InputPathsMap"][name] for name in quoted} <= fixed_formats
    assert "<message>}" in template.replace(" ", ""), "the message as an object, not quoted"
    json.loads(re.sub(r"<[a-z_]+>", "0", template.replace("${Severity}", "warning")))
