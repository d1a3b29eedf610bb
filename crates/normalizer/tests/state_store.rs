//! The state store's DynamoDB adapter against the emulator's DynamoDB, through the real SDK
//! client, on a table with the key schema template.yaml gives it: the conditional writes that
//! keep redeliveries and concurrent events from corrupting the record.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, TimeDelta, Utc};
use normalizer::store::dynamodb::{DynamoStateStore, PARTITION_KEY, SORT_KEY};
use normalizer::store::{Recorded, StateStore};
use ore_model::ec2::InstanceState;
use ore_model::timing::{CurrentState, Flapping, HistoryEntry, Timing};
use test_support::{create_table, emulator_config};

const RESOURCE: &str = "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890";

fn at(minutes: i64) -> DateTime<Utc> {
    "2026-11-26T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(minutes)
}

fn entry(id: &str, minutes: i64, state: InstanceState) -> HistoryEntry {
    HistoryEntry {
        event_id: id.into(),
        event_time: at(minutes),
        state,
        message_id: format!("m-{id}"),
        timing: Timing {
            previous_state: Some(InstanceState::Pending),
            previous_state_since: Some(at(minutes - 1)),
            previous_state_seconds: Some(60),
            late: false,
            current_state: None,
            flapping: Some(Flapping {
                transitions: 6,
                window_seconds: 1800,
            }),
        },
        published: false,
    }
}

fn current(entry: &HistoryEntry) -> CurrentState {
    CurrentState {
        state: entry.state,
        since: entry.event_time,
        event_time: entry.event_time,
        event_id: entry.event_id.clone(),
        flapping_flagged_at: Some(entry.event_time),
    }
}

#[tokio::test]
async fn the_state_store_writes_each_event_once_and_the_current_state_only_as_read() {
    let config = emulator_config().await;
    let table = create_table(&config, "StateTable").await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let store = DynamoStateStore::new(client.clone(), &table, Duration::from_secs(86_400));

    let first = entry("e1", 0, InstanceState::Running);
    let written = store
        .record(RESOURCE, &first, Some((&current(&first), None)))
        .await
        .unwrap();
    assert_eq!(written, Recorded::Written);
    // The same event again, and a writer that read no current state: both conflict.
    assert_eq!(
        store.record(RESOURCE, &first, None).await.unwrap(),
        Recorded::Conflict
    );
    let second = entry("e2", 5, InstanceState::Stopping);
    assert_eq!(
        store
            .record(RESOURCE, &second, Some((&current(&second), None)))
            .await
            .unwrap(),
        Recorded::Conflict,
        "a current state exists; expecting none must fail"
    );
    assert_eq!(
        store
            .record(RESOURCE, &second, Some((&current(&second), Some("e0"))))
            .await
            .unwrap(),
        Recorded::Conflict,
        "expecting another event id must fail"
    );
    let snapshot = store
        .load::<InstanceState>(RESOURCE, at(-30))
        .await
        .unwrap();
    assert_eq!(
        snapshot.history,
        std::slice::from_ref(&first),
        "a failed transaction writes nothing"
    );
    assert_eq!(
        store
            .record(RESOURCE, &second, Some((&current(&second), Some("e1"))))
            .await
            .unwrap(),
        Recorded::Written
    );
    // A late event: history only.
    let late = entry("e0", -2, InstanceState::Pending);
    assert_eq!(
        store.record(RESOURCE, &late, None).await.unwrap(),
        Recorded::Written
    );
    store.mark_published(RESOURCE, &second).await.unwrap();

    let snapshot = store
        .load::<InstanceState>(RESOURCE, at(-30))
        .await
        .unwrap();
    assert_eq!(snapshot.current, Some(current(&second)));
    let ids: Vec<&str> = snapshot
        .history
        .iter()
        .map(|e| e.event_id.as_str())
        .collect();
    assert_eq!(ids, ["e0", "e1", "e2"], "oldest first");
    assert_eq!(
        snapshot.history[1].timing, first.timing,
        "timing round-trips"
    );
    assert!(snapshot.history[2].published);
    // From a later time on: only the newer history, and still the current state.
    let recent = store.load::<InstanceState>(RESOURCE, at(1)).await.unwrap();
    assert_eq!(recent.history.len(), 1);
    assert!(recent.current.is_some());

    // Every item carries a TTL, in epoch seconds.
    let items = client
        .scan()
        .table_name(&table)
        .send()
        .await
        .unwrap()
        .items
        .unwrap();
    assert_eq!(items.len(), 4);
    for item in &items {
        assert!(
            matches!(item.get("ttl"), Some(AttributeValue::N(n)) if n.parse::<i64>().unwrap() > at(0).timestamp())
        );
    }

    // An item ORE cannot read is skipped and counted, not fatal.
    client
        .put_item()
        .table_name(&table)
        .item(PARTITION_KEY, AttributeValue::S(RESOURCE.into()))
        .item(
            SORT_KEY,
            AttributeValue::S("event#2026-11-26T09:03:00.000Z#bad".into()),
        )
        .item("state", AttributeValue::S("sleeping".into()))
        .send()
        .await
        .unwrap();
    let snapshot = store
        .load::<InstanceState>(RESOURCE, at(-30))
        .await
        .unwrap();
    assert_eq!(snapshot.unreadable, 1);
    assert_eq!(snapshot.history.len(), 3);
}

