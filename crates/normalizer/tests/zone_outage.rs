//! A batch's instances asked together, when EC2 cannot answer for all of them: the real SDK
//! client against a local endpoint playing EC2 (the emulator never fails this way). The API
//! reference says a `DescribeInstances` naming an instance in an Availability Zone under a
//! service disruption fails, while one naming only instances of healthy zones works: the batch's
//! call fails, each instance is asked on its own, and only the affected one fails. Throttling
//! fails the call without asking more.

use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use normalizer::enrich::DescribeResources;
use normalizer::AwsDescriber;
use ore_lambda::sdk_config::{load_sdk_config_at, SdkSettings};
use ore_model::resource::Lookup;

const HEALTHY: [&str; 2] = ["i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2"];
const IN_THE_AFFECTED_ZONE: &str = "i-0bbbbbbbbbbbbbbb1";

/// What the endpoint answers a request naming these instance ids.
type Answer = fn(&[String]) -> (u16, String);

/// A local EC2 answering `answer` to each request; returns its URL and the ids of each request.
fn ec2_endpoint(answer: Answer) -> (String, Arc<Mutex<Vec<Vec<String>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(60) {
            let Ok(mut stream) = stream else { continue };
            let body = test_support::read_http_request_body(&mut stream);
            let ids: Vec<String> = body
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .filter(|(name, _)| name.starts_with("InstanceId."))
                .map(|(_, value)| value.to_owned())
                .collect();
            seen.lock().expect("lock").push(ids.clone());
            let (status, xml) = answer(&ids);
            let reason = if status == 200 { "OK" } else { "Error" };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
                xml.len()
            );
        }
    });
    (url, requests)
}

fn error(status: u16, code: &str) -> (u16, String) {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>\
         <Message>stub {code}</Message></Error></Errors><RequestID>stub-request</RequestID></Response>"
    );
    (status, xml)
}

fn described(ids: &[String]) -> (u16, String) {
    let items: String = ids
        .iter()
        .map(|id| {
            format!(
                "<item><instanceId>{id}</instanceId><tagSet><item><key>Name</key>\
                 <value>name-of-{id}</value></item></tagSet></item>"
            )
        })
        .collect();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
         <requestId>stub-request</requestId><reservationSet><item><reservationId>r-1</reservationId>\
         <ownerId>123456789012</ownerId><instancesSet>{items}</instancesSet></item></reservationSet>\
         </DescribeInstancesResponse>"
    );
    (200, xml)
}

async fn describer_at(url: &str) -> AwsDescriber {
    let config = load_sdk_config_at(&SdkSettings::default(), url).await;
    let config = config
        .into_builder()
        .region(aws_sdk_ec2::config::Region::new("eu-west-1"))
        .credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(
            aws_credential_types::Credentials::new("testing", "testing", None, None, "test"),
        ))
        .build();
    AwsDescriber::new(&config)
}

#[tokio::test]
async fn a_zone_outage_fails_only_the_instances_in_that_zone() {
    let (url, requests) = ec2_endpoint(|ids| {
        if ids.iter().any(|id| id == IN_THE_AFFECTED_ZONE) {
            error(503, "Unavailable")
        } else {
            described(ids)
        }
    });
    let describer = describer_at(&url).await;
    let ids = [HEALTHY[0], IN_THE_AFFECTED_ZONE, HEALTHY[1]];
    let answers = describer
        .describe_instances("123456789012", "eu-west-1", &ids)
        .await
        .expect("the call's failure is the affected instance's alone");
    for id in HEALTHY {
        let Ok(Lookup::Found(instance)) = &answers[id] else {
            panic!("{id}: {:?}", answers[id]);
        };
        assert_eq!(
            instance.name.as_deref(),
            Some(format!("name-of-{id}").as_str())
        );
    }
    let Err(failure) = &answers[IN_THE_AFFECTED_ZONE] else {
        panic!(
            "the affected instance was answered: {:?}",
            answers[IN_THE_AFFECTED_ZONE]
        );
    };
    assert_eq!(failure.kind(), "transient");
    let requests = requests.lock().expect("lock");
    assert!(requests[0].len() == 3, "asked together first: {requests:?}");
    for id in HEALTHY {
        assert!(
            requests.iter().any(|r| r == &[id.to_owned()]),
            "{id} asked on its own: {requests:?}"
        );
    }
}

#[tokio::test]
async fn throttling_fails_the_batch_without_asking_each_instance() {
    let (url, requests) = ec2_endpoint(|_| error(503, "RequestLimitExceeded"));
    let describer = describer_at(&url).await;
    let ids = [HEALTHY[0], HEALTHY[1], IN_THE_AFFECTED_ZONE];
    let failure = describer
        .describe_instances("123456789012", "eu-west-1", &ids)
        .await
        .expect_err("throttled");
    assert_eq!(failure.kind(), "throttled");
    let requests = requests.lock().expect("lock");
    assert!(
        requests.iter().all(|r| r.len() == 3),
        "only the batch's call (and the SDK's retries of it): {requests:?}"
    );
}

#[tokio::test]
async fn a_refusal_fails_the_batch_without_asking_each_instance() {
    let (url, requests) = ec2_endpoint(|_| error(403, "UnauthorizedOperation"));
    let describer = describer_at(&url).await;
    let ids = [HEALTHY[0], HEALTHY[1], IN_THE_AFFECTED_ZONE];
    let failure = describer
        .describe_instances("123456789012", "eu-west-1", &ids)
        .await
        .expect_err("refused");
    assert_eq!(failure.kind(), "rejected");
    let requests = requests.lock().expect("lock");
    assert_eq!(
        requests.as_slice(),
        [ids.map(str::to_owned).to_vec()],
        "one call: a refusal is the role's, not a zone's"
    );
}
