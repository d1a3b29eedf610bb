//! The normalizer's handler against real AWS APIs served by the emulator (moto server over
//! HTTP, through the real SDK clients): instances launched with tags, the committed sample
//! events pointed at them, and the published messages read back by a raw-delivery subscriber.

use aws_lambda_events::sqs::SqsEvent;
use aws_sdk_ec2::types::{InstanceType, ResourceType, Tag, TagSpecification};
use normalizer::store::dynamodb::DynamoStateStore;
use normalizer::{AwsDescriber, DescribeResources, IgnoreRule, Normalizer, Settling};
use ore_lambda::sns::SnsTopic;
use ore_model::ec2::InstanceState;
use serde_json::Value;
use test_support::{
    create_table, emulator_config, failed_ids, load_sqs_event, message_ids, SdkConfig,
    StandardSchema, TappedTopic,
};

/// The instance id the committed samples name; tests swap in an instance they launched.
const SAMPLE_INSTANCE: &str = "i-0abc1234def567890";
const REGION: &str = "eu-west-1";

struct Fixture {
    config: SdkConfig,
    tap: TappedTopic,
    ec2: aws_sdk_ec2::Client,
    table: String,
}

type Subject = Normalizer<AwsDescriber, SnsTopic, DynamoStateStore>;

impl Fixture {
    async fn new() -> Self {
        let config = emulator_config().await;
        let tap = TappedTopic::create(&config, "normalized").await;
        let ec2 = aws_sdk_ec2::Client::from_conf(
            aws_sdk_ec2::config::Builder::from(&config)
                .region(aws_sdk_ec2::config::Region::new(REGION))
                .build(),
        );
        let table = create_table(&config, "StateTable").await;
        Fixture {
            config,
            tap,
            ec2,
            table,
        }
    }

    fn store(&self) -> DynamoStateStore {
        self.store_in(&self.table)
    }

    fn store_in(&self, table: &str) -> DynamoStateStore {
        DynamoStateStore::new(
            aws_sdk_dynamodb::Client::new(&self.config),
            table,
            std::time::Duration::from_secs(86_400),
        )
    }

    fn normalizer(&self, rule: IgnoreRule) -> Subject {
        self.normalizer_describing_with(&self.config, rule)
    }

    /// The normalizer whose lookups (EC2, the Tagging API) use `aws`.
    fn normalizer_describing_with(&self, aws: &aws_config::SdkConfig, rule: IgnoreRule) -> Subject {
        Normalizer::new(
            AwsDescriber::new(aws),
            SnsTopic::new(aws_sdk_sns::Client::new(&self.config), &self.tap.topic_arn),
            self.store(),
            rule,
            Settling::default(),
        )
    }

    async fn launch(&self, tags: &[(&str, &str)]) -> String {
        let tags = TagSpecification::builder()
            .resource_type(ResourceType::Instance)
            .set_tags(Some(
                tags.iter()
                    .map(|(k, v)| Tag::builder().key(*k).value(*v).build())
                    .collect(),
            ))
            .build();
        let output = self
            .ec2
            .run_instances()
            .image_id("ami-12c6146b")
            .instance_type(InstanceType::T3Micro)
            .min_count(1)
            .max_count(1)
            .tag_specifications(tags)
            .send()
            .await
            .expect("run instance in the emulator");
        output.instances()[0]
            .instance_id()
            .expect("instance id")
            .to_owned()
    }
}

fn default_rule() -> IgnoreRule {
    IgnoreRule::new("ore:ignore", "true")
}

/// A committed SQS sample with its instance id replaced (it appears in the body either way).
fn sample_for(file: &str, instance_id: &str) -> SqsEvent {
    let mut event = load_sqs_event(file);
    for record in &mut event.records {
        record.body = record
            .body
            .take()
            .map(|b| b.replace(SAMPLE_INSTANCE, instance_id));
    }
    event
}

