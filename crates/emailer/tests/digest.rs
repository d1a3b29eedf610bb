//! Digests and routing with the in-memory mailer and ledger: a burst across two teams is one
//! digest per team and nothing else, a lone change is a single mail, a failed digest fails
//! exactly its records and its retry sends nothing twice, hostile tag values neither add a
//! recipient nor break the HTML, and the digest's golden text and HTML.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Duration, Utc};
use emailer::digest::digest_id;
use emailer::ledger::memory::MemoryMailLedger;
use emailer::mail::memory::RecordingMailer;
use emailer::routing::RoutingConfig;
use emailer::routing::EMAIL_ROUTES;
use emailer::{Emailer, Renderer, RoutingTable};
use ore_lambda::fakes::Fault;
use ore_model::standard::StandardMessage;
use ore_model::Payload;
use test_support::{heartbeat_message_body, load_json, sqs_event_of, team_burst};

fn routing() -> RoutingTable {
    RoutingTable::new(&RoutingConfig {
        tag_key: "team",
        routes: "payments=pay@example.com,pay-lead@example.com; data=data@example.com",
        default: &["ops@example.com".to_owned()],
        always_copy: "audit@example.com",
        allowed_domains: "example.com",
    })
    .unwrap()
}

fn emailer(mailer: RecordingMailer) -> Emailer<RecordingMailer, MemoryMailLedger> {
    Emailer::new(
        Renderer::new().unwrap(),
        mailer,
        MemoryMailLedger::default(),
        routing(),
    )
}

fn instances_in(text: &str) -> usize {
    text.matches("ORE message ").count()
}

#[tokio::test]
async fn a_burst_across_two_teams_is_one_digest_per_team_and_nothing_else() {
    let mut records = team_burst("payments", 0, 15);
    records.extend(team_burst("data", 15, 15));
    records.insert(7, ("sqs-heartbeat".into(), heartbeat_message_body("hb-1")));
    let emailer = emailer(RecordingMailer::default());
    let response = test_support::run_batch(&emailer, &sqs_event_of(&records))
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty(), "{response:?}");

    let mut sent = emailer.mailer().sent_to();
    sent.sort_by(|a, b| a.0.cmp(&b.0));
    let [(data_to, data), (pay_to, pay)] = sent.try_into().unwrap();
    assert_eq!(data_to, ["data@example.com", "audit@example.com"]);
    assert_eq!(
        pay_to,
        [
            "pay@example.com",
            "pay-lead@example.com",
            "audit@example.com"
        ]
    );
    for (team, other, mail) in [("payments", "data", &pay), ("data", "payments", &data)] {
        assert_eq!(
            mail.subject,
            "[ORE] 15 instances terminated in eu-west-1, account 123456789012"
        );
        assert_eq!(instances_in(&mail.text), 15, "{team}");
        assert_eq!(mail.html.matches("ORE message ").count(), 15, "{team}");
        assert!(mail.text.contains(&format!("{team}-")), "{team}");
        assert!(
            !mail.text.contains(&format!("{other}-")),
            "{team}'s digest holds only its instances"
        );
        assert!(!mail.text.contains("hb-1"), "a heartbeat never appears");
    }
    // Every message was claimed and confirmed in the ledger: a redelivery mails no one.
    let ledger = emailer.ledger().entries.lock().unwrap().clone();
    assert_eq!(ledger.len(), 30);
    assert!(ledger.values().all(|(sent, _)| *sent));
}

