//! The committed JSON Schemas against the Rust types, field for field: the fields a message can
//! carry are exactly the schema's properties, and the fields it always carries are exactly the
//! schema's required ones. The schemas stay written by hand (their descriptions, patterns and
//! versioning notes are the contract's prose); this is what keeps them from drifting.
//!
//! The messages are built with struct literals, so a new field in a model type does not compile
//! here until it is set, and then shows up in the comparison with its schema.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};
use ore_model::ec2::InstanceState;
use ore_model::heartbeat::{HeartbeatData, HeartbeatMessage};
use ore_model::notice::{
    ChangedProperty, ConfigurationChange, DatabaseEvent, ScalingAction, ScalingActivity,
    ScalingResult, StoppedContainer, TaskStopped,
};
use ore_model::notice::{
    HealthCategory, HealthEvent, HealthStatus, Notice, NoticeMessage, RebalanceRecommendation,
    ResourceNotice, ScheduledChange, SpotAction, SpotInterruption, VolumeChange,
};
use ore_model::resource::{EnrichmentStatus, InstanceDetails, Resource};
use ore_model::standard::{ResourceStateChange, StandardMessage};
use ore_model::timing::{Flapping, Timing};
use serde::Serialize;
use serde_json::Value;
use test_support::load_json;

/// What a schema says of a message's fields, as dotted paths (`data.timing.flapping`).
#[derive(Debug, Default)]
struct SchemaFields {
    /// Every property the schema names.
    all: BTreeSet<String>,
    /// The properties their parent object requires.
    required: BTreeSet<String>,
    /// Objects whose keys are data, not fields (an instance's tags).
    maps: BTreeSet<String>,
}

impl SchemaFields {
    fn of(file: &str) -> Self {
        let schema = load_json(file);
        let mut fields = SchemaFields::default();
        fields.walk(&schema, &schema, "");
        fields
    }

    /// The properties every message carries when the optional objects in `present` are there:
    /// each required by its parent, up to the top or to one of `present`.
    fn always_with(&self, present: &[&str]) -> BTreeSet<String> {
        let carried = |path: &str| {
            let mut path = path;
            loop {
                if !self.required.contains(path) && !present.contains(&path) {
                    return false;
                }
                match path.rsplit_once('.') {
                    Some((parent, _)) => path = parent,
                    None => return true,
                }
            }
        };
        self.all.iter().filter(|p| carried(p)).cloned().collect()
    }

    fn walk(&mut self, root: &Value, node: &Value, path: &str) {
        let node = resolve(root, node);
        for alternative in ["oneOf", "anyOf", "allOf"] {
            for branch in node[alternative].as_array().into_iter().flatten() {
                self.walk(root, branch, path);
            }
        }
        if node["additionalProperties"].is_object() && node.get("properties").is_none() {
            self.maps.insert(path.to_owned());
        }
        let required: Vec<&str> = node["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (name, property) in node["properties"].as_object().into_iter().flatten() {
            let child = join(path, name);
            self.all.insert(child.clone());
            if required.contains(&name.as_str()) {
                self.required.insert(child.clone());
            }
            self.walk(root, property, &child);
        }
    }
}

/// A `$ref` within the same document (`#/$defs/...`), followed.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => resolve(
            root,
            root.pointer(pointer)
                .expect("the $ref points into the schema"),
        ),
        None => node,
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// The dotted paths of every key of `message` as serialized, not descending into `maps`.
fn fields_of(message: &impl Serialize, maps: &BTreeSet<String>) -> BTreeSet<String> {
    fn collect(value: &Value, path: &str, maps: &BTreeSet<String>, out: &mut BTreeSet<String>) {
        if maps.contains(path) {
            return;
        }
        for (name, child) in value.as_object().into_iter().flatten() {
            let child_path = join(path, name);
            out.insert(child_path.clone());
            collect(child, &child_path, maps, out);
        }
    }
    let value = serde_json::to_value(message).expect("the message serializes");
    let mut out = BTreeSet::new();
    collect(&value, "", maps, &mut out);
    out
}

/// `fullest` carries every field its type can; each of `bare` carries only the fields it must,
/// given the optional objects it names as present.
fn assert_fields<M: Serialize>(schema_file: &str, fullest: &M, bare: &[(M, &[&str])]) {
    let schema = SchemaFields::of(schema_file);
    assert_eq!(
        fields_of(fullest, &schema.maps),
        schema.all,
        "{schema_file}: the fields a message can carry (left) and the schema's properties (right)"
    );
    for (message, present) in bare {
        assert_eq!(
            fields_of(message, &schema.maps),
            schema.always_with(present),
            "{schema_file}: the fields a message always carries with {present:?} (left) and the \
             schema's required ones (right)"
        );
    }
}

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, hour, 0, 0).unwrap()
}

