//! Writes `events/`, the sample events `sam local invoke` and the tests read (deterministic;
//! commit the result). What AWS delivers is in the shapes its documentation shows; what ORE emits
//! is what the normalizer itself publishes for those events, run with in-memory ports (EC2 knows
//! the sample instance, a fixed clock), so the samples cannot drift from the code.
//!
//! - `events/eventbridge/`: the EC2 state-change event, one per state, written here; and one
//!   committed event per notice kind, read (an AWS Health scheduled change with its times in RFC
//!   2822 as AWS Health writes them, a Spot interruption warning, a rebalance recommendation):
//!   adding a kind's event there is all a new kind needs here.
//! - `events/sqs/`: the Lambda SQS event each function receives, wrapping an event or message in
//!   the SNS envelope (default SNS->SQS delivery) or as the raw message (`RawMessageDelivery`);
//!   `*-malformed-batch.json`: one good record among bad ones (the partial batch response);
//!   `*-notices-batch.json`: every notice kind in one batch.
//! - `events/standard/`, `events/notices/`: the messages the normalizer publishes for them.
//! - `events/canary/`: ORE's heartbeat as EventBridge delivers it, the message the normalizer
//!   publishes for it, and the SQS events each function receives.
//!
//! Run: `cargo run -p normalizer --example sample-events` (rewrites `events/`), or with
//! `-- --out DIR` (writes elsewhere; `scripts/test.sh` diffs that with `events/`).

mod json;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use aws_lambda_events::sqs::SqsEvent;
use base64::Engine;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use json::{obj, Json};
use normalizer::store::memory::MemoryStateStore;
use normalizer::{DescribeResources, Descriptions, FlappingRule, IgnoreRule, Normalizer, Settling};
use ore_lambda::fakes::RecordingPublisher;
use ore_lambda::RecordError;
use ore_model::ec2::InstanceState;
use ore_model::resource::{InstanceDetails, Lookup};
use serde::Serialize;
use sha2::Digest;
use uuid::Uuid;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-west-1";
const INSTANCE: &str = "i-0abc1234def567890";
/// Only for stable sample ids.
const SAMPLE_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2a3e_0b7d_4d5e_9c1a_2b3c_4d5e_6f70);
const CONSUMERS: [&str; 4] = ["csv-formatter", "emailer", "bus-publisher", "chat-notifier"];

fn sample_id(parts: &[&str]) -> String {
    Uuid::new_v5(&SAMPLE_NAMESPACE, parts.join("/").as_bytes()).to_string()
}

fn instance_arn() -> String {
    format!("arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{INSTANCE}")
}

// ------------------------------------------------------------------ what AWS delivers

fn state_event_time(index: usize) -> String {
    format!("2026-11-26T09:{:02}:{:02}Z", 10 + index, index * 7)
}

fn state_event(state: &str, index: usize) -> Json {
    obj! {
        "version" => "0",
        "id" => sample_id(&["eventbridge", state]),
        "detail-type" => "EC2 Instance State-change Notification",
        "source" => "aws.ec2",
        "account" => ACCOUNT,
        "time" => state_event_time(index),
        "region" => REGION,
        "resources" => vec![Json::from(instance_arn())],
        "detail" => obj! { "instance-id" => INSTANCE, "state" => state },
    }
}

/// The SNS notification envelope of `message` (its body, as SNS delivers it to SQS).
fn sns_envelope(message: String, topic: &str, key: &str) -> Json {
    let message_id = sample_id(&["sns", key]);
    let signature = sha2::Sha512::digest(message_id.as_bytes()).repeat(4);
    obj! {
        "Type" => "Notification",
        "MessageId" => message_id,
        "TopicArn" => format!("arn:aws:sns:{REGION}:{ACCOUNT}:{topic}"),
        "Message" => message,
        "Timestamp" => "2026-11-26T09:30:00.123Z",
        "SignatureVersion" => "1",
        "Signature" => base64::engine::general_purpose::STANDARD.encode(signature),
        "SigningCertURL" => format!("https://sns.{REGION}.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"),
        "UnsubscribeURL" => format!(
            "https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:{REGION}:{ACCOUNT}:{topic}:{}",
            sample_id(&["sub", topic])
        ),
    }
}

