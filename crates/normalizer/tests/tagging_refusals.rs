//! The Tagging API's refusals, from a local endpoint answering as the API reference documents
//! (the emulator never refuses): an ARN the API calls an invalid parameter costs only that ARN
//! its tags (the chunk is asked again ARN by ARN), access denied leaves the chunk unenriched with
//! the reason, and throttling fails the call so the records are retried.

use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use normalizer::{AwsDescriber, DescribeResources};
use ore_lambda::sdk_config::{load_sdk_config_at, SdkSettings};
use ore_lambda::RecordError;
use ore_model::resource::Lookup;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-west-1";

/// What the endpoint answers a `GetResources` naming these ARNs: status, `__type`, or tags.
type Answer = fn(&[String]) -> (u16, String);

/// A local Tagging API answering `answer`; returns its URL and the ARNs of each request.
fn tagging_endpoint(answer: Answer) -> (String, Arc<Mutex<Vec<Vec<String>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(60) {
            let Ok(mut stream) = stream else { continue };
            let body = test_support::read_http_request_body(&mut stream);
            let request: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let arns: Vec<String> = request["ResourceARNList"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|arn| arn.as_str().map(str::to_owned))
                .collect();
            seen.lock().expect("lock").push(arns.clone());
            let (status, json) = answer(&arns);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} Stub\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
                json.len()
            );
        }
    });
    (url, requests)
}

fn refused(status: u16, code: &str) -> (u16, String) {
    (
        status,
        format!(r#"{{"__type":"{code}","Message":"stub {code}"}}"#),
    )
}

fn tagged(arns: &[String]) -> (u16, String) {
    let mappings: Vec<serde_json::Value> = arns
        .iter()
        .map(|arn| serde_json::json!({"ResourceARN": arn, "Tags": [{"Key": "team", "Value": "ops"}]}))
        .collect();
    (
        200,
        serde_json::json!({ "ResourceTagMappingList": mappings }).to_string(),
    )
}

async fn describer_at(url: &str) -> AwsDescriber {
    let config = load_sdk_config_at(&SdkSettings::default(), url).await;
    let config = config
        .into_builder()
        .region(aws_sdk_ec2::config::Region::new(REGION))
        .credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(
            aws_credential_types::Credentials::new("testing", "testing", None, None, "test"),
        ))
        .build();
    AwsDescriber::new(&config)
}

fn arn(name: &str) -> String {
    format!("arn:aws:rds:{REGION}:{ACCOUNT}:db:{name}")
}

#[tokio::test]
async fn an_arn_the_api_refuses_costs_only_that_arn_its_tags() {
    let (url, requests) = tagging_endpoint(|arns| {
        if arns.iter().any(|arn| arn.ends_with(":db:refused")) {
            refused(400, "InvalidParameterException")
        } else {
            tagged(arns)
        }
    });
    let describer = describer_at(&url).await;
    let (good, other, bad) = (arn("orders"), arn("billing"), arn("refused"));
    let answers = describer
        .read_tags(ACCOUNT, REGION, &[&good, &other, &bad])
        .await
        .expect("a refusal is an answer");
    for kept in [&good, &other] {
        assert!(
            matches!(&answers[kept], Ok(Lookup::Tagged(tags)) if tags["team"] == "ops"),
            "{answers:?}"
        );
    }
    assert!(
        matches!(&answers[&bad], Ok(Lookup::Unavailable(reason)) if reason.contains("InvalidParameterException")),
        "{answers:?}"
    );
    assert_eq!(
        requests.lock().unwrap().len(),
        1 + 3,
        "the chunk, then each ARN on its own"
    );
}

#[tokio::test]
async fn access_denied_leaves_the_chunk_unenriched_and_throttling_fails_it() {
    let (url, requests) = tagging_endpoint(|_| refused(400, "AccessDeniedException"));
    let describer = describer_at(&url).await;
    let (one, two) = (arn("orders"), arn("billing"));
    let answers = describer
        .read_tags(ACCOUNT, REGION, &[&one, &two])
        .await
        .unwrap();
    assert!(answers
        .values()
        .all(|a| matches!(a, Ok(Lookup::Unavailable(reason)) if reason.contains("AccessDenied"))));
    assert_eq!(requests.lock().unwrap().len(), 1, "not asked ARN by ARN");

    let (url, _) = tagging_endpoint(|_| refused(400, "ThrottledException"));
    let error = describer_at(&url)
        .await
        .read_tags(ACCOUNT, REGION, &[&one])
        .await
        .unwrap_err();
    assert!(matches!(error, RecordError::Throttled(_)), "{error:?}");
}
