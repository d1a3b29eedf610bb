//! Replacement templates from S3 (the emulator's), read as the emailer reads them at init: a good
//! one is used, one that does not parse or does not render the sample messages is refused by
//! name and the compiled-in one is used, a missing one is simply not replaced, and an unreadable
//! bucket leaves every compiled-in template in place. And the emailer binary itself refuses to
//! start on a routing table with an address outside the allowed domains.

use emailer::templates::{self, S3Templates};
use ore_model::standard::StandardMessage;
use ore_model::Payload;
use test_support::{emulator_config, load_json, s3_bucket_with, unique_name};

fn stopped() -> StandardMessage {
    StandardMessage::from_payload(load_json("events/standard/message-stopped.json")).unwrap()
}

#[tokio::test]
async fn good_replacements_are_used_and_broken_ones_fall_back_to_the_compiled_in() {
    let config = emulator_config().await;
    let bucket = unique_name("ore-templates");
    s3_bucket_with(
        &bucket,
        &[
            (
                "mail/email.txt",
                b"{% import \"words.txt\" as words %}\nACME operations\n{{ name }} {{ words.verb(late) }} {{ state }} ({{ account }})\n",
            ),
            // Does not parse.
            ("mail/email.html", b"<p>{% if %}</p>"),
            // Parses, but fails on the sample messages (no such function).
            ("mail/notice.txt", b"{{ shout(subject) }}"),
            // Not a template the emailer has.
            ("mail/footer.txt", b"ignored"),
        ],
    );
    let source = S3Templates::new(&config, bucket, "mail/".into());
    let (renderer, refused, applied) = templates::load(&source).await.unwrap();
    assert_eq!(applied, ["email.txt"]);
    let refused: Vec<(&str, &str)> = refused
        .iter()
        .map(|r| (r.template.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused[0].0 == "email.html" && refused[0].1.contains("does not parse"),
        "{refused:?}"
    );
    assert!(
        refused[1].0 == "notice.txt" && refused[1].1.contains("rendering a notice"),
        "{refused:?}"
    );

    let message = stopped();
    let email = renderer.render(&message, message.time).unwrap();
    assert_eq!(
        email.text,
        "ACME operations\nweb-01 is now stopped (123456789012)"
    );
    assert!(
        email.html.contains("Open in the EC2 console"),
        "the compiled-in HTML"
    );
}

#[tokio::test]
async fn an_oversized_template_is_refused_from_its_size_before_its_body_is_read() {
    let config = emulator_config().await;
    let bucket = unique_name("ore-templates");
    let oversized = vec![b'x'; templates::MAX_TEMPLATE_BYTES + 1];
    s3_bucket_with(&bucket, &[("mail/email.txt", &oversized)]);
    let source = S3Templates::new(&config, bucket, "mail/".into());
    let (_, refused, applied) = templates::load(&source).await.unwrap();
    assert!(applied.is_empty());
    let [refusal] = refused.as_slice() else {
        panic!("one refusal: {refused:?}");
    };
    // The S3 source's refusal ("unreadable: ..."), not the loader's check of bytes it was given.
    assert_eq!(refusal.template, "email.txt");
    assert!(
        refusal.reason.starts_with("unreadable")
            && refusal.reason.contains(&format!(
                "{} bytes, more than {}",
                templates::MAX_TEMPLATE_BYTES + 1,
                templates::MAX_TEMPLATE_BYTES
            )),
        "{refusal:?}"
    );
}

#[tokio::test]
async fn an_unreadable_bucket_keeps_every_compiled_in_template() {
    let config = emulator_config().await;
    let source = S3Templates::new(&config, unique_name("no-such-bucket"), "mail/".into());
    let (renderer, refused, applied) = templates::load(&source).await.unwrap();
    assert!(applied.is_empty());
    assert_eq!(
        refused.len(),
        emailer::render::TEMPLATES.len(),
        "{refused:?}"
    );
    assert!(
        refused.iter().all(|r| r.reason.starts_with("unreadable")),
        "{refused:?}"
    );
    let message = stopped();
    let email = renderer.render(&message, message.time).unwrap();
    assert!(email.text.contains("STOPPED"));
}

#[test]
fn the_emailer_refuses_to_start_with_an_address_outside_the_allowed_domains() {
    let run = |routes: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_emailer"))
            .env_clear()
            .env("EMAIL_FROM", "ore@example.com")
            .env("EMAIL_TO", "ops@example.com")
            .env("EMAIL_ALLOWED_DOMAINS", "example.com")
            .env("EMAIL_ROUTES", routes)
            .env("MAIL_LEDGER_TABLE", "ledger")
            .env("AWS_REGION", "eu-west-1")
            .output()
            .expect("the emailer binary runs")
    };
    let refused = run("payments=pay@example.com,attacker@evil.example");
    let output = String::from_utf8_lossy(&refused.stderr).to_string()
        + &String::from_utf8_lossy(&refused.stdout);
    assert!(!refused.status.success());
    assert!(
        output.contains("EMAIL_ROUTES") && output.contains("attacker@evil.example"),
        "{output}"
    );
    // The same configuration with an allowed address gets past init, and stops only where the
    // Lambda runtime wants the environment Lambda would have set.
    let accepted = run("payments=pay@example.com");
    let output = String::from_utf8_lossy(&accepted.stderr).to_string()
        + &String::from_utf8_lossy(&accepted.stdout);
    assert!(!output.contains("EMAIL_ROUTES"), "{output}");
    assert!(output.contains("AWS_LAMBDA_"), "{output}");
}
