//! The committed sample events and the standard message's schema agree with the model.

use ore_model::{from_sqs_body, Payload};
use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use ore_model::ec2::{Ec2StateChange, InstanceState};
use ore_model::envelope::unwrap_payload;
use ore_model::resource::{EnrichmentStatus, InstanceDetails};
use ore_model::standard::StandardMessage;
use ore_model::InputError;
use test_support::{json_files, load_json, load_sqs_event, StandardSchema};

fn body(event: &aws_lambda_events::sqs::SqsEvent, index: usize) -> &str {
    event.records[index].body.as_deref().expect("body")
}

#[test]
fn eventbridge_samples_cover_all_six_states() {
    let mut seen = Vec::new();
    for file in json_files("events/eventbridge")
        .into_iter()
        .filter(|f| f.contains("/ec2-instance-"))
    {
        let change = Ec2StateChange::from_payload(load_json(&file)).expect(&file);
        assert!(
            file.ends_with(&format!("ec2-instance-{}.json", change.state)),
            "{file}"
        );
        seen.push(change.state);
    }
    for state in InstanceState::ALL {
        assert!(seen.contains(&state), "no sample for {state}");
    }
}

#[test]
fn sqs_samples_wrap_the_eventbridge_samples_both_ways() {
    for state in InstanceState::ALL {
        let expected = load_json(&format!("events/eventbridge/ec2-instance-{state}.json"));
        for delivery in ["sns-envelope", "raw-delivery"] {
            let file = format!("events/sqs/normalizer-{state}-{delivery}.json");
            let event = load_sqs_event(&file);
            assert_eq!(event.records.len(), 1, "{file}");
            assert_eq!(
                unwrap_payload(body(&event, 0)).expect(&file),
                expected,
                "{file}"
            );
        }
        let envelope: serde_json::Value = serde_json::from_str(body(
            &load_sqs_event(&format!("events/sqs/normalizer-{state}-sns-envelope.json")),
            0,
        ))
        .unwrap();
        assert_eq!(envelope["Type"], "Notification");
        for field in [
            "MessageId",
            "TopicArn",
            "Timestamp",
            "SignatureVersion",
            "Signature",
            "SigningCertURL",
            "UnsubscribeURL",
        ] {
            assert!(envelope[field].is_string(), "SNS envelope lacks {field}");
        }
    }
}

#[test]
fn malformed_sample_batch_has_one_good_record_and_named_failures() {
    let event = load_sqs_event("events/sqs/normalizer-malformed-batch.json");
    let parsed: Vec<Result<Ec2StateChange, InputError>> = event
        .records
        .iter()
        .map(|r| unwrap_payload(r.body.as_deref().unwrap()).and_then(Ec2StateChange::from_payload))
        .collect();
    assert!(parsed[0].is_ok());
    assert!(matches!(parsed[1], Err(InputError::NotJson(_))));
    assert!(matches!(parsed[2], Err(InputError::UnexpectedEvent(_))));
    assert!(
        matches!(&parsed[3], Err(InputError::Shape(e)) if e.to_string().contains("instance-id"))
    );
    assert!(matches!(&parsed[4], Err(InputError::Shape(e)) if e.to_string().contains("rebooting")));
}

#[test]
fn standard_samples_are_schema_valid_and_parse() {
    let schema = StandardSchema::load();
    let files = json_files("events/standard");
    assert_eq!(files.len(), 6);
    for file in files {
        let message = load_json(&file);
        schema.assert_valid(&message);
        let message = StandardMessage::from_payload(message).expect(&file);
        assert_eq!(
            message.id,
            ore_model::standard::message_id(
                &message.data.resource.source_event_id,
                &message.data.resource.key()
            ),
            "{file}: the sample id is the one the normalizer derives"
        );
    }
}

#[test]
fn consumer_samples_carry_the_standard_message_both_ways() {
    let expected = load_json("events/standard/message-stopped.json");
    for consumer in ["csv-formatter", "emailer"] {
        for delivery in ["sns-envelope", "raw-delivery"] {
            let event = load_sqs_event(&format!("events/sqs/{consumer}-stopped-{delivery}.json"));
            assert_eq!(unwrap_payload(body(&event, 0)).unwrap(), expected);
        }
        let event = load_sqs_event(&format!("events/sqs/{consumer}-malformed-batch.json"));
        let ok: Vec<bool> = event
            .records
            .iter()
            .map(|r| {
                unwrap_payload(r.body.as_deref().unwrap())
                    .and_then(StandardMessage::from_payload)
                    .is_ok()
            })
            .collect();
        assert_eq!(ok, [true, false, false, false, false], "{consumer}");
    }
}

