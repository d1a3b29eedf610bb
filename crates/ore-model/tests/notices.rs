//! The notice kinds: every committed sample parses through its adapter, becomes the committed
//! notice message, and validates against its schema; hostile variants of each AWS shape get a
//! clear outcome.

use chrono::{TimeZone, Utc};
use ore_model::adapters::RawEvent;
use ore_model::message::OreMessage;
use ore_model::notice::{
    AdaptedNotice, HealthStatus, Notice, NoticeKind, NoticeMessage, ScalingAction, ScalingResult,
    SpotAction,
};
use ore_model::resource::{InstanceDetails, Lookup};
use ore_model::{from_sqs_body, InputError, Payload};
use serde_json::{json, Value};
use test_support::{load_json, load_sqs_event, StandardSchema};

/// (sample name, kind) of every notice sample.
const SAMPLES: [(&str, NoticeKind); 9] = [
    ("health-scheduled-change", NoticeKind::ScheduledChange),
    (
        "ec2-spot-interruption-warning",
        NoticeKind::SpotInterruption,
    ),
    (
        "ec2-rebalance-recommendation",
        NoticeKind::RebalanceRecommendation,
    ),
    ("health-event", NoticeKind::HealthEvent),
    ("ebs-volume-notification", NoticeKind::VolumeChange),
    ("rds-db-instance-event", NoticeKind::DatabaseEvent),
    ("ecs-task-state-change", NoticeKind::TaskStopped),
    (
        "config-configuration-item-change",
        NoticeKind::ConfigurationChange,
    ),
    (
        "autoscaling-instance-launch-unsuccessful",
        NoticeKind::ScalingActivity,
    ),
];

fn schema(kind: NoticeKind) -> StandardSchema {
    let name = kind
        .data_schema()
        .trim_start_matches("urn:ore:schema:")
        .trim_end_matches(":1");
    StandardSchema::load_file(&format!("schemas/{name}.v1.json"))
}

fn notices(payload: Value) -> Result<Vec<AdaptedNotice>, InputError> {
    match RawEvent::from_payload(payload)? {
        RawEvent::Notices(notices) => Ok(notices),
        other => panic!("not a notice: {other:?}"),
    }
}

/// What AWS said of the sample's resource: EC2's description of an instance, the Tagging API's
/// tags of anything else.
fn sample_lookup(committed: &Value) -> Lookup {
    let data = &committed["data"];
    match data.get("instance") {
        Some(instance) => {
            Lookup::Found(serde_json::from_value::<InstanceDetails>(instance.clone()).unwrap())
        }
        None => Lookup::Tagged(serde_json::from_value(data["tags"].clone()).unwrap()),
    }
}