#[tokio::test]
async fn every_state_both_deliveries_yields_one_enriched_schema_valid_message() {
    let fixture = Fixture::new().await;
    let instance_id = fixture
        .launch(&[
            ("Name", "web-01"),
            ("team", "payments"),
            ("ore:ignore", "false"),
        ])
        .await;
    let schema = StandardSchema::load();

    // Both deliveries of a state carry the same EventBridge event: each delivery style gets a
    // normalizer with a state table of its own, or the second would be a duplicate.
    for delivery in ["sns-envelope", "raw-delivery"] {
        let table = create_table(&fixture.config, "StateTable").await;
        let normalizer = Normalizer::new(
            AwsDescriber::new(&fixture.config),
            SnsTopic::new(
                aws_sdk_sns::Client::new(&fixture.config),
                &fixture.tap.topic_arn,
            ),
            fixture.store_in(&table),
            default_rule(),
            Settling::default(),
        );
        for state in InstanceState::ALL {
            let file = format!("events/sqs/normalizer-{state}-{delivery}.json");
            let event = sample_for(&file, &instance_id);
            let started = chrono::Utc::now();
            let response = test_support::run_batch(&normalizer, &event)
                .await
                .expect("handler");
            assert!(
                response.batch_item_failures.is_empty(),
                "{file}: {response:?}"
            );

            let received = fixture.tap.receive(1).await;
            assert_eq!(received.len(), 1, "{file}: exactly one message");
            let message = received[0].json();
            schema.assert_valid(&message);

            let source_event =
                test_support::load_json(&format!("events/eventbridge/ec2-instance-{state}.json"));
            assert_eq!(message["subject"], instance_id.as_str());
            assert_eq!(message["time"], source_event["time"]);
            assert_eq!(message["source"], "urn:ore:aws:123456789012:eu-west-1");
            assert_eq!(message["type"], "org.ore.resource.state-changed");
            let data = &message["data"];
            assert_eq!(data["state"], state.as_str());
            assert_eq!(data["account"], "123456789012");
            assert_eq!(data["region"], REGION);
            assert_eq!(data["resource_type"], "ec2:instance");
            assert_eq!(data["resource_id"], instance_id.as_str());
            assert_eq!(
                data["resource_arn"],
                format!("arn:aws:ec2:eu-west-1:123456789012:instance/{instance_id}")
            );
            assert_eq!(data["source_event_id"], source_event["id"]);
            assert_eq!(data["enrichment"], "enriched");
            let processed: chrono::DateTime<chrono::Utc> =
                data["processed_at"].as_str().unwrap().parse().unwrap();
            assert!(processed >= started - chrono::Duration::milliseconds(1));

            let instance = &data["instance"];
            assert_eq!(instance["name"], "web-01");
            assert_eq!(instance["instance_type"], "t3.micro");
            assert!(instance["availability_zone"]
                .as_str()
                .unwrap()
                .starts_with(REGION));
            assert!(instance["private_ip"].is_string());
            assert!(instance["vpc_id"].as_str().unwrap().starts_with("vpc-"));
            assert!(instance["subnet_id"]
                .as_str()
                .unwrap()
                .starts_with("subnet-"));
            assert!(instance["launch_time"].is_string());
            assert_eq!(instance["architecture"], "x86_64");
            assert_eq!(instance["tags"]["team"], "payments");
            assert_eq!(instance["tags"]["Name"], "web-01");

            let attributes = &received[0].attributes;
            assert_eq!(attributes["state"], state.as_str());
            assert_eq!(attributes["resource_type"], "ec2:instance");
            assert_eq!(attributes["account"], "123456789012");
            assert_eq!(attributes["region"], REGION);
        }
    }
}

#[tokio::test]
async fn a_redelivered_event_publishes_nothing_new() {
    let fixture = Fixture::new().await;
    let instance_id = fixture.launch(&[("Name", "db-01")]).await;
    let normalizer = fixture.normalizer(default_rule());
    let event = sample_for(
        "events/sqs/normalizer-running-raw-delivery.json",
        &instance_id,
    );
    for delivery in ["first", "second"] {
        let response = test_support::run_batch(&normalizer, &event).await.unwrap();
        assert!(
            failed_ids(&response).is_empty(),
            "{delivery} delivery failed"
        );
    }
    let received = fixture.tap.receive(1).await;
    assert_eq!(received.len(), 1, "one message for two deliveries");
    assert_eq!(received[0].json()["data"]["timing"]["late"], false);
}