#[tokio::test]
async fn below_the_threshold_each_change_is_its_own_mail() {
    let emailer = emailer(RecordingMailer::default());
    let lone = team_burst("payments", 0, 1);
    test_support::run_batch(&emailer, &sqs_event_of(&lone))
        .await
        .unwrap();
    let [(to, mail)] = emailer.mailer().sent_to().try_into().unwrap();
    assert_eq!(
        mail.subject,
        "[123456789012 eu-west-1] payments-00 (i-00000000000000000) is now terminated"
    );
    assert_eq!(
        to,
        [
            "pay@example.com",
            "pay-lead@example.com",
            "audit@example.com"
        ]
    );

    // Four for one team and five for another: four single mails and one digest.
    let emailer = emailer_with_threshold(5);
    let mut records = team_burst("payments", 1, 4);
    records.extend(team_burst("data", 5, 5));
    test_support::run_batch(&emailer, &sqs_event_of(&records))
        .await
        .unwrap();
    let subjects: Vec<String> = emailer
        .mailer()
        .sent()
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(subjects.len(), 5, "{subjects:?}");
    assert_eq!(
        subjects
            .iter()
            .filter(|s| s.starts_with("[ORE] 5 instances"))
            .count(),
        1
    );
}

/// A committed notice sample as the emailer's queue delivers it (raw).
fn notice_record(name: &str) -> (String, String) {
    (
        format!("sqs-{name}"),
        load_json(&format!("events/notices/{name}.json")).to_string(),
    )
}

#[tokio::test]
async fn a_burst_of_changes_and_notices_for_one_team_is_one_digest_and_a_calendar_keeps_its_mail() {
    // Two terminations and two notices about the payments team's resources (their samples carry
    // its team tag), and a scheduled change, which carries a calendar entry: a digest has none.
    let mut records = team_burst("payments", 0, 2);
    records.push(notice_record("ebs-volume-notification"));
    records.push(notice_record("rds-db-instance-event"));
    records.push(notice_record("health-scheduled-change"));
    let emailer = emailer_with_threshold(3);
    let response = test_support::run_batch(&emailer, &sqs_event_of(&records))
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let sent = emailer.mailer().sent();
    let [digest] = sent
        .iter()
        .filter(|m| m.subject.starts_with("[ORE] "))
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    assert_eq!(
        digest.subject,
        "[ORE] 2 instances terminated, and 2 notices (1 Amazon RDS, 1 EBS volume) in eu-west-1, account 123456789012"
    );
    assert_eq!(instances_in(&digest.text), 4, "{}", digest.text);
    assert!(digest.text.contains("NOTICES (2)"), "{}", digest.text);
    assert!(digest
        .text
        .contains("RDS: orders (orders-db): A Multi-AZ failover has completed."));
    assert!(digest
        .text
        .contains("state changes and notices arrived together"));
    assert!(
        digest.html.contains("Notices (2)") && digest.html.matches("ORE message ").count() == 4
    );
    let calendar: Vec<_> = sent.iter().filter(|m| !m.attachments.is_empty()).collect();
    assert_eq!(
        calendar.len(),
        1,
        "the scheduled change, alone with its calendar entry"
    );
    assert_eq!(sent.len(), 2);
    // Every member was claimed and confirmed: a redelivery of the batch mails no one.
    test_support::run_batch(&emailer, &sqs_event_of(&records))
        .await
        .unwrap();
    assert_eq!(emailer.mailer().sent().len(), 2);
}

#[test]
fn a_digest_of_changes_and_notices_matches_its_golden_files() {
    let messages = sample_burst();
    let refs: Vec<&StandardMessage> = messages.iter().take(2).collect();
    let notices: Vec<ore_model::notice::NoticeMessage> = test_support::notice_sample_names()
        .iter()
        .filter(|name| name.as_str() != "health-scheduled-change")
        .map(|name| load_json(&format!("events/notices/{name}.json")))
        .map(|json| serde_json::from_value(json).unwrap())
        .collect();
    let notice_refs: Vec<&ore_model::notice::NoticeMessage> = notices.iter().collect();
    let now: DateTime<Utc> = refs.iter().map(|m| m.time).max().unwrap() + Duration::seconds(210);
    let routing = routing();
    let recipients = routing
        .recipient_sets()
        .find(|r| r.route_name() == "payments")
        .unwrap();
    let email = Renderer::new()
        .unwrap()
        .render_digest(&refs, &notice_refs, recipients, now)
        .unwrap();
    assert_eq!(
        instances_in(&email.text),
        refs.len() + notice_refs.len(),
        "every member once"
    );
    golden("digest-with-notices.txt", &email.text);
    golden("digest-with-notices.html", &email.html);
}

