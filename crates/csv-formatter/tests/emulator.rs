//! The csv-formatter's handler against SNS/SQS served by the emulator, through the real SDK.

use csv_formatter::{csv_columns, CsvFormatter};
use ore_lambda::sns::SnsTopic;
use test_support::{
    emulator_config, failed_ids, load_json, load_sqs_event, message_ids, TappedTopic,
};

#[tokio::test]
async fn records_arrive_on_the_csv_topic_and_parse_back() {
    let config = emulator_config().await;
    let tap = TappedTopic::create(&config, "csv").await;
    let formatter = CsvFormatter::new(SnsTopic::new(
        aws_sdk_sns::Client::new(&config),
        &tap.topic_arn,
    ));
    let expected = load_json("events/standard/message-stopped.json");

    for delivery in ["sns-envelope", "raw-delivery"] {
        let event = load_sqs_event(&format!("events/sqs/csv-formatter-stopped-{delivery}.json"));
        let response = test_support::run_batch(&formatter, &event).await.unwrap();
        assert!(response.batch_item_failures.is_empty(), "{delivery}");

        let received = tap.receive(1).await;
        assert_eq!(received.len(), 1, "{delivery}");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(received[0].body.as_bytes());
        let row = reader
            .records()
            .next()
            .expect("a record")
            .expect("valid CSV");
        let cell =
            |name: &str| row[csv_columns().iter().position(|c| c == name).unwrap()].to_owned();
        assert_eq!(row.len(), csv_columns().len());
        assert_eq!(cell("message_id"), expected["id"].as_str().unwrap());
        assert_eq!(cell("resource_id"), "i-0abc1234def567890");
        assert_eq!(cell("state"), "stopped");
        assert_eq!(cell("name"), "web-01");
        assert_eq!(cell("account"), "123456789012");

        let attributes = &received[0].attributes;
        assert_eq!(attributes["state"], "stopped");
        assert_eq!(attributes["account"], "123456789012");
        assert_eq!(attributes["region"], "eu-west-1");
        assert_eq!(attributes["resource_type"], "ec2:instance");
        assert_eq!(
            attributes["content_type"],
            "text/csv; charset=utf-8; header=absent"
        );
        assert_eq!(attributes["csv_schema_version"], "1");
        assert_eq!(attributes["csv_header"], csv_columns().join(","));
    }
}

#[tokio::test]
async fn mixed_batch_reports_exactly_the_bad_ids() {
    let config = emulator_config().await;
    let tap = TappedTopic::create(&config, "csv-mixed").await;
    let formatter = CsvFormatter::new(SnsTopic::new(
        aws_sdk_sns::Client::new(&config),
        &tap.topic_arn,
    ));
    let event = load_sqs_event("events/sqs/csv-formatter-malformed-batch.json");
    let response = test_support::run_batch(&formatter, &event).await.unwrap();
    assert_eq!(failed_ids(&response), message_ids(&event.records[1..]));
    assert_eq!(
        tap.receive(1).await.len(),
        1,
        "the good record is published"
    );
}

#[tokio::test]
async fn publish_failure_is_reported_not_swallowed() {
    let config = emulator_config().await;
    let formatter = CsvFormatter::new(SnsTopic::new(
        aws_sdk_sns::Client::new(&config),
        "arn:aws:sns:eu-west-1:123456789012:no-such-topic",
    ));
    let event = load_sqs_event("events/sqs/csv-formatter-stopped-raw-delivery.json");
    let response = test_support::run_batch(&formatter, &event).await.unwrap();
    assert_eq!(response.batch_item_failures.len(), 1);
}

#[tokio::test]
async fn notice_records_arrive_on_the_csv_topic_with_their_kind() {
    let config = emulator_config().await;
    let tap = TappedTopic::create(&config, "csv-notices").await;
    let formatter = CsvFormatter::new(SnsTopic::new(
        aws_sdk_sns::Client::new(&config),
        &tap.topic_arn,
    ));
    for name in test_support::notice_sample_names() {
        let expected = load_json(&format!("events/notices/{name}.json"));
        let event = load_sqs_event(&format!(
            "events/sqs/csv-formatter-{name}-sns-envelope.json"
        ));
        let response = test_support::run_batch(&formatter, &event).await.unwrap();
        assert!(response.batch_item_failures.is_empty(), "{name}");
        let received = tap.receive(1).await;
        assert_eq!(received.len(), 1, "{name}");
        let row = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(received[0].body.as_bytes())
            .records()
            .next()
            .expect("a record")
            .expect("valid CSV");
        let cell =
            |name: &str| row[csv_columns().iter().position(|c| c == name).unwrap()].to_owned();
        assert_eq!(row.len(), csv_columns().len());
        assert_eq!(cell("message_id"), expected["id"].as_str().unwrap());
        assert_eq!(cell("message_type"), expected["type"].as_str().unwrap());
        assert_eq!(cell("state"), "");
        assert_eq!(
            received[0].attributes["type"],
            expected["type"].as_str().unwrap()
        );
    }
}
