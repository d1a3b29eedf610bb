//! A notice's place in its resource's history. The kinds that tell what became of a resource
//! (an EBS volume, an RDS database, an ECS service's tasks, a Config-recorded resource, an Auto
//! Scaling group) are timed as instances are: the state before and how long it lasted, late,
//! duplicate, flapping. Each names its timeline (the ARN it is kept under) and the state the event
//! leaves the resource in, in words; for a kind with no states of its own (a failed attach, a
//! scaling activity) the word is what happened, so "before" reads "what ORE saw last, and when".
//!
//! A timeline counts every event toward flapping, so it holds only what goes wrong or changes
//! a resource's state: a successful scaling activity, or a task that ECS's scheduler or a person
//! stopped (a deployment, a scale-in), is routine, and six of them are not flapping. Those
//! notices are published untimed.
//!
//! AWS Health, Spot and rebalance notices are not timed here: Health's own lifecycle (upcoming,
//! open, closed) is its history, and the others are about an instance whose state changes are
//! its timeline.

use super::{Notice, NoticeKind, ScalingResult};
use crate::resource::ResourceRef;

/// Where a timed notice is recorded, and the state it reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// The state store's key: `<kind>#<ARN>`, so a kind's words never meet an instance's states
    /// (AWS Config records EC2 instances too) or another kind's.
    pub key: String,
    /// The state the event leaves the resource in, or what happened to it.
    pub state: String,
}

/// RDS event ids whose event is a change of the database's state, in a word, per the RDS and
/// Aurora user guides' "Amazon RDS event categories and event messages" (DB instance: 0003
/// "The DB instance has been deleted.", 0004 "DB instance shutdown.", 0005 "DB instance
/// created.", 0006 "The DB instance restarted.", 0007 "The allocated storage for the DB instance
/// has been consumed.", 0013 "A Multi-AZ failover that resulted in the promotion of a standby
/// instance has started.", 0015 "... is complete.", 0049 "A Multi-AZ failover has completed.",
/// 0087 "The DB instance has been stopped.", 0088 "The DB instance has been started.", 0154 "The
/// DB instance is being started due to it exceeding the maximum allowed time being stopped.",
/// 0221 "The DB instance has reached the storage-full threshold, and the database has been shut
/// down."; DB cluster: 0150 "The DB cluster stopped.", 0151 "The DB cluster started.", 0152 "The
/// DB cluster stop failed.", 0153 "The DB cluster is being started due to it exceeding the
/// maximum allowed time being stopped."). Any other event id is its own word.
pub const RDS_STATES: [(&str, &str); 16] = [
    ("RDS-EVENT-0003", "deleted"),
    ("RDS-EVENT-0004", "shut down"),
    ("RDS-EVENT-0005", "created"),
    ("RDS-EVENT-0006", "restarted"),
    ("RDS-EVENT-0007", "out of storage"),
    ("RDS-EVENT-0013", "failing over"),
    ("RDS-EVENT-0015", "failed over"),
    ("RDS-EVENT-0049", "failed over"),
    ("RDS-EVENT-0087", "stopped"),
    ("RDS-EVENT-0088", "started"),
    ("RDS-EVENT-0150", "stopped"),
    ("RDS-EVENT-0151", "started"),
    ("RDS-EVENT-0152", "stop failed"),
    ("RDS-EVENT-0153", "starting after 7 days stopped"),
    ("RDS-EVENT-0154", "starting after 7 days stopped"),
    ("RDS-EVENT-0221", "shut down, storage full"),
];

