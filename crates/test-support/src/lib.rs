//! Shared by ORE's tests: the committed sample events, the standard message's JSON Schema, and
//! fixtures on the AWS API emulator (moto server) that `scripts/test.sh` starts.
//! Test-only code: panicking with a clear message is the right failure mode here.
#![warn(missing_docs)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use ore_lambda::sdk_config::{SdkSettings, Timeouts};
use ore_model::Payload;
use serde_json::{json, Value};

pub use aws_config::SdkConfig;
pub use aws_lambda_events::sqs::SqsEvent;

/// The repository root (tests run with the crate as working directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A committed JSON file, e.g. `events/eventbridge/ec2-instance-running.json`.
pub fn load_json(relative: &str) -> Value {
    let path = repo_root().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A committed SQS event file as the Lambda runtime would hand it to the handler.
pub fn load_sqs_event(relative: &str) -> SqsEvent {
    serde_json::from_value(load_json(relative))
        .unwrap_or_else(|e| panic!("{relative} is not an SQS event: {e}"))
}

/// Record `index` of `event`, decoded as a handler receives it.
pub fn decode_record<T: Payload>(event: &SqsEvent, index: usize) -> T {
    let body = event.records[index].body.as_deref().expect("a body");
    ore_model::from_sqs_body(body).unwrap_or_else(|e| panic!("record {index} does not decode: {e}"))
}

/// The name of every committed notice sample (`events/notices/<name>.json`): every notice kind
/// ORE publishes, so a test over notices covers a new kind without naming it.
pub fn notice_sample_names() -> Vec<String> {
    json_files("events/notices")
        .into_iter()
        .map(|file| {
            file.trim_start_matches("events/notices/")
                .trim_end_matches(".json")
                .to_owned()
        })
        .collect()
}

/// Sorted paths of the JSON files in a folder of the repository.
pub fn json_files(folder: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(repo_root().join(folder))
        .unwrap_or_else(|e| panic!("cannot list {folder}: {e}"))
        .map(|entry| {
            entry
                .expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".json"))
        .map(|name| format!("{folder}/{name}"))
        .collect();
    files.sort();
    files
}

/// An SQS event whose records carry these `(messageId, body)` pairs, shaped as Lambda sends it.
pub fn sqs_event(records: &[(&str, &str)]) -> SqsEvent {
    let records: Vec<Value> = records
        .iter()
        .map(|(id, body)| {
            json!({
                "messageId": id,
                "receiptHandle": format!("handle-{id}"),
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795685400123"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ore-test",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).expect("valid SQS event")
}

/// The committed JSON Schema of the standard message, with format checks on.
pub struct StandardSchema(jsonschema::Validator);

impl StandardSchema {
    /// `schemas/resource-state-changed.v1.json`.
    pub fn load() -> Self {
        Self::load_file("schemas/resource-state-changed.v1.json")
    }

    /// Another committed schema, e.g. `schemas/heartbeat.v1.json`.
    pub fn load_file(relative: &str) -> Self {
        let schema = load_json(relative);
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the committed schema compiles");
        StandardSchema(validator)
    }

    /// Panics listing every violation.
    pub fn assert_valid(&self, message: &Value) {
        let errors: Vec<String> = self
            .0
            .iter_errors(message)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "schema violations: {errors:#?}\nmessage: {message:#}"
        );
    }

    /// Whether the message passes the schema.
    pub fn is_valid(&self, message: &Value) -> bool {
        self.0.is_valid(message)
    }
}

/// `template.yaml` as data. CloudFormation's short tags (`!Ref`, `!GetAtt`, ...) come back as
/// tagged values.
pub fn template() -> serde_yaml::Value {
    let path = repo_root().join("template.yaml");
    let text = std::fs::read_to_string(&path).expect("template.yaml is readable");
    serde_yaml::from_str(&text).expect("template.yaml is YAML")
}

/// Panics unless template.yaml gives the function built from `binary` exactly the variables its
/// crate reads (`own`) plus the SDK configuration's (Globals): the template owns the names, the
/// crate reads them, nothing else lists them.
pub fn assert_template_environment(binary: &str, own: &[&str]) {
    let template = template();
    let functions = template["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(binary))
        .collect::<Vec<_>>();
    let [(name, function)] = functions.as_slice() else {
        panic!(
            "template.yaml has {} functions built from {binary}",
            functions.len()
        );
    };
    let names = |value: &serde_yaml::Value| -> std::collections::BTreeSet<String> {
        value
            .as_mapping()
            .map(|m| {
                m.keys()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut set = names(&function["Properties"]["Environment"]["Variables"]);
    set.extend(names(
        &template["Globals"]["Function"]["Environment"]["Variables"],
    ));
    let read: std::collections::BTreeSet<String> = own
        .iter()
        .chain(ore_lambda::sdk_config::ENVIRONMENT.iter())
        .map(|n| (*n).to_owned())
        .collect();
    assert_eq!(
        set, read,
        "template.yaml sets these variables for {name:?}; the crate reads the second list"
    );
}

/// A number in `template.yaml` at `Resources.<resource>.<path...>`, or under `Globals` or
/// `Mappings` when `resource` starts with them (`Globals.Function`, `Mappings.Consumers.Emailer`:
/// what differs between the queues the consumer loop writes), e.g. a function's `Timeout`.
pub fn template_number(resource: &str, path: &[&str]) -> u64 {
    let template = template();
    let mut value = match resource.split_once('.') {
        Some((section @ ("Globals" | "Mappings"), rest)) => rest
            .split('.')
            .fold(&template[section], |value, key| &value[key]),
        _ => &template["Resources"][resource],
    };
    for key in path {
        value = &value[*key];
    }
    value.as_u64().unwrap_or_else(|| {
        panic!(
            "template.yaml {resource}.{} is not a number: {value:?}",
            path.join(".")
        )
    })
}

/// The committed JSON Schema of the heartbeat message (`schemas/heartbeat.v1.json`).
pub struct HeartbeatSchema;

impl HeartbeatSchema {
    /// `schemas/heartbeat.v1.json`.
    pub fn load() -> StandardSchema {
        StandardSchema::load_file("schemas/heartbeat.v1.json")
    }
}

/// An AWS endpoint that accepts connections on 127.0.0.1 and never answers: what a hung
/// service looks like to a client. Holds at most 64 connections, then stops accepting.
pub fn black_hole_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("local address");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(64) {
            match stream {
                Ok(stream) => held.push(stream),
                Err(_) => break,
            }
        }
        // Keep the held connections open as long as the test process runs.
        std::thread::sleep(Duration::from_secs(600));
        drop(held);
    });
    format!("http://{address}")
}

/// Short bounds for tests against [`black_hole_endpoint`]: the same mechanism as the shipped
/// defaults, scaled down so the test takes seconds.
pub fn short_timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_millis(300),
        attempt: Duration::from_millis(400),
        operation: Duration::from_millis(1_200),
    }
}

/// ORE's SDK configuration (with [`short_timeouts`]) pointed at a fresh [`black_hole_endpoint`],
/// with test credentials and region so nothing but the endpoint can fail.
pub async fn black_hole_config() -> SdkConfig {
    let settings = SdkSettings {
        timeouts: short_timeouts(),
        ..SdkSettings::default()
    };
    let config =
        ore_lambda::sdk_config::load_sdk_config_at(&settings, &black_hole_endpoint()).await;
    let credentials =
        aws_sdk_sns::config::Credentials::new("testing", "testing", None, None, "test");
    config
        .into_builder()
        .credentials_provider(aws_sdk_sns::config::SharedCredentialsProvider::new(
            credentials,
        ))
        .region(aws_sdk_sns::config::Region::new("eu-west-1"))
        .build()
}

/// A heartbeat as it reaches the consumers (the normalizer's output for a heartbeat event).
pub fn heartbeat_message_body(event_id: &str) -> String {
    use ore_model::heartbeat::{HeartbeatEvent, HeartbeatMessage};
    let event = HeartbeatEvent::from_payload(json!({
        "version": "0", "id": event_id, "detail-type": "ORE Heartbeat", "source": "ore.canary",
        "account": "123456789012", "time": "2026-11-26T09:00:00Z", "region": "eu-west-1",
        "resources": [], "detail": {"origin": "test"}
    }))
    .expect("a valid heartbeat");
    let processed_at = "2026-11-26T09:00:01Z".parse().expect("a timestamp");
    serde_json::to_string(&HeartbeatMessage::new(&event, processed_at)).expect("JSON")
}

/// `event` through the one entry point Lambda's runtime uses ([`ore_lambda::batch::run_batch`]),
/// with the budget a run outside Lambda gets; the partial batch response alone.
pub async fn run_batch<H: ore_lambda::batch::RecordHandler + Sync>(
    handler: &H,
    event: &SqsEvent,
) -> Result<aws_lambda_events::sqs::SqsBatchResponse, ore_lambda::batch::UnreportableFailure> {
    let deadline = tokio::time::Instant::now() + ore_lambda::batch::DEFAULT_BUDGET;
    ore_lambda::batch::run_batch(handler, event, deadline)
        .await
        .map(|outcome| outcome.response)
}
/// The message ids of records a batch failed, and the error kinds, from a [`BatchOutcome`].
pub fn failed_kinds(
    event: &SqsEvent,
    outcome: &ore_lambda::batch::BatchOutcome,
) -> Vec<(String, &'static str)> {
    event
        .records
        .iter()
        .zip(&outcome.results)
        .filter_map(|(record, result)| match result {
            ore_lambda::batch::RecordResult::Failed(error) => {
                Some((record.message_id.clone().unwrap_or_default(), error.kind()))
            }
            ore_lambda::batch::RecordResult::Done(_) => None,
        })
        .collect()
}

/// SDK config for the emulator that `scripts/test.sh` starts and names in `AWS_ENDPOINT_URL`.
pub async fn emulator_config() -> SdkConfig {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    assert!(
        endpoint.starts_with("http://127.0.0.1"),
        "integration tests talk to an AWS API emulator on 127.0.0.1: run `scripts/test.sh` \
         (it starts moto server and sets AWS_ENDPOINT_URL), got {endpoint:?}"
    );
    ore_lambda::sdk_config::load_sdk_config(&SdkSettings::default()).await
}

/// A name no other test (or earlier run against the same emulator) uses.
pub fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// A queue in the emulator, with a visibility timeout in seconds when given; returns its URL
/// and ARN.
pub async fn create_queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    visibility_timeout: Option<u32>,
) -> (String, String) {
    use aws_sdk_sqs::types::QueueAttributeName;
    let mut request = sqs.create_queue().queue_name(name);
    if let Some(seconds) = visibility_timeout {
        request = request.attributes(QueueAttributeName::VisibilityTimeout, seconds.to_string());
    }
    let queue_url = request
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url");
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .expect("queue arn");
    (queue_url, queue_arn)
}

/// A fresh DynamoDB table in the emulator with the key schema template.yaml gives the table
/// `logical_id` (`StateTable`, `MailLedgerTable`); returns its name.
pub async fn create_table(config: &SdkConfig, logical_id: &str) -> String {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let template = template();
    let properties = &template["Resources"][logical_id]["Properties"];
    let text = |v: &serde_yaml::Value| {
        v.as_str()
            .expect("a string in the table's schema")
            .to_owned()
    };
    let name = unique_name(&logical_id.to_ascii_lowercase());
    let mut request = aws_sdk_dynamodb::Client::new(config)
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest);
    for key in properties["KeySchema"].as_sequence().expect("KeySchema") {
        request = request.key_schema(
            KeySchemaElement::builder()
                .attribute_name(text(&key["AttributeName"]))
                .key_type(KeyType::from(text(&key["KeyType"]).as_str()))
                .build()
                .expect("key schema element"),
        );
    }
    for attribute in properties["AttributeDefinitions"]
        .as_sequence()
        .expect("AttributeDefinitions")
    {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(&attribute["AttributeName"]))
                .attribute_type(ScalarAttributeType::from(
                    text(&attribute["AttributeType"]).as_str(),
                ))
                .build()
                .expect("attribute definition"),
        );
    }
    request.send().await.expect("create table");
    name
}

