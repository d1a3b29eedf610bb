//! The bus-publisher against EventBridge and SQS served by the emulator, through the real SDK: a
//! team's rule on the ORE bus, by state and account, gets exactly the matching messages.

use aws_sdk_eventbridge::types::Target;
use bus_publisher::{BusPublisher, EventBridgeBus};
use serde_json::{json, Value};
use test_support::{
    create_queue, emulator_config, load_json, load_sqs_event, sqs_event_of, unique_name,
};

/// A custom bus with one rule targeting a fresh queue; returns (bus ARN, queue URL).
async fn bus_with_rule(config: &aws_config::SdkConfig, pattern: &Value) -> (String, String) {
    let events = aws_sdk_eventbridge::Client::new(config);
    let sqs = aws_sdk_sqs::Client::new(config);
    let name = unique_name("ore");
    let bus_arn = events
        .create_event_bus()
        .name(&name)
        .send()
        .await
        .expect("create bus")
        .event_bus_arn
        .expect("bus arn");
    let (queue_url, queue_arn) = create_queue(&sqs, &unique_name("team"), None).await;
    let rule = unique_name("team-rule");
    events
        .put_rule()
        .name(&rule)
        .event_bus_name(&name)
        .event_pattern(pattern.to_string())
        .send()
        .await
        .expect("put rule");
    events
        .put_targets()
        .rule(&rule)
        .event_bus_name(&name)
        .targets(
            Target::builder()
                .id("team")
                .arn(queue_arn)
                .build()
                .expect("target"),
        )
        .send()
        .await
        .expect("put targets");
    (bus_arn, queue_url)
}

async fn received(config: &aws_config::SdkConfig, queue_url: &str) -> Vec<Value> {
    let sqs = aws_sdk_sqs::Client::new(config);
    let mut events = Vec::new();
    for _ in 0..3 {
        let reply = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive");
        for message in reply.messages() {
            events.push(
                serde_json::from_str(message.body().unwrap_or_default()).expect("JSON event"),
            );
        }
    }
    events
}

#[tokio::test]
async fn a_rule_on_the_ore_bus_by_state_and_account_gets_the_message_whole() {
    let config = emulator_config().await;
    let message = load_json("events/standard/message-stopped.json");
    let pattern = json!({
        "source": ["org.ore"],
        "detail-type": ["org.ore.resource.state-changed"],
        "detail": {"data": {"state": ["stopped"], "account": ["123456789012"]}},
    });
    let (bus_arn, queue_url) = bus_with_rule(&config, &pattern).await;
    let publisher = BusPublisher::new(EventBridgeBus::new(
        aws_sdk_eventbridge::Client::new(&config),
        &bus_arn,
    ));

    let mut running = message.clone();
    running["id"] = json!("running-one");
    running["data"]["state"] = json!("running");
    let mut other_account = message.clone();
    other_account["id"] = json!("other-account");
    other_account["data"]["account"] = json!("210987654321");
    let batch = vec![
        ("stopped".to_owned(), message.to_string()),
        ("running".to_owned(), running.to_string()),
        ("other".to_owned(), other_account.to_string()),
    ];
    let response = test_support::run_batch(&publisher, &sqs_event_of(&batch))
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty());

    let [event] = received(&config, &queue_url)
        .await
        .try_into()
        .expect("exactly the stopped message");
    assert_eq!(event["source"], "org.ore");
    assert_eq!(event["detail-type"], "org.ore.resource.state-changed");
    assert_eq!(event["detail"], message);
    assert_eq!(event["resources"], json!([message["data"]["resource_arn"]]));
}

#[tokio::test]
async fn notices_and_the_heartbeat_reach_a_rule_on_their_type() {
    let config = emulator_config().await;
    let pattern = json!({"source": ["org.ore"], "detail-type": [{"prefix": "org.ore."}]});
    let (bus_arn, queue_url) = bus_with_rule(&config, &pattern).await;
    let publisher = BusPublisher::new(EventBridgeBus::new(
        aws_sdk_eventbridge::Client::new(&config),
        &bus_arn,
    ));
    for sample in [
        "events/sqs/bus-publisher-notices-batch.json",
        "events/canary/bus-publisher-heartbeat-raw-delivery.json",
    ] {
        let response = test_support::run_batch(&publisher, &load_sqs_event(sample))
            .await
            .unwrap();
        assert!(response.batch_item_failures.is_empty(), "{sample}");
    }
    let mut types: Vec<String> = received(&config, &queue_url)
        .await
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap_or_default().to_owned())
        .collect();
    types.sort();
    let mut expected: Vec<String> = test_support::notice_sample_names()
        .iter()
        .map(|name| {
            load_json(&format!("events/notices/{name}.json"))["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .chain(["org.ore.heartbeat".to_owned()])
        .collect();
    expected.sort();
    assert_eq!(types, expected);
}

#[tokio::test]
async fn a_put_to_a_bus_that_is_not_there_fails_the_record() {
    let config = emulator_config().await;
    let publisher = BusPublisher::new(EventBridgeBus::new(
        aws_sdk_eventbridge::Client::new(&config),
        "arn:aws:events:eu-west-1:123456789012:event-bus/no-such-bus",
    ));
    let event = load_sqs_event("events/sqs/bus-publisher-stopped-raw-delivery.json");
    let response = test_support::run_batch(&publisher, &event).await.unwrap();
    assert_eq!(response.batch_item_failures.len(), 1);
}
