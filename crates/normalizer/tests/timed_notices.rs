//! Timing and history for resources other than instances, with the in-memory ports: an RDS
//! database's events carry the state before and how long it lasted, late and duplicate as an
//! instance's do; an ECS service whose tasks keep stopping is flagged flapping; the events of one
//! timeline in one batch never contend; a Config item about an instance never touches the
//! instance's own state timeline; and the store's faults fail the record.

use std::time::Duration;

use chrono::{DateTime, Utc};
use normalizer::enrich::memory::FakeDescriber;
use normalizer::store::memory::{MemoryStateStore, StoreFault};
use normalizer::{FlappingRule, IgnoreRule, Normalizer, Settling};
use ore_lambda::batch::{Outcome, Record, RecordHandler};
use ore_lambda::fakes::{Fault, RecordingPublisher};
use ore_lambda::RecordError;
use ore_model::adapters::RawEvent;
use ore_model::from_sqs_body;
use ore_model::notice::{timeline_key, NoticeKind};
use ore_model::resource::InstanceDetails;
use serde_json::Value;
use test_support::{load_json, StandardSchema};

const DB_ARN: &str = "arn:aws:rds:eu-west-1:123456789012:db:orders-db";
const SERVICE_ARN: &str = "arn:aws:ecs:eu-west-1:123456789012:service/orders-cluster/orders-web";

type Subject = Normalizer<FakeDescriber, RecordingPublisher, MemoryStateStore>;

fn clock() -> DateTime<Utc> {
    "2026-11-26T12:00:00Z".parse().unwrap()
}

fn normalizer_with(store: MemoryStateStore) -> Subject {
    Normalizer::new(
        FakeDescriber::knows(InstanceDetails::default())
            .with_tags([("team".to_owned(), "payments".to_owned())].into()),
        RecordingPublisher::default(),
        store,
        IgnoreRule::new("ore:ignore", "true"),
        Settling::default(),
    )
    .with_clock(clock)
}

fn normalizer() -> Subject {
    normalizer_with(MemoryStateStore::default())
}

fn deadline() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(20)
}

/// The committed RDS sample as event `id` at `time`, with RDS's `event_id`.
fn rds_event(id: &str, time: &str, event_id: &str) -> RawEvent {
    let mut event = load_json("events/eventbridge/rds-db-instance-event.json");
    event["id"] = id.into();
    event["time"] = time.into();
    event["detail"]["EventID"] = event_id.into();
    event["detail"]["Date"] = time.into();
    from_sqs_body(&event.to_string()).expect("a valid RDS event")
}

/// The committed ECS sample: task `task` of the service `orders-web` stopped at `time`.
fn task_stopped(id: &str, time: &str, task: &str) -> RawEvent {
    let mut event = load_json("events/eventbridge/ecs-task-state-change.json");
    event["id"] = id.into();
    event["time"] = time.into();
    let arn = format!("arn:aws:ecs:eu-west-1:123456789012:task/orders-cluster/{task}");
    event["resources"] = vec![Value::from(arn.clone())].into();
    event["detail"]["taskArn"] = arn.into();
    from_sqs_body(&event.to_string()).expect("a valid ECS event")
}

fn timing(body: &Value) -> &Value {
    &body["data"]["timing"]
}