#[tokio::test]
async fn a_missing_table_is_a_rejected_failure() {
    let config = emulator_config().await;
    let store = DynamoStateStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        "no-such-table",
        Duration::from_secs(60),
    );
    let error = store
        .load::<InstanceState>(RESOURCE, at(0))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "rejected", "{error:?}");
    assert_eq!(error.aws().unwrap().operation, "dynamodb:Query");
}

#[tokio::test]
async fn the_state_store_remembers_published_notices_apart_from_the_history() {
    let config = emulator_config().await;
    let table = create_table(&config, "StateTable").await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let store = DynamoStateStore::new(client.clone(), &table, Duration::from_secs(86_400));
    let first = entry("e1", 0, InstanceState::Running);
    assert_eq!(
        store
            .record(RESOURCE, &first, Some((&current(&first), None)))
            .await
            .unwrap(),
        Recorded::Written
    );

    assert!(!store.notice_published(RESOURCE, "notice-1").await.unwrap());
    store
        .mark_notice_published(RESOURCE, "notice-1", at(5))
        .await
        .unwrap();
    assert!(store.notice_published(RESOURCE, "notice-1").await.unwrap());
    assert!(!store.notice_published(RESOURCE, "notice-2").await.unwrap());
    let other = RESOURCE.replace("i-0abc1234def567890", "i-0fff1234def567890");
    assert!(
        !store.notice_published(&other, "notice-1").await.unwrap(),
        "per resource"
    );

    // The notice item sorts between the history and the current state; loading skips it.
    let snapshot = store
        .load::<InstanceState>(RESOURCE, at(-60))
        .await
        .unwrap();
    assert_eq!(snapshot.history.len(), 1);
    assert_eq!(
        snapshot.unreadable, 0,
        "a notice item is not an unreadable history entry"
    );
    assert_eq!(snapshot.current.unwrap().event_id, "e1");

    let item = client
        .get_item()
        .table_name(&table)
        .key(PARTITION_KEY, AttributeValue::S(RESOURCE.into()))
        .key(SORT_KEY, AttributeValue::S("notice#notice-1".into()))
        .send()
        .await
        .unwrap()
        .item
        .expect("the notice item");
    let ttl: i64 = item["ttl"].as_n().unwrap().parse().unwrap();
    assert_eq!(
        ttl,
        (at(5) + TimeDelta::days(1)).timestamp(),
        "expires with the history"
    );
}