/// One record of the Lambda SQS event.
fn sqs_record(body: &str, queue: &str, key: &str) -> Json {
    let receipt = sha2::Sha256::digest(key.as_bytes()).repeat(3);
    let md5: String = md5::Md5::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    obj! {
        "messageId" => sample_id(&["sqs", key]),
        "receiptHandle" => base64::engine::general_purpose::STANDARD.encode(receipt),
        "body" => body,
        "attributes" => obj! {
            "ApproximateReceiveCount" => "1",
            "SentTimestamp" => "1795685400123",
            "SenderId" => "AIDAIT2UOQQY3AUEKVGXU",
            "ApproximateFirstReceiveTimestamp" => "1795685400130",
        },
        "messageAttributes" => Json::Obj(Vec::new()),
        "md5OfBody" => md5,
        "eventSource" => "aws:sqs",
        "eventSourceARN" => format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}"),
        "awsRegion" => REGION,
    }
}

fn sqs_event(records: Vec<Json>) -> Json {
    obj! { "Records" => records }
}

/// The notice kinds' events as EventBridge delivers them: the committed
/// `events/eventbridge/*.json` this example does not write itself, each in the shape of the AWS
/// documentation's example for that event (a new kind's event is a new file there, nothing here).
fn notice_events(source: &Path) -> Vec<(String, Json)> {
    let folder = source.join("eventbridge");
    let written_here: Vec<String> = InstanceState::ALL
        .map(|state| format!("ec2-instance-{}.json", state.as_str()))
        .to_vec();
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .expect("events/eventbridge")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".json") && !written_here.contains(name))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(folder.join(&name)).expect("a notice event");
            let event: Json = serde_json::from_str(&text).expect("JSON");
            (name.trim_end_matches(".json").to_owned(), event)
        })
        .collect()
}

fn heartbeat_event() -> Json {
    obj! {
        "version" => "0",
        "id" => sample_id(&["eventbridge", "heartbeat"]),
        "detail-type" => "ORE Heartbeat",
        "source" => "ore.canary",
        "account" => ACCOUNT,
        "time" => "2026-11-26T10:00:00Z",
        "region" => REGION,
        "resources" => Json::Arr(Vec::new()),
        "detail" => obj! { "origin" => "schedule" },
    }
}

// ------------------------------------------------------------------ what ORE publishes

/// The time the normalizer reads, set before each sample it handles.
static NOW_MS: AtomicI64 = AtomicI64::new(0);

fn sample_clock() -> DateTime<Utc> {
    Utc.timestamp_millis_opt(NOW_MS.load(Ordering::SeqCst))
        .single()
        .unwrap_or_default()
}

/// EC2 as it describes the sample instance: a public address only while it runs.
#[derive(Default)]
struct SampleEc2 {
    public_ip: Mutex<Option<String>>,
}

impl SampleEc2 {
    fn describe(&self, region: &str) -> Lookup {
        let tags = [("Name", "web-01"), ("team", "payments"), ("env", "prod")];
        Lookup::Found(InstanceDetails {
            name: Some("web-01".into()),
            instance_type: Some("t3.micro".into()),
            availability_zone: Some(format!("{region}a")),
            private_ip: Some("10.0.1.23".into()),
            public_ip: self
                .public_ip
                .lock()
                .map(|ip| ip.clone())
                .unwrap_or_default(),
            vpc_id: Some("vpc-0a1b2c3d4e5f67890".into()),
            subnet_id: Some("subnet-0123456789abcdef0".into()),
            launch_time: Utc.with_ymd_and_hms(2026, 11, 26, 9, 10, 0).single(),
            platform: Some("Linux/UNIX".into()),
            architecture: Some("x86_64".into()),
            tags: tags
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        })
    }
}

impl DescribeResources for SampleEc2 {
    async fn describe_instances(
        &self,
        _: &str,
        region: &str,
        instance_ids: &[&str],
    ) -> Result<Descriptions, RecordError> {
        Ok(instance_ids
            .iter()
            .map(|id| ((*id).to_owned(), Ok(self.describe(region))))
            .collect())
    }