#[tokio::test]
async fn a_databases_events_carry_the_state_before_and_how_long_it_lasted() {
    let normalizer = normalizer();
    for (id, time, event_id) in [
        ("e1", "2026-11-26T08:00:00Z", "RDS-EVENT-0087"),
        ("e2", "2026-11-26T10:30:00Z", "RDS-EVENT-0088"),
    ] {
        let outcome = normalizer
            .handle_record(rds_event(id, time, event_id), deadline())
            .await;
        assert!(
            matches!(outcome, Ok(Outcome::Delivered { .. })),
            "{outcome:?}"
        );
    }
    let bodies = normalizer.publisher().bodies();
    let schema = StandardSchema::load_file("schemas/resource-database-event.v1.json");
    for body in &bodies {
        schema.assert_valid(body);
    }
    assert_eq!(timing(&bodies[0])["previous_state"], Value::Null);
    assert_eq!(timing(&bodies[0])["late"], false);
    let started = timing(&bodies[1]);
    assert_eq!(started["previous_state"], "stopped");
    assert_eq!(started["previous_state_since"], "2026-11-26T08:00:00Z");
    assert_eq!(started["previous_state_seconds"], 9_000);
    let recorded = normalizer
        .store()
        .snapshot_of::<String>(&timeline_key(NoticeKind::DatabaseEvent, DB_ARN));
    assert_eq!(
        recorded.current.map(|c| c.state).as_deref(),
        Some("started")
    );
    assert_eq!(recorded.history.len(), 2);
    assert!(recorded.history.iter().all(|e| e.published));
}

#[tokio::test]
async fn an_older_database_event_is_late_and_a_redelivery_publishes_nothing() {
    let normalizer = normalizer();
    let started = rds_event("e2", "2026-11-26T10:30:00Z", "RDS-EVENT-0088");
    let stopped = rds_event("e1", "2026-11-26T08:00:00Z", "RDS-EVENT-0087");
    for event in [started.clone(), stopped, started] {
        normalizer.handle_record(event, deadline()).await.unwrap();
    }
    let bodies = normalizer.publisher().bodies();
    assert_eq!(bodies.len(), 2, "the redelivery published nothing");
    let late = timing(&bodies[1]);
    assert_eq!(late["late"], true);
    assert_eq!(late["current_state"], "started");
    let recorded = normalizer
        .store()
        .snapshot_of::<String>(&timeline_key(NoticeKind::DatabaseEvent, DB_ARN));
    // Entries are keyed by the notice's message id (its de-duplication key).
    assert_eq!(
        recorded.current.map(|c| c.event_id).as_deref(),
        bodies[0]["id"].as_str(),
        "a late event never overwrites the newer state"
    );
}

#[tokio::test]
async fn a_service_whose_tasks_keep_stopping_is_flagged_flapping_once() {
    let normalizer = normalizer().with_flapping(FlappingRule {
        transitions: 4,
        window: Duration::from_secs(30 * 60),
    });
    // Six tasks of one service stop five minutes apart: the fourth reaches the threshold.
    let events: Vec<RawEvent> = (0..6)
        .map(|n| {
            task_stopped(
                &format!("e{n}"),
                &format!("2026-11-26T11:{:02}:00Z", n * 5),
                &format!("task{n}"),
            )
        })
        .collect();
    for event in events {
        normalizer.handle_record(event, deadline()).await.unwrap();
    }
    let bodies = normalizer.publisher().bodies();
    assert_eq!(bodies.len(), 6, "every task is its own message");
    let flagged: Vec<usize> = bodies
        .iter()
        .enumerate()
        .filter(|(_, b)| timing(b).get("flapping").is_some())
        .map(|(n, _)| n)
        .collect();
    assert_eq!(flagged, [3]);
    assert_eq!(timing(&bodies[3])["flapping"]["transitions"], 4);
    assert_eq!(
        timing(&bodies[5])["previous_state"],
        "EssentialContainerExited"
    );
    // The same stop code again and again is one state since the first: "tasks have been exiting
    // for 25 minutes".
    assert_eq!(
        timing(&bodies[5])["previous_state_since"],
        "2026-11-26T11:00:00Z"
    );
    assert_eq!(timing(&bodies[5])["previous_state_seconds"], 1_500);
    let schema = StandardSchema::load_file("schemas/resource-task-stopped.v1.json");
    schema.assert_valid(&bodies[3]);
    assert_eq!(
        normalizer
            .store()
            .snapshot_of::<String>(&timeline_key(NoticeKind::TaskStopped, SERVICE_ARN))
            .history
            .len(),
        6,
        "the service's timeline, not each task's"
    );
}

