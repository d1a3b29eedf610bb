//! The tags of resources that are not instances, from the Resource Groups Tagging API served by
//! the emulator (moto server over HTTP, through the real SDK client): EBS volumes created with
//! tags, asked by ARN in one `GetResources` per account and region, and an AWS Health event
//! naming one published with its tags.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use normalizer::enrich::tagging::ARNS_PER_CALL;
use normalizer::store::dynamodb::DynamoStateStore;
use normalizer::{AwsDescriber, DescribeResources, IgnoreRule, Normalizer, Settling};
use ore_lambda::sns::SnsTopic;
use ore_model::resource::Lookup;
use test_support::{
    create_table, emulator_config, load_sqs_event, SdkConfig, StandardSchema, TappedTopic,
};

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";
/// The DB instance the committed Health event names; tests swap in a volume they created.
const SAMPLE_ARN: &str = "arn:aws:rds:eu-west-1:123456789012:db:orders-db";

fn ec2(config: &SdkConfig) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(config)
            .region(aws_sdk_ec2::config::Region::new(REGION))
            .build(),
    )
}

/// A volume in the emulator with `tags`, by its ARN.
async fn volume(ec2: &aws_sdk_ec2::Client, tags: &[(&str, &str)]) -> String {
    let mut request = ec2
        .create_volume()
        .availability_zone(format!("{REGION}a"))
        .size(8);
    if !tags.is_empty() {
        request = request.tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Volume)
                .set_tags(Some(
                    tags.iter()
                        .map(|(k, v)| Tag::builder().key(*k).value(*v).build())
                        .collect(),
                ))
                .build(),
        );
    }
    let id = request
        .send()
        .await
        .expect("create a volume in the emulator")
        .volume_id()
        .expect("a volume id")
        .to_owned();
    format!("arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{id}")
}

fn tags_of(lookup: &Lookup) -> Vec<(&str, &str)> {
    match lookup {
        Lookup::Tagged(tags) => tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        other => panic!("expected tags, got {other:?}"),
    }
}

#[tokio::test]
async fn a_batchs_resources_are_asked_in_one_call_and_the_untagged_or_unknown_have_none() {
    let config = emulator_config().await;
    let ec2 = ec2(&config);
    let tagged = volume(&ec2, &[("Name", "orders-data"), ("team", "payments")]).await;
    let untagged = volume(&ec2, &[]).await;
    let unknown = format!("arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-0ffffffffffffffff");
    let describer = AwsDescriber::new(&config);
    let answers = describer
        .read_tags(ACCOUNT, REGION, &[&tagged, &untagged, &unknown])
        .await
        .expect("the Tagging API answers");
    assert_eq!(describer.get_resources_calls(), 1);
    assert_eq!(
        tags_of(answers[&tagged].as_ref().unwrap()),
        [("Name", "orders-data"), ("team", "payments")]
    );
    assert!(tags_of(answers[&untagged].as_ref().unwrap()).is_empty());
    assert!(tags_of(answers[&unknown].as_ref().unwrap()).is_empty());
}

#[tokio::test]
async fn more_resources_than_one_call_takes_are_asked_in_several() {
    let config = emulator_config().await;
    let tagged = volume(&ec2(&config), &[("team", "storage")]).await;
    let mut arns: Vec<String> = (0..ARNS_PER_CALL)
        .map(|i| format!("arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-{i:017x}"))
        .collect();
    arns.push(tagged.clone());
    let asked: Vec<&str> = arns.iter().map(String::as_str).collect();
    let describer = AwsDescriber::new(&config);
    let answers = describer.read_tags(ACCOUNT, REGION, &asked).await.unwrap();
    assert_eq!(
        describer.get_resources_calls(),
        2,
        "{ARNS_PER_CALL} a call, then one"
    );
    assert_eq!(answers.len(), ARNS_PER_CALL + 1, "every ARN answered");
    assert_eq!(
        tags_of(answers[&tagged].as_ref().unwrap()),
        [("team", "storage")]
    );
}

#[tokio::test]
async fn a_health_event_about_a_volume_is_published_with_its_tags_or_ignored_by_them() {
    let config = emulator_config().await;
    let ec2 = ec2(&config);
    let tap = TappedTopic::create(&config, "normalized").await;
    let table = create_table(&config, "StateTable").await;
    let normalizer = Normalizer::new(
        AwsDescriber::new(&config),
        SnsTopic::new(aws_sdk_sns::Client::new(&config), &tap.topic_arn),
        DynamoStateStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            table,
            std::time::Duration::from_secs(86_400),
        ),
        IgnoreRule::new("ore:ignore", "true"),
        Settling::default(),
    );
    let kept = volume(&ec2, &[("Name", "orders-data"), ("team", "payments")]).await;
    let ignored = volume(&ec2, &[("ore:ignore", "true")]).await;
    let event_about = |arn: &str| {
        let mut event = load_sqs_event("events/sqs/normalizer-health-event-sns-envelope.json");
        for record in &mut event.records {
            record.body = record.body.take().map(|b| b.replace(SAMPLE_ARN, arn));
        }
        event
    };

    let response = test_support::run_batch(&normalizer, &event_about(&kept))
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty());
    let received = tap.receive(1).await;
    assert_eq!(received.len(), 1);
    let message = received[0].json();
    StandardSchema::load_file("schemas/resource-health-event.v1.json").assert_valid(&message);
    let data = &message["data"];
    assert_eq!(data["resource_type"], "ec2:volume");
    assert_eq!(data["resource_arn"], kept.as_str());
    assert_eq!(data["resource_name"], "orders-data");
    assert_eq!(data["tags"]["team"], "payments");
    assert_eq!(data["enrichment"], "enriched");
    assert_eq!(received[0].attributes["resource_type"], "ec2:volume");

    let response = test_support::run_batch(&normalizer, &event_about(&ignored))
        .await
        .unwrap();
    assert!(
        response.batch_item_failures.is_empty(),
        "ignoring is not a failure"
    );
    assert!(
        tap.receive(0).await.is_empty(),
        "an ignored volume gets no notice"
    );
}
