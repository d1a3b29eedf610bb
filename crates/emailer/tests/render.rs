//! Rendering: the subject, golden text and HTML bodies, and escaping of hostile tag values.

use chrono::{DateTime, Duration, Utc};
use emailer::Renderer;
use ore_model::resource::EnrichmentStatus;
use ore_model::standard::StandardMessage;
use ore_model::Payload;
use test_support::{load_json, repo_root};

fn sample(state: &str) -> StandardMessage {
    StandardMessage::from_payload(load_json(&format!("events/standard/message-{state}.json")))
        .unwrap()
}

/// The sample's event time plus 3½ minutes: "3 minutes ago" in the goldens.
fn built_at(message: &StandardMessage) -> DateTime<Utc> {
    message.time + Duration::seconds(210)
}

fn golden(name: &str, actual: &str) {
    test_support::assert_golden(&format!("crates/emailer/tests/golden/{name}"), actual);
}

#[test]
fn sample_email_matches_the_golden_files() {
    let message = sample("stopped");
    let email = Renderer::new()
        .unwrap()
        .render(&message, built_at(&message))
        .unwrap();
    assert_eq!(
        email.subject,
        "[123456789012 eu-west-1] web-01 (i-0abc1234def567890) is now stopped"
    );
    golden("email-stopped.txt", &email.text);
    golden("email-stopped.html", &email.html);
}

/// The pictures in docs/ (shown in docs/emailer.md and docs/contract.md) are PNGs of the window
/// `scripts/render-email-png.sh` renders, one per golden mail (a new kind's included), made from
/// the golden HTML as it is now (the script records that HTML's SHA-256 beside each picture).
#[test]
fn the_readme_pictures_are_rendered_from_the_current_golden_html() {
    use sha2::{Digest, Sha256};
    let names: Vec<String> = std::fs::read_dir(repo_root().join("crates/emailer/tests/golden"))
        .expect("the golden files")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".html").map(str::to_owned)
        })
        .collect();
    assert!(names.len() >= 13, "{names:?}");
    for name in &names {
        let png = std::fs::read(repo_root().join(format!("docs/{name}.png"))).expect("the PNG");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}: a PNG file");
        assert_eq!(&png[12..16], b"IHDR");
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!(
            (width, height),
            (720, 900),
            "{name}: the script's window size"
        );
        let html =
            std::fs::read(repo_root().join(format!("crates/emailer/tests/golden/{name}.html")))
                .expect("golden HTML");
        let rendered_from =
            std::fs::read_to_string(repo_root().join(format!("docs/{name}.png.sha256")))
                .expect("the PNG's .sha256 (scripts/render-email-png.sh writes it)");
        let digest: String = Sha256::digest(&html)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(
            rendered_from.trim(),
            digest,
            "{name}: the golden HTML changed since the picture was made: run scripts/render-email-png.sh"
        );
    }
}

#[test]
fn body_says_what_changed_when_and_where() {
    let message = sample("running");
    let email = Renderer::new()
        .unwrap()
        .render(&message, built_at(&message))
        .unwrap();
    for part in [&email.text, &email.html] {
        assert!(part.contains("web-01"));
        assert!(part.contains("i-0abc1234def567890"));
        assert!(part.contains("2026-11-26 09:11:07 UTC"));
        assert!(part.contains("3 minutes ago"));
        assert!(part.contains("t3.micro"));
        assert!(part.contains("payments"));
    }
    assert!(email.text.contains("is now RUNNING"));
    let console = "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#InstanceDetails:instanceId=i-0abc1234def567890";
    assert!(email.text.contains(console));
    assert!(
        email.html.contains("href=\"https:"),
        "a console link in the HTML"
    );
}

#[test]
fn states_look_different() {
    let renderer = Renderer::new().unwrap();
    let colour = |state: &str| {
        let message = sample(state);
        let html = renderer.render(&message, built_at(&message)).unwrap().html;
        let badge = "border-radius:12px;background-color:";
        let at = html.find(badge).expect("the state badge") + badge.len();
        html[at..at + 7].to_owned()
    };
    let running = colour("running");
    assert_ne!(running, colour("stopped"));
    assert_ne!(running, colour("terminated"));
    assert_ne!(colour("stopped"), colour("terminated"));
}