#[tokio::test]
async fn one_timelines_events_in_one_batch_run_in_order_and_never_contend() {
    let normalizer = normalizer();
    let records: Vec<Record<RawEvent>> = [
        ("e1", "2026-11-26T08:00:00Z", "RDS-EVENT-0087"),
        ("e2", "2026-11-26T08:00:01Z", "RDS-EVENT-0088"),
        ("e3", "2026-11-26T08:00:02Z", "RDS-EVENT-0006"),
        ("e4", "2026-11-26T08:00:03Z", "RDS-EVENT-0087"),
    ]
    .into_iter()
    .enumerate()
    .map(|(n, (id, time, event_id))| Record {
        message_id: format!("m-{n}"),
        input: rds_event(id, time, event_id),
    })
    .collect();
    let results = normalizer.handle_records(records, deadline()).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let previous: Vec<Value> = normalizer
        .publisher()
        .bodies()
        .iter()
        .map(|b| timing(b)["previous_state"].clone())
        .collect();
    assert_eq!(
        previous,
        [
            Value::Null,
            "stopped".into(),
            "started".into(),
            "restarted".into()
        ]
    );
    assert!(normalizer
        .publisher()
        .bodies()
        .iter()
        .all(|b| timing(b)["late"] == false));
}

#[tokio::test]
async fn a_config_item_about_an_instance_never_touches_the_instances_state_timeline() {
    let normalizer = normalizer();
    let mut item = load_json("events/eventbridge/config-configuration-item-change.json");
    let instance_arn = "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890";
    item["detail"]["configurationItem"]["ARN"] = instance_arn.into();
    item["detail"]["configurationItem"]["resourceType"] = "AWS::EC2::Instance".into();
    item["detail"]["configurationItem"]["resourceId"] = "i-0abc1234def567890".into();
    let event = from_sqs_body(&item.to_string()).expect("a valid Config item");
    normalizer.handle_record(event, deadline()).await.unwrap();
    assert_eq!(normalizer.publisher().bodies().len(), 1);
    assert_eq!(normalizer.store().snapshot(instance_arn).current, None);
    let recorded = normalizer
        .store()
        .snapshot_of::<String>(&timeline_key(NoticeKind::ConfigurationChange, instance_arn));
    assert_eq!(
        recorded.current.map(|c| c.state).as_deref(),
        Some("updated")
    );
}

#[tokio::test]
async fn a_store_fault_on_a_timeline_fails_the_record_and_publishes_nothing_made_up() {
    for fault in [
        StoreFault::Load(Fault::Throttled),
        StoreFault::Record(Fault::Throttled),
    ] {
        let normalizer = normalizer_with(MemoryStateStore::failing(fault));
        let result = normalizer
            .handle_record(
                rds_event("e1", "2026-11-26T08:00:00Z", "RDS-EVENT-0087"),
                deadline(),
            )
            .await;
        assert!(
            matches!(result, Err(RecordError::Throttled(_))),
            "{fault:?}: {result:?}"
        );
        assert!(normalizer.publisher().bodies().is_empty(), "{fault:?}");
    }
    // Marking the entry published fails after the publish: the redelivery publishes it again
    // with the timing it was recorded with, and then nothing more.
    let normalizer = normalizer_with(MemoryStateStore::failing(StoreFault::MarkPublished(
        Fault::Throttled,
    )));
    let event = rds_event("e1", "2026-11-26T08:00:00Z", "RDS-EVENT-0087");
    assert!(normalizer
        .handle_record(event.clone(), deadline())
        .await
        .is_err());
    assert_eq!(normalizer.publisher().bodies().len(), 1);
}