impl Notice {
    /// This notice's timeline, when its kind is timed (see the module's doc); `None` for the
    /// others, for a stopped task that belongs to no service (a task stops once), and for the
    /// routine events of a timed kind.
    pub fn timeline(&self, target: &ResourceRef) -> Option<Timeline> {
        let kind = self.kind();
        let (arn, state) = match self {
            Notice::VolumeChange(change) => (
                target.key(),
                if change.failed() {
                    format!("{} failed", change.event)
                } else {
                    change.result.clone()
                },
            ),
            Notice::DatabaseEvent(event) => (
                target.key(),
                RDS_STATES
                    .iter()
                    .find(|(id, _)| *id == event.event_id)
                    .map_or_else(|| event.event_id.clone(), |(_, word)| (*word).to_owned()),
            ),
            Notice::TaskStopped(task) if !task.is_routine() => (
                service_arn(target, task.group.as_deref()?, &task.cluster)?,
                task.stop_code
                    .clone()
                    .unwrap_or_else(|| "stopped".to_owned()),
            ),
            Notice::ConfigurationChange(change) => (
                target.key(),
                match (change.change_type.as_deref(), change.status.as_str()) {
                    (Some("CREATE"), _) | (None, "ResourceDiscovered") => "created",
                    (Some("DELETE"), _)
                    | (None, "ResourceDeleted" | "ResourceDeletedNotRecorded") => "deleted",
                    _ => "updated",
                }
                .to_owned(),
            ),
            Notice::ScalingActivity(activity) if activity.result == ScalingResult::Unsuccessful => {
                (
                    target.key(),
                    format!("{} {}", activity.action.as_str(), activity.result.as_str()),
                )
            }
            Notice::TaskStopped(_)
            | Notice::ScalingActivity(_)
            | Notice::ScheduledChange(_)
            | Notice::SpotInterruption(_)
            | Notice::RebalanceRecommendation(_)
            | Notice::HealthEvent(_) => return None,
        };
        Some(Timeline {
            key: timeline_key(kind, &arn),
            state,
        })
    }
}

/// The store's key of `kind`'s timeline of the resource `arn`.
pub fn timeline_key(kind: NoticeKind, arn: &str) -> String {
    format!("{}#{arn}", kind.as_str())
}