#[test]
fn every_sample_becomes_the_committed_notice_message() {
    for (name, kind) in SAMPLES {
        let event = load_json(&format!("events/eventbridge/{name}.json"));
        let sqs = load_sqs_event(&format!("events/sqs/normalizer-{name}-sns-envelope.json"));
        let from_queue = from_sqs_body::<RawEvent>(sqs.records[0].body.as_deref().unwrap());
        let notices = notices(event).expect(name);
        assert_eq!(
            from_queue.unwrap(),
            RawEvent::Notices(notices.clone()),
            "{name}"
        );
        assert_eq!(notices.len(), 1, "{name}");
        assert_eq!(notices[0].notice.kind(), kind);

        let committed = load_json(&format!("events/notices/{name}.json"));
        schema(kind).assert_valid(&committed);
        let processed_at = committed["data"]["processed_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let mut built = NoticeMessage::new(&notices[0], sample_lookup(&committed), processed_at);
        // A timed kind's sample is the first event of its timeline: nothing came before.
        if kind.is_timed() {
            built.data.timing = Some(ore_model::timing::Timing::default());
        }
        assert_eq!(
            serde_json::to_value(&built).unwrap(),
            committed,
            "{name}: the sample is what the normalizer emits"
        );
        assert_eq!(
            NoticeMessage::from_payload(committed.clone()).unwrap(),
            built
        );

        for consumer in ["csv-formatter", "emailer"] {
            let sqs = load_sqs_event(&format!("events/sqs/{consumer}-{name}-sns-envelope.json"));
            let message = from_sqs_body::<OreMessage>(sqs.records[0].body.as_deref().unwrap());
            assert_eq!(
                message.unwrap(),
                OreMessage::Notice(Box::new(built.clone())),
                "{consumer} {name}"
            );
        }
    }
}

#[test]
fn built_notices_validate_enriched_or_not() {
    let processed_at = Utc.with_ymd_and_hms(2026, 11, 26, 9, 50, 0).unwrap();
    for (name, kind) in SAMPLES {
        let notice = notices(load_json(&format!("events/eventbridge/{name}.json")))
            .unwrap()
            .remove(0);
        // What enrichment can say of the resource: EC2 of an instance, the Tagging API of another.
        let lookups = match notice.target.instance_id() {
            Some(_) => [Lookup::NotFound, Lookup::Found(InstanceDetails::default())],
            None => [
                Lookup::Tagged(Default::default()),
                Lookup::Unavailable("no role".into()),
            ],
        };
        for lookup in lookups {
            let message = NoticeMessage::new(&notice, lookup, processed_at);
            let json = serde_json::to_value(&message).unwrap();
            schema(kind).assert_valid(&json);
            for other in NoticeKind::ALL.into_iter().filter(|k| *k != kind) {
                assert!(
                    !schema(other).is_valid(&json),
                    "{name} passes the {other:?} schema"
                );
            }
            assert!(
                !StandardSchema::load().is_valid(&json),
                "{name} passes the state-change schema"
            );
            let [kind_attribute, ..] = message.routing_attributes();
            assert_eq!(kind_attribute, ("type", kind.event_type()));
        }
    }
}

#[test]
fn the_scheduled_change_reads_aws_health_times_and_words() {
    let notice = notices(load_json("events/eventbridge/health-scheduled-change.json"))
        .unwrap()
        .remove(0);
    let Notice::ScheduledChange(change) = notice.notice else {
        panic!("not a scheduled change")
    };
    assert_eq!(
        change.start_time,
        Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap()
    );
    assert_eq!(
        change.end_time,
        Some(Utc.with_ymd_and_hms(2026, 12, 12, 10, 0, 0).unwrap())
    );
    assert_eq!(change.status, HealthStatus::Upcoming);
    assert_eq!(change.summary(), "retirement");
    assert!(change
        .description
        .starts_with("EC2 has detected degradation"));
    assert_eq!(
        notice.target.resource_arn.as_deref(),
        Some("arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890")
    );
}

#[test]
fn the_spot_warning_gives_two_minutes() {
    let notice = notices(load_json(
        "events/eventbridge/ec2-spot-interruption-warning.json",
    ))
    .unwrap()
    .remove(0);
    let Notice::SpotInterruption(warning) = notice.notice else {
        panic!("not a Spot warning")
    };
    assert_eq!(warning.action, SpotAction::Terminate);
    assert_eq!(
        warning.action_time - notice.target.time,
        chrono::Duration::minutes(2)
    );
    for action in ["stop", "hibernate"] {
        let mut event = load_json("events/eventbridge/ec2-spot-interruption-warning.json");
        event["detail"]["instance-action"] = action.into();
        assert!(notices(event).is_ok(), "{action}");
    }
    let mut event = load_json("events/eventbridge/ec2-spot-interruption-warning.json");
    event["detail"]["instance-action"] = "explode".into();
    assert!(matches!(
        RawEvent::from_payload(event),
        Err(InputError::Shape(_))
    ));
}

fn health() -> Value {
    load_json("events/eventbridge/health-scheduled-change.json")
}

fn invalid_field(result: Result<RawEvent, InputError>) -> &'static str {
    match result {
        Err(InputError::InvalidField { field, .. }) => field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

#[test]
fn hostile_health_events_get_a_clear_outcome() {
    // No affected entities: the instances listed in `resources` are used.
    let mut event = health();
    event["detail"]
        .as_object_mut()
        .unwrap()
        .remove("affectedEntities");
    event["resources"] = json!(["i-0abc1234def567890"]);
    assert_eq!(notices(event).unwrap().len(), 1);
    // Neither: the event is about the account, a Health event notice.
    let mut event = health();
    event["detail"]["affectedEntities"] = json!([]);
    event["resources"] = json!([]);
    let [about_account] = <[AdaptedNotice; 1]>::try_from(notices(event).unwrap()).unwrap();
    assert_eq!(about_account.target.resource_type, "health:account");
    assert_eq!(about_account.notice.kind(), NoticeKind::HealthEvent);
    // Entities that are not instances (a dedicated host, markup) are entities of their own,
    // kept as text (escaped where shown); blank ones are skipped.
    let mut event = health();
    event["detail"]["affectedEntities"] = json!([
        {"entityValue": "h-0123456789abcdef0"},
        {"entityValue": "<script>\u{7}"},
        {"entityValue": "  "}
    ]);
    event["resources"] = json!([]);
    let entities = notices(event).unwrap();
    let ids: Vec<&str> = entities
        .iter()
        .map(|n| n.target.resource_id.as_str())
        .collect();
    assert_eq!(ids, ["h-0123456789abcdef0", "<script>"]);
    // One instance named by id and by ARN is one notice; one entity of two accounts is two.
    let mut event = health();
    event["detail"]["affectedEntities"] = json!([
        {"entityValue": "i-0abc1234def567890"},
        {"entityValue": "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890"},
        {"entityValue": "UNKNOWN", "awsAccountId": "111111111111"},
        {"entityValue": "UNKNOWN", "awsAccountId": "222222222222"},
        {"entityValue": "\u{7}"}
    ]);
    let named = notices(event).unwrap();
    assert_eq!(named.len(), 3, "{named:?}");
    assert!(entities
        .iter()
        .all(|n| n.target.resource_type == "health:entity"
            && n.notice.kind() == NoticeKind::HealthEvent));

    // Hundreds of instances: one notice each, duplicates once; past the bound, refused whole.
    let ids = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"entityValue": format!("i-{i:017x}")}))
            .collect()
    };
    let mut event = health();
    let mut entities = ids(200);
    entities.extend(ids(5));
    event["detail"]["affectedEntities"] = Value::Array(entities);
    let many = notices(event).unwrap();
    assert_eq!(many.len(), 200);
    assert!(many
        .iter()
        .all(|n| n.target.event_id == many[0].target.event_id));
    let mut event = health();
    event["detail"]["affectedEntities"] = Value::Array(ids(2_501));
    let Err(InputError::InvalidField { field, reason }) = RawEvent::from_payload(event) else {
        panic!("2,501 instances accepted");
    };
    assert_eq!(field, "detail.affectedEntities");
    assert!(reason.contains("2501"), "{reason}");

    // Markup in AWS's description is kept as text (escaped where shown), control characters go.
    let mut event = health();
    event["detail"]["eventDescription"] = json!([{"language": "en_US", "latestDescription": "<img src=x onerror=alert(1)>\u{0007} reboot"}]);
    let Notice::ScheduledChange(change) = notices(event).unwrap().remove(0).notice else {
        panic!()
    };
    assert_eq!(change.description, "<img src=x onerror=alert(1)> reboot");
    // A very long description is cut.
    let mut event = health();
    event["detail"]["eventDescription"] =
        json!([{"language": "en_US", "latestDescription": "x".repeat(20_000)}]);
    let Notice::ScheduledChange(change) = notices(event).unwrap().remove(0).notice else {
        panic!()
    };
    assert_eq!(change.description.chars().count(), 4001);

    // Dates out of order, or unreadable.
    let mut event = health();
    event["detail"]["endTime"] = "Fri, 04 Dec 2026 10:00:00 GMT".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(event)),
        "detail.endTime"
    );
    let mut event = health();
    event["detail"]["startTime"] = "next Tuesday".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(event)),
        "detail.startTime"
    );
    let mut event = health();
    event["detail"].as_object_mut().unwrap().remove("startTime");
    assert_eq!(
        invalid_field(RawEvent::from_payload(event)),
        "detail.startTime"
    );
    // RFC 3339 is read too.
    let mut event = health();
    event["detail"]["startTime"] = "2026-12-05T10:00:00Z".into();
    assert!(notices(event).is_ok());

    // Another service, or another category: a Health event notice about the same instance.
    for (field, value) in [("service", "RDS"), ("eventTypeCategory", "issue")] {
        let mut event = health();
        event["detail"][field] = value.into();
        let [notice] = <[AdaptedNotice; 1]>::try_from(notices(event).unwrap()).unwrap();
        assert_eq!(notice.notice.kind(), NoticeKind::HealthEvent, "{field}");
        assert_eq!(notice.target.instance_id(), Some("i-0abc1234def567890"));
    }
    // A category AWS does not document, or a service name that is not one: named.
    let mut event = health();
    event["detail"]["eventTypeCategory"] = "gossip".into();
    let err = RawEvent::from_payload(event).unwrap_err();
    assert!(matches!(err, InputError::UnexpectedEvent(_)), "{err}");
    assert!(err.to_string().contains("gossip"), "{err}");
    let mut event = health();
    event["detail"]["service"] = "<b>EC2</b>".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(event)),
        "detail.service"
    );
    // An issue needs no start: only a scheduled change does.
    let mut event = health();
    event["detail"]["eventTypeCategory"] = "issue".into();
    event["detail"].as_object_mut().unwrap().remove("startTime");
    event["detail"].as_object_mut().unwrap().remove("endTime");
    assert_eq!(notices(event).unwrap()[0].notice.due(), None);
    // An unknown status is a shape error naming it.
    let mut event = health();
    event["detail"]["statusCode"] = "pending".into();
    assert!(matches!(
        RawEvent::from_payload(event),
        Err(InputError::Shape(_))
    ));
}