/// ECS sends copies of one task's stop under new event ids (the message id is the task's). A copy
/// that arrives when the first's "published" marker was lost (a crash between publishing and
/// marking) finds the first in the service's timeline: one stop, not two, and no stop is its
/// own "before".
#[tokio::test]
async fn a_copy_of_a_task_stop_under_a_new_event_id_is_the_same_stop_in_the_timeline() {
    let normalizer = normalizer();
    normalizer
        .handle_record(
            task_stopped("e1", "2026-11-26T11:00:00Z", "task1"),
            deadline(),
        )
        .await
        .unwrap();
    normalizer.store().forget_notices();
    let copy = normalizer
        .handle_record(
            task_stopped("e1-copy", "2026-11-26T11:00:05Z", "task1"),
            deadline(),
        )
        .await;
    assert!(matches!(copy, Ok(Outcome::Duplicate { .. })), "{copy:?}");
    assert_eq!(normalizer.publisher().bodies().len(), 1);
    let recorded = normalizer
        .store()
        .snapshot_of::<String>(&timeline_key(NoticeKind::TaskStopped, SERVICE_ARN));
    assert_eq!(
        recorded.history.len(),
        1,
        "one stop in the service's timeline"
    );
}

/// A deployment stops a service's tasks (ServiceSchedulerInitiated): routine, published untimed,
/// never flapping however many.
#[tokio::test]
async fn a_deployments_task_stops_are_published_untimed() {
    let normalizer = normalizer();
    for n in 0..6 {
        let mut event = load_json("events/eventbridge/ecs-task-state-change.json");
        let arn = format!("arn:aws:ecs:eu-west-1:123456789012:task/orders-cluster/deploy{n}");
        event["id"] = format!("d{n}").into();
        event["resources"] = vec![Value::from(arn.clone())].into();
        event["detail"]["taskArn"] = arn.into();
        event["detail"]["stopCode"] = "ServiceSchedulerInitiated".into();
        let event = from_sqs_body(&event.to_string()).expect("a valid ECS event");
        normalizer.handle_record(event, deadline()).await.unwrap();
    }
    let bodies = normalizer.publisher().bodies();
    assert_eq!(bodies.len(), 6);
    assert!(bodies.iter().all(|b| b["data"].get("timing").is_none()));
    assert!(normalizer
        .store()
        .snapshot_of::<String>(&timeline_key(NoticeKind::TaskStopped, SERVICE_ARN))
        .history
        .is_empty());
}

/// A Config item about an instance EC2 no longer knows: the item's own tags name and route it,
/// and its ignore tag is honoured.
#[tokio::test]
async fn a_config_item_about_an_instance_ec2_forgot_keeps_the_items_tags() {
    let item_about = |tags: Value| {
        let mut item = load_json("events/eventbridge/config-configuration-item-change.json");
        let ci = &mut item["detail"]["configurationItem"];
        ci["ARN"] = "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890".into();
        ci["resourceType"] = "AWS::EC2::Instance".into();
        ci["resourceId"] = "i-0abc1234def567890".into();
        ci["tags"] = tags;
        from_sqs_body(&item.to_string()).expect("a valid Config item")
    };
    let forgetful = || {
        Normalizer::new(
            FakeDescriber::unknown(),
            RecordingPublisher::default(),
            MemoryStateStore::default(),
            IgnoreRule::new("ore:ignore", "true"),
            Settling::default(),
        )
        .with_clock(clock)
    };
    let normalizer = forgetful();
    normalizer
        .handle_record(
            item_about(serde_json::json!({"Name": "web-01", "team": "payments"})),
            deadline(),
        )
        .await
        .unwrap();
    let bodies = normalizer.publisher().bodies();
    assert_eq!(
        bodies[0]["data"]["tags"]["team"], "payments",
        "{}",
        bodies[0]
    );
    assert_eq!(bodies[0]["data"]["resource_name"], "web-01");

    let ignoring = forgetful();
    let outcome = ignoring
        .handle_record(
            item_about(serde_json::json!({"ore:ignore": "true"})),
            deadline(),
        )
        .await;
    assert!(
        matches!(outcome, Ok(Outcome::Ignored { .. })),
        "{outcome:?}"
    );
    assert!(ignoring.publisher().bodies().is_empty());
}
