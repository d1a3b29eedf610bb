//! Every branch of the emailer with the in-memory mailer, no emulator: a mail sent, a heartbeat
//! that mails no one, SES throttling (deferred, the pace slows), SES failing or refusing, and a
//! record with no send slot left before the deadline, and the mail ledger: a redelivery mails no
//! one, a claim in flight defers, an abandoned claim is never mailed again, a failed send gives
//! the claim back.

use emailer::ledger::memory::MemoryMailLedger;
use std::time::Duration;

use emailer::mail::memory::RecordingMailer;
use emailer::{Emailer, Pacer, Renderer, RoutingTable};
use ore_lambda::batch::{Outcome, RecordHandler};
use ore_lambda::fakes::Fault;
use ore_lambda::RecordError;
use ore_model::from_sqs_body;
use ore_model::message::OreMessage;
use test_support::{heartbeat_message_body, load_json};
use tokio::time::Instant;

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(20)
}

fn stopped() -> OreMessage {
    from_sqs_body(&load_json("events/standard/message-stopped.json").to_string()).unwrap()
}

fn emailer(mailer: RecordingMailer) -> Emailer<RecordingMailer, MemoryMailLedger> {
    Emailer::new(
        Renderer::new().unwrap(),
        mailer,
        MemoryMailLedger::default(),
        ops(),
    )
}

#[tokio::test]
async fn a_state_change_is_mailed_once() {
    let emailer = emailer(RecordingMailer::default());
    let outcome = emailer.handle_record(stopped(), deadline()).await.unwrap();
    assert_eq!(outcome, Outcome::Delivered { state: "stopped" });
    let [mail] = emailer.mailer().sent().try_into().unwrap();
    assert_eq!(
        mail.subject,
        "[123456789012 eu-west-1] web-01 (i-0abc1234def567890) is now stopped"
    );
    assert!(mail.text.contains("STOPPED") && mail.html.starts_with("<!DOCTYPE html>"));
}

#[tokio::test]
async fn a_heartbeat_is_counted_and_mails_no_one() {
    let emailer = emailer(RecordingMailer::default());
    let heartbeat: OreMessage = from_sqs_body(&heartbeat_message_body("hb-9")).unwrap();
    let outcome = emailer.handle_record(heartbeat, deadline()).await.unwrap();
    assert!(
        matches!(outcome, Outcome::Heartbeat { ref id, .. } if id == "hb-9"),
        "{outcome:?}"
    );
    assert!(emailer.mailer().attempts().is_empty());
}

#[tokio::test]
async fn ses_failing_or_refusing_fails_the_record_with_its_kind() {
    for fault in [Fault::Transient, Fault::Rejected] {
        let emailer = emailer(RecordingMailer::failing(fault));
        let result = emailer.handle_record(stopped(), deadline()).await;
        fault.assert_is(&result.unwrap_err(), "ses:SendEmail");
        assert!(emailer.mailer().sent().is_empty());
    }
}