#[tokio::test]
async fn the_state_store_remembers_each_health_events_latest_communication() {
    use normalizer::store::Communication;
    use ore_model::notice::HealthStatus;

    let config = emulator_config().await;
    let table = create_table(&config, "StateTable").await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let store = DynamoStateStore::new(client, &table, Duration::from_secs(86_400));
    // An ARN longer than a sort key may be: the key is a hash of it.
    let event = format!("arn:aws:health:eu-west-1::event/EC2/{}", "X".repeat(1_100));
    let told = |status, minutes| Communication {
        status,
        time: at(minutes),
        updated_from: None,
    };
    assert_eq!(
        store.last_communication(RESOURCE, &event).await.unwrap(),
        None
    );
    store
        .remember_communication(RESOURCE, &event, told(HealthStatus::Upcoming, 0))
        .await
        .unwrap();
    let update = Communication {
        updated_from: Some(HealthStatus::Upcoming),
        ..told(HealthStatus::Open, 10)
    };
    store
        .remember_communication(RESOURCE, &event, update)
        .await
        .unwrap();
    // An older communication arriving late does not replace the later one.
    store
        .remember_communication(RESOURCE, &event, told(HealthStatus::Upcoming, 5))
        .await
        .unwrap();
    assert_eq!(
        store.last_communication(RESOURCE, &event).await.unwrap(),
        Some(update),
        "the later one stays, with what it updated"
    );
    let other = RESOURCE.replace("i-0abc1234def567890", "i-0fff1234def567890");
    assert_eq!(
        store.last_communication(&other, &event).await.unwrap(),
        None,
        "per resource"
    );
    assert_eq!(
        store
            .last_communication(RESOURCE, "arn:aws:health:eu-west-1::event/EC2/Y")
            .await
            .unwrap(),
        None,
        "per event"
    );
    // The communication sorts between the history and the current state; loading skips it.
    let snapshot = store
        .load::<InstanceState>(RESOURCE, at(-60))
        .await
        .unwrap();
    assert_eq!(snapshot.unreadable, 0, "not an unreadable history entry");
}

/// A timed notice's timeline in the same table: its words round-trip, and an instance's record
/// of the same ARN (AWS Config records instances) is a separate timeline.
#[tokio::test]
async fn a_timed_notices_words_round_trip_beside_an_instances_states() {
    let config = emulator_config().await;
    let table = create_table(&config, "StateTable").await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let store = DynamoStateStore::new(client, &table, Duration::from_secs(86_400));
    let timeline = ore_model::notice::timeline_key(
        ore_model::notice::NoticeKind::ConfigurationChange,
        RESOURCE,
    );
    let instance = entry("e1", 0, InstanceState::Running);
    store
        .record(RESOURCE, &instance, Some((&current(&instance), None)))
        .await
        .unwrap();
    let updated = HistoryEntry::<String> {
        event_id: "c1".into(),
        event_time: at(3),
        state: "updated".into(),
        message_id: "m-c1".into(),
        timing: Timing {
            previous_state: Some("created".into()),
            previous_state_since: Some(at(1)),
            previous_state_seconds: Some(120),
            late: true,
            current_state: Some("deleted".into()),
            flapping: None,
        },
        published: false,
    };
    let now = CurrentState::<String> {
        state: "updated".into(),
        since: at(3),
        event_time: at(3),
        event_id: "c1".into(),
        flapping_flagged_at: None,
    };
    assert_eq!(
        store
            .record(&timeline, &updated, Some((&now, None)))
            .await
            .unwrap(),
        Recorded::Written
    );
    store.mark_published(&timeline, &updated).await.unwrap();
    let words = store.load::<String>(&timeline, at(-30)).await.unwrap();
    assert_eq!(words.current, Some(now));
    assert_eq!(words.history.len(), 1);
    assert_eq!(
        words.history[0].timing, updated.timing,
        "timing round-trips"
    );
    assert!(words.history[0].published);
    let states = store
        .load::<InstanceState>(RESOURCE, at(-30))
        .await
        .unwrap();
    assert_eq!(states.current, Some(current(&instance)));
    assert_eq!(states.history, [instance]);
    assert_eq!(states.unreadable, 0);
}