/// A fresh SNS topic with an SQS queue subscribed with raw delivery, to read back what a
/// function publishes exactly as a subscriber would.
pub struct TappedTopic {
    /// The topic to publish to.
    pub topic_arn: String,
    /// The queue that receives what it publishes.
    pub queue_url: String,
    sqs: aws_sdk_sqs::Client,
}

impl TappedTopic {
    /// A new topic and its tap queue in the emulator.
    pub async fn create(config: &SdkConfig, prefix: &str) -> Self {
        let sns = aws_sdk_sns::Client::new(config);
        let sqs = aws_sdk_sqs::Client::new(config);
        let name = unique_name(prefix);
        let topic_arn = sns
            .create_topic()
            .name(&name)
            .send()
            .await
            .expect("create topic")
            .topic_arn
            .expect("topic arn");
        let (queue_url, queue_arn) = create_queue(&sqs, &format!("{name}-tap"), None).await;
        sns.subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(queue_arn)
            .attributes("RawMessageDelivery", "true")
            .send()
            .await
            .expect("subscribe");
        TappedTopic {
            topic_arn,
            queue_url,
            sqs,
        }
    }

    /// Receive until `expected` messages arrived or a bounded wait ran out, then make sure no
    /// extra message follows. Returns each message's body and String attributes.
    pub async fn receive(&self, expected: usize) -> Vec<Received> {
        let mut received = Vec::new();
        for _ in 0..20 {
            if received.len() >= expected {
                break;
            }
            received.extend(self.receive_once(Duration::from_millis(250)).await);
        }
        // One more short look: a function that publishes too much must not pass.
        received.extend(self.receive_once(Duration::from_millis(200)).await);
        received
    }