    /// Every other resource is tagged as the sample team's would be: its database `orders`, its
    /// volumes `orders-data`, its tasks and Auto Scaling groups
    /// `orders-web`.
    async fn read_tags(
        &self,
        _: &str,
        _: &str,
        arns: &[&str],
    ) -> Result<Descriptions, RecordError> {
        Ok(arns
            .iter()
            .map(|arn| {
                let name = if arn.contains(":volume/") {
                    "orders-data"
                } else if arn.contains(":task/") || arn.contains(":autoScalingGroupName/") {
                    "orders-web"
                } else {
                    "orders"
                };
                let tags = [("Name", name), ("team", "payments"), ("env", "prod")]
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                ((*arn).to_owned(), Ok(Lookup::Tagged(tags)))
            })
            .collect())
    }
}

type SampleNormalizer = Normalizer<SampleEc2, RecordingPublisher, MemoryStateStore>;

/// The normalizer ORE deploys, with in-memory ports. Flapping is off: the sample day changes
/// state six times in five minutes, which ORE would rightly call flapping.
fn sample_normalizer() -> SampleNormalizer {
    Normalizer::new(
        SampleEc2::default(),
        RecordingPublisher::default(),
        MemoryStateStore::default(),
        IgnoreRule::new("ore:ignore", ""),
        Settling::default(),
    )
    .with_flapping(FlappingRule {
        transitions: 0,
        window: std::time::Duration::from_secs(1),
    })
    .with_clock(sample_clock)
}

/// What the normalizer publishes for `event` (an SQS event of one record), handled at
/// `processed_at`.
async fn normalized(
    normalizer: &SampleNormalizer,
    event: &Json,
    processed_at: DateTime<Utc>,
) -> String {
    NOW_MS.store(processed_at.timestamp_millis(), Ordering::SeqCst);
    let event: SqsEvent = serde_json::from_str(&event.compact()).expect("an SQS event");
    let deadline = tokio::time::Instant::now() + ore_lambda::batch::DEFAULT_BUDGET;
    let outcome = ore_lambda::batch::run_batch(normalizer, &event, deadline)
        .await
        .expect("every record has a message id");
    assert!(
        outcome.response.batch_item_failures.is_empty(),
        "the normalizer refused a sample: {:?}",
        outcome.results
    );
    let published = normalizer.publisher().published.lock().expect("lock");
    published.last().expect("a published message").0.clone()
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("an RFC 3339 time")
        .with_timezone(&Utc)
}

fn pretty(message: &str) -> String {
    let message: serde_json::Value = serde_json::from_str(message).expect("JSON");
    // Re-read into the message's own type, so the fields keep the order the normalizer wrote.
    let message: ore_model::message::OreMessage =
        ore_model::Payload::from_payload(message).expect("an ORE message");
    match message {
        ore_model::message::OreMessage::StateChanged(m) => to_pretty(&m),
        ore_model::message::OreMessage::Notice(m) => to_pretty(&m),
        ore_model::message::OreMessage::Heartbeat(m) => to_pretty(&m),
    }
}

fn to_pretty(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).expect("serializable")
}

/// `value` as Python's `json.dumps` writes it by default (`, ` and `: `): the malformed records.
fn spaced(value: &impl Serialize) -> String {
    struct Spaced;
    impl serde_json::ser::Formatter for Spaced {
        fn begin_array_value<W: ?Sized + std::io::Write>(
            &mut self,
            writer: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            if first {
                Ok(())
            } else {
                writer.write_all(b", ")
            }
        }
        fn begin_object_key<W: ?Sized + std::io::Write>(
            &mut self,
            writer: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            self.begin_array_value(writer, first)
        }
        fn begin_object_value<W: ?Sized + std::io::Write>(
            &mut self,
            writer: &mut W,
        ) -> std::io::Result<()> {
            writer.write_all(b": ")
        }
    }
    let mut out = Vec::new();
    value
        .serialize(&mut serde_json::Serializer::with_formatter(
            &mut out, Spaced,
        ))
        .expect("serializable");
    String::from_utf8(out).expect("UTF-8")
}

// ------------------------------------------------------------------ the files

struct Samples {
    /// The committed `events/`: what AWS sends, read.
    source: PathBuf,
    /// Where the samples are written (`events/`, or a folder `scripts/test.sh` diffs with it).
    root: PathBuf,
}