#[tokio::test]
async fn the_day_in_order_then_reversed_gives_timing_from_the_table() {
    let fixture = Fixture::new().await;
    let instance_id = fixture.launch(&[("Name", "app-01")]).await;
    let normalizer = fixture.normalizer(default_rule());
    let event = |id: &str, time: &str, state: &str| {
        let body = serde_json::json!({
            "version": "0", "id": id, "detail-type": "EC2 Instance State-change Notification",
            "source": "aws.ec2", "account": "123456789012", "time": time, "region": REGION,
            "resources": [format!("arn:aws:ec2:{REGION}:123456789012:instance/{instance_id}")],
            "detail": {"instance-id": instance_id, "state": state}
        })
        .to_string();
        test_support::sqs_event(&[(id, &body)])
    };
    // Newest first: the older events arrive late.
    for (id, time, state) in [
        ("e3", "2026-11-26T12:00:00Z", "stopped"),
        ("e2", "2026-11-26T10:00:00Z", "running"),
        ("e1", "2026-11-26T09:59:00Z", "pending"),
        ("e4", "2026-11-26T13:30:00Z", "running"),
    ] {
        let response = test_support::run_batch(&normalizer, &event(id, time, state))
            .await
            .unwrap();
        assert!(failed_ids(&response).is_empty(), "{id}: {response:?}");
    }
    let received = fixture.tap.receive(4).await;
    let timing: Vec<Value> = received
        .iter()
        .map(|r| r.json()["data"]["timing"].clone())
        .collect();
    assert_eq!(timing.len(), 4);
    assert_eq!(
        timing.iter().map(|t| t["late"].clone()).collect::<Vec<_>>(),
        [false, true, true, false]
    );
    assert_eq!(timing[1]["current_state"], "stopped");
    assert_eq!(timing[3]["previous_state"], "stopped");
    assert_eq!(timing[3]["previous_state_since"], "2026-11-26T12:00:00Z");
    assert_eq!(timing[3]["previous_state_seconds"], 5400);
    for r in &received {
        StandardSchema::load().assert_valid(&r.json());
    }
}

#[tokio::test]
async fn ignored_instance_publishes_nothing() {
    let fixture = Fixture::new().await;
    let ignored = fixture
        .launch(&[("Name", "scratch"), ("ore:ignore", "TRUE")])
        .await;
    let normalizer = fixture.normalizer(default_rule());
    for delivery in ["sns-envelope", "raw-delivery"] {
        let event = sample_for(
            &format!("events/sqs/normalizer-stopped-{delivery}.json"),
            &ignored,
        );
        let response = test_support::run_batch(&normalizer, &event).await.unwrap();
        assert!(
            response.batch_item_failures.is_empty(),
            "ignoring is not a failure"
        );
    }
    assert!(
        fixture.tap.receive(0).await.is_empty(),
        "an ignored instance must not be published"
    );
}

#[tokio::test]
async fn any_value_rule_and_custom_key_are_honoured() {
    let fixture = Fixture::new().await;
    let tagged = fixture.launch(&[("monitoring", "off")]).await;
    let normalizer = fixture.normalizer(IgnoreRule::new("monitoring", ""));
    let event = sample_for("events/sqs/normalizer-running-raw-delivery.json", &tagged);
    let response = test_support::run_batch(&normalizer, &event).await.unwrap();
    assert!(failed_ids(&response).is_empty(), "ignoring is a success");
    assert!(fixture.tap.receive(0).await.is_empty());
}