/// Every optional field set.
fn fullest_resource() -> Resource {
    Resource {
        account: "123456789012".into(),
        account_name: Some("payments-prod".into()),
        region: "eu-west-1".into(),
        partition: "aws".into(),
        resource_type: "ec2:instance".into(),
        resource_id: "i-0abc1234def567890".into(),
        resource_arn: Some(
            "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890".into(),
        ),
        resource_name: None,
        source_event_id: "e1".into(),
        processed_at: at(9),
        enrichment: EnrichmentStatus::Unavailable,
        enrichment_reason: Some("no enrichment role".into()),
        instance: Some(InstanceDetails {
            name: Some("web-01".into()),
            instance_type: Some("t3.micro".into()),
            availability_zone: Some("eu-west-1a".into()),
            private_ip: Some("10.0.1.23".into()),
            public_ip: Some("203.0.113.10".into()),
            vpc_id: Some("vpc-0a1b2c3d4e5f67890".into()),
            subnet_id: Some("subnet-0123456789abcdef0".into()),
            launch_time: Some(at(8)),
            platform: Some("Linux/UNIX".into()),
            architecture: Some("x86_64".into()),
            tags: [("Name".to_owned(), "web-01".to_owned())].into(),
        }),
        tags: None,
    }
}

/// Every optional field unset.
fn barest_resource() -> Resource {
    Resource {
        account_name: None,
        enrichment: EnrichmentStatus::NotFound,
        enrichment_reason: None,
        instance: Some(InstanceDetails::default()),
        ..fullest_resource()
    }
}

/// A Health event's resource with every optional field set: the instance's object and the
/// Tagging API's answer are each present for some resources, so the schema names both.
fn fullest_health_resource() -> Resource {
    Resource {
        resource_name: Some("web-01".into()),
        tags: Some([("Name".to_owned(), "web-01".to_owned())].into()),
        ..fullest_resource()
    }
}

/// A Health event's resource that is an entity AWS Health names without an ARN.
fn barest_health_resource() -> Resource {
    Resource {
        resource_type: "health:entity".into(),
        resource_id: "AWS_ACCOUNT".into(),
        resource_arn: None,
        enrichment: EnrichmentStatus::NotApplicable,
        instance: None,
        ..barest_resource()
    }
}

fn fullest_timing() -> Timing {
    Timing {
        previous_state: Some(InstanceState::Pending),
        previous_state_since: Some(at(8)),
        previous_state_seconds: Some(3_600),
        late: true,
        current_state: Some(InstanceState::Stopped),
        flapping: Some(Flapping {
            transitions: 6,
            window_seconds: 600,
        }),
    }
}

/// A timed notice (ORE 0.6) with every timing field its schema names.
fn timed(mut message: NoticeMessage) -> NoticeMessage {
    message.data.timing = Some(Timing {
        previous_state: Some("stopped".into()),
        previous_state_since: Some(at(8)),
        previous_state_seconds: Some(3_600),
        late: true,
        current_state: Some("started".into()),
        flapping: Some(Flapping {
            transitions: 6,
            window_seconds: 600,
        }),
    });
    message
}

fn with_data<D, E>(sample: &str, data: E) -> ore_model::cloudevent::CloudEvent<E>
where
    D: serde::de::DeserializeOwned,
{
    let message: ore_model::cloudevent::CloudEvent<D> =
        serde_json::from_value(load_json(sample)).expect("the sample is a message of its kind");
    ore_model::cloudevent::CloudEvent {
        specversion: message.specversion,
        id: message.id,
        source: message.source,
        event_type: message.event_type,
        subject: message.subject,
        time: message.time,
        datacontenttype: message.datacontenttype,
        dataschema: message.dataschema,
        data,
    }
}

#[test]
fn the_state_change_schema_names_exactly_the_fields_of_the_standard_message() {
    let message = |resource, timing| -> StandardMessage {
        with_data::<ResourceStateChange, _>(
            "events/standard/message-running.json",
            ResourceStateChange {
                resource,
                state: InstanceState::Running,
                timing,
            },
        )
    };
    let bare_timing = Timing {
        previous_state: None,
        previous_state_since: None,
        previous_state_seconds: None,
        late: false,
        current_state: None,
        ..fullest_timing()
    };
    assert_fields(
        "schemas/resource-state-changed.v1.json",
        &message(fullest_resource(), Some(fullest_timing())),
        &[
            (message(barest_resource(), None), &[]),
            (
                message(barest_resource(), Some(bare_timing)),
                &["data.timing", "data.timing.flapping"],
            ),
        ],
    );
}

