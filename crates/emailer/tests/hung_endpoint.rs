//! A hung SES endpoint through the real SDK client and ORE's SDK configuration: the batch
//! answers well inside the emailer's timeout with exactly the mailing records failed.

use emailer::ledger::memory::MemoryMailLedger;
use std::time::Duration;

use emailer::{Emailer, Pacer, Renderer, RoutingTable, SesMailer};
use ore_lambda::batch::run_batch;
use test_support::{
    black_hole_config, failed_kinds, heartbeat_message_body, load_sqs_event, short_timeouts,
    sqs_event, template_number,
};

#[tokio::test]
async fn a_hung_ses_fails_only_the_records_that_send_and_in_time() {
    let timeouts = short_timeouts();
    let config = black_hole_config().await;
    let mailer = SesMailer::new(
        aws_sdk_sesv2::Client::new(&config),
        "ore@example.com".into(),
        None,
    );
    let emailer = Emailer::new(
        Renderer::new().unwrap(),
        mailer,
        MemoryMailLedger::default(),
        RoutingTable::everyone(vec!["ops@example.com".into()]),
    )
    .with_pacer(Pacer::unlimited(timeouts.operation));
    let message = load_sqs_event("events/sqs/emailer-stopped-raw-delivery.json").records[0]
        .body
        .clone()
        .unwrap();
    // A second, different message (one mail per message id: the same one twice would wait for
    // the first's claim).
    let mut other: serde_json::Value = serde_json::from_str(&message).unwrap();
    other["id"] = "5d7ef1a2-3b4c-5d6e-8f90-a1b2c3d4e5f6".into();
    let other = other.to_string();
    let heartbeat = heartbeat_message_body("hb-hung");
    let event = sqs_event(&[
        ("mail-1", &message),
        ("heartbeat", &heartbeat),
        ("mail-2", &other),
    ]);

    let function_timeout = Duration::from_secs(template_number(
        "EmailerFunction",
        &["Properties", "Timeout"],
    ));
    let started = std::time::Instant::now();
    let deadline = tokio::time::Instant::now() + function_timeout;
    let outcome = run_batch(&emailer, &event, deadline).await.unwrap();
    assert_eq!(
        failed_kinds(&event, &outcome),
        [
            ("mail-1".to_owned(), "transient"),
            ("mail-2".to_owned(), "transient")
        ]
    );
    assert!(
        started.elapsed() < function_timeout,
        "{:?}",
        started.elapsed()
    );
}
