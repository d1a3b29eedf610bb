//! The chat posts, with the in-memory channels: golden custom notifications per kind and for a
//! digest, each valid against the documented event format; routing by tag; bursts as one digest
//! per channel; hostile tag values neither mention nor link; a long text cut with where the rest
//! is; a refused post fails exactly its records.

use chat_notifier::post::memory::MemoryChannels;
use chat_notifier::{ChatNotifier, ChatRoutes, Composer};
use chrono::{DateTime, Utc};
use ore_lambda::fakes::Fault;
use serde_json::{json, Value};
use test_support::{failed_ids, heartbeat_message_body, load_json, sqs_event_of, team_burst};

const OWN: &str = "arn:aws:sns:eu-west-1:123456789012:ore-ChatTopic-1ABC";
const PAYMENTS: &str = "arn:aws:sns:eu-west-1:123456789012:ore-chat-payments";
const DATA: &str = "arn:aws:sns:eu-west-1:123456789012:ore-chat-data";

fn now() -> DateTime<Utc> {
    "2026-11-26T13:05:00Z".parse().expect("time")
}

fn notifier() -> ChatNotifier<MemoryChannels> {
    let routes =
        ChatRoutes::new("team", &format!("payments={PAYMENTS}; data={DATA}"), OWN).unwrap();
    ChatNotifier::new(Composer::new().unwrap(), MemoryChannels::default(), routes).with_clock(now)
}

/// The event format of Amazon Q Developer in chat applications' custom notifications (its admin
/// guide, "Custom notifications", Event schema and Parameter details): version "1.0" and source
/// "custom" required, textType client-markdown, no other fields.
fn documented_format() -> jsonschema::Validator {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    jsonschema::validator_for(&json!({
        "type": "object",
        "required": ["version", "source", "content"],
        "additionalProperties": false,
        "properties": {
            "version": {"const": "1.0"},
            "source": {"const": "custom"},
            "id": {"type": "string"},
            "content": {
                "type": "object",
                "required": ["description"],
                "additionalProperties": false,
                "properties": {
                    "textType": {"const": "client-markdown"},
                    "title": {"type": "string", "maxLength": 250},
                    "description": {"type": "string", "minLength": 1, "maxLength": 3000},
                    "nextSteps": strings,
                    "keywords": strings,
                },
            },
            "metadata": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "threadId": {"type": "string"},
                    "summary": {"type": "string"},
                    "eventType": {"type": "string"},
                    "relatedResources": strings,
                    "additionalContext": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
        },
    }))
    .expect("schema")
}

