//! Enrichment across accounts through the real SDK clients: instances launched in two member
//! accounts and two regions of the emulator (moto's multi-account support: credentials from
//! STS `AssumeRole` act in the role's account) are described with their own tags through the
//! assumed role, with one STS call per account however many records and lookups follow; and an
//! account that refuses the role (a local endpoint answering STS's `AccessDenied`, which the
//! emulator never does) gives `unavailable` with the reason, and is not asked again at once.

use std::io::Write;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use aws_sdk_ec2::types::{InstanceType, ResourceType, Tag, TagSpecification};
use normalizer::enrich::DescribeResources;
use normalizer::AwsDescriber;
use ore_lambda::sdk_config::{load_sdk_config_at, SdkSettings};
use ore_model::resource::Lookup;
use test_support::{emulator_config, SdkConfig};

/// One instance through the batch port, as a record alone in its batch asks.
async fn describe(
    describer: &AwsDescriber,
    account: &str,
    region: &str,
    instance_id: &str,
) -> Result<Lookup, ore_lambda::RecordError> {
    let mut answers = describer
        .describe_instances(account, region, &[instance_id])
        .await?;
    answers
        .remove(instance_id)
        .expect("every id asked is answered")
}

const HOME: &str = "123456789012";
const ROLE: &str = "ore-enrichment";

/// An EC2 client acting in `account` (credentials from assuming a role there) in `region`.
async fn ec2_in(config: &SdkConfig, account: &str, region: &str) -> aws_sdk_ec2::Client {
    let sts = aws_sdk_sts::Client::new(config);
    let assumed = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/test-admin"))
        .role_session_name("test")
        .send()
        .await
        .expect("assume a role in the member account");
    let credentials = assumed.credentials.expect("credentials");
    let provider = aws_credential_types::Credentials::new(
        credentials.access_key_id,
        credentials.secret_access_key,
        Some(credentials.session_token),
        None,
        "test",
    );
    aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(config)
            .credentials_provider(provider)
            .region(aws_sdk_ec2::config::Region::new(region.to_owned()))
            .build(),
    )
}

async fn launch(ec2: &aws_sdk_ec2::Client, name: &str, team: &str) -> String {
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::Instance)
        .tags(Tag::builder().key("Name").value(name).build())
        .tags(Tag::builder().key("team").value(team).build())
        .build();
    let reply = ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .tag_specifications(tags)
        .send()
        .await
        .expect("run an instance");
    reply.instances()[0]
        .instance_id()
        .expect("instance id")
        .to_owned()
}

fn name_of(lookup: &Lookup) -> Option<String> {
    lookup.found().and_then(|i| i.name.clone())
}

#[tokio::test]
async fn member_instances_are_described_through_the_role_with_one_sts_call_per_account() {
    let config = emulator_config().await;
    let members = [
        ("111111111111", "eu-west-1", "pay-api", "payments"),
        ("222222222222", "us-east-1", "etl-1", "data"),
    ];
    let mut launched = Vec::new();
    for (account, region, name, team) in members {
        let ec2 = ec2_in(&config, account, region).await;
        launched.push((account, region, launch(&ec2, name, team).await, name));
    }
    let home_ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(&config)
            .region(aws_sdk_ec2::config::Region::new("eu-west-1"))
            .build(),
    );
    let home_instance = launch(&home_ec2, "home-web", "ops").await;

    let describer = AwsDescriber::across_accounts(&config, HOME, ROLE);
    for round in 0..3 {
        for (account, region, instance, name) in &launched {
            let lookup = describe(&describer, account, region, instance)
                .await
                .unwrap();
            assert_eq!(name_of(&lookup).as_deref(), Some(*name), "round {round}");
            let tags = &lookup.found().unwrap().tags;
            assert!(tags.contains_key("team"), "its own tags: {tags:?}");
        }
        // An instance of one account is not visible through another account's role.
        let (account, region, _, _) = launched[0];
        let elsewhere = describe(&describer, account, region, &launched[1].2)
            .await
            .unwrap();
        assert_eq!(elsewhere, Lookup::NotFound);
    }
    let home = describe(&describer, HOME, "eu-west-1", &home_instance)
        .await
        .unwrap();
    assert_eq!(name_of(&home).as_deref(), Some("home-web"));
    assert_eq!(
        describer.assume_role_calls(),
        2,
        "one AssumeRole per member account, none for the home account"
    );
}

/// A local endpoint answering every request as STS answers an `AssumeRole` the role's trust
/// policy does not allow (or a role that does not exist): 403 `AccessDenied`.
fn refusing_sts() -> (String, Arc<AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let hits = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&hits);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(mut stream) = stream else { continue };
            counted.fetch_add(1, Ordering::SeqCst);
            // Read the head and the form body (Content-Length) before answering.
            test_support::read_http_request_body(&mut stream);
            let body = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
                <Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::123456789012:\
                assumed-role/ore-normalizer/ore-normalizer is not authorized to perform: \
                sts:AssumeRole on resource: arn:aws:iam::444455556666:role/ore-enrichment</Message>\
                </Error><RequestId>stub-request</RequestId></ErrorResponse>";
            let _ = write!(
                stream,
                "HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, hits)
}

