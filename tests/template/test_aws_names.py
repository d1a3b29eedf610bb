"""Every AWS name the templates and the code rely on is in docs/aws-names.yaml with its page and a
quoted phrase, and every name there is used: IAM actions, condition keys and the values they are
compared with, service principals, metrics with their dimensions, event sources and detail-types,
and the log fields AWS reads. The permissions and alarms tables of docs/deploying.md name the same."""
import json
import re

import pytest
import yaml

import aws_docs
from ore_harness.template import MEMBER_TEMPLATE, ROOT, TEMPLATE, Document, of_type

REGISTRY = yaml.safe_load((ROOT / "docs" / "aws-names.yaml").read_text())
TEMPLATES = {"template.yaml": Document(TEMPLATE), "member/template.yaml": Document(MEMBER_TEMPLATE)}
# The functions' own code: each crate's src, without its unit tests (which feed wrong names on purpose).
CODE = {path: text.split("#[cfg(test)]")[0] for path, text in
        ((p.relative_to(ROOT).as_posix(), p.read_text()) for p in sorted((ROOT / "crates").glob("*/src/**/*.rs")))}
IAM_NAME = re.compile(r"^(?:aws|kms|s3|ses|sns|sqs|sts|dynamodb|ec2|events|firehose|logs|cloudwatch|iam|tag|autoscaling):[A-Za-z0-9:*]+$")


def names(section, key="name"):
    return {entry[key] for entry in REGISTRY[section]}


def statements(value):
    """Every policy statement (a mapping with Effect) anywhere in `value`."""
    if isinstance(value, dict):
        if "Effect" in value and ("Action" in value or "NotAction" in value):
            yield value
        for child in value.values():
            yield from statements(child)
    elif isinstance(value, list):
        for child in value:
            yield from statements(child)


def as_list(value):
    return value if isinstance(value, list) else [value]


def all_statements():
    for document in TEMPLATES.values():
        yield from statements(document.resources)


def template_actions():
    return {a for s in all_statements() for a in as_list(s.get("Action", s.get("NotAction")))}


def granted_actions():
    return {a for s in all_statements() if s["Effect"] == "Allow" for a in as_list(s["Action"])}


def principal_name(value):
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    return text.replace("${AWS::Region}", "<region>")


def template_principals():
    found = set()
    for s in all_statements():
        principal = s.get("Principal")
        if isinstance(principal, dict) and "Service" in principal:
            found.update(principal_name(p) for p in as_list(principal["Service"]))
    return found


def template_conditions():
    found = {}
    for s in all_statements():
        for operator, pairs in s.get("Condition", {}).items():
            for key, value in pairs.items():
                found.setdefault(key, set()).add((operator, json.dumps(value, sort_keys=True)))
    return found


def template_metrics():
    """(namespace, metric) -> the dimension names alarms use, for every alarm of both templates."""
    found = {}
    for document in TEMPLATES.values():
        for alarm in of_type(document.resources, "AWS::CloudWatch::Alarm").values():
            props = alarm["Properties"]
            metrics = [props] if "MetricName" in props else [
                m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]
            for metric in metrics:
                dimensions = {d["Name"] for d in metric.get("Dimensions", [])}
                found.setdefault((metric["Namespace"], metric["MetricName"]), set()).update(dimensions)
    return found


def template_events():
    found = set()
    for document in TEMPLATES.values():
        for rule in of_type(document.resources, "AWS::Events::Rule").values():
            pattern = rule["Properties"].get("EventPattern")
            if not pattern:
                continue
            detail_types = pattern.get("detail-type", [])
            if isinstance(detail_types, dict):
                # A parameter chooses them (ScalingActivities): each it allows.
                detail_types = document.doc["Parameters"][detail_types["Ref"]]["AllowedValues"]
            for source in pattern.get("source", []):
                for detail_type in detail_types:
                    if source.startswith("aws."):
                        found.add((source, detail_type))
    return found