impl Samples {
    fn write(&self, relative: &str, text: &str) {
        let path = self.root.join(relative);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).expect("create the folder");
        }
        std::fs::write(&path, format!("{text}\n")).expect("write the sample");
    }

    fn write_json(&self, relative: &str, json: &Json) {
        self.write(relative, &json.pretty());
    }

    async fn state_changes(&self, normalizer: &SampleNormalizer) {
        for (index, state) in InstanceState::ALL
            .map(InstanceState::as_str)
            .into_iter()
            .enumerate()
        {
            let event = state_event(state, index);
            self.write_json(&format!("eventbridge/ec2-instance-{state}.json"), &event);
            let envelope = sns_envelope(event.compact(), "ore-raw-events", state).pretty();
            let queue = "ore-normalizer-queue";
            let key = format!("env-{state}");
            let record = sqs_record(&envelope, queue, &key);
            self.write_json(
                &format!("sqs/normalizer-{state}-sns-envelope.json"),
                &sqs_event(vec![record]),
            );
            let raw = sqs_event(vec![sqs_record(
                &event.compact(),
                queue,
                &format!("raw-{state}"),
            )]);
            self.write_json(&format!("sqs/normalizer-{state}-raw-delivery.json"), &raw);

            *normalizer.describer().public_ip.lock().expect("lock") =
                matches!(state, "pending" | "running").then(|| "203.0.113.10".to_owned());
            let processed_at = time(&state_event_time(index)) + TimeDelta::milliseconds(1_250);
            let message = normalized(normalizer, &raw, processed_at).await;
            self.write(&format!("standard/message-{state}.json"), &pretty(&message));
            if state == "stopped" {
                self.consumers_of_stopped(&message);
            }
        }
        self.malformed_normalizer_batch();
    }

    fn malformed_normalizer_batch(&self) {
        let queue = "ore-normalizer-queue";
        let good = state_event("running", 1).compact();
        let wrong_type = state_event("running", 1)
            .with("source", "aws.autoscaling")
            .with("detail-type", "EC2 Instance Launch Successful")
            .with(
                "detail",
                obj! { "EC2InstanceId" => INSTANCE, "AutoScalingGroupName" => "web" },
            );
        let missing_id = state_event("stopped", 3).with("detail", obj! { "state" => "stopped" });
        let unknown_state = state_event("stopped", 3).with(
            "detail",
            obj! { "instance-id" => INSTANCE, "state" => "rebooting" },
        );
        let records = vec![
            sqs_record(&good, queue, "mixed-good"),
            sqs_record("{this is not json", queue, "mixed-not-json"),
            sqs_record(&wrong_type.spaced(), queue, "mixed-wrong-type"),
            sqs_record(&missing_id.spaced(), queue, "mixed-missing-instance-id"),
            sqs_record(&unknown_state.spaced(), queue, "mixed-unknown-state"),
        ];
        self.write_json("sqs/normalizer-malformed-batch.json", &sqs_event(records));
    }

    /// The stopped message as each consumer receives it, both deliveries, and among bad records.
    fn consumers_of_stopped(&self, body: &str) {
        let value: serde_json::Value = serde_json::from_str(body).expect("JSON");
        let mut stopped: ore_model::standard::StandardMessage =
            ore_model::Payload::from_payload(value).expect("a standard message");
        let good_event = state_event("running", 1).compact();
        for consumer in CONSUMERS {
            let queue = format!("ore-{consumer}-queue");
            let raw = sqs_record(body, &queue, &format!("{consumer}-raw"));
            self.write_json(
                &format!("sqs/{consumer}-stopped-raw-delivery.json"),
                &sqs_event(vec![raw]),
            );
            let envelope = sns_envelope(body.to_owned(), "ore-normalized", consumer).pretty();
            let record = sqs_record(&envelope, &queue, &format!("{consumer}-env"));
            self.write_json(
                &format!("sqs/{consumer}-stopped-sns-envelope.json"),
                &sqs_event(vec![record]),
            );
            stopped.specversion = "0.3".into();
            let wrong_spec = spaced(&stopped);
            stopped.specversion = "1.0".into();
            let whole = spaced(&stopped);
            let no_data = match whole.find(", \"data\": ") {
                Some(at) => format!("{}}}", &whole[..at]),
                None => whole.clone(),
            };
            let records = vec![
                sqs_record(body, &queue, &format!("{consumer}-mixed-good")),
                sqs_record(
                    "not json at all",
                    &queue,
                    &format!("{consumer}-mixed-not-json"),
                ),
                sqs_record(
                    &wrong_spec,
                    &queue,
                    &format!("{consumer}-mixed-wrong-specversion"),
                ),
                sqs_record(&no_data, &queue, &format!("{consumer}-mixed-missing-data")),
                sqs_record(
                    &good_event,
                    &queue,
                    &format!("{consumer}-mixed-raw-ec2-event"),
                ),
            ];
            self.write_json(
                &format!("sqs/{consumer}-malformed-batch.json"),
                &sqs_event(records),
            );
        }
    }

    async fn notices(&self, normalizer: &SampleNormalizer) {
        let mut batches: [(&str, Vec<Json>); 5] = [
            ("normalizer", Vec::new()),
            ("csv-formatter", Vec::new()),
            ("emailer", Vec::new()),
            ("bus-publisher", Vec::new()),
            ("chat-notifier", Vec::new()),
        ];
        *normalizer.describer().public_ip.lock().expect("lock") = Some("203.0.113.10".into());
        for (name, event) in notice_events(&self.source) {
            let name = name.as_str();
            self.write_json(&format!("eventbridge/{name}.json"), &event);
            let envelope = sns_envelope(event.compact(), "ore-raw-events", name).pretty();
            let record = sqs_record(&envelope, "ore-normalizer-queue", &format!("env-{name}"));
            let single = sqs_event(vec![record.clone()]);
            self.write_json(&format!("sqs/normalizer-{name}-sns-envelope.json"), &single);
            batches[0].1.push(record);

            let Some(Json::Str(event_time)) = event.get("time") else {
                panic!("{name} has no time");
            };
            let processed_at = time(event_time) + TimeDelta::milliseconds(250);
            let message = normalized(normalizer, &single, processed_at).await;
            self.write(&format!("notices/{name}.json"), &pretty(&message));
            for (consumer, batch) in batches.iter_mut().skip(1) {
                let key = format!("{consumer}-{name}");
                let envelope = sns_envelope(message.clone(), "ore-normalized", &key).pretty();
                let queue = format!("ore-{consumer}-queue");
                let record = sqs_record(&envelope, &queue, &format!("{consumer}-env-{name}"));
                self.write_json(
                    &format!("sqs/{consumer}-{name}-sns-envelope.json"),
                    &sqs_event(vec![record.clone()]),
                );
                batch.push(record);
            }
        }
        // One batch of every notice kind per function, for `sam local invoke`.
        for (function, records) in batches {
            self.write_json(
                &format!("sqs/{function}-notices-batch.json"),
                &sqs_event(records),
            );
        }
    }

    async fn canary(&self, normalizer: &SampleNormalizer) {
        let event = heartbeat_event();
        self.write_json("canary/heartbeat-event.json", &event);
        let envelope = sns_envelope(event.compact(), "ore-raw-events", "heartbeat").pretty();
        let record = sqs_record(&envelope, "ore-normalizer-queue", "heartbeat-env");
        let single = sqs_event(vec![record]);
        self.write_json("canary/normalizer-heartbeat-sns-envelope.json", &single);
        let processed_at = time("2026-11-26T10:00:00Z") + TimeDelta::milliseconds(1_250);
        let message = normalized(normalizer, &single, processed_at).await;
        self.write("canary/heartbeat-message.json", &pretty(&message));
        for consumer in CONSUMERS {
            let record = sqs_record(
                &message,
                &format!("ore-{consumer}-queue"),
                &format!("{consumer}-heartbeat"),
            );
            self.write_json(
                &format!("canary/{consumer}-heartbeat-raw-delivery.json"),
                &sqs_event(vec![record]),
            );
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
    let root = match arguments.as_slice() {
        [flag, folder] if flag == "--out" => PathBuf::from(folder),
        [] => source.clone(),
        _ => {
            eprintln!("usage: sample-events [--out DIR]");
            std::process::exit(2);
        }
    };
    let samples = Samples { source, root };
    let normalizer = sample_normalizer();
    samples.state_changes(&normalizer).await;
    samples.notices(&normalizer).await;
    samples.canary(&normalizer).await;
}