fn emailer_with_threshold(threshold: usize) -> Emailer<RecordingMailer, MemoryMailLedger> {
    emailer(RecordingMailer::default()).with_digest_threshold(threshold)
}

#[tokio::test]
async fn a_failed_digest_fails_exactly_its_records_and_the_retry_sends_nothing_twice() {
    let payments_failed_once = AtomicBool::new(false);
    let mailer = RecordingMailer::with_recipient_faults(move |_, to| {
        let payments = to.iter().any(|a| a == "pay@example.com");
        (payments && !payments_failed_once.swap(true, Ordering::SeqCst)).then_some(Fault::Transient)
    });
    let emailer = emailer(mailer);
    let mut records = team_burst("payments", 0, 6);
    records.extend(team_burst("data", 6, 6));
    let response = test_support::run_batch(&emailer, &sqs_event_of(&records))
        .await
        .unwrap();
    let payments_ids: Vec<String> = records[..6].iter().map(|(id, _)| id.clone()).collect();
    let mut failed: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    failed.sort();
    assert_eq!(failed, payments_ids);
    assert_eq!(emailer.mailer().sent().len(), 1, "the data digest went out");
    // The failed digest gave its claims back: SQS redelivers exactly those records.
    let retry = test_support::run_batch(&emailer, &sqs_event_of(&records[..6]))
        .await
        .unwrap();
    assert!(retry.batch_item_failures.is_empty());
    // And the whole batch once more (an at-least-once redelivery): nothing is sent again.
    let again = test_support::run_batch(&emailer, &sqs_event_of(&records))
        .await
        .unwrap();
    assert!(again.batch_item_failures.is_empty());
    let sent = emailer.mailer().sent_to();
    assert_eq!(sent.len(), 2, "one digest per team, each once");
    let total: usize = sent.iter().map(|(_, m)| instances_in(&m.text)).sum();
    assert_eq!(total, 12, "every message in exactly one mail");
}

#[tokio::test]
async fn a_set_redelivered_with_one_new_change_mails_that_change_alone() {
    let emailer = emailer(RecordingMailer::default());
    let first = team_burst("payments", 0, 5);
    test_support::run_batch(&emailer, &sqs_event_of(&first))
        .await
        .unwrap();
    let mut again = first.clone();
    again.extend(team_burst("payments", 5, 1));
    let response = test_support::run_batch(&emailer, &sqs_event_of(&again))
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty());
    let subjects: Vec<String> = emailer
        .mailer()
        .sent()
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(
        subjects,
        [
            "[ORE] 5 instances terminated in eu-west-1, account 123456789012",
            "[123456789012 eu-west-1] payments-05 (i-00000000000000005) is now terminated",
        ]
    );
}

#[tokio::test]
async fn a_digest_ses_refuses_sends_the_records_to_the_dead_letter_queue_together() {
    let emailer = emailer(RecordingMailer::failing_for(
        "data@example.com",
        Fault::Rejected,
    ));
    let mut records = team_burst("payments", 0, 5);
    records.extend(team_burst("data", 5, 5));
    let deadline = tokio::time::Instant::now() + ore_lambda::batch::DEFAULT_BUDGET;
    let outcome = ore_lambda::batch::run_batch(&emailer, &sqs_event_of(&records), deadline)
        .await
        .unwrap();
    let kinds: Vec<&str> = outcome
        .results
        .iter()
        .map(|r| match r {
            ore_lambda::batch::RecordResult::Done(_) => "done",
            ore_lambda::batch::RecordResult::Failed(e) => e.kind(),
        })
        .collect();
    assert_eq!(kinds, [["done"; 5], ["rejected"; 5]].concat());
    // Released: an operator who fixes SES and redrives the DLQ gets the digest.
    assert_eq!(emailer.ledger().entries.lock().unwrap().len(), 5);
}