#[tokio::test]
async fn unknown_instance_yields_a_not_enriched_message() {
    let fixture = Fixture::new().await;
    let normalizer = fixture.normalizer(default_rule());
    let event = sample_for(
        "events/sqs/normalizer-terminated-sns-envelope.json",
        "i-0fedcba9876543210",
    );
    let response = test_support::run_batch(&normalizer, &event).await.unwrap();
    assert!(response.batch_item_failures.is_empty());
    let received = fixture.tap.receive(1).await;
    assert_eq!(received.len(), 1);
    let message = received[0].json();
    StandardSchema::load().assert_valid(&message);
    assert_eq!(message["data"]["enrichment"], "not_found");
    assert_eq!(message["data"]["state"], "terminated");
    assert_eq!(message["data"]["instance"]["name"], Value::Null);
    assert_eq!(message["data"]["instance"]["tags"], serde_json::json!({}));
}

#[tokio::test]
async fn mixed_batch_reports_exactly_the_malformed_records() {
    let fixture = Fixture::new().await;
    let instance_id = fixture.launch(&[("Name", "web-02")]).await;
    let normalizer = fixture.normalizer(default_rule());
    let event = sample_for("events/sqs/normalizer-malformed-batch.json", &instance_id);
    let response = test_support::run_batch(&normalizer, &event).await.unwrap();
    assert_eq!(failed_ids(&response), message_ids(&event.records[1..]));
    let received = fixture.tap.receive(1).await;
    assert_eq!(received.len(), 1, "the good record is still published");
    assert_eq!(
        received[0].json()["data"]["resource_id"],
        instance_id.as_str()
    );
}

#[tokio::test]
async fn unreachable_ec2_fails_the_record_and_publishes_nothing() {
    let fixture = Fixture::new().await;
    // A port nothing listens on: the SDK's retries run out on connection errors.
    let unreachable = ore_lambda::sdk_config::load_sdk_config_at(
        &ore_lambda::sdk_config::SdkSettings::default(),
        "http://127.0.0.1:9",
    )
    .await;
    let normalizer = fixture.normalizer_describing_with(&unreachable, default_rule());
    let event = sample_for(
        "events/sqs/normalizer-running-raw-delivery.json",
        "i-0123456789abcdef0",
    );
    let response = test_support::run_batch(&normalizer, &event).await.unwrap();
    assert_eq!(failed_ids(&response), message_ids(&event.records[..1]));
    assert!(
        fixture.tap.receive(0).await.is_empty(),
        "no degraded message"
    );
}

#[tokio::test]
async fn missing_topic_is_a_reported_failure() {
    let fixture = Fixture::new().await;
    let instance_id = fixture.launch(&[("env", "test")]).await;
    let normalizer = Normalizer::new(
        AwsDescriber::new(&fixture.config),
        SnsTopic::new(
            aws_sdk_sns::Client::new(&fixture.config),
            "arn:aws:sns:eu-west-1:123456789012:does-not-exist",
        ),
        fixture.store(),
        default_rule(),
        Settling::default(),
    );
    let event = sample_for(
        "events/sqs/normalizer-stopped-raw-delivery.json",
        &instance_id,
    );
    let response = test_support::run_batch(&normalizer, &event).await.unwrap();
    assert_eq!(failed_ids(&response).len(), 1);
}

/// The schema a notice message names.
fn notice_schema(message: &Value) -> StandardSchema {
    let name = message["dataschema"]
        .as_str()
        .unwrap()
        .trim_start_matches("urn:ore:schema:")
        .trim_end_matches(":1");
    StandardSchema::load_file(&format!("schemas/{name}.v1.json"))
}