#[test]
fn each_notice_schema_names_exactly_the_fields_of_its_notice_message() {
    // The fullest has an end and updates an earlier communication; the barest neither.
    let scheduled = |end_time: Option<DateTime<Utc>>| {
        Notice::ScheduledChange(ScheduledChange {
            event_arn: "arn:aws:health:eu-west-1::event/EC2/X/Y".into(),
            event_type_code: "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED".into(),
            status: HealthStatus::Upcoming,
            start_time: at(10),
            end_time,
            description: "retirement".into(),
            previous_status: end_time.map(|_| HealthStatus::Upcoming),
        })
    };
    let spot = Notice::SpotInterruption(SpotInterruption {
        action: SpotAction::Terminate,
        action_time: at(10),
    });
    let rebalance = Notice::RebalanceRecommendation(RebalanceRecommendation {});
    for (schema, sample, fullest, barest) in [
        (
            "schemas/resource-change-scheduled.v1.json",
            "events/notices/health-scheduled-change.json",
            scheduled(Some(at(11))),
            scheduled(None),
        ),
        (
            "schemas/resource-spot-interruption-warned.v1.json",
            "events/notices/ec2-spot-interruption-warning.json",
            spot.clone(),
            spot,
        ),
        (
            "schemas/resource-rebalance-recommended.v1.json",
            "events/notices/ec2-rebalance-recommendation.json",
            rebalance.clone(),
            rebalance,
        ),
    ] {
        let message = |resource, notice| -> NoticeMessage {
            with_data::<ResourceNotice, _>(
                sample,
                ResourceNotice {
                    resource,
                    notice,
                    timing: None,
                },
            )
        };
        assert_fields(
            schema,
            &message(fullest_resource(), fullest),
            &[(message(barest_resource(), barest), &[])],
        );
    }
}

#[test]
fn the_health_event_schema_names_exactly_the_fields_of_its_message() {
    let event = |start_time: Option<DateTime<Utc>>, end_time| {
        Notice::HealthEvent(HealthEvent {
            event_arn: "arn:aws:health:eu-west-1::event/RDS/X/Y".into(),
            service: "RDS".into(),
            event_type_code: "AWS_RDS_MAINTENANCE_SCHEDULED".into(),
            category: HealthCategory::ScheduledChange,
            status: HealthStatus::Upcoming,
            start_time,
            end_time,
            description: "maintenance".into(),
            previous_status: start_time.map(|_| HealthStatus::Upcoming),
        })
    };
    let message = |resource, notice| -> NoticeMessage {
        with_data::<ResourceNotice, _>(
            "events/notices/health-event.json",
            ResourceNotice {
                resource,
                notice,
                timing: None,
            },
        )
    };
    assert_fields(
        "schemas/resource-health-event.v1.json",
        &message(fullest_health_resource(), event(Some(at(10)), Some(at(11)))),
        &[(message(barest_health_resource(), event(None, None)), &[])],
    );
}

#[test]
fn the_volume_change_schema_names_exactly_the_fields_of_its_message() {
    let volume = |full: bool| Resource {
        resource_type: "ec2:volume".into(),
        resource_id: "vol-0a1b2c3d4e5f67890".into(),
        resource_arn: Some(
            "arn:aws:ec2:eu-west-1:123456789012:volume/vol-0a1b2c3d4e5f67890".into(),
        ),
        resource_name: full.then(|| "orders-data".into()),
        account_name: full.then(|| "payments-prod".into()),
        enrichment: EnrichmentStatus::Unavailable,
        enrichment_reason: full.then(|| "no role".into()),
        instance: None,
        tags: full.then(|| [("team".to_owned(), "payments".to_owned())].into()),
        ..fullest_resource()
    };
    let change = |full: bool| {
        Notice::VolumeChange(VolumeChange {
            event: "attachVolume".into(),
            result: "failed".into(),
            cause: full.then(|| "the key is pending deletion.".into()),
            request_id: full.then(|| "r-1".into()),
        })
    };
    let message = |resource, notice| -> NoticeMessage {
        with_data::<ResourceNotice, _>(
            "events/notices/ebs-volume-notification.json",
            ResourceNotice {
                resource,
                notice,
                timing: None,
            },
        )
    };
    assert_fields(
        "schemas/resource-volume-changed.v1.json",
        &timed(message(volume(true), change(true))),
        &[(message(volume(false), change(false)), &[])],
    );
}

