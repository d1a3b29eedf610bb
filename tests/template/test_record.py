"""The state store, the mail ledger and the archive (issue: event timing and the record), as the AWS
documentation says they must be set up in a real account. Each test names its page."""
import json
import pathlib
import re

import aws_docs
from ore_harness.template import of_type, ref
from test_wiring import as_list, statements

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "resource-state-changed.v1.json").read_text())
# Every resource message is archived (the subscription keeps what carries resource_type): the
# table's data struct holds the state change's fields and each notice kind's object.
# Every notice kind's schema: each resource-*.v1.json but the state change's.
NOTICE_SCHEMAS = [json.loads(path.read_text()) for path in sorted((ROOT / "schemas").glob("resource-*.v1.json"))
                  if path.name != "resource-state-changed.v1.json"]


def role_statements(resources, role):
    return [s for p in resources[role]["Properties"].get("Policies", []) for s in statements(p["PolicyDocument"])]


def statements_on(resources, role, logical_id):
    return [s for s in role_statements(resources, role)
            if logical_id in {ref(r) for r in as_list(s["Resource"])}]


def get_att(value):
    """`Fn::GetAtt` target's logical id, or None."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return (target.split(".") if isinstance(target, str) else target)[0]
    return None


def test_tables_are_on_demand_encrypted_with_ores_key_recoverable_and_expire_items(resources):
    page = aws_docs.DYNAMODB_KMS
    rust = (ROOT / "crates" / "ore-lambda" / "src" / "dynamodb.rs").read_text()
    [ttl_attribute] = re.findall(r'pub const TTL_ATTRIBUTE: &str = "(\w+)";', rust)
    for name in ("StateTable", "MailLedgerTable"):
        props = resources[name]["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["SSESpecification"]["SSEEnabled"] is True and props["SSESpecification"]["SSEType"] == "KMS", page
        assert get_att(props["SSESpecification"]["KMSMasterKeyId"]) == "OreKey", page
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["TimeToLiveSpecification"] == {"AttributeName": ttl_attribute, "Enabled": True}, \
            aws_docs.DYNAMODB_TTL
        assert resources[name]["DeletionPolicy"] == "Retain", "the record outlives the stack"
    assert resources["OreKey"]["DeletionPolicy"] == "Retain", "the retained record stays readable"


def test_the_key_lets_dynamodb_use_it_as_documented(resources):
    page = aws_docs.DYNAMODB_KMS
    key = {s["Sid"]: s for s in statements(resources["OreKey"]["Properties"]["KeyPolicy"])}
    via = key["DynamoDbUsesKeyForAccountPrincipals"]
    assert set(via["Action"]) == {"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                  "kms:CreateGrant", "kms:DescribeKey"}, page
    assert set(via["Condition"]["StringEquals"]) == {"kms:ViaService", "kms:CallerAccount"}, page
    assert key["DynamoDbReadsKeyMetadata"]["Principal"] == {"Service": "dynamodb.amazonaws.com"}, page


def test_each_function_touches_only_its_own_table_with_the_calls_it_makes(resources):
    page = aws_docs.DYNAMODB_TRANSACTIONS_IAM
    for role, table, actions in (
            ("NormalizerRole", "StateTable", {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"}),
            ("EmailerRole", "MailLedgerTable",
             {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"})):
        dynamo = [s for s in role_statements(resources, role)
                  if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
        assert len(dynamo) == 1, role
        assert set(as_list(dynamo[0]["Action"])) == actions, (role, page)
        assert [get_att(r) for r in as_list(dynamo[0]["Resource"])] == [table], role
        [kms] = [s for s in role_statements(resources, role) if s.get("Sid") == "UseOreKeyThroughDynamoDb"]
        assert kms["Condition"]["StringEquals"]["kms:ViaService"] == {
            "Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com"}, aws_docs.DYNAMODB_KMS
    for role in of_type(resources, "AWS::IAM::Role"):
        if role in ("NormalizerRole", "EmailerRole"):
            continue
        assert not any(a.startswith("dynamodb:") for s in role_statements(resources, role)
                       for a in as_list(s["Action"])), role


def test_functions_are_told_their_tables(resources):
    env = {name: resources[name]["Properties"]["Environment"]["Variables"]
           for name in ("NormalizerFunction", "EmailerFunction")}
    assert ref(env["NormalizerFunction"]["STATE_TABLE"]) == "StateTable"
    assert ref(env["EmailerFunction"]["MAIL_LEDGER_TABLE"]) == "MailLedgerTable"
    lease = int(env["EmailerFunction"]["MAIL_CLAIM_LEASE_SECONDS"])
    assert lease > resources["EmailerFunction"]["Properties"]["Timeout"], \
        "an unconfirmed claim is abandoned only after its invocation must have ended"


def test_the_archive_subscription_uses_the_documented_role_and_leaves_heartbeats_out(resources):
    page = aws_docs.SNS_FIREHOSE_ROLE
    sub = resources["ArchiveSubscription"]["Properties"]
    assert sub["Protocol"] == "firehose" and ref(sub["TopicArn"]) == "NormalizedTopic"
    assert get_att(sub["Endpoint"]) == "ArchiveDeliveryStream"
    assert sub["RawMessageDelivery"] is True, "one message per line, no SNS envelope"
    assert get_att(sub["SubscriptionRoleArn"]) == "ArchiveSubscriptionRole", page
    role = resources["ArchiveSubscriptionRole"]["Properties"]
    [trust] = statements(role["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "sns.amazonaws.com"}, page
    # The page's trust policy has no condition; one SNS might not send would archive nothing.
    assert "Condition" not in trust, page
    [grant] = role_statements(resources, "ArchiveSubscriptionRole")
    assert set(grant["Action"]) == {"firehose:DescribeDeliveryStream", "firehose:ListDeliveryStreams",
                                    "firehose:ListTagsForDeliveryStream", "firehose:PutRecord",
                                    "firehose:PutRecordBatch"}, page
    assert [get_att(r) for r in as_list(grant["Resource"])] == ["ArchiveDeliveryStream"], page
    # The filter: standard messages carry resource_type (ore_model routing_attributes), heartbeats do not.
    assert sub["FilterPolicy"] == {"resource_type": [{"exists": True}]}
    rust = (ROOT / "crates" / "ore-model" / "src" / "resource" / "mod.rs").read_text()
    assert '("resource_type", &self.resource_type)' in rust


def test_firehose_writes_only_the_archive_with_the_documented_actions(resources):
    page = aws_docs.FIREHOSE_S3_ACCESS
    role = resources["FirehoseArchiveRole"]["Properties"]
    [trust] = statements(role["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "AWS::AccountId"}}}, page
    grants = {s["Sid"]: s for s in role_statements(resources, "FirehoseArchiveRole")}
    assert set(grants["WriteTheArchive"]["Action"]) == {
        "s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket",
        "s3:ListBucketMultipartUploads", "s3:PutObject"}, page
    kms = grants["EncryptTheArchive"]
    assert set(kms["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}, page
    assert set(kms["Condition"]) == {"StringEquals"}, page
    assert set(kms["Condition"]["StringEquals"]) == {"kms:ViaService", "kms:EncryptionContext:aws:s3:arn"}, page
    # With an S3 Bucket Key the encryption context is the bucket's ARN, never an object's.
    assert resources["ArchiveBucket"]["Properties"]["BucketEncryption"][
        "ServerSideEncryptionConfiguration"][0]["BucketKeyEnabled"] is True
    context = kms["Condition"]["StringEquals"]["kms:EncryptionContext:aws:s3:arn"]
    assert context == {"Fn::GetAtt": ["ArchiveBucket", "Arn"]}, aws_docs.S3_BUCKET_KEY


def test_the_archive_is_partitioned_compressed_encrypted_private_and_expires(resources):
    stream = resources["ArchiveDeliveryStream"]["Properties"]["ExtendedS3DestinationConfiguration"]
    assert stream["Prefix"] == "messages/date=!{timestamp:yyyy-MM-dd}/", aws_docs.FIREHOSE_PREFIXES
    assert stream["ErrorOutputPrefix"].startswith("errors/"), aws_docs.FIREHOSE_PREFIXES
    assert stream["CompressionFormat"] == "GZIP"
    assert get_att(stream["EncryptionConfiguration"]["KMSEncryptionConfig"]["AWSKMSKeyARN"]) == "OreKey"
    bucket = resources["ArchiveBucket"]["Properties"]
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["ArchiveTiers"]["Prefix"] == "messages/"
    assert rules["ArchiveTiers"]["ExpirationInDays"] == {"Ref": "ArchiveRetentionDays"}
    # Glue reads exactly where Firehose writes (partition projection, no crawler).
    table = resources["ArchiveTable"]["Properties"]["TableInput"]
    template = table["Parameters"]["storage.location.template"]["Fn::Sub"]
    assert template == "s3://${ArchiveBucket}/messages/date=${!date}/", aws_docs.ATHENA_PARTITION_PROJECTION
    assert table["Parameters"]["projection.date.format"] == "yyyy-MM-dd"
    assert [k["Name"] for k in table["PartitionKeys"]] == ["date"]


def struct_fields(hive_type):
    """Top-level field names of a Hive struct<...> type."""
    body = hive_type.strip()[len("struct<"):-1]
    fields, depth, current = [], 0, ""
    for char in body:
        depth += char == "<"
        depth -= char == ">"
        if char == "," and depth == 0:
            fields.append(current)
            current = ""
        else:
            current += char
    fields.append(current)
    return {f.split(":", 1)[0]: f.split(":", 1)[1] for f in fields}


def test_the_glue_table_is_the_standard_message_schema(resources):
    columns = {c["Name"]: c["Type"] for c in
               resources["ArchiveTable"]["Properties"]["TableInput"]["StorageDescriptor"]["Columns"]}
    assert set(columns) <= set(SCHEMA["properties"]), "every column is a message attribute"
    data = struct_fields(columns["data"])
    fields = set(SCHEMA["$defs"]["data"]["properties"])
    for notice in NOTICE_SCHEMAS:
        kind = set(notice["$defs"]["data"]["properties"]) - fields
        fields |= kind
        for name in kind:
            # The rebalance recommendation's object is empty: Hive has no empty struct, `type` names it.
            # A kind's plain fields (a Health event's resource_name, tags) have no definition.
            if notice["$defs"].get(name, {}).get("properties"):
                assert set(struct_fields(data[name])) == set(notice["$defs"][name]["properties"]), name
    assert set(data) == fields - {"rebalance_recommendation"}, "data holds every field the schemas have"
    assert set(struct_fields(data["instance"])) == set(SCHEMA["$defs"]["instance"]["properties"])
    assert set(struct_fields(data["timing"])) == set(SCHEMA["$defs"]["timing"]["properties"])


def test_saved_queries_read_only_columns_the_table_has(resources):
    columns = {c["Name"]: c["Type"] for c in
               resources["ArchiveTable"]["Properties"]["TableInput"]["StorageDescriptor"]["Columns"]}
    data = struct_fields(columns["data"])
    queries = of_type(resources, "AWS::Athena::NamedQuery")
    assert len(queries) == 4
    for name, query in queries.items():
        props = query["Properties"]
        assert ref(props["Database"]) == "ArchiveDatabase" and ref(props["WorkGroup"]) == "ArchiveWorkGroup"
        sql = props["QueryString"]
        assert "FROM messages" in sql, name
        for path in re.findall(r"\bdata\.([a-z_]+)(?:\.([a-z_]+))?", sql):
            field, sub = path
            assert field in data, (name, field)
            if sub:
                assert sub in struct_fields(data[field]), (name, field, sub)


def test_what_outlives_the_stack_is_what_the_readme_says(source_template):
    """docs/deploying.md "Tear down" lists what `sam delete` keeps; the template's Retain policies are that list."""
    retained = sorted(name for name, r in source_template["Resources"].items()
                      if r.get("DeletionPolicy") == "Retain")
    assert retained == ["ArchiveBucket", "MailLedgerTable", "OreKey", "StateTable"]
    doc = (ROOT / "docs" / "deploying.md").read_text()
    start = doc.index("### Tear down")
    teardown = doc[start:doc.index("\n## ", start)]
    for words in ("the KMS key", "the state table", "the mail ledger", "the archive bucket"):
        assert words in teardown, words
    assert "scheduled for deletion" not in teardown