#[test]
fn organisational_health_events_name_the_affected_account_and_region() {
    let mut event = health();
    event["region"] = "us-east-1".into();
    event["detail"]["affectedAccount"] = "210987654321".into();
    event["detail"]["affectedEntities"] = json!([
        {"entityValue": "i-0aaaaaaaaaaaaaaaa", "awsAccountId": "111111111111"},
        {"entityValue": "i-0bbbbbbbbbbbbbbbb"}
    ]);
    let found = notices(event).unwrap();
    assert_eq!(found[0].target.account, "111111111111");
    assert_eq!(found[1].target.account, "210987654321");
    assert!(
        found.iter().all(|n| n.target.region == "eu-west-1"),
        "eventRegion wins"
    );
}

#[test]
fn unknown_kinds_stay_bad_input() {
    let mut event = load_json("events/eventbridge/ec2-rebalance-recommendation.json");
    event["detail-type"] = "EC2 Fleet Spot Instance Request Change".into();
    let err = RawEvent::from_payload(event).unwrap_err();
    assert!(matches!(err, InputError::UnexpectedEvent(_)));
    assert!(err.to_string().contains("no adapter"), "{err}");
}

#[test]
fn a_notice_message_must_hold_the_kind_its_type_names() {
    let mut message = load_json("events/notices/ec2-rebalance-recommendation.json");
    message["type"] = NoticeKind::SpotInterruption.event_type().into();
    message["dataschema"] = NoticeKind::SpotInterruption.data_schema().into();
    assert!(NoticeMessage::from_payload(message).is_err());
    let mut message = load_json("events/notices/health-scheduled-change.json");
    message["data"]["scheduled_change"]["end_time"] = "2026-12-01T00:00:00Z".into();
    assert!(matches!(
        NoticeMessage::from_payload(message),
        Err(InputError::InvalidField {
            field: "data.scheduled_change.end_time",
            ..
        })
    ));
    let mut message = load_json("events/notices/health-scheduled-change.json");
    message["data"]["resource_id"] = "i-0abc\"><script>".into();
    assert!(NoticeMessage::from_payload(message).is_err());
}