def readme_section(title, end):
    text = (ROOT / "docs" / "deploying.md").read_text()
    start = text.index(title)
    return text[start:text.index(end, start)]


def backticked(text):
    return set(re.findall(r"`([^`\n]+)`", text))


def test_every_name_cites_its_page_and_quotes_it():
    for section in ("iam-actions", "condition-keys", "service-principals", "metrics", "events", "log-fields",
                    "api-operations", "transforms"):
        assert REGISTRY[section], section
        for entry in REGISTRY[section]:
            assert entry["page"].startswith("https://"), entry
            assert isinstance(entry["quote"], str) and len(entry["quote"].split()) >= 2, entry
    for metric in REGISTRY["metrics"]:
        if "reported" in metric:
            assert metric["reported"] == "only when non-zero" and metric["quote_reported"], metric
    for question in REGISTRY["open-questions"]:
        assert question["pages"] and question["found"] and question["choice"], question


def test_the_templates_use_exactly_the_registered_actions():
    used = template_actions()
    assert {a for a in used if "*" not in a} == names("iam-actions")


def test_each_wildcard_family_is_a_documented_exception_naming_real_actions():
    families = {a for a in template_actions() if "*" in a}
    documented = {a for rule in aws_docs.DOCUMENTED_WILDCARD_ACTIONS.values() for a in rule["actions"]}
    assert families == documented
    for family in families:
        prefix = family.rstrip("*")
        assert any(name.startswith(prefix) for name in names("iam-actions")), family


def code_names(pattern):
    return {(path, m) for path, text in CODE.items() for m in re.findall(pattern, text)}


def test_every_action_the_code_names_is_registered_and_granted():
    """The code names the action each AWS call is authorised as, in its errors and fix hints."""
    named = {name for _, name in code_names(r'"((?:ses|sns|sqs|dynamodb|ec2|sts|s3):[A-Z][A-Za-z]+)"')}
    operations = {op["name"]: op["authorised_as"] for op in REGISTRY["api-operations"]}
    assert named - names("iam-actions") == set(operations), "a name the code uses is not registered"
    granted = granted_actions()
    for name in named:
        for action in operations.get(name, [name]):
            assert action in granted, f"{name}: {action} is granted to no role"
    assert {"ses:SendEmail", "ses:SendRawEmail"} <= named


def test_the_condition_keys_and_the_values_they_compare_are_registered():
    used = template_conditions()
    assert set(used) == names("condition-keys")
    for entry in REGISTRY["condition-keys"]:
        registered = {(v["operator"], json.dumps(v["value"], sort_keys=True)) for v in entry["values"]}
        assert used[entry["name"]] == registered, entry["name"]


def test_the_service_principals_are_registered():
    assert template_principals() == names("service-principals")


def test_the_alarms_watch_registered_metrics_by_their_exact_names_and_dimensions():
    registered = {(m["namespace"], m["name"]): set(m["dimensions"]) for m in REGISTRY["metrics"]}
    watched = {key: dims for key, dims in template_metrics().items() if key[0].startswith("AWS/")}
    for key, dimensions in watched.items():
        assert key in registered, f"{key}: no such metric is registered (names are case-sensitive)"
        assert dimensions <= registered[key], key
    verify = (ROOT / "ore_harness" / "verify.py").read_text() + (ROOT / "ore_harness" / "sinks.py").read_text()
    for key in set(registered) - set(watched):
        assert f'"{key[1]}"' in verify, f"{key} is registered but neither alarmed on nor read by verify"


def test_the_rules_and_the_adapters_read_registered_events():
    registered = {(e["source"], e["detail-type"]) for e in REGISTRY["events"]}
    assert template_events() == registered
    adapters = "".join(text for path, text in CODE.items() if path.startswith("crates/ore-model/"))
    for source, detail_type in registered:
        assert f'"{source}"' in adapters and f'"{detail_type}"' in adapters, (source, detail_type)
    sources = {name for _, name in code_names(r'"(aws\.[a-z0-9-]+)"')}
    assert sources <= {source for source, _ in registered}


