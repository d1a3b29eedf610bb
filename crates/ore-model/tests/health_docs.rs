//! Every sample on the AWS Health EventBridge schema reference page (tests/aws-docs/health),
//! read by the adapter with the outcome it should have: a scheduled change of an EC2 instance
//! becomes its notice whether the instance is named by id or by ARN; every other event (another
//! category, another service, an entity that is not an ARN, no entity at all) becomes a Health
//! event notice about what it names.

use ore_model::adapters::RawEvent;
use ore_model::notice::{AdaptedNotice, HealthCategory, Notice, NoticeKind};
use ore_model::resource::{RESOURCE_TYPE_HEALTH_ACCOUNT, RESOURCE_TYPE_HEALTH_ENTITY};
use ore_model::Payload;
use serde_json::Value;

fn sample(name: &str) -> Value {
    let path = format!(
        "{}/tests/aws-docs/health/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("the sample")).expect("JSON")
}

fn notices(event: Value) -> Vec<AdaptedNotice> {
    match RawEvent::from_payload(event) {
        Ok(RawEvent::Notices(notices)) => notices,
        other => panic!("expected notices, got {other:?}"),
    }
}

#[test]
fn the_documented_retirement_names_its_instance_by_arn_and_becomes_its_notice() {
    let [notice] =
        <[AdaptedNotice; 1]>::try_from(notices(sample("ec2-instance-retirement-scheduled")))
            .expect("one instance");
    let target = &notice.target;
    assert_eq!(notice.notice.kind(), NoticeKind::ScheduledChange);
    assert_eq!(target.instance_id(), Some("i-1234567890abcdef0"));
    assert_eq!(target.account, "123456789012");
    assert_eq!(target.region, "us-east-1");
    assert_eq!(
        target.resource_arn.as_deref(),
        Some("arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0")
    );
    assert_eq!(
        notice.communication.as_deref(),
        Some("aws.health|123456789012|1234abc01232a4012345678-1|page 1")
    );
}

#[test]
fn a_copy_of_a_communication_is_the_same_notice_a_new_page_or_communication_is_not() {
    let original = sample("ec2-instance-retirement-scheduled");
    let id = |event: &Value| notices(event.clone())[0].message_id();
    let mut backup = original.clone();
    backup["id"] = "2b6f1c2e-0d1e-4f5a-9b8c-7d6e5f4a3b2c".into();
    backup["region"] = "us-west-2".into();
    backup["detail"]["backupEvent"] = "true".into();
    assert_eq!(id(&backup), id(&original), "a backup copy");
    let mut page = original.clone();
    page["detail"]["page"] = "2".into();
    assert_ne!(id(&page), id(&original), "another page");
    let mut other = original.clone();
    other["detail"]["communicationId"] = "1234abc01232a4012345678-2".into();
    assert_ne!(id(&other), id(&original), "another communication");
    let mut without = original.clone();
    without["detail"]
        .as_object_mut()
        .expect("detail")
        .remove("communicationId");
    assert_eq!(notices(without)[0].communication, None);
}

fn health_event(notice: &AdaptedNotice) -> &ore_model::notice::HealthEvent {
    match &notice.notice {
        Notice::HealthEvent(event) => event,
        other => panic!("expected a Health event notice, got {other:?}"),
    }
}

#[test]
fn the_documented_issues_name_their_instance_or_their_account() {
    let [degraded] = <[AdaptedNotice; 1]>::try_from(notices(sample(
        "ec2-instance-store-drive-performance-degraded-backup",
    )))
    .expect("one instance");
    assert_eq!(degraded.target.instance_id(), Some("i-abcd1111"));
    // The impacted region is eventRegion; the backup copy was delivered in us-west-2.
    assert_eq!(degraded.target.region, "us-east-1");
    let event = health_event(&degraded);
    assert_eq!(
        (event.service.as_str(), event.category),
        ("EC2", HealthCategory::Issue)
    );
    assert!(event.start_time.is_some() && event.end_time.is_some());
    for name in [
        "ec2-operational-issue-public",
        "elb-api-issue-account-specific",
    ] {
        let [about_account] =
            <[AdaptedNotice; 1]>::try_from(notices(sample(name))).expect("one notice");
        assert_eq!(
            about_account.target.resource_type, RESOURCE_TYPE_HEALTH_ACCOUNT,
            "{name}"
        );
        assert_eq!(about_account.target.resource_id, "123456789012");
        assert_eq!(about_account.target.resource_arn, None);
        assert_eq!(health_event(&about_account).category, HealthCategory::Issue);
    }
}

#[test]
fn the_documented_lambda_lifecycle_event_names_four_entities_that_are_not_arns() {
    let all = notices(sample("lambda-planned-lifecycle-event"));
    assert_eq!(all.len(), 4);
    for notice in &all {
        assert_eq!(notice.target.resource_type, RESOURCE_TYPE_HEALTH_ENTITY);
        assert!(notice.target.resource_id.starts_with("arn:lambda-1-"));
        let event = health_event(notice);
        assert_eq!(
            (event.service.as_str(), event.category),
            ("LAMBDA", HealthCategory::ScheduledChange)
        );
        assert_eq!(notice.notice.due(), event.start_time);
    }
    let ids: std::collections::HashSet<String> = all.iter().map(|n| n.message_id()).collect();
    assert_eq!(ids.len(), 4, "one message per entity");
}