#[tokio::test]
async fn every_notice_kind_is_enriched_from_ec2_and_published_schema_valid() {
    let fixture = Fixture::new().await;
    let instance = fixture
        .launch(&[("Name", "web-01"), ("team", "payments")])
        .await;
    let ignored = fixture
        .launch(&[("Name", "scratch"), ("ore:ignore", "true")])
        .await;
    let normalizer = fixture.normalizer(default_rule());
    for (name, kind) in [
        (
            "health-scheduled-change",
            "org.ore.resource.change-scheduled",
        ),
        (
            "ec2-spot-interruption-warning",
            "org.ore.resource.spot-interruption-warned",
        ),
        (
            "ec2-rebalance-recommendation",
            "org.ore.resource.rebalance-recommended",
        ),
    ] {
        let file = format!("events/sqs/normalizer-{name}-sns-envelope.json");
        let event = sample_for(&file, &instance);
        let response = test_support::run_batch(&normalizer, &event).await.unwrap();
        assert!(response.batch_item_failures.is_empty(), "{name}");
        let received = fixture.tap.receive(1).await;
        assert_eq!(received.len(), 1, "{name}");
        let message = received[0].json();
        notice_schema(&message).assert_valid(&message);
        assert_eq!(message["type"], kind);
        assert_eq!(message["subject"], instance.as_str());
        assert_eq!(message["data"]["enrichment"], "enriched");
        assert_eq!(message["data"]["instance"]["tags"]["team"], "payments");
        assert_eq!(received[0].attributes["type"], kind);

        // Delivered again (EventBridge is at-least-once): the state table knows it went out.
        let event = sample_for(&file, &instance);
        let response = test_support::run_batch(&normalizer, &event).await.unwrap();
        assert!(response.batch_item_failures.is_empty(), "{name}");
        assert!(
            fixture.tap.receive(0).await.is_empty(),
            "{name}: published once"
        );

        let event = sample_for(&file, &ignored);
        let response = test_support::run_batch(&normalizer, &event).await.unwrap();
        assert!(
            response.batch_item_failures.is_empty(),
            "{name}: ignoring is not a failure"
        );
        assert!(
            fixture.tap.receive(0).await.is_empty(),
            "{name}: an ignored instance gets no notice"
        );
    }
}