#[test]
fn hostile_tag_values_and_names_are_escaped_in_html() {
    let mut message = sample("stopped");
    let script = "<script>alert(1)</script>";
    let img = "\"><img src=x onerror=alert(1)>";
    message.data.resource.instance.get_or_insert_default().name = Some(img.to_owned());
    let instance = message.data.resource.instance.get_or_insert_default();
    instance.tags.insert("owner".into(), script.into());
    instance.tags.insert(script.into(), img.into());
    let email = Renderer::new()
        .unwrap()
        .render(&message, built_at(&message))
        .unwrap();
    assert!(!email.html.contains("<script"), "raw script tag in HTML");
    assert!(!email.html.contains("<img"), "raw img tag in HTML");
    assert!(!email.html.contains(img), "attribute break-out in HTML");
    assert!(email.html.contains("&lt;script&gt;"));
    assert!(email.html.contains("&quot;&gt;&lt;img"));
    // The text part is plain text: values appear as they are, which is safe there.
    assert!(email.text.contains(script));
    assert!(!email.subject.contains('\n'));
}

fn subject(message: &StandardMessage) -> String {
    Renderer::new()
        .unwrap()
        .render(message, message.time)
        .unwrap()
        .subject
}

#[test]
fn subject_cannot_be_broken_by_a_name() {
    let mut message = sample("stopped");
    message.data.resource.instance.get_or_insert_default().name =
        Some("web\r\nBcc: victim@example.com".into());
    assert_eq!(
        subject(&message),
        "[123456789012 eu-west-1] web  Bcc: victim@example.com (i-0abc1234def567890) is now stopped"
    );
    message.data.resource.instance.get_or_insert_default().name = Some("x".repeat(300));
    let long = subject(&message);
    assert!(long.chars().count() < 140, "{long}");
    assert!(long.contains('…'));
    message.data.resource.instance.get_or_insert_default().name = None;
    assert_eq!(
        subject(&message),
        "[123456789012 eu-west-1] i-0abc1234def567890 is now stopped"
    );
}

#[test]
fn not_enriched_message_says_so() {
    let mut message = sample("terminated");
    message.data.resource.enrichment = EnrichmentStatus::NotFound;
    message.data.resource.instance = Some(Default::default());
    let email = Renderer::new()
        .unwrap()
        .render(&message, built_at(&message))
        .unwrap();
    // One sentence (`words.gone`), in both parts, unwrapped and unescaped: it is ORE's own text.
    let sentence =
        "EC2 no longer knows this instance (it was terminated more than about an hour ago, \
                    or never existed), so only the event's own facts are shown.";
    assert!(email.text.contains(sentence));
    assert!(email.html.contains(sentence), "{}", email.html);
    assert!(!email.text.contains("Instance details"));
    assert_eq!(
        email.subject,
        "[123456789012 eu-west-1] i-0abc1234def567890 is now terminated"
    );
}

#[test]
fn a_message_whose_account_could_not_be_asked_says_why() {
    let mut message = sample("terminated");
    message.data.resource.enrichment = EnrichmentStatus::Unavailable;
    message.data.resource.enrichment_reason = Some(
        "cannot assume arn:aws:iam::444455556666:role/ore-enrichment: AccessDenied: <denied>"
            .into(),
    );
    message.data.resource.instance = Some(Default::default());
    let email = Renderer::new()
        .unwrap()
        .render(&message, built_at(&message))
        .unwrap();
    for body in [&email.text, &email.html] {
        assert!(body.contains("ORE could not ask EC2 about this instance in its account"));
        // (HTML escapes the `/` too.)
        assert!(body.contains("cannot assume arn:aws:iam::444455556666:role"));
        assert!(!body.contains("EC2 no longer knows this instance"));
    }
    assert!(
        email.html.contains("&lt;denied&gt;"),
        "AWS's words are escaped too"
    );
}

/// A late change of a flapping instance: the subject says it is history and names the current
/// state; both bodies call out "late" and "flapping" plainly.
#[test]
fn a_late_flapping_change_says_so_plainly() {
    let mut message = sample("stopped");
    let timing = message.data.timing.as_mut().unwrap();
    timing.late = true;
    timing.current_state = Some(ore_model::ec2::InstanceState::Running);
    timing.flapping = Some(ore_model::timing::Flapping {
        transitions: 7,
        window_seconds: 1800,
    });
    let email = Renderer::new()
        .unwrap()
        .render(&message, built_at(&message))
        .unwrap();
    assert_eq!(
        email.subject,
        "[123456789012 eu-west-1] web-01 (i-0abc1234def567890) was stopped (late event; now running) - flapping"
    );
    for body in [&email.text, &email.html] {
        assert!(body.contains("Was stopping for 1 min 7 s"), "{body}");
        assert!(body.contains("Late event"), "{body}");
        assert!(body.contains("The instance is now running."), "{body}");
        assert!(
            body.contains("Flapping: 7 state changes within 30 min."),
            "{body}"
        );
    }
    golden("email-late-flapping.txt", &email.text);
    golden("email-late-flapping.html", &email.html);
}