    async fn receive_once(&self, pause_if_empty: Duration) -> Vec<Received> {
        let output = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .send()
            .await
            .expect("receive");
        let messages = output.messages.unwrap_or_default();
        if messages.is_empty() {
            tokio::time::sleep(pause_if_empty).await;
        }
        let mut received = Vec::new();
        for message in messages {
            if let Some(handle) = &message.receipt_handle {
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .expect("delete");
            }
            let attributes = message
                .message_attributes
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| v.string_value.map(|s| (k, s)))
                .collect();
            received.push(Received {
                body: message.body.unwrap_or_default(),
                attributes,
            });
        }
        received
    }
}

/// One message as a raw-delivery subscriber sees it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The message body.
    pub body: String,
    /// Its String message attributes.
    pub attributes: std::collections::BTreeMap<String, String>,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Emails the emulator's SES recorded from `source` (moto's `/moto-api/data.json`, key `ses`
/// -> `Message`: `source`, `destinations`, `subject`, `body`, the HTML part when there is one).
pub fn sent_emails(source: &str) -> Vec<Value> {
    ses_records("Message", source)
}

/// Raw MIME mails the emulator's SES recorded from `source` (`ses` -> `RawMessage`: `source`,
/// `destinations`, `raw_data`): the mails ORE builds itself, those with attachments.
pub fn sent_raw_emails(source: &str) -> Vec<Value> {
    ses_records("RawMessage", source)
}

