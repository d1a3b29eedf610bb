//! An Auto Scaling group's tags, from Auto Scaling's `DescribeTags` (the Tagging API's
//! `GetResources` returns none for Auto Scaling groups): from the emulator (moto server over
//! HTTP, through the real SDK client), groups created with tags, asked in one call beside one
//! `GetResources` for the batch's other resources; and from a local endpoint answering as the
//! API reference documents, a refusal (unenriched, with the reason) and throttling (retried).

use std::io::Write;
use std::net::TcpListener;

use normalizer::{AwsDescriber, DescribeResources};
use ore_lambda::sdk_config::{load_sdk_config_at, SdkSettings};
use ore_lambda::RecordError;
use ore_model::resource::Lookup;
use test_support::{emulator_config, SdkConfig};

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

fn autoscaling(config: &SdkConfig) -> aws_sdk_autoscaling::Client {
    aws_sdk_autoscaling::Client::from_conf(
        aws_sdk_autoscaling::config::Builder::from(config)
            .region(aws_sdk_autoscaling::config::Region::new(REGION))
            .build(),
    )
}

/// A group in the emulator with `tags`, by its ARN.
async fn group(client: &aws_sdk_autoscaling::Client, name: &str, tags: &[(&str, &str)]) -> String {
    use aws_sdk_autoscaling::types::Tag;
    let configuration = format!("{name}-lc");
    client
        .create_launch_configuration()
        .launch_configuration_name(&configuration)
        .image_id("ami-12c6146b")
        .instance_type("t3.micro")
        .send()
        .await
        .expect("a launch configuration in the emulator");
    client
        .create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .launch_configuration_name(&configuration)
        .min_size(0)
        .max_size(0)
        .availability_zones(format!("{REGION}a"))
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| {
                    Tag::builder()
                        .key(*k)
                        .value(*v)
                        .resource_id(name)
                        .resource_type("auto-scaling-group")
                        .propagate_at_launch(true)
                        .build()
                })
                .collect(),
        ))
        .send()
        .await
        .expect("a group in the emulator");
    client
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .expect("the group")
        .auto_scaling_groups()[0]
        .auto_scaling_group_arn()
        .expect("its ARN")
        .to_owned()
}

fn tags_of(lookup: &Result<Lookup, RecordError>) -> Vec<(&str, &str)> {
    match lookup {
        Ok(Lookup::Tagged(tags)) => tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        other => panic!("expected tags, got {other:?}"),
    }
}

#[tokio::test]
async fn a_batchs_groups_are_asked_in_one_describe_tags_beside_one_get_resources() {
    let config = emulator_config().await;
    let client = autoscaling(&config);
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let web = group(
        &client,
        &format!("orders-web-{suffix}"),
        &[("Name", "orders-web"), ("team", "payments")],
    )
    .await;
    let batch = group(&client, &format!("batch-{suffix}"), &[("team", "data")]).await;
    let unknown = format!(
        "arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:\
         00000000-0000-0000-0000-000000000000:autoScalingGroupName/gone-{suffix}"
    );
    let table = format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/none-{suffix}");
    let describer = AwsDescriber::new(&config);
    let answers = describer
        .read_tags(ACCOUNT, REGION, &[&web, &batch, &unknown, &table])
        .await
        .expect("Auto Scaling and the Tagging API answer");
    assert_eq!(
        (
            describer.describe_tags_calls(),
            describer.get_resources_calls()
        ),
        (1, 1),
        "the groups in one DescribeTags, the table in one GetResources"
    );
    assert_eq!(
        tags_of(&answers[&web]),
        [("Name", "orders-web"), ("team", "payments")]
    );
    assert_eq!(tags_of(&answers[&batch]), [("team", "data")]);
    assert!(
        tags_of(&answers[&unknown]).is_empty(),
        "a group it does not know has none"
    );
    assert!(tags_of(&answers[&table]).is_empty());
}

/// A local Auto Scaling endpoint answering every request with `status` and `body` (the query
/// protocol's XML).
fn autoscaling_endpoint(status: u16, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(mut stream) = stream else { continue };
            let _ = test_support::read_http_request_body(&mut stream);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} Stub\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

async fn describer_at(url: &str) -> AwsDescriber {
    let config = load_sdk_config_at(&SdkSettings::default(), url).await;
    let config = config
        .into_builder()
        .region(aws_sdk_autoscaling::config::Region::new(REGION))
        .credentials_provider(aws_sdk_autoscaling::config::SharedCredentialsProvider::new(
            aws_credential_types::Credentials::new("testing", "testing", None, None, "test"),
        ))
        .build();
    AwsDescriber::new(&config)
}

const ACCESS_DENIED: &str = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
<Message>User is not authorized to perform: autoscaling:DescribeTags</Message></Error>\
<RequestId>stub</RequestId></ErrorResponse>";
const THROTTLED: &str = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>\
<Message>Rate exceeded</Message></Error><RequestId>stub</RequestId></ErrorResponse>";

#[tokio::test]
async fn a_refused_describe_tags_leaves_the_groups_unenriched_and_throttling_fails_them() {
    let arn = format!(
        "arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:\
         8f6f2a4c-1b2d-4e3f-9a8b-7c6d5e4f3a2b:autoScalingGroupName/orders-web"
    );
    let refused = describer_at(&autoscaling_endpoint(403, ACCESS_DENIED)).await;
    let answers = refused
        .read_tags(ACCOUNT, REGION, &[&arn])
        .await
        .expect("a refusal is an answer");
    assert!(
        matches!(&answers[&arn], Ok(Lookup::Unavailable(reason))
            if reason.starts_with("autoscaling:DescribeTags refused: AccessDenied")),
        "{answers:?}"
    );
    let throttled = describer_at(&autoscaling_endpoint(400, THROTTLED)).await;
    let error = throttled
        .read_tags(ACCOUNT, REGION, &[&arn])
        .await
        .unwrap_err();
    assert!(matches!(error, RecordError::Throttled(_)), "{error:?}");
}