#[tokio::test]
async fn a_scheduled_change_for_several_instances_publishes_one_notice_each() {
    let fixture = Fixture::new().await;
    let mut instances = Vec::new();
    for index in 0..3 {
        instances.push(fixture.launch(&[("Name", &format!("node-{index}"))]).await);
    }
    let mut event =
        load_sqs_event("events/sqs/normalizer-health-scheduled-change-sns-envelope.json");
    let body = event.records[0].body.take().unwrap();
    let mut envelope: Value = serde_json::from_str(&body).unwrap();
    let mut health: Value = serde_json::from_str(envelope["Message"].as_str().unwrap()).unwrap();
    health["detail"]["affectedEntities"] = instances
        .iter()
        .map(|id| serde_json::json!({"entityValue": id}))
        .collect();
    envelope["Message"] = health.to_string().into();
    event.records[0].body = Some(envelope.to_string());

    let response = test_support::run_batch(&fixture.normalizer(default_rule()), &event)
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty());
    let received = fixture.tap.receive(3).await;
    let mut names: Vec<String> = received
        .iter()
        .map(|r| {
            r.json()["data"]["instance"]["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names, ["node-0", "node-1", "node-2"]);
}

/// Six changes of one instance a second apart in one batch, through the emulator's DynamoDB and
/// SNS: the instance's records go one after the other (lanes), so none is deferred, every change
/// is published once and the previous state of each is the one before it.
#[tokio::test]
async fn one_instances_changes_in_one_batch_defer_nothing_through_dynamodb() {
    let fixture = Fixture::new().await;
    let instance_id = fixture.launch(&[("Name", "burst-01")]).await;
    let normalizer = fixture.normalizer(default_rule());
    let states = [
        "pending", "running", "stopping", "stopped", "pending", "running",
    ];
    let bodies: Vec<(String, String)> = states
        .iter()
        .enumerate()
        .map(|(n, state)| {
            let id = format!("burst-{n}");
            let body = serde_json::json!({
                "version": "0", "id": id, "detail-type": "EC2 Instance State-change Notification",
                "source": "aws.ec2", "account": "123456789012",
                "time": format!("2026-11-26T14:00:0{n}Z"), "region": REGION,
                "resources": [format!("arn:aws:ec2:{REGION}:123456789012:instance/{instance_id}")],
                "detail": {"instance-id": instance_id, "state": state}
            })
            .to_string();
            (id, body)
        })
        .collect();
    let pairs: Vec<(&str, &str)> = bodies
        .iter()
        .map(|(id, body)| (id.as_str(), body.as_str()))
        .collect();
    let response = test_support::run_batch(&normalizer, &test_support::sqs_event(&pairs))
        .await
        .expect("a partial batch response");
    assert!(failed_ids(&response).is_empty(), "{response:?}");
    let mut received: Vec<Value> = fixture
        .tap
        .receive(6)
        .await
        .iter()
        .map(|r| r.json())
        .collect();
    received.sort_by_key(|message| message["time"].as_str().unwrap_or_default().to_owned());
    let previous: Vec<Value> = received
        .iter()
        .map(|message| message["data"]["timing"]["previous_state"].clone())
        .collect();
    assert_eq!(
        previous[1..],
        ["pending", "running", "stopping", "stopped", "pending"]
    );
}

#[tokio::test]
async fn a_batch_of_instances_is_described_together_and_an_unknown_one_named_by_ec2() {
    let fixture = Fixture::new().await;
    let mut instances = Vec::new();
    for name in ["web-a", "web-b", "web-c"] {
        instances.push(fixture.launch(&[("Name", name)]).await);
    }
    let unknown = "i-0fedcba9876543210".to_owned();
    let mut event = SqsEvent::default();
    for (index, instance) in instances.iter().chain([&unknown]).enumerate() {
        let mut record = sample_for("events/sqs/normalizer-running-raw-delivery.json", instance)
            .records[0]
            .clone();
        record.message_id = Some(format!("record-{index}"));
        event.records.push(record);
    }
    let normalizer = fixture.normalizer(default_rule());
    let response = test_support::run_batch(&normalizer, &event).await.unwrap();
    assert!(failed_ids(&response).is_empty());
    assert_eq!(
        normalizer.describer().describe_instances_calls(),
        2,
        "one DescribeInstances for the batch's four instances; EC2's answer names the one it does \
         not know, and the three others are asked again"
    );
    let mut seen: Vec<(String, String, Option<String>)> = fixture
        .tap
        .receive(4)
        .await
        .iter()
        .map(|m| {
            let data = &m.json()["data"];
            (
                data["resource_id"].as_str().unwrap_or_default().to_owned(),
                data["enrichment"].as_str().unwrap_or_default().to_owned(),
                data["instance"]["name"].as_str().map(str::to_owned),
            )
        })
        .collect();
    seen.sort();
    let mut expected: Vec<(String, String, Option<String>)> = instances
        .iter()
        .zip(["web-a", "web-b", "web-c"])
        .map(|(id, name)| (id.clone(), "enriched".to_owned(), Some(name.to_owned())))
        .chain([(unknown, "not_found".to_owned(), None)])
        .collect();
    expected.sort();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn more_instances_than_one_call_takes_are_asked_in_several() {
    let fixture = Fixture::new().await;
    let count = normalizer::enrich::ec2::IDS_PER_CALL + 1;
    let launched = fixture
        .ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .instance_type(InstanceType::T3Micro)
        .min_count(count as i32)
        .max_count(count as i32)
        .send()
        .await
        .expect("run instances in the emulator");
    let ids: Vec<&str> = launched
        .instances()
        .iter()
        .filter_map(|i| i.instance_id())
        .collect();
    assert_eq!(ids.len(), count);
    let describer = AwsDescriber::new(&fixture.config);
    let answers = describer
        .describe_instances("123456789012", REGION, &ids)
        .await
        .unwrap();
    assert_eq!(
        describer.describe_instances_calls(),
        2,
        "{} ids a call, then the last one",
        normalizer::enrich::ec2::IDS_PER_CALL
    );
    assert_eq!(answers.len(), count, "every id answered");
    assert!(ids
        .iter()
        .all(|id| matches!(answers[*id], Ok(ore_model::resource::Lookup::Found(_)))));
}