/// The ECS service a task of `group` `service:<name>` belongs to, as ECS writes a service's ARN
/// (`arn:<partition>:ecs:<region>:<account>:service/<cluster>/<name>`): a service whose tasks
/// keep stopping is one timeline, however many tasks it starts.
fn service_arn(target: &ResourceRef, group: &str, cluster: &str) -> Option<String> {
    let service = group.strip_prefix("service:")?;
    // ECS's service and cluster names are letters, digits, hyphens and underscores, at most 255:
    // a group the adapter cut short ("…"), or any other odd name, names no service.
    let ecs_name = |name: &str| {
        (1..=255).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !ecs_name(service) || !ecs_name(cluster) {
        return None;
    }
    Some(format!(
        "arn:{}:ecs:{}:{}:service/{cluster}/{service}",
        target.partition, target.region, target.account
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::{
        ConfigurationChange, DatabaseEvent, ScalingAction, ScalingActivity, TaskStopped,
        VolumeChange,
    };
    use chrono::Utc;

    fn target(arn: &str) -> ResourceRef {
        ResourceRef {
            event_id: "e1".into(),
            account: "111122223333".into(),
            region: "us-east-1".into(),
            partition: "aws".into(),
            time: Utc::now(),
            resource_type: "x".into(),
            resource_id: "x".into(),
            resource_arn: Some(arn.into()),
            event_tags: None,
        }
    }

    fn task(group: Option<&str>, stop_code: Option<&str>) -> Notice {
        Notice::TaskStopped(TaskStopped {
            cluster: "prod".into(),
            stop_code: stop_code.map(Into::into),
            stopped_reason: None,
            stopped_at: None,
            task_definition: None,
            group: group.map(Into::into),
            launch_type: None,
            containers: vec![],
        })
    }

    #[test]
    fn a_database_is_timed_in_rds_words_or_by_its_event_id() {
        let db = target("arn:aws:rds:us-east-1:111122223333:db:orders");
        let event = |id: &str| {
            Notice::DatabaseEvent(DatabaseEvent {
                event_id: id.into(),
                categories: vec![],
                source_type: None,
                message: String::new(),
            })
        };
        let stopped = event("RDS-EVENT-0087").timeline(&db).unwrap();
        assert_eq!(
            stopped.key,
            "database-event#arn:aws:rds:us-east-1:111122223333:db:orders"
        );
        assert_eq!(stopped.state, "stopped");
        assert_eq!(
            event("RDS-EVENT-0088").timeline(&db).unwrap().state,
            "started"
        );
        assert_eq!(
            event("RDS-EVENT-0025").timeline(&db).unwrap().state,
            "RDS-EVENT-0025"
        );
    }

    #[test]
    fn a_services_stopped_tasks_share_the_services_timeline() {
        let task_arn = target("arn:aws:ecs:us-east-1:111122223333:task/prod/0123456789abcdef");
        let timeline = task(Some("service:web"), Some("EssentialContainerExited"))
            .timeline(&task_arn)
            .unwrap();
        assert_eq!(
            timeline.key,
            "task-stopped#arn:aws:ecs:us-east-1:111122223333:service/prod/web"
        );
        assert_eq!(timeline.state, "EssentialContainerExited");
        assert_eq!(
            task(Some("service:web"), None)
                .timeline(&task_arn)
                .unwrap()
                .state,
            "stopped"
        );
        // A deployment's or a person's stop is routine: not timed, never flapping.
        for routine in ["ServiceSchedulerInitiated", "UserInitiated"] {
            assert_eq!(
                task(Some("service:web"), Some(routine)).timeline(&task_arn),
                None
            );
        }
        // A group the adapter cut short names no service.
        assert_eq!(task(Some("service:web…"), None).timeline(&task_arn), None);
        // A task of no service stops once: no timeline.
        assert_eq!(task(Some("family:batch"), None).timeline(&task_arn), None);
        assert_eq!(task(None, None).timeline(&task_arn), None);
    }

    #[test]
    fn volumes_config_items_and_groups_name_what_became_of_them() {
        let volume = target("arn:aws:ec2:us-east-1:111122223333:volume/vol-1");
        let change = |event: &str, result: &str| {
            Notice::VolumeChange(VolumeChange {
                event: event.into(),
                result: result.into(),
                cause: None,
                request_id: None,
            })
        };
        assert_eq!(
            change("attachVolume", "failed")
                .timeline(&volume)
                .unwrap()
                .state,
            "attachVolume failed"
        );
        assert_eq!(
            change("createVolume", "available")
                .timeline(&volume)
                .unwrap()
                .state,
            "available"
        );

        let item = |change_type: Option<&str>, status: &str| {
            Notice::ConfigurationChange(ConfigurationChange {
                config_resource_type: "AWS::EC2::Instance".into(),
                change_type: change_type.map(Into::into),
                status: status.into(),
                capture_time: None,
                changed_properties: vec![],
                omitted_properties: None,
                oversized_location: None,
            })
        };
        let instance = target("arn:aws:ec2:us-east-1:111122223333:instance/i-1");
        let updated = item(Some("UPDATE"), "OK").timeline(&instance).unwrap();
        // Config records instances too: its words never share the instance's state timeline.
        assert_eq!(
            updated.key,
            "configuration-change#arn:aws:ec2:us-east-1:111122223333:instance/i-1"
        );
        assert_eq!(updated.state, "updated");
        for (change_type, status, state) in [
            (Some("CREATE"), "ResourceDiscovered", "created"),
            (None, "ResourceDiscovered", "created"),
            (Some("DELETE"), "ResourceDeleted", "deleted"),
            (None, "ResourceDeletedNotRecorded", "deleted"),
            (None, "OK", "updated"),
        ] {
            assert_eq!(
                item(change_type, status).timeline(&instance).unwrap().state,
                state
            );
        }

        let group = target("arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:1:autoScalingGroupName/web");
        let activity = Notice::ScalingActivity(ScalingActivity {
            action: ScalingAction::Launch,
            result: ScalingResult::Unsuccessful,
            instance_id: None,
            activity_id: "a".into(),
            status_code: None,
            status_message: None,
            cause: None,
            description: None,
            availability_zone: None,
            subnet_id: None,
            origin: None,
            destination: None,
            start_time: None,
            end_time: None,
        });
        assert_eq!(
            activity.timeline(&group).unwrap().state,
            "launch unsuccessful"
        );
        // A successful launch is routine: a scale-out of six is not flapping.
        let Notice::ScalingActivity(mut launched) = activity else {
            unreachable!()
        };
        launched.result = ScalingResult::Successful;
        assert_eq!(Notice::ScalingActivity(launched).timeline(&group), None);
    }

    #[test]
    fn every_timed_kind_and_only_those_names_a_timeline() {
        let timed = [
            NoticeKind::VolumeChange,
            NoticeKind::DatabaseEvent,
            NoticeKind::TaskStopped,
            NoticeKind::ConfigurationChange,
            NoticeKind::ScalingActivity,
        ];
        for kind in NoticeKind::ALL {
            assert_eq!(kind.is_timed(), timed.contains(&kind), "{kind:?}");
        }
    }
}