#[tokio::test]
async fn an_account_refusing_the_role_is_unavailable_with_the_reason_and_not_asked_again_at_once() {
    let (url, hits) = refusing_sts();
    let config = load_sdk_config_at(&SdkSettings::default(), &url).await;
    let config = config
        .into_builder()
        .region(aws_sdk_sts::config::Region::new("eu-west-1"))
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
            aws_credential_types::Credentials::new("testing", "testing", None, None, "test"),
        ))
        .build();
    let describer = AwsDescriber::across_accounts(&config, HOME, ROLE);
    for instance in [
        "i-0aaaaaaaaaaaaaaa1",
        "i-0aaaaaaaaaaaaaaa2",
        "i-0aaaaaaaaaaaaaaa3",
    ] {
        let lookup = describe(&describer, "444455556666", "eu-west-1", instance)
            .await
            .expect("a refusal is an answer, not a failure");
        let Lookup::Unavailable(reason) = lookup else {
            panic!("unavailable expected, got {lookup:?}");
        };
        assert!(
            reason.starts_with(
                "cannot assume arn:aws:iam::444455556666:role/ore-enrichment: AccessDenied"
            ),
            "{reason}"
        );
    }
    // The Tagging API is asked through the same role: refused alike, from memory.
    let arn = "arn:aws:rds:eu-west-1:444455556666:db:orders";
    let tags = describer
        .read_tags("444455556666", "eu-west-1", &[arn])
        .await
        .expect("a refusal is an answer, not a failure");
    assert!(
        matches!(&tags[arn], Ok(Lookup::Unavailable(reason)) if reason.contains("AccessDenied")),
        "{tags:?}"
    );
    assert_eq!(
        describer.assume_role_calls(),
        1,
        "the refusal is remembered"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1, "one request reached STS");
}

#[tokio::test]
async fn member_resources_tags_are_read_through_the_role_and_only_there() {
    let config = emulator_config().await;
    let (member, region) = ("333333333333", "eu-west-1");
    let ec2 = ec2_in(&config, member, region).await;
    let volume = ec2
        .create_volume()
        .availability_zone("eu-west-1a")
        .size(8)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Volume)
                .tags(Tag::builder().key("team").value("storage").build())
                .build(),
        )
        .send()
        .await
        .expect("create a volume in the member account");
    let arn = format!(
        "arn:aws:ec2:{region}:{member}:volume/{}",
        volume.volume_id().expect("a volume id")
    );
    let describer = AwsDescriber::across_accounts(&config, HOME, ROLE);
    let tags = describer
        .read_tags(member, region, &[&arn])
        .await
        .expect("the member's Tagging API answers");
    let Ok(Lookup::Tagged(found)) = &tags[&arn] else {
        panic!("tags expected: {tags:?}");
    };
    assert_eq!(found.get("team").map(String::as_str), Some("storage"));
    assert_eq!(describer.assume_role_calls(), 1);
    // The home account's credentials do not see the member's volume.
    let home = describer.read_tags(HOME, region, &[&arn]).await.unwrap();
    assert_eq!(
        home[&arn].as_ref().ok(),
        Some(&Lookup::Tagged(Default::default()))
    );
}

#[tokio::test]
async fn with_no_role_another_accounts_resources_are_unavailable_and_nothing_is_asked() {
    let config = emulator_config().await;
    let (member, region) = ("333333333333", "eu-west-1");
    let describer = AwsDescriber::in_account(&config, HOME);
    let arn = format!("arn:aws:ec2:{region}:{member}:volume/vol-0123456789abcdef0");
    let tags = describer.read_tags(member, region, &[&arn]).await.unwrap();
    let instances = describer
        .describe_instances(member, region, &["i-0123456789abcdef0"])
        .await
        .unwrap();
    for answer in [&tags[&arn], &instances["i-0123456789abcdef0"]] {
        assert!(
            matches!(answer, Ok(Lookup::Unavailable(reason))
                if reason.contains("333333333333") && reason.contains("EnrichmentRoleName")),
            "{answer:?}"
        );
    }
    assert_eq!(
        (
            describer.get_resources_calls(),
            describer.describe_instances_calls(),
            describer.assume_role_calls()
        ),
        (0, 0, 0)
    );
    // Its own account's are asked as before.
    let own = format!("arn:aws:ec2:{region}:{HOME}:volume/vol-0123456789abcdef0");
    let tags = describer.read_tags(HOME, region, &[&own]).await.unwrap();
    assert_eq!(
        tags[&own].as_ref().ok(),
        Some(&Lookup::Tagged(Default::default()))
    );
    assert_eq!(describer.get_resources_calls(), 1);
}