fn assert_documented(post: &Value) {
    let errors: Vec<String> = documented_format()
        .iter_errors(post)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{post:#}");
}

fn golden(name: &str, post: &Value) {
    assert_documented(post);
    let text = serde_json::to_string_pretty(post).unwrap() + "\n";
    test_support::assert_golden(
        &format!("crates/chat-notifier/tests/golden/{name}.json"),
        &text,
    );
}

async fn post_one(notifier: &ChatNotifier<MemoryChannels>, body: &Value) -> Vec<(String, Value)> {
    let event = sqs_event_of(&[("sqs-1".to_owned(), body.to_string())]);
    let response = test_support::run_batch(notifier, &event).await.unwrap();
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    notifier.channels().posts.lock().unwrap().clone()
}

#[tokio::test]
async fn a_state_change_is_the_mails_words_in_its_resources_thread() {
    let notifier = notifier();
    let [(topic, post)] = post_one(
        &notifier,
        &load_json("events/standard/message-stopped.json"),
    )
    .await
    .try_into()
    .expect("one post");
    assert_eq!(
        topic, PAYMENTS,
        "the sample instance is tagged team=payments"
    );
    assert_eq!(
        post["content"]["title"],
        "[123456789012 eu-west-1] web-01 (i-0abc1234def567890) is now stopped"
    );
    assert_eq!(
        post["metadata"]["threadId"],
        "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890"
    );
    assert!(post["content"]["nextSteps"][0]
        .as_str()
        .unwrap()
        .starts_with("Open it in the <https://eu-west-1.console.aws.amazon.com/ec2/"));
    golden("post-stopped", &post);
}

#[tokio::test]
async fn every_notice_kind_has_its_golden_post() {
    for name in test_support::notice_sample_names() {
        let notifier = notifier();
        let message = load_json(&format!("events/notices/{name}.json"));
        let [(_, post)] = post_one(&notifier, &message)
            .await
            .try_into()
            .expect("one post");
        assert_eq!(post["id"], message["id"], "{name}");
        assert_eq!(post["metadata"]["eventType"], message["type"], "{name}");
        golden(&format!("post-{name}"), &post);
    }
}

#[tokio::test]
async fn a_burst_is_one_digest_post_per_channel_and_a_heartbeat_posts_nothing() {
    let notifier = notifier();
    let mut records = team_burst("payments", 0, 6);
    records.extend(team_burst("data", 6, 6));
    records.extend(team_burst("nobody", 12, 2));
    records.push(("sqs-heartbeat".into(), heartbeat_message_body("hb-1")));
    let response = test_support::run_batch(&notifier, &sqs_event_of(&records))
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let channels = notifier.channels();
    let [payments] = channels
        .posts_to(PAYMENTS)
        .try_into()
        .expect("one payments digest");
    let [_data] = channels.posts_to(DATA).try_into().expect("one data digest");
    assert_eq!(
        channels.posts_to(OWN).len(),
        2,
        "two changes under the threshold: a post each"
    );
    assert_eq!(payments["metadata"]["eventType"], "org.ore.digest");
    assert!(payments["metadata"].get("threadId").is_none());
    let description = payments["content"]["description"].as_str().unwrap();
    assert!(
        description.ends_with("Each change's details are in the mail."),
        "{description}"
    );
    assert!(
        !description.contains("\nDetails\n"),
        "the table, not the details"
    );
    assert_eq!(
        payments["metadata"]["relatedResources"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    golden("post-digest-burst", &payments);
}

#[tokio::test]
async fn hostile_tag_values_neither_mention_nor_link_nor_route() {
    let notifier = notifier();
    let mut message = load_json("events/standard/message-stopped.json");
    let tags = &mut message["data"]["instance"]["tags"];
    tags["Name"] = json!("<!channel> <https://evil.example|reset> [reset](https://evil.example) https://evil.example");
    tags["team"] = json!("<https://evil.example>");
    let [(topic, post)] = post_one(&notifier, &message)
        .await
        .try_into()
        .expect("one post");
    assert_eq!(topic, OWN, "a tag names only configured routes");
    let text = format!(
        "{}{}",
        post["content"]["title"], post["content"]["description"]
    );
    assert!(
        !text.contains("<!channel>") && !text.contains("<https://evil"),
        "{text}"
    );
    assert!(text.contains("&lt;!channel&gt;"), "{text}");
    assert_documented(&post);
}

#[tokio::test]
async fn a_long_text_is_cut_at_the_limit_with_where_the_rest_is() {
    let notifier = notifier();
    let mut message = load_json("events/standard/message-stopped.json");
    let tags = message["data"]["instance"]["tags"].as_object_mut().unwrap();
    for i in 0..45 {
        tags.insert(format!("tag-{i:02}"), json!("v".repeat(250)));
    }
    let [(_, post)] = post_one(&notifier, &message)
        .await
        .try_into()
        .expect("one post");
    let description = post["content"]["description"].as_str().unwrap();
    assert!(description.chars().count() <= chat_notifier::notification::MAX_DESCRIPTION_CHARS);
    assert!(description.ends_with("|EC2 console>."), "{description}");
    assert!(
        description.contains("…\nThe whole message is in the mail, and at <https://"),
        "{description}"
    );
    assert_documented(&post);
}

#[tokio::test]
async fn a_refused_post_fails_exactly_its_records() {
    for fault in Fault::ALL {
        let notifier = notifier();
        notifier
            .channels()
            .faults
            .lock()
            .unwrap()
            .insert(PAYMENTS.into(), fault);
        let mut records = team_burst("payments", 0, 5);
        records.extend(team_burst("data", 5, 1));
        let event = sqs_event_of(&records);
        let deadline = tokio::time::Instant::now() + ore_lambda::batch::DEFAULT_BUDGET;
        let outcome = ore_lambda::batch::run_batch(&notifier, &event, deadline)
            .await
            .unwrap();
        let failed = failed_ids(&outcome.response);
        assert_eq!(
            failed,
            records[..5]
                .iter()
                .map(|(id, _)| id.clone())
                .collect::<Vec<_>>(),
            "{fault:?}"
        );
        for result in &outcome.results[..5] {
            match result {
                ore_lambda::batch::RecordResult::Failed(error) => {
                    fault.assert_is(error, "sns:Publish")
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(notifier.channels().posts_to(DATA).len(), 1, "{fault:?}");
    }
}
