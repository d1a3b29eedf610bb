//! A burst (an auto scaling group launching 20 instances) through the emailer when SES throttles
//! most sends: every mail goes out exactly once, sends keep the configured pace, and nothing
//! reaches the dead-letter queue. The SQS side is simulated in memory with the queue settings
//! read from template.yaml (visibility timeout, maxReceiveCount, batch size, function timeout);
//! time is tokio's paused clock, so minutes of pacing run in milliseconds.

use emailer::ledger::memory::MemoryMailLedger;
use std::time::Duration;

use emailer::mail::memory::RecordingMailer;
use emailer::{Emailer, Pacer, Renderer, RoutingTable};
use ore_lambda::fakes::{Fault, RecordingRequeue};
use ore_lambda::runtime::{handle, REPORTING_RESERVE};
use test_support::{load_json, sqs_event, template, template_number};
use tokio::time::Instant;

/// SES that throttles two sends out of three (after the SDK's own retries).
fn throttling_ses() -> RecordingMailer {
    RecordingMailer::with_faults(|attempt| (attempt % 3 != 0).then_some(Fault::Throttled))
}

struct Message {
    id: String,
    body: String,
    receive_count: u64,
    visible_at: Instant,
}

fn burst(size: usize) -> Vec<(String, String)> {
    let template = load_json("events/standard/message-running.json");
    (0..size)
        .map(|n| {
            let mut message = template.clone();
            let instance = format!("i-0abc1234def5678{n:02x}");
            message["id"] = format!("00000000-0000-5000-8000-0000000000{n:02x}").into();
            message["subject"] = instance.clone().into();
            message["data"]["resource_id"] = instance.clone().into();
            message["data"]["instance"]["name"] = format!("asg-{n:02}").into();
            (format!("m{n:02}"), message.to_string())
        })
        .collect()
}

fn parameter_default(name: &str) -> f64 {
    let value = &template()["Parameters"][name]["Default"];
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("template parameter {name} has no numeric default"))
}

#[tokio::test(start_paused = true)]
async fn a_throttled_burst_sends_every_mail_once_at_pace_and_dead_letters_nothing() {
    let visibility = Duration::from_secs(template_number(
        "Mappings.Consumers.Emailer",
        &["VisibilityTimeout"],
    ));
    let max_receive = template_number("Mappings.Consumers.Emailer", &["MaxReceiveCount"]);
    let timeout = Duration::from_secs(template_number(
        "EmailerFunction",
        &["Properties", "Timeout"],
    ));
    let batch_size = parameter_default("EmailBatchSize") as usize;
    let send_rate = parameter_default("SesMaxSendRate");
    let concurrency = parameter_default("EmailerMaxConcurrency") as u32;

    let pacer = Pacer::new(send_rate, concurrency, Duration::from_millis(8_500));
    let interval = pacer.interval(1);
    let emailer = Emailer::new(
        Renderer::new().unwrap(),
        throttling_ses(),
        MemoryMailLedger::default(),
        ops(),
    )
    .with_pacer(pacer)
    // Single mails only: this is the pace of a burst whose mails go to many different teams
    // (digests, one per team, are tests/digest.rs's).
    .with_digest_threshold(usize::MAX);

    let start = Instant::now();
    let mut queue: Vec<Message> = burst(20)
        .into_iter()
        .map(|(id, body)| Message {
            id,
            body,
            receive_count: 0,
            visible_at: start,
        })
        .collect();
    let mut dead_letters = Vec::new();
    let mut most_receives = 0;

    for _round in 0..500 {
        if queue.is_empty() {
            break;
        }
        let now = Instant::now();
        let mut batch = Vec::new();
        for message in queue.iter_mut().filter(|m| m.visible_at <= now) {
            if batch.len() == batch_size {
                break;
            }
            message.receive_count += 1;
            message.visible_at = now + visibility;
            batch.push(message.id.clone());
        }
        // SQS moves a message past maxReceiveCount to the dead-letter queue instead.
        let (dead, live): (Vec<String>, Vec<String>) = batch.into_iter().partition(|id| {
            queue
                .iter()
                .any(|m| &m.id == id && m.receive_count > max_receive)
        });
        for id in dead {
            let index = queue.iter().position(|m| m.id == id).unwrap();
            dead_letters.push(queue.remove(index).id);
        }
        if live.is_empty() {
            let next = queue.iter().map(|m| m.visible_at).min().unwrap_or(now);
            tokio::time::sleep_until(next.max(now + Duration::from_millis(100))).await;
            continue;
        }
        let records: Vec<(&str, &str)> = live
            .iter()
            .map(|id| {
                let m = queue.iter().find(|m| &m.id == id).unwrap();
                (m.id.as_str(), m.body.as_str())
            })
            .collect();
        most_receives = most_receives.max(
            queue
                .iter()
                .filter(|m| live.contains(&m.id))
                .map(|m| m.receive_count)
                .max()
                .unwrap_or(0),
        );
        let event = sqs_event(&records);
        let requeue = RecordingRequeue::default();
        let invoked = Instant::now();
        let response = handle(
            &emailer,
            &requeue,
            "emailer",
            &event,
            invoked + timeout - REPORTING_RESERVE,
        )
        .await
        .expect("the invocation answers");
        assert!(
            Instant::now() - invoked <= timeout,
            "the invocation overran its timeout"
        );
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        let requeued = requeue.delays();
        let after = Instant::now();
        queue.retain_mut(|m| {
            if !live.contains(&m.id) {
                return true;
            }
            if let Some(delay) = requeued.get(&format!("handle-{}", m.id)) {
                m.visible_at = after + *delay;
            }
            failed.contains(&m.id.as_str())
        });
    }

    let ses = emailer.mailer();
    let mut subjects: Vec<String> = ses.sent().into_iter().map(|mail| mail.subject).collect();
    subjects.sort();
    let mut expected: Vec<String> = (0..20)
        .map(|n| format!("asg-{n:02} (i-0abc1234def5678{n:02x}) is now running"))
        .collect();
    expected.sort();
    assert!(queue.is_empty(), "{} messages never sent", queue.len());
    assert!(dead_letters.is_empty(), "dead-lettered: {dead_letters:?}");
    assert_eq!(subjects.len(), 20, "every mail exactly once");
    for (subject, name) in subjects.iter().zip(&expected) {
        assert!(subject.ends_with(name), "{subject} vs {name}");
    }
    assert!(ses.attempts().len() >= 50, "most sends were throttled");
    assert!(most_receives <= max_receive);
    for pair in ses.attempts().windows(2) {
        assert!(
            pair[1] - pair[0] >= interval,
            "two sends {:?} apart, the pace is {interval:?}",
            pair[1] - pair[0]
        );
    }
}

/// One recipient for every mail.
fn ops() -> RoutingTable {
    RoutingTable::everyone(vec!["ops@example.com".into()])
}