#[tokio::test(start_paused = true)]
async fn ses_throttling_defers_the_record_and_backs_off_the_next_send() {
    // 10 sends/s, 1 recipient, 2 concurrent invocations: one send every 200 ms when all is well.
    let pacer = Pacer::new(10.0, 2, Duration::from_secs(1));
    let interval = pacer.interval(1);
    let throttled_once = RecordingMailer::with_faults(|n| (n == 0).then_some(Fault::Throttled));
    let emailer = emailer(throttled_once).with_pacer(pacer);
    let error = emailer
        .handle_record(stopped(), deadline())
        .await
        .unwrap_err();
    assert!(matches!(error, RecordError::Deferred { .. }), "{error:?}");
    emailer.handle_record(stopped(), deadline()).await.unwrap();
    let attempts = emailer.mailer().attempts();
    assert_eq!(attempts.len(), 2);
    let gap = attempts[1] - attempts[0];
    assert!(
        gap >= Duration::from_secs(1) && gap > interval,
        "{gap:?} after a throttle"
    );
    assert_eq!(emailer.mailer().sent().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn no_send_slot_before_the_deadline_defers_without_calling_ses() {
    let emailer =
        emailer(RecordingMailer::default()).with_pacer(Pacer::new(1.0, 2, Duration::from_secs(8)));
    let too_soon = Instant::now() + Duration::from_secs(1);
    let error = emailer
        .handle_record(stopped(), too_soon)
        .await
        .unwrap_err();
    assert!(matches!(error, RecordError::Deferred { .. }), "{error:?}");
    assert!(emailer.mailer().attempts().is_empty());
}

fn ledger_with(
    message_id: &str,
    sent: bool,
    claimed_at: chrono::DateTime<chrono::Utc>,
) -> MemoryMailLedger {
    let ledger = MemoryMailLedger::default();
    ledger
        .entries
        .lock()
        .unwrap()
        .insert(message_id.to_owned(), (sent, claimed_at));
    ledger
}

fn stopped_id() -> String {
    load_json("events/standard/message-stopped.json")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_redelivered_message_is_mailed_once() {
    let emailer = emailer(RecordingMailer::default());
    emailer.handle_record(stopped(), deadline()).await.unwrap();
    let again = emailer.handle_record(stopped(), deadline()).await.unwrap();
    assert_eq!(again, Outcome::Duplicate { state: "stopped" });
    assert_eq!(emailer.mailer().sent().len(), 1);
    assert!(emailer.ledger().entries.lock().unwrap()[&stopped_id()].0);
}

#[tokio::test]
async fn a_claim_in_flight_defers_and_an_abandoned_one_is_never_mailed_again() {
    let now = chrono::Utc::now();
    let in_flight = Emailer::new(
        Renderer::new().unwrap(),
        RecordingMailer::default(),
        ledger_with(&stopped_id(), false, now - chrono::Duration::seconds(5)),
        ops(),
    );
    let error = in_flight
        .handle_record(stopped(), deadline())
        .await
        .unwrap_err();
    assert!(matches!(error, RecordError::Deferred { .. }), "{error:?}");

    let abandoned = Emailer::new(
        Renderer::new().unwrap(),
        RecordingMailer::default(),
        ledger_with(&stopped_id(), false, now - chrono::Duration::seconds(600)),
        ops(),
    );
    let error = abandoned
        .handle_record(stopped(), deadline())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "local", "{error:?}");
    assert!(error.to_string().contains("at most once"), "{error}");
    assert!(in_flight.mailer().attempts().is_empty());
    assert!(abandoned.mailer().attempts().is_empty());
}

#[tokio::test]
async fn a_failed_send_gives_the_claim_back_so_the_retry_sends() {
    let fails_once = RecordingMailer::with_faults(|n| (n == 0).then_some(Fault::Transient));
    let emailer = emailer(fails_once);
    assert!(emailer.handle_record(stopped(), deadline()).await.is_err());
    assert!(emailer.ledger().entries.lock().unwrap().is_empty());
    let outcome = emailer.handle_record(stopped(), deadline()).await.unwrap();
    assert_eq!(outcome, Outcome::Delivered { state: "stopped" });
    assert_eq!(emailer.mailer().sent().len(), 1);
}

#[tokio::test]
async fn ledger_faults_fail_the_record_before_any_mail() {
    for fault in Fault::ALL {
        let emailer = Emailer::new(
            Renderer::new().unwrap(),
            RecordingMailer::default(),
            MemoryMailLedger::failing(fault),
            ops(),
        );
        let error = emailer
            .handle_record(stopped(), deadline())
            .await
            .unwrap_err();
        fault.assert_is(&error, "dynamodb:PutItem");
        assert!(emailer.mailer().attempts().is_empty());
    }
}

fn notice(name: &str) -> OreMessage {
    from_sqs_body(&load_json(&format!("events/notices/{name}.json")).to_string()).unwrap()
}

#[tokio::test]
async fn every_notice_is_mailed_once_a_scheduled_change_with_its_calendar() {
    for name in test_support::notice_sample_names() {
        let name = name.as_str();
        // Only an EC2 instance's scheduled change comes with its window as a calendar entry.
        let attachments = usize::from(name == "health-scheduled-change");
        let emailer = emailer(RecordingMailer::default());
        let outcome = emailer
            .handle_record(notice(name), deadline())
            .await
            .unwrap();
        assert!(
            matches!(outcome, Outcome::Delivered { .. }),
            "{name}: {outcome:?}"
        );
        let again = emailer
            .handle_record(notice(name), deadline())
            .await
            .unwrap();
        assert!(
            matches!(again, Outcome::Duplicate { .. }),
            "{name}: {again:?}"
        );
        let [mail] = emailer.mailer().sent().try_into().unwrap();
        assert_eq!(mail.attachments.len(), attachments, "{name}");
        assert!(
            mail.subject.starts_with("[123456789012 eu-west-1] "),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_notice_send_that_fails_gives_the_claim_back_for_the_retry() {
    for fault in Fault::ALL {
        let emailer = emailer(RecordingMailer::failing(fault));
        let error = emailer
            .handle_record(notice("health-scheduled-change"), deadline())
            .await
            .unwrap_err();
        if fault == Fault::Throttled {
            assert!(matches!(error, RecordError::Deferred { .. }), "{error:?}");
        } else {
            // A scheduled change carries its .ics: raw content, authorised as ses:SendRawEmail.
            fault.assert_is(&error, "ses:SendRawEmail");
        }
    }
    let emailer = emailer(RecordingMailer::with_faults(|attempt| {
        (attempt == 0).then_some(Fault::Transient)
    }));
    assert!(emailer
        .handle_record(notice("health-scheduled-change"), deadline())
        .await
        .is_err());
    let retry = emailer
        .handle_record(notice("health-scheduled-change"), deadline())
        .await;
    assert!(matches!(retry, Ok(Outcome::Delivered { .. })), "{retry:?}");
}

/// One recipient for every mail.
fn ops() -> RoutingTable {
    RoutingTable::everyone(vec!["ops@example.com".into()])
}