#[test]
fn the_database_event_schema_names_exactly_the_fields_of_its_message() {
    let database = |full: bool| Resource {
        resource_type: "rds:db".into(),
        resource_id: "orders-db".into(),
        resource_arn: Some("arn:aws:rds:eu-west-1:123456789012:db:orders-db".into()),
        resource_name: full.then(|| "orders".into()),
        account_name: full.then(|| "payments-prod".into()),
        enrichment: EnrichmentStatus::Unavailable,
        enrichment_reason: full.then(|| "no role".into()),
        instance: None,
        tags: full.then(|| [("team".to_owned(), "payments".to_owned())].into()),
        ..fullest_resource()
    };
    let event = |full: bool| {
        Notice::DatabaseEvent(DatabaseEvent {
            event_id: "RDS-EVENT-0049".into(),
            categories: vec!["failover".into()],
            source_type: full.then(|| "DB_INSTANCE".into()),
            message: "A Multi-AZ failover has completed.".into(),
        })
    };
    let message = |resource, notice| -> NoticeMessage {
        with_data::<ResourceNotice, _>(
            "events/notices/rds-db-instance-event.json",
            ResourceNotice {
                resource,
                notice,
                timing: None,
            },
        )
    };
    assert_fields(
        "schemas/resource-database-event.v1.json",
        &timed(message(database(true), event(true))),
        &[(message(database(false), event(false)), &[])],
    );
}

#[test]
fn the_task_stopped_schema_names_exactly_the_fields_of_its_message() {
    let task = |full: bool| Resource {
        resource_type: "ecs:task".into(),
        resource_id: "orders-cluster/a1173316d40a45dea9".into(),
        resource_arn: Some(
            "arn:aws:ecs:eu-west-1:123456789012:task/orders-cluster/a1173316d40a45dea9".into(),
        ),
        resource_name: full.then(|| "orders-web".into()),
        account_name: full.then(|| "payments-prod".into()),
        enrichment: EnrichmentStatus::Unavailable,
        enrichment_reason: full.then(|| "no role".into()),
        instance: None,
        tags: full.then(|| [("team".to_owned(), "payments".to_owned())].into()),
        ..fullest_resource()
    };
    let stopped = |full: bool| {
        Notice::TaskStopped(TaskStopped {
            cluster: "orders-cluster".into(),
            stop_code: full.then(|| "EssentialContainerExited".into()),
            stopped_reason: full.then(|| "Essential container in task exited".into()),
            stopped_at: full.then(|| Utc.with_ymd_and_hms(2026, 11, 26, 11, 2, 33).unwrap()),
            task_definition: full.then(|| "orders-web:5".into()),
            group: full.then(|| "service:orders-web".into()),
            launch_type: full.then(|| "FARGATE".into()),
            containers: vec![StoppedContainer {
                name: "web".into(),
                exit_code: full.then_some(137),
                reason: full.then(|| "OutOfMemoryError".into()),
            }],
        })
    };
    let message = |resource, notice| -> NoticeMessage {
        with_data::<ResourceNotice, _>(
            "events/notices/ecs-task-state-change.json",
            ResourceNotice {
                resource,
                notice,
                timing: None,
            },
        )
    };
    assert_fields(
        "schemas/resource-task-stopped.v1.json",
        &timed(message(task(true), stopped(true))),
        &[(message(task(false), stopped(false)), &[])],
    );
}

#[test]
fn the_scaling_activity_schema_names_exactly_the_fields_of_its_message() {
    let group = |full: bool| {
        Resource {
        resource_type: "autoscaling:autoScalingGroup".into(),
        resource_id: "orders-web".into(),
        resource_arn: Some(
            "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:8f6f2a4c:autoScalingGroupName/orders-web"
                .into(),
        ),
        resource_name: full.then(|| "orders-web".into()),
        account_name: full.then(|| "payments-prod".into()),
        enrichment: EnrichmentStatus::Unavailable,
        enrichment_reason: full.then(|| "no role".into()),
        instance: None,
        tags: full.then(|| [("team".to_owned(), "payments".to_owned())].into()),
        ..fullest_resource()
    }
    };
    let text = |full: bool, value: &str| full.then(|| value.to_owned());
    let activity = |full: bool| {
        Notice::ScalingActivity(ScalingActivity {
            action: ScalingAction::Launch,
            result: ScalingResult::Unsuccessful,
            instance_id: text(full, "i-0a1b2c3d4e5f60718"),
            activity_id: "87654321-4321-4321-4321-210987654321".into(),
            status_code: text(full, "Failed"),
            status_message: text(full, "no capacity"),
            cause: text(full, "a user request"),
            description: text(full, "Launching a new EC2 instance"),
            availability_zone: text(full, "eu-west-1b"),
            subnet_id: text(full, "subnet-0123456789abcdef0"),
            origin: text(full, "EC2"),
            destination: text(full, "AutoScalingGroup"),
            start_time: full.then(|| Utc.with_ymd_and_hms(2026, 11, 26, 13, 0, 19).unwrap()),
            end_time: full.then(|| Utc.with_ymd_and_hms(2026, 11, 26, 13, 0, 21).unwrap()),
        })
    };
    let message = |resource, notice| -> NoticeMessage {
        with_data::<ResourceNotice, _>(
            "events/notices/autoscaling-instance-launch-unsuccessful.json",
            ResourceNotice {
                resource,
                notice,
                timing: None,
            },
        )
    };
    assert_fields(
        "schemas/resource-scaling-activity.v1.json",
        &timed(message(group(true), activity(true))),
        &[(message(group(false), activity(false)), &[])],
    );
}