fn ses_records(kind: &str, source: &str) -> Vec<Value> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL");
    let url = format!("{endpoint}/moto-api/data.json");
    // The emulator serializes every service's models for this page; a model another test is
    // changing at that moment can make it answer 500 (it checks each attribute, then dumps them
    // all). A few bounded retries read a consistent moment.
    let mut answer = try_http_get(&url);
    for _ in 0..5 {
        if answer.is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        answer = try_http_get(&url);
    }
    let body = answer.unwrap_or_else(|head| panic!("emulator answered {head}"));
    let data: Value = serde_json::from_str(&body).expect("emulator state is JSON");
    data["ses"][kind]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .filter(|m| m["source"] == source)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// A plain HTTP/1.0 GET on the loopback emulator, enough for its inspection API: the body of a
/// 200 answer, or the answer's head.
fn try_http_get(url: &str) -> Result<String, String> {
    let (head, body) = http_exchange("GET", url, b"");
    if head.starts_with("HTTP/1.") && head.contains(" 200 ") {
        Ok(body)
    } else {
        Err(head)
    }
}

/// One plain HTTP/1.0 request to the loopback emulator: the answer's head and body.
fn http_exchange(method: &str, url: &str, body: &[u8]) -> (String, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut stream = std::net::TcpStream::connect(host).expect("connect to the emulator");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .expect("send request");
    stream.write_all(body).expect("send body");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read response");
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").expect("HTTP response");
    (head.to_owned(), body.to_owned())
}