def test_the_archive_is_one_json_object_per_line_whether_or_not_sns_adds_a_newline(resources):
    """No page says SNS delimits raw messages into Firehose (aws_docs.SNS_FIREHOSE_ROLE), and Firehose
    concatenates records without one: the stream appends a newline (aws_docs.FIREHOSE_PROCESSOR). If SNS
    adds one as well, the blank line is skipped by the table (ignore.malformed.json) and every saved
    query (each filters on type)."""
    from ore_harness.stack import firehose_records
    from ore_harness.template import Template
    stream = Template().resources["ArchiveDeliveryStream"]["Properties"]
    processing = stream["ExtendedS3DestinationConfiguration"]["ProcessingConfiguration"]
    assert processing == {"Enabled": True, "Processors": [{"Type": "AppendDelimiterToRecord"}]}, \
        aws_docs.FIREHOSE_PROCESSOR
    messages = [json.dumps({"id": str(n), "type": "org.ore.resource.state-changed"}) for n in range(3)]
    for sns_newline in ("", "\n"):
        body = b"".join(firehose_records([m + sns_newline for m in messages], stream)).decode()
        lines = body.split("\n")
        assert [json.loads(line)["id"] for line in lines if line.strip()] == ["0", "1", "2"]
        assert all(line == "" or line.startswith("{") for line in lines)
    table = resources["ArchiveTable"]["Properties"]["TableInput"]["StorageDescriptor"]["SerdeInfo"]
    assert table["Parameters"]["ignore.malformed.json"] == "true"
    for name, query in of_type(resources, "AWS::Athena::NamedQuery").items():
        assert "WHERE type = " in query["Properties"]["QueryString"], name