#[test]
fn the_previous_state_and_its_duration_are_shown() {
    let message = sample("stopped");
    let email = Renderer::new()
        .unwrap()
        .render(&message, built_at(&message))
        .unwrap();
    for body in [&email.text, &email.html] {
        assert!(
            body.contains("Was stopping for 1 min 7 s (since 2026-11-26 09:12:14 UTC)."),
            "{body}"
        );
        assert!(!body.contains("Late event") && !body.contains("Flapping"));
    }
}

#[test]
fn a_named_account_reads_as_its_name_and_id_escaped_in_html() {
    let mut message = sample("stopped");
    let account = message.data.resource.account.clone();
    message.data.resource.account_name = Some("payments <prod>".into());
    let email = Renderer::new()
        .unwrap()
        .render(&message, built_at(&message))
        .unwrap();
    assert!(
        email.text.contains(&format!("payments <prod> ({account})")),
        "{}",
        email.text
    );
    assert!(email
        .html
        .contains(&format!("payments &lt;prod&gt; ({account})")));
    assert!(!email.html.contains("<prod>"));
    assert!(
        email.subject.starts_with("[payments <prod> eu-west-1] "),
        "{}",
        email.subject
    );
}

/// The compiled-in `words.txt` with `from` replaced by `to`.
fn reworded(from: &str, to: &str) -> String {
    let (_, words) = emailer::render::TEMPLATES
        .iter()
        .find(|(name, _)| *name == "words.txt")
        .expect("words.txt is compiled in");
    assert!(words.contains(from), "{from}");
    words.replace(from, to)
}

#[test]
fn a_replacement_words_template_rewords_the_body_and_the_subject() {
    let words = reworded(
        "The instance is stopped; its EBS volumes remain.",
        "Parked.",
    )
    .replace("is now {{ c.state }}", "went {{ c.state }}");
    let (renderer, refused) = Renderer::with_overrides(vec![("words.txt".into(), words)]).unwrap();
    assert!(refused.is_empty(), "{refused:?}");
    let message = sample("stopped");
    let email = renderer.render(&message, built_at(&message)).unwrap();
    assert!(email.text.contains("\nParked.\n"), "{}", email.text);
    assert!(email.html.contains(">Parked.</p>"));
    assert!(!email.text.contains("EBS volumes remain"));
    assert_eq!(
        email.subject,
        "[123456789012 eu-west-1] web-01 (i-0abc1234def567890) went stopped"
    );
}

#[test]
fn a_replacement_words_template_missing_a_phrase_is_refused() {
    let words = reworded(
        "{% macro state_meaning(state) %}",
        "{% macro meaning(state) %}",
    );
    let (renderer, refused) = Renderer::with_overrides(vec![("words.txt".into(), words)]).unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].template, "words.txt");
    assert!(renderer.overridden().is_empty());
}

#[test]
fn a_subject_stays_on_one_line_whatever_the_words_template_writes() {
    let words = reworded(
        "{%- if c.flapping %} - flapping",
        "\r\nBcc: x@example.com{%- if c.flapping %} - flapping",
    );
    let (renderer, refused) = Renderer::with_overrides(vec![("words.txt".into(), words)]).unwrap();
    assert!(refused.is_empty(), "{refused:?}");
    let message = sample("stopped");
    let subject = renderer.render(&message, message.time).unwrap().subject;
    assert!(!subject.contains(['\r', '\n']), "{subject:?}");
    assert!(
        subject.ends_with("is now stopped  Bcc: x@example.com"),
        "{subject:?}"
    );
}

#[test]
fn a_replacement_naming_a_variable_the_views_lack_is_refused_not_rendered_blank() {
    // `verb` was a sentence of the view before the wording moved into words.txt.
    let (renderer, refused) = Renderer::with_overrides(vec![(
        "email.txt".into(),
        "{{ name }} {{ verb }} {{ state }}".into(),
    )])
    .unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].reason.contains("rendering a state change"),
        "{refused:?}"
    );
    assert!(renderer.overridden().is_empty());
}