fn volume() -> Value {
    load_json("events/eventbridge/ebs-volume-notification.json")
}

#[test]
fn an_ebs_volume_notification_names_its_volume_and_ebs_words() {
    let [notice] = <[AdaptedNotice; 1]>::try_from(notices(volume()).unwrap()).unwrap();
    assert_eq!(notice.target.resource_type, "ec2:volume");
    assert_eq!(notice.target.resource_id, "vol-0a1b2c3d4e5f67890");
    let Notice::VolumeChange(change) = &notice.notice else {
        panic!("not a volume change")
    };
    assert!(change.failed());
    assert!(change
        .cause
        .as_deref()
        .unwrap()
        .ends_with("is pending deletion."));
    assert_eq!(change.request_id, None, "EBS's empty request id is none");
    // The documented success: an empty cause is none.
    let mut created = volume();
    created["detail"] = json!({"result": "available", "cause": "", "event": "createVolume",
                               "request-id": "01234567-0123-0123-0123-0123456789ab"});
    created["resources"] =
        json!(["arn:aws:ec2:eu-west-1:123456789012:volume/vol-0a1b2c3d4e5f67890"]);
    let Notice::VolumeChange(change) = notices(created).unwrap().remove(0).notice else {
        panic!()
    };
    assert_eq!((change.result.as_str(), change.cause), ("available", None));
}

