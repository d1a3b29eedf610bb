//! The chat-notifier against SNS and SQS served by the emulator, through the real SDK: a post
//! arrives on the channel's topic as the custom notification JSON, and a post to a topic that
//! is not there fails its record.

use chat_notifier::{ChatNotifier, ChatRoutes, Composer, SnsChannels};
use serde_json::Value;
use test_support::{emulator_config, load_json, load_sqs_event, TappedTopic};

#[tokio::test]
async fn a_post_arrives_on_the_channel_topic_as_a_custom_notification() {
    let config = emulator_config().await;
    let tap = TappedTopic::create(&config, "ore-chat-payments").await;
    let routes = ChatRoutes::new("team", "", &tap.topic_arn).unwrap();
    let notifier = ChatNotifier::new(
        Composer::new().unwrap(),
        SnsChannels::new(aws_sdk_sns::Client::new(&config)),
        routes,
    );
    let event = load_sqs_event("events/sqs/chat-notifier-stopped-raw-delivery.json");
    let response = test_support::run_batch(&notifier, &event).await.unwrap();
    assert!(response.batch_item_failures.is_empty());
    let [received] = tap.receive(1).await.try_into().expect("one post");
    let post: Value = serde_json::from_str(&received.body).expect("JSON");
    assert_eq!(
        (post["version"].as_str(), post["source"].as_str()),
        (Some("1.0"), Some("custom"))
    );
    assert_eq!(
        post["id"],
        load_json("events/standard/message-stopped.json")["id"]
    );
}

#[tokio::test]
async fn a_post_to_a_missing_topic_fails_its_record() {
    let config = emulator_config().await;
    let routes = ChatRoutes::new(
        "team",
        "",
        "arn:aws:sns:eu-west-1:123456789012:ore-chat-missing",
    )
    .unwrap();
    let notifier = ChatNotifier::new(
        Composer::new().unwrap(),
        SnsChannels::new(aws_sdk_sns::Client::new(&config)),
        routes,
    );
    let event = load_sqs_event("events/sqs/chat-notifier-stopped-raw-delivery.json");
    let response = test_support::run_batch(&notifier, &event).await.unwrap();
    assert_eq!(response.batch_item_failures.len(), 1);
}
