//! The emailer's handler against SES v2 served by the emulator, through the real SDK client.

use emailer::config::LEDGER_RETENTION;
use emailer::ledger::dynamodb::DynamoMailLedger;
use emailer::{Emailer, Renderer, RoutingTable, SesMailer};
use ore_lambda::batch::RecordHandler;
use ore_lambda::error::Chain;
use ore_lambda::RecordError;
use ore_model::message::OreMessage;
use test_support::{
    create_table, decode_record, emulator_config, failed_ids, load_sqs_event, message_ids,
    sent_emails, sent_raw_emails, unique_name, SdkConfig,
};

/// How the emailer fails the event's first record.
async fn first_record_error(
    emailer: &Emailer<SesMailer, DynamoMailLedger>,
    event: &test_support::SqsEvent,
) -> RecordError {
    let message: OreMessage = decode_record(event, 0);
    emailer
        .handle_record(message, far_deadline())
        .await
        .expect_err("the record fails")
}

fn far_deadline() -> tokio::time::Instant {
    tokio::time::Instant::now() + std::time::Duration::from_secs(60)
}

async fn verified_sender(config: &SdkConfig) -> String {
    let sender = format!("{}@example.com", unique_name("ore"));
    aws_sdk_sesv2::Client::new(config)
        .create_email_identity()
        .email_identity(&sender)
        .send()
        .await
        .expect("create identity");
    sender
}

async fn ledger(config: &SdkConfig) -> DynamoMailLedger {
    let table = create_table(config, "MailLedgerTable").await;
    DynamoMailLedger::new(
        aws_sdk_dynamodb::Client::new(config),
        table,
        LEDGER_RETENTION,
    )
}

async fn emailer(config: &SdkConfig, from: &str) -> Emailer<SesMailer, DynamoMailLedger> {
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(config), from.to_owned(), None);
    Emailer::new(
        Renderer::new().unwrap(),
        mailer,
        ledger(config).await,
        RoutingTable::everyone(vec!["ops@example.com".into(), "sre@example.com".into()]),
    )
}

#[tokio::test]
async fn email_is_sent_once_with_sender_recipients_and_subject() {
    let config = emulator_config().await;
    let sender = verified_sender(&config).await;
    let emailer = emailer(&config, &sender).await;
    for delivery in ["sns-envelope", "raw-delivery"] {
        let event = load_sqs_event(&format!("events/sqs/emailer-stopped-{delivery}.json"));
        let response = test_support::run_batch(&emailer, &event).await.unwrap();
        assert!(response.batch_item_failures.is_empty(), "{delivery}");
    }
    let sent = sent_emails(&sender);
    // Both samples carry the same standard message: the ledger in DynamoDB lets one mail out.
    assert_eq!(sent.len(), 1, "one mail per message id");
    for email in sent {
        assert_eq!(
            email["destinations"]["ToAddresses"],
            serde_json::json!(["ops@example.com", "sre@example.com"])
        );
        assert_eq!(
            email["subject"],
            "[123456789012 eu-west-1] web-01 (i-0abc1234def567890) is now stopped"
        );
        let html = email["body"].as_str().unwrap();
        assert!(
            html.starts_with("<!DOCTYPE html>"),
            "the HTML part reached SES"
        );
        assert!(html.contains("Open in the EC2 console"));
    }
}

#[tokio::test]
async fn mixed_batch_reports_exactly_the_bad_ids() {
    let config = emulator_config().await;
    let sender = verified_sender(&config).await;
    let event = load_sqs_event("events/sqs/emailer-malformed-batch.json");
    let response = test_support::run_batch(&emailer(&config, &sender).await, &event)
        .await
        .unwrap();
    assert_eq!(failed_ids(&response), message_ids(&event.records[1..]));
    assert_eq!(sent_emails(&sender).len(), 1);
}

#[tokio::test]
async fn unverified_sender_is_a_rejected_failure_not_a_silent_drop() {
    let config = emulator_config().await;
    let sender = format!("{}@example.com", unique_name("unverified"));
    let emailer = emailer(&config, &sender).await;
    let event = load_sqs_event("events/sqs/emailer-stopped-raw-delivery.json");
    let error = first_record_error(&emailer, &event).await;
    let why = Chain(&error).to_string();
    assert!(matches!(error, RecordError::Rejected(_)), "{why}");
    assert!(why.contains("not verified"), "{why}");
    let failure = error.aws().expect("an AWS failure");
    assert_eq!(failure.operation, "ses:SendEmail");
    assert!(failure.code.is_some(), "the SES error code is kept: {why}");
    let response = test_support::run_batch(&emailer, &event).await.unwrap();
    assert_eq!(response.batch_item_failures.len(), 1);
    assert!(sent_emails(&sender).is_empty());
}