#[test]
fn hostile_ebs_volume_notifications_get_a_clear_outcome() {
    let mut no_volume = volume();
    no_volume["resources"] = json!(["arn:aws:kms:eu-west-1:123456789012:key/x", "vol-0a1b2c3d"]);
    assert_eq!(
        invalid_field(RawEvent::from_payload(no_volume)),
        "resources"
    );
    let mut markup = volume();
    markup["detail"]["event"] = "<b>attach</b>".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(markup)),
        "detail.event"
    );
    let mut long_cause = volume();
    long_cause["detail"]["cause"] = "x\u{7}".repeat(5_000).into();
    let Notice::VolumeChange(change) = notices(long_cause).unwrap().remove(0).notice else {
        panic!()
    };
    assert_eq!(
        change.cause.unwrap().chars().count(),
        1001,
        "cut, control characters gone"
    );
    let mut missing = volume();
    missing["detail"].as_object_mut().unwrap().remove("result");
    assert!(matches!(
        RawEvent::from_payload(missing),
        Err(InputError::Shape(_))
    ));
    // A volume named in another account's ARN is that account's.
    let mut elsewhere = volume();
    elsewhere["resources"] =
        json!(["arn:aws:ec2:us-east-1:210987654321:volume/vol-0a1b2c3d4e5f67890"]);
    let notice = notices(elsewhere).unwrap().remove(0);
    assert_eq!(
        (
            notice.target.account.as_str(),
            notice.target.region.as_str()
        ),
        ("210987654321", "us-east-1")
    );
}

fn database() -> Value {
    load_json("events/eventbridge/rds-db-instance-event.json")
}

#[test]
fn an_rds_event_names_its_database_and_rds_words() {
    let [notice] = <[AdaptedNotice; 1]>::try_from(notices(database()).unwrap()).unwrap();
    assert_eq!(
        (
            notice.target.resource_type.as_str(),
            notice.target.resource_id.as_str()
        ),
        ("rds:db", "orders-db")
    );
    let Notice::DatabaseEvent(event) = &notice.notice else {
        panic!("not a database event")
    };
    assert_eq!(event.event_id, "RDS-EVENT-0049");
    assert_eq!(event.categories, ["failover"]);
    // The documented cluster event (the Aurora User Guide's example shape) names its cluster.
    let mut cluster = database();
    cluster["detail-type"] = "RDS DB Cluster Event".into();
    cluster["detail"]["SourceType"] = "CLUSTER".into();
    cluster["detail"]["SourceArn"] = "arn:aws:rds:eu-west-1:123456789012:cluster:orders".into();
    cluster["detail"]["EventID"] = "RDS-EVENT-0173".into();
    let notice = notices(cluster).unwrap().remove(0);
    assert_eq!(notice.target.resource_type, "rds:cluster");
}

#[test]
fn hostile_rds_events_get_a_clear_outcome() {
    // A cluster's ARN in an instance event, or no ARN at all: the field is named.
    for arn in [
        "arn:aws:rds:eu-west-1:123456789012:cluster:orders",
        "orders-db",
        "",
    ] {
        let mut event = database();
        event["detail"]["SourceArn"] = arn.into();
        assert_eq!(
            invalid_field(RawEvent::from_payload(event)),
            "detail.SourceArn",
            "{arn}"
        );
    }
    let mut event = database();
    event["detail"]["EventID"] = "<script>".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(event)),
        "detail.EventID"
    );
    // RDS's message is text: control characters go, a long one is cut.
    let mut event = database();
    event["detail"]["Message"] = format!("<b>{}</b>\u{7}", "x".repeat(9_000)).into();
    event["detail"]["EventCategories"] = json!(["failover", "", "x"]);
    let Notice::DatabaseEvent(db) = notices(event).unwrap().remove(0).notice else {
        panic!()
    };
    assert_eq!(db.message.chars().count(), 4001);
    assert_eq!(db.categories, ["failover", "x"], "blank categories dropped");
    let mut event = database();
    event["detail"].as_object_mut().unwrap().remove("EventID");
    assert!(matches!(
        RawEvent::from_payload(event),
        Err(InputError::Shape(_))
    ));
}

fn stopped_task() -> Value {
    load_json("events/eventbridge/ecs-task-state-change.json")
}

#[test]
fn a_stopped_task_names_the_task_its_stop_and_each_containers_end() {
    let [notice] = <[AdaptedNotice; 1]>::try_from(notices(stopped_task()).unwrap()).unwrap();
    assert_eq!(
        (
            notice.target.resource_type.as_str(),
            notice.target.resource_id.as_str()
        ),
        ("ecs:task", "orders-cluster/a1173316d40a45dea9")
    );
    let Notice::TaskStopped(task) = &notice.notice else {
        panic!("not a stopped task")
    };
    assert_eq!(task.cluster, "orders-cluster");
    assert_eq!(task.stop_code.as_deref(), Some("EssentialContainerExited"));
    assert_eq!(task.task_definition.as_deref(), Some("orders-web:5"));
    let failed = task.failed_container().expect("the container that failed");
    assert_eq!((failed.name.as_str(), failed.exit_code), ("web", Some(137)));
    // A copy ECS sends again (new event id), or the stop told again in a later version, is the
    // same message: a task stops once. Another task's stop is another.
    let mut copy = stopped_task();
    copy["id"] = "0f7a3c55-1111-4c3e-9a0b-5d6e7f8a9b0c".into();
    copy["detail"]["version"] = 7.into();
    assert_eq!(notices(copy).unwrap()[0].message_id(), notice.message_id());
    let mut other = stopped_task();
    other["detail"]["taskArn"] =
        "arn:aws:ecs:eu-west-1:123456789012:task/orders-cluster/b2284427e51b56efb0".into();
    assert_ne!(notices(other).unwrap()[0].message_id(), notice.message_id());
}

