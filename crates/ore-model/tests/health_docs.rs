//! Every sample on the AWS Health EventBridge schema reference page (tests/aws-docs/health),
//! read by the adapter with the outcome it should have: a scheduled change of an EC2 instance
//! becomes its notice whether the instance is named by id or by ARN; anything else is named as
//! an event ORE does not read (the rule does not match those either).

use ore_model::adapters::RawEvent;
use ore_model::notice::InstanceNotice;
use ore_model::{InputError, Payload};
use serde_json::Value;

fn sample(name: &str) -> Value {
    let path = format!(
        "{}/tests/aws-docs/health/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("the sample")).expect("JSON")
}

fn notices(event: Value) -> Vec<InstanceNotice> {
    match RawEvent::from_payload(event) {
        Ok(RawEvent::Notices(notices)) => notices,
        other => panic!("expected notices, got {other:?}"),
    }
}

#[test]
fn the_documented_retirement_names_its_instance_by_arn_and_becomes_its_notice() {
    let [notice] =
        <[InstanceNotice; 1]>::try_from(notices(sample("ec2-instance-retirement-scheduled")))
            .expect("one instance");
    let target = &notice.target;
    assert_eq!(target.instance_id, "i-1234567890abcdef0");
    assert_eq!(target.account, "123456789012");
    assert_eq!(target.region, "us-east-1");
    assert_eq!(
        target.instance_arn,
        "arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0"
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

#[test]
fn the_documented_issues_and_other_services_are_named_as_events_ore_does_not_read() {
    for name in [
        "ec2-instance-store-drive-performance-degraded-backup",
        "ec2-operational-issue-public",
        "elb-api-issue-account-specific",
        "lambda-planned-lifecycle-event",
    ] {
        match RawEvent::from_payload(sample(name)) {
            Err(InputError::UnexpectedEvent(reason)) => {
                assert!(reason.contains("scheduledChange"), "{name}: {reason}")
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn the_documented_drive_degradation_would_name_its_instance_by_id_were_it_a_scheduled_change() {
    let mut event = sample("ec2-instance-store-drive-performance-degraded-backup");
    event["detail"]["eventTypeCategory"] = "scheduledChange".into();
    let [notice] = <[InstanceNotice; 1]>::try_from(notices(event)).expect("one instance");
    assert_eq!(notice.target.instance_id, "i-abcd1111");
    // The impacted region is eventRegion; the backup copy was delivered in us-west-2.
    assert_eq!(notice.target.region, "us-east-1");
}
