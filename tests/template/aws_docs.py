"""The AWS documentation pages ORE's grants follow, one constant each, so every permission test
names its source and the "Deploying: permissions and why" table of docs/deploying.md can cite the same."""

SNS_KMS_EVENT_SOURCES = (
    "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services")
EVENTBRIDGE_SNS_TOPIC_POLICY = (
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions")
EVENTBRIDGE_RULE_DLQ = (
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html")
SQS_KMS_SNS = (
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html"
    "#compatibility-with-aws-services")
CLOUDWATCH_ALARMS_ENCRYPTED_TOPIC = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html")
LOGS_KMS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"
SES_ACCESS = "https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html"
SES_V2_ACTIONS = (
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsimpleemailservicev2.html")
SES_SANDBOX = "https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html"
SQS_LAMBDA_VISIBILITY = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html"
LAMBDA_SQS_SCALING = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html"
SCHEDULER_ROLE = "https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role"
EVENTBRIDGE_METRICS = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html"
SNS_METRICS = "https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html"
SQS_METRICS = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html"
LAMBDA_METRICS = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html"
EMF_SPEC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html"
DYNAMODB_KMS = "https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html"
DYNAMODB_TRANSACTIONS_IAM = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html")
DYNAMODB_TTL = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html"
SNS_FIREHOSE_ROLE = "https://docs.aws.amazon.com/sns/latest/dg/prereqs-kinesis-data-firehose.html"
FIREHOSE_S3_ACCESS = "https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3"
FIREHOSE_PREFIXES = "https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html"
ATHENA_PARTITION_PROJECTION = "https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html"
S3_DENY_INSECURE_TRANSPORT = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit")
EC2_EVENTUAL_CONSISTENCY = "https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html"

# Key-policy (and deny) statements whose AWS page uses action families (`kms:GenerateDataKey*` ...): a
# hand-narrowed list risks a failure AWS reports nowhere but in a missing notification or log.
# (logical id, Sid) -> the actions with `*` allowed there, and the page.
DOCUMENTED_WILDCARD_ACTIONS = {
    ("OreKey", "EventBridgePublishesToEncryptedTopic"): {
        "actions": {"kms:GenerateDataKey*"}, "page": SNS_KMS_EVENT_SOURCES},
    ("OreKey", "CloudWatchAlarmsPublishToEncryptedTopic"): {
        "actions": {"kms:GenerateDataKey*"}, "page": SNS_KMS_EVENT_SOURCES},
    ("OreKey", "DynamoDbUsesKeyForAccountPrincipals"): {
        "actions": {"kms:ReEncrypt*", "kms:GenerateDataKey*"}, "page": DYNAMODB_KMS},
    ("OreKey", "DynamoDbReadsKeyMetadata"): {
        "actions": {"kms:Describe*", "kms:Get*", "kms:List*"}, "page": DYNAMODB_KMS},
    # A deny of every S3 action over plain HTTP: the documented way to require TLS.
    ("ArchiveBucketPolicy", "DenyInsecureTransport"): {
        "actions": {"s3:*"}, "page": S3_DENY_INSECURE_TRANSPORT},
    ("OreKey", "LogsEncryptOreLogGroups"): {
        "actions": {"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
        "page": LOGS_KMS},
}
RDS_EVENTS = "https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-rds.html"
CONFIG_EVENTS = "https://docs.aws.amazon.com/config/latest/developerguide/monitor-config-with-cloudwatchevents.html"
ECS_TASK_EVENTS = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html"
EBS_EVENTS = "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-cloud-watch-events.html"
HEALTH_EVENT_SCHEMA = "https://docs.aws.amazon.com/health/latest/ug/aws-health-events-eventbridge-schema.html"
EC2_SPOT_INTERRUPTION_NOTICES = (
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html")
S3_GET_OBJECT_PERMISSIONS = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html"
S3_PREFIX_CONDITION = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html"
IAM_SWITCH_ROLES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html"
EVENTBRIDGE_CROSS_ACCOUNT = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html"
EVENTBRIDGE_BUS_PERMISSIONS = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html"
EVENTBRIDGE_PUT_PERMISSION = "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutPermission.html"
IAM_CROSS_ACCOUNT_ROLE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/tutorial_cross-account-with-roles.html"
EC2_ACTIONS = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html"
TAGGING_ACTIONS = (
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_resourcegroupstaggingapi.html")
# The read-only actions ORE grants on "*" because AWS documents no resource-level permissions for
# them (the Resource types column is empty on their page): enrichment's two lookups.
AUTOSCALING_ACTIONS = (
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html")
ACTIONS_WITHOUT_RESOURCE_LEVEL = {"ec2:DescribeInstances": EC2_ACTIONS, "tag:GetResources": TAGGING_ACTIONS,
                                  "autoscaling:DescribeTags": AUTOSCALING_ACTIONS}
AUTOSCALING_EVENTS = "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-event-reference.html"
STACKSETS_TRANSFORMS = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-concepts.html")
METRIC_MATH = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html"
S3_BUCKET_KEY = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-bucket-key.html"
LAMBDA_LOG_LEVEL_FILTERING = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html"
FIREHOSE_PROCESSOR = "https://docs.aws.amazon.com/firehose/latest/APIReference/API_Processor.html"
# Not a service reference page: SES v2 SendEmail with raw content is authorised as ses:SendRawEmail
# (docs/aws-names.yaml: the Knowledge Center's advice and SES's own refusals).
SES_RAW_SEND = "https://repost.aws/knowledge-center/amazon-ses-send-email-unauthorized-error"