fn details() -> InstanceDetails {
    InstanceDetails {
        name: Some("web-01".into()),
        instance_type: Some("t3.micro".into()),
        availability_zone: Some("eu-west-1a".into()),
        private_ip: Some("10.0.1.23".into()),
        public_ip: None,
        vpc_id: Some("vpc-0a1b2c3d4e5f67890".into()),
        subnet_id: Some("subnet-0123456789abcdef0".into()),
        launch_time: Some(Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap()),
        platform: Some("Linux/UNIX".into()),
        architecture: Some("arm64".into()),
        tags: BTreeMap::from([
            ("Name".into(), "web-01".into()),
            ("team".into(), "<b>ops</b>".into()),
        ]),
    }
}

#[test]
fn built_messages_validate_for_every_state_enriched_or_not() {
    let schema = StandardSchema::load();
    let processed_at = Utc.with_ymd_and_hms(2026, 11, 26, 9, 30, 0).unwrap();
    for state in InstanceState::ALL {
        let event = load_json(&format!("events/eventbridge/ec2-instance-{state}.json"));
        let change = Ec2StateChange::from_payload(event).unwrap();
        for instance in [Some(details()), None] {
            let message = StandardMessage::new(&change, instance.clone(), processed_at);
            let json = serde_json::to_value(&message).unwrap();
            schema.assert_valid(&json);
            assert_eq!(StandardMessage::from_payload(json).unwrap(), message);
            let expected = if instance.is_some() {
                EnrichmentStatus::Enriched
            } else {
                EnrichmentStatus::NotFound
            };
            assert_eq!(message.data.resource.enrichment, expected);
        }
    }
}

#[test]
fn schema_rejects_what_the_contract_forbids() {
    let schema = StandardSchema::load();
    let good = load_json("events/standard/message-running.json");
    type Mutation = Box<dyn Fn(&mut serde_json::Value)>;
    let mutations: Vec<(&str, Mutation)> = vec![
        (
            "unknown state",
            Box::new(|m| m["data"]["state"] = "rebooting".into()),
        ),
        (
            "wrong type",
            Box::new(|m| m["type"] = "com.example.other".into()),
        ),
        (
            "missing subject",
            Box::new(|m| {
                m.as_object_mut().unwrap().remove("subject");
            }),
        ),
        (
            "oversized tag",
            Box::new(|m| m["data"]["instance"]["tags"]["k"] = "v".repeat(257).into()),
        ),
        (
            "non-UTC time",
            Box::new(|m| m["time"] = "2026-11-26T10:10:00+01:00".into()),
        ),
        (
            "bad ip",
            Box::new(|m| m["data"]["instance"]["private_ip"] = "999.1.1.1".into()),
        ),
    ];
    for (name, mutate) in mutations {
        let mut message = good.clone();
        mutate(&mut message);
        assert!(!schema.is_valid(&message), "schema accepted: {name}");
    }
}

#[test]
fn consumers_reject_oversized_user_values() {
    let mut message = load_json("events/standard/message-running.json");
    message["data"]["instance"]["tags"]["note"] = "x".repeat(10_000).into();
    let err = StandardMessage::from_payload(message).unwrap_err();
    assert!(err.to_string().contains("tags value"), "{err}");
}

#[test]
fn consumers_reject_identifiers_that_would_forge_links() {
    for (field, value) in [
        ("region", "evil.example/phish#"),
        ("resource_id", "i-0abc\"><script>"),
        ("account", "12345678901x"),
    ] {
        let mut message = load_json("events/standard/message-running.json");
        message["data"][field] = value.into();
        let err = StandardMessage::from_payload(message).unwrap_err();
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
}

#[test]
fn canary_samples_are_what_the_normalizer_reads_and_writes() {
    use ore_model::adapters::RawEvent;
    use ore_model::heartbeat::HeartbeatMessage;
    use ore_model::message::OreMessage;
    let event = load_sqs_event("events/canary/normalizer-heartbeat-sns-envelope.json");
    let RawEvent::Heartbeat(heartbeat) = from_sqs_body::<RawEvent>(body(&event, 0)).unwrap() else {
        panic!("the canary sample is not a heartbeat");
    };
    let committed = load_json("events/canary/heartbeat-message.json");
    test_support::HeartbeatSchema::load().assert_valid(&committed);
    let processed_at = committed["data"]["processed_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let derived = serde_json::to_value(HeartbeatMessage::new(&heartbeat, processed_at)).unwrap();
    assert_eq!(
        derived, committed,
        "the sample is what the normalizer emits"
    );
    for consumer in ["csv-formatter", "emailer"] {
        let event = load_sqs_event(&format!(
            "events/canary/{consumer}-heartbeat-raw-delivery.json"
        ));
        assert!(matches!(
            from_sqs_body::<OreMessage>(body(&event, 0)),
            Ok(OreMessage::Heartbeat(_))
        ));
    }
}
