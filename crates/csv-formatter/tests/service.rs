//! Every branch of the csv-formatter with the in-memory publisher, no emulator: a record
//! published with the attributes subscribers filter on (the header one matching the committed
//! header file), a heartbeat that publishes nothing, and each way SNS fails.

use csv_formatter::{csv_columns, CsvFormatter, CONTENT_TYPE};
use ore_lambda::batch::{Outcome, RecordHandler};
use ore_lambda::fakes::{Fault, RecordingPublisher};
use ore_model::from_sqs_body;
use ore_model::message::OreMessage;
use test_support::{heartbeat_message_body, load_json, repo_root};

fn deadline() -> tokio::time::Instant {
    tokio::time::Instant::now() + std::time::Duration::from_secs(20)
}

fn stopped() -> OreMessage {
    from_sqs_body(&load_json("events/standard/message-stopped.json").to_string()).unwrap()
}

#[tokio::test]
async fn a_state_change_is_published_as_one_record_with_the_committed_header() {
    let formatter = CsvFormatter::new(RecordingPublisher::default());
    let outcome = formatter
        .handle_record(stopped(), deadline())
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Delivered { state: "stopped" });

    let publisher = formatter.publisher();
    let [record] = publisher.texts().try_into().unwrap();
    let [attributes] = publisher.attributes().try_into().unwrap();
    let cells = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(record.as_bytes())
        .records()
        .next()
        .expect("one record")
        .expect("valid CSV");
    assert_eq!(cells.len(), csv_columns().len());
    assert_eq!(&cells[9], "stopped");

    // What a subscriber reads in the attribute is the committed header, column for column.
    let committed = std::fs::read_to_string(repo_root().join("schemas/csv-record.v1.csv")).unwrap();
    assert_eq!(attributes["csv_header"], committed.trim_end());
    assert_eq!(attributes["csv_header"].split(',').count(), cells.len());
    assert_eq!(attributes["csv_schema_version"], "1");
    assert_eq!(attributes["content_type"], CONTENT_TYPE);
    assert_eq!(attributes["state"], "stopped");
    assert_eq!(attributes["resource_type"], "ec2:instance");
}

#[tokio::test]
async fn a_heartbeat_is_counted_and_publishes_nothing() {
    let formatter = CsvFormatter::new(RecordingPublisher::default());
    let heartbeat: OreMessage = from_sqs_body(&heartbeat_message_body("hb-7")).unwrap();
    let outcome = formatter
        .handle_record(heartbeat, deadline())
        .await
        .unwrap();
    assert!(
        matches!(outcome, Outcome::Heartbeat { ref id, .. } if id == "hb-7"),
        "{outcome:?}"
    );
    assert!(formatter.publisher().texts().is_empty());
}

#[tokio::test]
async fn sns_faults_fail_the_record_with_their_kind() {
    for fault in Fault::ALL {
        let formatter = CsvFormatter::new(RecordingPublisher::failing(fault));
        let result = formatter.handle_record(stopped(), deadline()).await;
        fault.assert_is(&result.unwrap_err(), "sns:Publish");
    }
}

#[tokio::test]
async fn every_notice_is_published_as_one_record_with_its_kind_and_window() {
    let expectations = [
        (
            "health-scheduled-change",
            "org.ore.resource.change-scheduled",
            [
                "2026-12-05T10:00:00Z",
                "2026-12-12T10:00:00Z",
                "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED",
                "upcoming",
            ],
        ),
        (
            "ec2-spot-interruption-warning",
            "org.ore.resource.spot-interruption-warned",
            ["2026-11-26T09:47:00Z", "", "terminate", ""],
        ),
        (
            "ec2-rebalance-recommendation",
            "org.ore.resource.rebalance-recommended",
            ["", "", "", ""],
        ),
        (
            "ebs-volume-notification",
            "org.ore.resource.volume-changed",
            ["", "", "attachVolume", "failed"],
        ),
        (
            "autoscaling-instance-launch-unsuccessful",
            "org.ore.resource.scaling-activity",
            ["", "", "launch", "unsuccessful"],
        ),
        (
            "config-configuration-item-change",
            "org.ore.resource.configuration-changed",
            ["", "", "UPDATE", "OK"],
        ),
        (
            "ecs-task-state-change",
            "org.ore.resource.task-stopped",
            ["", "", "EssentialContainerExited", "STOPPED"],
        ),
        (
            "rds-db-instance-event",
            "org.ore.resource.database-event",
            ["", "", "RDS-EVENT-0049", "failover"],
        ),
        (
            "health-event",
            "org.ore.resource.health-event",
            [
                "2026-12-08T02:00:00Z",
                "2026-12-08T04:00:00Z",
                "AWS_RDS_HARDWARE_MAINTENANCE_SCHEDULED",
                "upcoming",
            ],
        ),
    ];
    assert_eq!(
        expectations
            .map(|(name, ..)| name.to_owned())
            .to_vec()
            .iter()
            .collect::<std::collections::BTreeSet<_>>(),
        test_support::notice_sample_names().iter().collect(),
        "every notice kind"
    );
    let column = |name: &str| csv_columns().iter().position(|c| c == name).unwrap();
    for (name, message_type, [start, end, code, status]) in expectations {
        let formatter = CsvFormatter::new(RecordingPublisher::default());
        let message: OreMessage =
            from_sqs_body(&load_json(&format!("events/notices/{name}.json")).to_string()).unwrap();
        let outcome = formatter.handle_record(message, deadline()).await.unwrap();
        assert!(matches!(outcome, Outcome::Delivered { .. }), "{name}");
        let [record] = formatter.publisher().texts().try_into().unwrap();
        let [attributes] = formatter.publisher().attributes().try_into().unwrap();
        let cells = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(record.as_bytes())
            .records()
            .next()
            .expect("one record")
            .expect("valid CSV");
        assert_eq!(cells.len(), csv_columns().len(), "{name}");
        assert_eq!(
            &cells[column("state")],
            "",
            "{name}: a notice is not a state"
        );
        let sample = load_json(&format!("events/notices/{name}.json"));
        assert_eq!(&cells[column("resource_id")], sample["data"]["resource_id"]);
        assert_eq!(&cells[column("message_type")], message_type);
        assert_eq!(&cells[column("window_start")], start, "{name}");
        assert_eq!(&cells[column("window_end")], end, "{name}");
        assert_eq!(&cells[column("notice_code")], code, "{name}");
        assert_eq!(&cells[column("notice_status")], status, "{name}");
        assert_eq!(attributes["type"], message_type);
        assert!(!attributes.contains_key("state"));
        assert_eq!(attributes["csv_schema_version"], "1");
    }
}

#[tokio::test]
async fn aws_text_in_a_notice_cannot_become_a_formula() {
    let mut message = load_json("events/notices/health-scheduled-change.json");
    message["data"]["scheduled_change"]["description"] = "=HYPERLINK(\"http://evil\")".into();
    let formatter = CsvFormatter::new(RecordingPublisher::default());
    let message: OreMessage = from_sqs_body(&message.to_string()).unwrap();
    formatter.handle_record(message, deadline()).await.unwrap();
    let [record] = formatter.publisher().texts().try_into().unwrap();
    assert!(
        record.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{record}"
    );
}