#[test]
fn hostile_ecs_task_events_get_a_clear_outcome() {
    // A running task (a rule wider than ORE's), a task ARN that is a cluster's, no ARN.
    let mut running = stopped_task();
    running["detail"]["lastStatus"] = "RUNNING".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(running)),
        "detail.lastStatus"
    );
    for arn in [
        "arn:aws:ecs:eu-west-1:123456789012:cluster/orders-cluster",
        "a1173316d40a45dea9",
        "",
    ] {
        let mut event = stopped_task();
        event["detail"]["taskArn"] = arn.into();
        assert_eq!(
            invalid_field(RawEvent::from_payload(event)),
            "detail.taskArn",
            "{arn}"
        );
    }
    let mut event = stopped_task();
    event["detail"]["clusterArn"] = "orders-cluster".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(event)),
        "detail.clusterArn"
    );
    // ECS's words are text: control characters go, long ones are cut, eleven containers are ten,
    // a container with no name is dropped.
    let mut event = stopped_task();
    event["detail"]["stoppedReason"] = format!("<b>{}</b>\u{7}", "x".repeat(5_000)).into();
    let mut containers: Vec<Value> = (0..11)
        .map(|i| json!({"name": format!("c{i}"), "exitCode": 1}))
        .collect();
    containers[0] = json!({"name": "  ", "exitCode": 1});
    event["detail"]["containers"] = Value::Array(containers);
    event["detail"].as_object_mut().unwrap().remove("stopCode");
    let Notice::TaskStopped(task) = notices(event).unwrap().remove(0).notice else {
        panic!()
    };
    assert_eq!(task.stopped_reason.unwrap().chars().count(), 1001);
    assert_eq!(
        task.containers.len(),
        9,
        "ten read, the nameless one dropped"
    );
    assert_eq!(task.stop_code, None);
    // A container with no exit code and a reason never ran: it is the one that failed.
    let mut event = stopped_task();
    event["detail"]["containers"] =
        json!([{"name": "web", "reason": "CannotPullContainerError: pull access denied"}]);
    let Notice::TaskStopped(task) = notices(event).unwrap().remove(0).notice else {
        panic!()
    };
    assert_eq!(task.failed_container().unwrap().name, "web");
    let mut event = stopped_task();
    event["detail"].as_object_mut().unwrap().remove("taskArn");
    assert!(matches!(
        RawEvent::from_payload(event),
        Err(InputError::Shape(_))
    ));
}

fn config_item() -> Value {
    load_json("events/eventbridge/config-configuration-item-change.json")
}