#[tokio::test]
async fn hostile_tag_values_cannot_add_a_recipient_or_break_the_html() {
    let hostile = [
        "x@evil.example",
        "payments, x@evil.example",
        "payments\r\nBcc: x@evil.example",
        "<script>alert(1)</script>",
    ];
    let mut records = Vec::new();
    for (n, value) in hostile.iter().enumerate() {
        let (id, body) = team_burst("payments", n, 1).remove(0);
        let mut message: serde_json::Value = serde_json::from_str(&body).unwrap();
        message["data"]["instance"]["tags"]["team"] = (*value).into();
        message["data"]["instance"]["name"] = format!("<img src=x onerror=alert({n})>").into();
        message["data"]["instance"]["tags"]["Name"] =
            format!("<img src=x onerror=alert({n})>").into();
        records.push((id, message.to_string()));
    }
    let emailer = emailer_with_threshold(2);
    test_support::run_batch(&emailer, &sqs_event_of(&records))
        .await
        .unwrap();
    let [(to, digest)] = emailer.mailer().sent_to().try_into().unwrap();
    assert_eq!(
        to,
        ["ops@example.com", "audit@example.com"],
        "unknown routes: the default list"
    );
    assert!(!digest.html.contains("<script>") && !digest.html.contains("<img"));
    assert!(digest.html.contains("&lt;script&gt;") && digest.html.contains("&lt;img src=x"));
}

#[test]
fn a_routing_table_with_an_address_outside_the_allow_list_names_it() {
    let error = RoutingTable::new(&RoutingConfig {
        tag_key: "team",
        routes: "payments=pay@example.com,attacker@evil.example",
        default: &["ops@example.com".to_owned()],
        always_copy: "",
        allowed_domains: "example.com",
    })
    .unwrap_err()
    .to_string();
    assert!(
        error.contains(EMAIL_ROUTES) && error.contains("attacker@evil.example"),
        "{error}"
    );
}

fn sample_burst() -> Vec<StandardMessage> {
    let mut messages: Vec<StandardMessage> = team_burst("payments", 0, 4)
        .into_iter()
        .map(|(_, body)| {
            StandardMessage::from_payload(serde_json::from_str(&body).unwrap()).unwrap()
        })
        .collect();
    for state in ["stopped", "late-flapping"] {
        let path = match state {
            "stopped" => "events/standard/message-stopped.json",
            _ => "events/standard/message-running.json",
        };
        let mut message = StandardMessage::from_payload(load_json(path)).unwrap();
        if state == "late-flapping" {
            message.data.resource.region = "us-east-1".into();
            if let Some(timing) = message.data.timing.as_mut() {
                timing.late = true;
            }
        }
        messages.push(message);
    }
    messages
}

fn golden(name: &str, actual: &str) {
    test_support::assert_golden(&format!("crates/emailer/tests/golden/{name}"), actual);
}

#[test]
fn the_digest_matches_its_golden_files() {
    let messages = sample_burst();
    let refs: Vec<&StandardMessage> = messages.iter().collect();
    let now: DateTime<Utc> = refs.iter().map(|m| m.time).max().unwrap() + Duration::seconds(210);
    let routing = routing();
    let recipients = routing
        .recipient_sets()
        .find(|r| r.route_name() == "payments")
        .unwrap();
    let email = Renderer::new()
        .unwrap()
        .render_digest(&refs, &[], recipients, now)
        .unwrap();
    assert_eq!(
        email.subject,
        "[ORE] 4 instances terminated, 1 stopped, 1 running in 2 regions, account 123456789012"
    );
    let ids: Vec<&str> = refs.iter().map(|m| m.id.as_str()).collect();
    assert!(email.text.contains(&format!("Digest {}", digest_id(&ids))));
    golden("digest-burst.txt", &email.text);
    golden("digest-burst.html", &email.html);
}