#[tokio::test]
async fn unreachable_ses_is_a_transient_failure() {
    let config = emulator_config().await;
    let unreachable = aws_sdk_sesv2::Client::from_conf(
        aws_sdk_sesv2::config::Builder::from(&config)
            .endpoint_url("http://127.0.0.1:9")
            .build(),
    );
    let mailer = SesMailer::new(unreachable, "ore@example.com".into(), None);
    let emailer = Emailer::new(
        Renderer::new().unwrap(),
        mailer,
        ledger(&config).await,
        RoutingTable::everyone(vec!["ops@example.com".into()]),
    );
    let event = load_sqs_event("events/sqs/emailer-stopped-raw-delivery.json");
    let error = first_record_error(&emailer, &event).await;
    assert!(
        matches!(error, RecordError::Transient(_)),
        "{}",
        Chain(&error)
    );
    assert!(
        error.aws().is_some_and(|f| f.code.is_none()),
        "no answer, no code"
    );
}

#[tokio::test]
async fn notices_are_mailed_once_the_scheduled_change_as_raw_mime_with_its_calendar() {
    let config = emulator_config().await;
    let sender = verified_sender(&config).await;
    let emailer = emailer(&config, &sender).await;
    for name in test_support::notice_sample_names() {
        let event = load_sqs_event(&format!("events/sqs/emailer-{name}-sns-envelope.json"));
        for _delivery in 0..2 {
            let response = test_support::run_batch(&emailer, &event).await.unwrap();
            assert!(response.batch_item_failures.is_empty(), "{name}");
        }
    }
    let simple = sent_emails(&sender);
    let subjects: Vec<&str> = simple
        .iter()
        .filter_map(|m| m["subject"].as_str())
        .collect();
    assert_eq!(
        subjects.len(),
        test_support::notice_sample_names().len() - 1,
        "every notice but the scheduled change (raw, with its calendar) as a simple mail, once each: {subjects:?}"
    );
    assert!(subjects
        .iter()
        .any(|s| s.contains("orders (orders-db): RDS hardware maintenance scheduled")));
    assert!(subjects
        .iter()
        .any(|s| s.contains("Spot interruption: web-01")));
    assert!(subjects
        .iter()
        .any(|s| s.contains("Rebalance recommended: web-01")));

    let raw = sent_raw_emails(&sender);
    assert_eq!(raw.len(), 1, "the scheduled change, once");
    // moto lists the request's destinations and then the message's To header again.
    let destinations: std::collections::BTreeSet<&str> = raw[0]["destinations"]
        .as_array()
        .expect("destinations")
        .iter()
        .filter_map(|d| d.as_str())
        .collect();
    assert_eq!(
        destinations,
        std::collections::BTreeSet::from(["ops@example.com", "sre@example.com"])
    );
    let data = raw[0]["raw_data"].as_str().expect("the MIME message");
    let parsed = mail_parser::MessageParser::default()
        .parse(data.as_bytes())
        .expect("MIME");
    assert!(parsed
        .subject()
        .unwrap_or_default()
        .contains("will be retired between 5 and 12 Dec"));
    assert!(parsed.body_html(0).is_some() && parsed.body_text(0).is_some());
    let calendar = parsed.attachment(0).expect("the .ics");
    let ics = String::from_utf8_lossy(calendar.contents());
    assert!(
        ics.contains("BEGIN:VEVENT") && ics.contains("DTSTART:20261205T100000Z"),
        "{ics}"
    );
}

#[tokio::test]
async fn a_burst_of_30_across_two_teams_is_one_digest_per_team_through_ses_and_dynamodb() {
    let config = emulator_config().await;
    let sender = verified_sender(&config).await;
    let routing = RoutingTable::new(&emailer::routing::RoutingConfig {
        tag_key: "team",
        routes: "payments=pay@example.com; data=data@example.com",
        default: &["ops@example.com".to_owned()],
        always_copy: "",
        allowed_domains: "example.com",
    })
    .unwrap();
    let emailer = Emailer::new(
        Renderer::new().unwrap(),
        SesMailer::new(aws_sdk_sesv2::Client::new(&config), sender.clone(), None),
        ledger(&config).await,
        routing,
    );
    let mut records = test_support::team_burst("payments", 0, 15);
    records.extend(test_support::team_burst("data", 15, 15));
    let event = test_support::sqs_event_of(&records);
    let response = test_support::run_batch(&emailer, &event).await.unwrap();
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    // Delivered again whole (SQS is at-least-once): the ledger lets nothing out twice.
    let again = test_support::run_batch(&emailer, &event).await.unwrap();
    assert!(again.batch_item_failures.is_empty());

    let mut sent: Vec<(String, String, String)> = sent_emails(&sender)
        .iter()
        .map(|email| {
            (
                email["destinations"]["ToAddresses"].to_string(),
                email["subject"].as_str().unwrap_or_default().to_owned(),
                email["body"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    sent.sort();
    assert_eq!(sent.len(), 2, "one digest per team and nothing else");
    for ((to, subject, html), (address, team, other)) in sent.iter().zip([
        ("data@example.com", "data", "payments"),
        ("pay@example.com", "payments", "data"),
    ]) {
        assert_eq!(to, &format!("[\"{address}\"]"));
        assert_eq!(
            subject,
            "[ORE] 15 instances terminated in eu-west-1, account 123456789012"
        );
        assert_eq!(html.matches("ORE message ").count(), 15, "{team}");
        assert!(
            !html.contains(&format!("{other}-")),
            "{team}'s digest holds only its own"
        );
    }
}