#[test]
fn a_config_item_change_names_its_resource_its_tags_and_what_changed() {
    let [notice] = <[AdaptedNotice; 1]>::try_from(notices(config_item()).unwrap()).unwrap();
    assert_eq!(
        (
            notice.target.resource_type.as_str(),
            notice.target.resource_id.as_str()
        ),
        ("ec2:security-group", "sg-3f1fef43")
    );
    let tags = notice.target.event_tags.as_ref().expect("the item's tags");
    assert_eq!(tags.get("team").map(String::as_str), Some("payments"));
    let Notice::ConfigurationChange(change) = &notice.notice else {
        panic!("not a configuration change")
    };
    assert_eq!(change.config_resource_type, "AWS::EC2::SecurityGroup");
    assert_eq!(
        (change.change_type.as_deref(), change.status.as_str()),
        (Some("UPDATE"), "OK")
    );
    let [property] = change.changed_properties.as_slice() else {
        panic!("one property")
    };
    assert_eq!(property.name, "Configuration.IpPermissions.0");
    assert_eq!(property.previous_value, None, "null before: it was created");
    assert!(property
        .updated_value
        .as_deref()
        .unwrap()
        .contains("0.0.0.0/0"));
    // A deleted resource (the documented DELETE of a relationship, a ResourceDeleted item).
    let mut deleted = config_item();
    deleted["detail"]["configurationItemDiff"] = json!({"changeType": "DELETE", "changedProperties": {
        "Relationships.0": {"previousValue": {"resourceId": "vpc-14400670"}, "updatedValue": null,
                            "changeType": "DELETE"}}});
    deleted["detail"]["configurationItem"]["configurationItemStatus"] = "ResourceDeleted".into();
    let Notice::ConfigurationChange(change) = notices(deleted).unwrap().remove(0).notice else {
        panic!()
    };
    assert_eq!(change.status, "ResourceDeleted");
    // Config records `tags: {}` for a deleted resource: not taken as "no tags", AWS is asked.
    let mut untagged = config_item();
    untagged["detail"]["configurationItem"]["tags"] = json!({});
    assert_eq!(notices(untagged).unwrap()[0].target.event_tags, None);
    assert_eq!(
        change.changed_properties[0].previous_value.as_deref(),
        Some("{\"resourceId\":\"vpc-14400670\"}")
    );
    // A global resource's ARN names no region or account: the event's are its place.
    let mut bucket = config_item();
    bucket["detail"]["configurationItem"]["ARN"] = "arn:aws:s3:::orders-archive".into();
    bucket["detail"]["configurationItem"]["resourceType"] = "AWS::S3::Bucket".into();
    let notice = notices(bucket).unwrap().remove(0);
    assert_eq!(
        (
            notice.target.resource_type.as_str(),
            notice.target.account.as_str(),
            notice.target.region.as_str()
        ),
        ("s3", "123456789012", "eu-west-1")
    );
}

#[test]
fn hostile_config_items_get_a_clear_outcome() {
    // Another message type of the same detail-type, an item missing, an ARN that is none.
    let mut event = config_item();
    event["detail"]["messageType"] = "ConfigurationSnapshotDeliveryCompleted".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(event)),
        "detail.messageType"
    );
    let mut event = config_item();
    event["detail"]["messageType"] = "OversizedConfigurationItemChangeNotification".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(event)),
        "detail.configurationItemSummary"
    );
    for arn in [json!(null), json!("sg-3f1fef43"), json!("")] {
        let mut event = config_item();
        event["detail"]["configurationItem"]["ARN"] = arn.clone();
        assert_eq!(
            invalid_field(RawEvent::from_payload(event)),
            "detail.configurationItem.ARN",
            "{arn}"
        );
    }
    // The documented oversized example's instance id is a placeholder EC2 would never describe.
    let mut event = config_item();
    event["detail"]["configurationItem"]["ARN"] =
        "arn:aws:ec2:us-west-2:123456789012:instance/resourceId_14b76876".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(event)),
        "detail.configurationItem.ARN"
    );
    let mut event = config_item();
    event["detail"]["configurationItem"]["resourceType"] = "<script>".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(event)),
        "detail.configurationItem.resourceType"
    );
    // Forty changed properties, long values, hostile tags: bounded, never refused.
    let mut event = config_item();
    let properties: serde_json::Map<String, Value> = (0..40)
        .map(|i| {
            (
                format!("Configuration.Tags.{i:02}"),
                json!({"previousValue": "x".repeat(1_000), "updatedValue": {"deep": [1, 2, 3]},
                       "changeType": "UPDATE"}),
            )
        })
        .collect();
    event["detail"]["configurationItemDiff"]["changedProperties"] = Value::Object(properties);
    let tags: serde_json::Map<String, Value> = (0..70)
        .map(|i| (format!("k{i:02}\u{7}"), json!("v".repeat(300))))
        .collect();
    event["detail"]["configurationItem"]["tags"] = Value::Object(tags);
    let notice = notices(event).unwrap().remove(0);
    let tags = notice.target.event_tags.as_ref().unwrap();
    assert_eq!(tags.len(), 64);
    // A key and a value at AWS's own limits are kept whole.
    let mut event = config_item();
    event["detail"]["configurationItem"]["tags"] = json!({"k".repeat(128): "v".repeat(256)});
    let at_limits = notices(event).unwrap().remove(0).target.event_tags.unwrap();
    assert_eq!(at_limits.get(&"k".repeat(128)), Some(&"v".repeat(256)));
    assert!(tags.values().all(|v| v.chars().count() <= 256));
    let Notice::ConfigurationChange(change) = notice.notice else {
        panic!()
    };
    assert_eq!(change.changed_properties.len(), 32);
    assert_eq!(change.omitted_properties, Some(8));
    assert_eq!(
        change.changed_properties[0]
            .previous_value
            .as_deref()
            .unwrap()
            .chars()
            .count(),
        257
    );
    let mut event = config_item();
    event["detail"]
        .as_object_mut()
        .unwrap()
        .remove("messageType");
    assert!(matches!(
        RawEvent::from_payload(event),
        Err(InputError::Shape(_))
    ));
}

