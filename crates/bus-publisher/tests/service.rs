//! The bus-publisher's batch against the in-memory bus: what goes on the bus, in how many
//! requests, and which records fail when EventBridge refuses a request or an entry.

use aws_lambda_events::sqs::SqsEvent;
use bus_publisher::bus::memory::MemoryBus;
use bus_publisher::BusPublisher;
use ore_lambda::batch::RecordResult;
use ore_lambda::fakes::Fault;
use ore_lambda::RecordError;
use serde_json::Value;
use test_support::{failed_ids, load_json, load_sqs_event, message_ids, sqs_event_of};

/// The failed records' errors, by SQS message id.
async fn errors(
    publisher: &BusPublisher<MemoryBus>,
    event: &SqsEvent,
) -> Vec<(String, RecordError)> {
    let deadline = tokio::time::Instant::now() + ore_lambda::batch::DEFAULT_BUDGET;
    let outcome = ore_lambda::batch::run_batch(publisher, event, deadline)
        .await
        .unwrap();
    event
        .records
        .iter()
        .zip(outcome.results)
        .filter_map(|(record, result)| match result {
            RecordResult::Failed(error) => {
                Some((record.message_id.clone().unwrap_or_default(), error))
            }
            RecordResult::Done(_) => None,
        })
        .collect()
}

fn publisher() -> BusPublisher<MemoryBus> {
    BusPublisher::new(MemoryBus::default())
}

fn detail(entry: &bus_publisher::BusEntry) -> Value {
    serde_json::from_str(&entry.detail).expect("JSON detail")
}

/// `count` copies of the stopped message, each with its own id.
fn stopped_batch(count: usize) -> Vec<(String, String)> {
    let message = load_json("events/standard/message-stopped.json");
    (0..count)
        .map(|i| {
            let mut m = message.clone();
            m["id"] = Value::String(format!("message-{i:02}"));
            (format!("sqs-{i:02}"), m.to_string())
        })
        .collect()
}

#[tokio::test]
async fn each_delivery_of_a_message_puts_it_whole_on_the_bus() {
    for delivery in ["sns-envelope", "raw-delivery"] {
        let publisher = publisher();
        let event = load_sqs_event(&format!("events/sqs/bus-publisher-stopped-{delivery}.json"));
        let response = test_support::run_batch(&publisher, &event).await.unwrap();
        assert!(response.batch_item_failures.is_empty(), "{delivery}");
        let [entry] = publisher.bus().put_entries().try_into().expect("one entry");
        assert_eq!(
            detail(&entry),
            load_json("events/standard/message-stopped.json")
        );
        assert_eq!(entry.source, "org.ore");
        assert_eq!(entry.detail_type, "org.ore.resource.state-changed");
    }
}

#[tokio::test]
async fn a_batch_goes_out_in_requests_of_at_most_ten_in_order() {
    let publisher = publisher();
    let batch = stopped_batch(25);
    let response = test_support::run_batch(&publisher, &sqs_event_of(&batch))
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty());
    let requests = publisher.bus().requests.lock().unwrap().clone();
    assert_eq!(
        requests.iter().map(Vec::len).collect::<Vec<_>>(),
        [10, 10, 5]
    );
    let ids: Vec<String> = requests
        .concat()
        .iter()
        .map(|e| e.message_id.clone())
        .collect();
    let expected: Vec<String> = (0..25).map(|i| format!("message-{i:02}")).collect();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn an_entry_eventbridge_throttles_fails_only_its_record() {
    for fault in Fault::ALL {
        let publisher = publisher();
        publisher
            .bus()
            .entry_faults
            .lock()
            .unwrap()
            .insert("message-03".into(), fault);
        let batch = stopped_batch(12);
        let failed = errors(&publisher, &sqs_event_of(&batch)).await;
        let [(id, error)] = failed.try_into().expect("one failed record");
        assert_eq!(id, "sqs-03", "{fault:?}");
        fault.assert_is(&error, "events:PutEvents");
        assert_eq!(publisher.bus().put_entries().len(), 11, "{fault:?}");
    }
}

#[tokio::test]
async fn a_refused_request_fails_its_records_and_no_other() {
    let publisher = publisher();
    *publisher.bus().request_fault.lock().unwrap() = Some(Fault::Throttled);
    let batch = stopped_batch(3);
    let event = sqs_event_of(&batch);
    let response = test_support::run_batch(&publisher, &event).await.unwrap();
    assert_eq!(failed_ids(&response), message_ids(&event.records));
    assert!(publisher.bus().put_entries().is_empty());
}

#[tokio::test]
async fn bad_records_fail_and_good_ones_in_the_same_batch_are_put() {
    let publisher = publisher();
    let event = load_sqs_event("events/sqs/bus-publisher-malformed-batch.json");
    let response = test_support::run_batch(&publisher, &event).await.unwrap();
    assert_eq!(failed_ids(&response), message_ids(&event.records[1..]));
    assert_eq!(publisher.bus().put_entries().len(), 1);
}

#[tokio::test]
async fn every_notice_kind_and_the_heartbeat_are_put_under_their_own_type() {
    let publisher = publisher();
    let event = load_sqs_event("events/sqs/bus-publisher-notices-batch.json");
    let response = test_support::run_batch(&publisher, &event).await.unwrap();
    assert!(response.batch_item_failures.is_empty());
    let mut put: Vec<String> = publisher
        .bus()
        .put_entries()
        .iter()
        .map(|e| e.detail_type.clone())
        .collect();
    let mut expected: Vec<String> = test_support::notice_sample_names()
        .iter()
        .map(|name| {
            load_json(&format!("events/notices/{name}.json"))["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    put.sort();
    expected.sort();
    assert_eq!(put, expected);

    let heartbeat = load_sqs_event("events/canary/bus-publisher-heartbeat-raw-delivery.json");
    let response = test_support::run_batch(&publisher, &heartbeat)
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty());
    let last = publisher.bus().put_entries().pop().unwrap();
    assert_eq!(last.detail_type, "org.ore.heartbeat");
}

#[tokio::test]
async fn a_message_too_large_for_one_event_is_bad_input_and_the_rest_are_put() {
    let publisher = publisher();
    let base = load_json("events/standard/message-stopped.json");
    // A body SQS and the decoder accept (at most 256 KiB) whose event would be over PutEvents'
    // limit once its source, detail-type, resource and time are counted.
    let with_padding = |id: &str, bytes: usize| {
        let mut m = base.clone();
        m["id"] = Value::String(id.into());
        m["padding"] = Value::String(String::new());
        let empty = m.to_string().len();
        m["padding"] = Value::String("x".repeat(bytes - empty));
        m.to_string()
    };
    let limit = bus_publisher::entry::MAX_ENTRY_BYTES;
    let batch = vec![
        ("fits".to_owned(), with_padding("fits", 200 * 1024)),
        (
            "too-large".to_owned(),
            with_padding("too-large", limit - 20),
        ),
        ("after".to_owned(), with_padding("after", 8 * 1024)),
    ];
    assert!(batch[1].1.len() <= ore_model::envelope::MAX_BODY_BYTES);
    let failed = errors(&publisher, &sqs_event_of(&batch)).await;
    let [(id, error)] = failed.try_into().expect("one failed record");
    assert_eq!(id, "too-large");
    assert_eq!(error.kind(), "bad_input");
    let put: Vec<String> = publisher
        .bus()
        .put_entries()
        .iter()
        .map(|e| e.message_id.clone())
        .collect();
    assert_eq!(put, ["fits", "after"]);
}