#[test]
fn the_configuration_changed_schema_names_exactly_the_fields_of_its_message() {
    let group = |full: bool| Resource {
        resource_type: "ec2:security-group".into(),
        resource_id: "sg-3f1fef43".into(),
        resource_arn: Some("arn:aws:ec2:eu-west-1:123456789012:security-group/sg-3f1fef43".into()),
        resource_name: full.then(|| "orders-web".into()),
        account_name: full.then(|| "payments-prod".into()),
        enrichment: EnrichmentStatus::Unavailable,
        enrichment_reason: full.then(|| "no role".into()),
        // An EC2 instance's item is described by EC2: the schema carries its instance object.
        instance: full.then(|| fullest_resource().instance).flatten(),
        tags: full.then(|| [("team".to_owned(), "payments".to_owned())].into()),
        ..fullest_resource()
    };
    let change = |full: bool| {
        Notice::ConfigurationChange(ConfigurationChange {
            config_resource_type: "AWS::EC2::SecurityGroup".into(),
            change_type: full.then(|| "UPDATE".into()),
            status: "OK".into(),
            capture_time: full.then(|| Utc.with_ymd_and_hms(2026, 11, 26, 12, 15, 15).unwrap()),
            changed_properties: vec![ChangedProperty {
                name: "Configuration.IpPermissions.0".into(),
                change_type: full.then(|| "CREATE".into()),
                previous_value: full.then(|| "22".into()),
                updated_value: full.then(|| "23".into()),
            }],
            omitted_properties: full.then_some(3),
            oversized_location: full.then(|| "bucket/key.json.gz".into()),
        })
    };
    let message = |resource, notice| -> NoticeMessage {
        with_data::<ResourceNotice, _>(
            "events/notices/config-configuration-item-change.json",
            ResourceNotice {
                resource,
                notice,
                timing: None,
            },
        )
    };
    assert_fields(
        "schemas/resource-configuration-changed.v1.json",
        &timed(message(group(true), change(true))),
        &[(message(group(false), change(false)), &[])],
    );
}

#[test]
fn the_heartbeat_schema_names_exactly_the_fields_of_the_heartbeat_message() {
    let message: HeartbeatMessage = with_data::<HeartbeatData, _>(
        "events/canary/heartbeat-message.json",
        HeartbeatData {
            account: "123456789012".into(),
            region: "eu-west-1".into(),
            source_event_id: "hb-1".into(),
            origin: "schedule".into(),
            processed_at: at(9),
        },
    );
    assert_fields(
        "schemas/heartbeat.v1.json",
        &message,
        &[(message.clone(), &[])],
    );
}

/// The comparison itself can fail: a schema property no message carries is caught.
#[test]
fn a_schema_property_the_types_lack_is_caught() {
    let mut schema = load_json("schemas/heartbeat.v1.json");
    let data = resolve(&schema, &schema["properties"]["data"]).clone();
    assert!(data["properties"].is_object(), "{data}");
    let pointer = schema["properties"]["data"]["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix('#'))
        .map(str::to_owned);
    let data = match pointer {
        Some(pointer) => schema.pointer_mut(&pointer).unwrap(),
        None => &mut schema["properties"]["data"],
    };
    data["properties"]["retired_field"] = serde_json::json!({"type": "string"});
    let mut fields = SchemaFields::default();
    fields.walk(&schema, &schema, "");
    assert!(fields.all.contains("data.retired_field"));
    let message: HeartbeatMessage =
        serde_json::from_value(load_json("events/canary/heartbeat-message.json")).unwrap();
    assert_ne!(fields_of(&message, &fields.maps), fields.all);
}