fn scaling() -> Value {
    load_json("events/eventbridge/autoscaling-instance-launch-unsuccessful.json")
}

#[test]
fn an_auto_scaling_event_names_its_group_by_name_and_what_auto_scaling_did() {
    let [notice] = <[AdaptedNotice; 1]>::try_from(notices(scaling()).unwrap()).unwrap();
    assert_eq!(
        (
            notice.target.resource_type.as_str(),
            notice.target.resource_id.as_str()
        ),
        ("autoscaling:autoScalingGroup", "orders-web")
    );
    assert!(notice
        .target
        .resource_arn
        .as_deref()
        .unwrap()
        .ends_with(":autoScalingGroupName/orders-web"));
    let Notice::ScalingActivity(activity) = &notice.notice else {
        panic!("not a scaling activity")
    };
    assert_eq!(
        (activity.action, activity.result),
        (ScalingAction::Launch, ScalingResult::Unsuccessful)
    );
    assert_eq!(activity.instance_id.as_deref(), Some("i-0a1b2c3d4e5f60718"));
    assert_eq!(activity.availability_zone.as_deref(), Some("eu-west-1b"));
    assert!(activity
        .status_message
        .as_deref()
        .unwrap()
        .contains("capacity"));
    // Each of the four detail-types is its own action and result; the documented examples'
    // placeholder times ("yyyy-mm-ddThh:mm:ssZ") are no times, and an empty instance id is none.
    for (detail_type, action, result) in [
        (
            "EC2 Instance Launch Successful",
            ScalingAction::Launch,
            ScalingResult::Successful,
        ),
        (
            "EC2 Instance Terminate Successful",
            ScalingAction::Terminate,
            ScalingResult::Successful,
        ),
        (
            "EC2 Instance Terminate Unsuccessful",
            ScalingAction::Terminate,
            ScalingResult::Unsuccessful,
        ),
    ] {
        let mut event = scaling();
        event["detail-type"] = detail_type.into();
        event["detail"]["StartTime"] = "yyyy-mm-ddThh:mm:ssZ".into();
        event["detail"]["EC2InstanceId"] = "".into();
        let Notice::ScalingActivity(activity) = notices(event).unwrap().remove(0).notice else {
            panic!()
        };
        assert_eq!(
            (activity.action, activity.result),
            (action, result),
            "{detail_type}"
        );
        assert_eq!((activity.start_time, activity.instance_id), (None, None));
    }
}

#[test]
fn hostile_auto_scaling_events_get_a_clear_outcome() {
    // The group's ARN missing, or naming another group than AutoScalingGroupName.
    for resources in [
        json!([]),
        json!(["arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d4e5f60718"]),
        json!(["arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:8f6f2a4c:autoScalingGroupName/other"]),
    ] {
        let mut event = scaling();
        event["resources"] = resources.clone();
        assert_eq!(
            invalid_field(RawEvent::from_payload(event)),
            "resources",
            "{resources}"
        );
    }
    let mut event = scaling();
    event["detail"]["EC2InstanceId"] = "i-<script>".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(event)),
        "detail.EC2InstanceId"
    );
    let mut event = scaling();
    event["detail"]["ActivityId"] = "a b".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(event)),
        "detail.ActivityId"
    );
    let mut event = scaling();
    event["detail"]["AutoScalingGroupName"] = "".into();
    assert_eq!(
        invalid_field(RawEvent::from_payload(event)),
        "detail.AutoScalingGroupName"
    );
    // Auto Scaling's words are text: control characters go, long ones are cut; odd words drop.
    let mut event = scaling();
    event["detail"]["StatusMessage"] = format!("<b>{}</b>\u{7}", "x".repeat(5_000)).into();
    event["detail"]["Origin"] = "<script>".into();
    let Notice::ScalingActivity(activity) = notices(event).unwrap().remove(0).notice else {
        panic!()
    };
    assert_eq!(activity.status_message.unwrap().chars().count(), 1001);
    assert_eq!(activity.origin, None);
    // Another Auto Scaling event (a lifecycle action) has no adapter: named as such.
    let mut event = scaling();
    event["detail-type"] = "EC2 Instance-launch Lifecycle Action".into();
    assert!(matches!(
        RawEvent::from_payload(event),
        Err(InputError::UnexpectedEvent(_))
    ));
}