/// Creates `bucket` in the emulator's S3, in the test region, with objects `(key, body)`: the
/// setup for code that reads S3, without linking the S3 SDK into the tests (the emulator does
/// not ask for a signature).
pub fn s3_bucket_with(bucket: &str, objects: &[(&str, &[u8])]) {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL");
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "eu-west-1".into());
    let configuration = format!(
        "<CreateBucketConfiguration><LocationConstraint>{region}</LocationConstraint>\
         </CreateBucketConfiguration>"
    );
    let mut requests = vec![(format!("{endpoint}/{bucket}"), configuration.into_bytes())];
    for (key, body) in objects {
        requests.push((format!("{endpoint}/{bucket}/{key}"), body.to_vec()));
    }
    for (url, body) in requests {
        let (head, answer) = http_exchange("PUT", &url, &body);
        assert!(
            head.starts_with("HTTP/1.") && head.contains(" 200 "),
            "PUT {url}: {head}\n{answer}"
        );
    }
}

/// The message ids a partial batch response reports as failed, in order.
pub fn failed_ids(response: &aws_lambda_events::sqs::SqsBatchResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

/// The message ids of these records, in order (every committed sample has one).
pub fn message_ids(records: &[aws_lambda_events::sqs::SqsMessage]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            r.message_id
                .clone()
                .expect("sample records have a messageId")
        })
        .collect()
}

/// A burst of state changes: `count` instances of `team` (its `team` tag), each one the sample
/// terminated message with its own id, instance id, name and time (a second apart from
/// `first`), as `(SQS message id, body)` pairs.
pub fn team_burst(team: &str, first: usize, count: usize) -> Vec<(String, String)> {
    let sample = load_json("events/standard/message-terminated.json");
    (first..first + count)
        .map(|n| {
            let mut message = sample.clone();
            let instance = format!("i-0{n:016x}");
            let name = format!("{team}-{n:02}");
            message["id"] = format!("00000000-0000-5000-8000-{n:012x}").into();
            message["subject"] = instance.clone().into();
            message["time"] = format!("2026-11-26T09:15:{:02}Z", n % 60).into();
            let data = &mut message["data"];
            data["resource_id"] = instance.clone().into();
            data["resource_arn"] =
                format!("arn:aws:ec2:eu-west-1:123456789012:instance/{instance}").into();
            data["instance"]["name"] = name.clone().into();
            data["instance"]["tags"] = json!({"Name": name, "team": team});
            (format!("sqs-{team}-{n:02}"), message.to_string())
        })
        .collect()
}

/// `sqs_event` from owned pairs.
pub fn sqs_event_of(records: &[(String, String)]) -> SqsEvent {
    let pairs: Vec<(&str, &str)> = records
        .iter()
        .map(|(id, body)| (id.as_str(), body.as_str()))
        .collect();
    sqs_event(&pairs)
}

/// `actual` must equal the golden file at `relative` (from the repository root);
/// `UPDATE_GOLDEN=1` writes it first.
pub fn assert_golden(relative: &str, actual: &str) {
    let path = repo_root().join(relative);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write the golden file");
    }
    let expected = std::fs::read_to_string(&path).expect("golden file (UPDATE_GOLDEN=1 writes it)");
    assert_eq!(actual, expected, "{relative} differs from its golden file");
}

/// The body of one HTTP request read from `stream` (the head, then `Content-Length` bytes): what a
/// local endpoint playing an AWS service (an STS refusal, an EC2 in trouble) needs before it
/// answers.
pub fn read_http_request_body(stream: &mut impl std::io::Read) -> String {
    let mut request = Vec::new();
    let mut buffer = [0_u8; 4096];
    while let Ok(read) = stream.read(&mut buffer) {
        if read == 0 {
            break;
        }
        request.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&request);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                return body.to_owned();
            }
        }
    }
    String::new()
}
