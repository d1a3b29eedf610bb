//! A hung SNS endpoint through the real SDK client and ORE's SDK configuration: the batch
//! answers well inside the function timeout with exactly the publishing records failed.

use std::time::Duration;

use csv_formatter::CsvFormatter;
use ore_lambda::batch::run_batch;
use ore_lambda::sns::SnsTopic;
use test_support::{
    black_hole_config, failed_kinds, heartbeat_message_body, load_sqs_event, sqs_event,
    template_number,
};

#[tokio::test]
async fn a_hung_sns_fails_only_the_records_that_publish_and_in_time() {
    let config = black_hole_config().await;
    let formatter = CsvFormatter::new(SnsTopic::new(
        aws_sdk_sns::Client::new(&config),
        "arn:aws:sns:eu-west-1:123456789012:ore-csv",
    ));
    let message = load_sqs_event("events/sqs/csv-formatter-stopped-raw-delivery.json").records[0]
        .body
        .clone()
        .unwrap();
    let heartbeat = heartbeat_message_body("hb-hung");
    let event = sqs_event(&[("csv-1", &message), ("heartbeat", &heartbeat)]);

    let function_timeout = Duration::from_secs(template_number("Globals.Function", &["Timeout"]));
    let started = std::time::Instant::now();
    let deadline = tokio::time::Instant::now() + function_timeout;
    let outcome = run_batch(&formatter, &event, deadline).await.unwrap();
    assert_eq!(
        failed_kinds(&event, &outcome),
        [("csv-1".to_owned(), "transient")]
    );
    assert!(
        started.elapsed() < function_timeout,
        "{:?}",
        started.elapsed()
    );
}