def test_every_committed_aws_event_sample_is_a_registered_event_with_its_page():
    """events/eventbridge/ holds what AWS sends (the sample-events example reads the notice kinds'
    events from there): each is a registered (source, detail-type), whose entry names the page
    that documents its shape. A new kind's sample and its registry entry come together."""
    pages = {(e["source"], e["detail-type"]): e["page"] for e in REGISTRY["events"]}
    samples = sorted((ROOT / "events" / "eventbridge").glob("*.json"))
    assert len(samples) >= 9
    for sample in samples:
        event = json.loads(sample.read_text())
        key = (event["source"], event["detail-type"])
        assert key in pages, (sample.name, key)
        assert pages[key].startswith("https://docs.aws.amazon.com/"), (sample.name, pages[key])


def test_the_log_fields_aws_reads_are_where_the_registry_says():
    for field in REGISTRY["log-fields"]:
        for path in field["used_in"]:
            text = (ROOT / path).read_text()
            assert re.search(rf"(?<![A-Za-z_]){re.escape(field['name'])}(?![A-Za-z_])", text), (field["name"], path)
    metrics = CODE["crates/ore-lambda/src/metrics.rs"]
    emf_keys = set(re.findall(r'"(_aws|Timestamp|CloudWatchMetrics|Namespace|Dimensions|Metrics|Name|Unit)"',
                              metrics))
    assert emf_keys == names("log-fields") & emf_keys and len(emf_keys) == 8


def test_the_readme_permissions_table_names_what_the_registry_holds():
    section = readme_section("### Deploying: permissions and why", "### Alarms: nothing vanishes silently")
    tokens = backticked(section)
    iam = {t for t in tokens if IAM_NAME.match(t)}
    families = {a for rule in aws_docs.DOCUMENTED_WILDCARD_ACTIONS.values() for a in rule["actions"]}
    known = names("iam-actions") | names("condition-keys") | families
    assert iam - known == set(), "docs/deploying.md names what the registry does not"
    assert names("iam-actions") - iam == set(), "docs/deploying.md's table leaves these out"
    assert names("condition-keys") - iam == set(), "docs/deploying.md's table leaves these out"
    via_service = {principal_name(v["value"]) for c in REGISTRY["condition-keys"] if c["name"] == "kms:ViaService"
                   for v in c["values"]}
    principals = {t for t in tokens if t.endswith(".amazonaws.com")}
    assert names("service-principals") <= principals
    assert principals <= names("service-principals") | via_service


def test_the_readme_alarms_table_names_every_alarmed_metric():
    section = readme_section("### Alarms: nothing vanishes silently", "### Querying the record")
    table = section[:section.index("\n\n", section.index("| --- |"))]
    assert backticked(table) >= {name for _, name in template_metrics()}
    ore_metrics = {name for namespace, name in template_metrics() if namespace == "ORE"}
    ore_metrics |= set(re.findall(r'"Name": "([A-Za-z]+)"', CODE["crates/ore-lambda/src/metrics.rs"]))
    metric_names = {m["name"] for m in REGISTRY["metrics"]} | ore_metrics
    assert backticked(table) & metric_names == {name for _, name in template_metrics()}


@pytest.mark.parametrize("section", ["iam-actions", "condition-keys", "service-principals", "log-fields"])
def test_each_name_is_registered_once(section):
    listed = [entry["name"] for entry in REGISTRY[section]]
    assert len(listed) == len(set(listed))


def test_the_templates_declare_exactly_the_registered_transforms_in_the_documented_order():
    """The transforms as written (Document applies the language extensions): the one the loops need
    first, then SAM's."""
    from samtranslator.yaml_helper import yaml_parse

    declared = []
    for path in (TEMPLATE, MEMBER_TEMPLATE):
        transform = yaml_parse(path.read_text()).get("Transform", [])
        declared += transform if isinstance(transform, list) else [transform]
    assert declared == [entry["name"] for entry in REGISTRY["transforms"]]
