//! CSV output on the committed sample and on hostile, user-controlled tag values.

use ore_model::Payload;
use std::collections::BTreeMap;

use csv_formatter::csv_columns;
use csv_formatter::record::csv_record;
use ore_model::standard::StandardMessage;
use test_support::{load_json, repo_root};

fn sample() -> StandardMessage {
    StandardMessage::from_payload(load_json("events/standard/message-stopped.json")).unwrap()
}

fn parse(record: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(record.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("valid CSV")).collect();
    assert_eq!(rows.len(), 1, "exactly one record: {record:?}");
    rows[0].iter().map(str::to_owned).collect()
}

fn column(cells: &[String], name: &str) -> String {
    let index = csv_columns()
        .iter()
        .position(|c| c == name)
        .expect("known column");
    cells[index].clone()
}

#[test]
fn sample_record_matches_the_golden_file() {
    let record = csv_record(&sample()).unwrap();
    test_support::assert_golden(
        "crates/csv-formatter/tests/golden/message-stopped.csv",
        &record,
    );
}

#[test]
fn sample_record_round_trips_through_a_csv_reader() {
    let message = sample();
    let cells = parse(&csv_record(&message).unwrap());
    assert_eq!(cells.len(), csv_columns().len());
    assert_eq!(column(&cells, "schema_version"), "1");
    assert_eq!(column(&cells, "message_id"), message.id);
    assert_eq!(column(&cells, "event_time"), "2026-11-26T09:13:21Z");
    assert_eq!(column(&cells, "state"), "stopped");
    assert_eq!(column(&cells, "enrichment"), "enriched");
    assert_eq!(column(&cells, "name"), "web-01");
    assert_eq!(
        column(&cells, "public_ip"),
        "",
        "missing enrichment is an empty cell"
    );
    let tags: BTreeMap<String, String> = serde_json::from_str(&column(&cells, "tags")).unwrap();
    assert_eq!(&tags, message.data.resource.tags());
}

#[test]
fn not_enriched_message_has_empty_cells() {
    let mut message = sample();
    message.data.resource.enrichment = ore_model::resource::EnrichmentStatus::NotFound;
    message.data.resource.instance = Default::default();
    let cells = parse(&csv_record(&message).unwrap());
    assert_eq!(column(&cells, "enrichment"), "not_found");
    for name in [
        "name",
        "instance_type",
        "private_ip",
        "launch_time",
        "architecture",
    ] {
        assert_eq!(column(&cells, name), "", "{name}");
    }
    assert_eq!(column(&cells, "tags"), "{}");
}

#[test]
fn hostile_values_are_quoted_and_formula_guarded() {
    let hostile = [
        "=cmd|' /C calc'!A0",
        "+HYPERLINK(\"http://evil\")",
        "-1+1",
        "@SUM(1,2)",
        "\tleading tab",
        "\rleading CR",
        "comma, inside",
        "quote \" inside",
        "multi\nline\r\nvalue",
        "ünïcødé ✓ 雲",
    ];
    for value in hostile {
        let mut message = sample();
        let instance = message.data.resource.instance.get_or_insert_default();
        instance.name = Some(value.to_owned());
        instance.tags = BTreeMap::from([(value.to_owned(), value.to_owned())]);
        let record = csv_record(&message).unwrap();
        assert!(record.ends_with("\r\n"));
        let cells = parse(&record);
        assert_eq!(
            cells.len(),
            csv_columns().len(),
            "{value:?} broke the columns"
        );
        let name = column(&cells, "name");
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            assert_eq!(name, format!("'{value}"), "guarded");
        } else {
            assert_eq!(name, value, "kept verbatim");
        }
        let tags: BTreeMap<String, String> = serde_json::from_str(&column(&cells, "tags")).unwrap();
        assert_eq!(tags[value], value, "tags cell is JSON that parses back");
        for cell in &cells {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "unguarded cell {cell:?}"
            );
        }
    }
}

#[test]
fn timing_columns_carry_the_previous_state_late_and_flapping() {
    let message = sample();
    let cells = parse(&csv_record(&message).unwrap());
    assert_eq!(column(&cells, "previous_state"), "stopping");
    assert_eq!(
        column(&cells, "previous_state_since"),
        "2026-11-26T09:12:14Z"
    );
    assert_eq!(column(&cells, "previous_state_seconds"), "67");
    assert_eq!(column(&cells, "late"), "false");
    assert_eq!(column(&cells, "current_state"), "");
    assert_eq!(column(&cells, "flapping_transitions"), "");

    let mut late = sample();
    let timing = late.data.timing.as_mut().unwrap();
    timing.late = true;
    timing.current_state = Some(ore_model::ec2::InstanceState::Running);
    timing.flapping = Some(ore_model::timing::Flapping {
        transitions: 7,
        window_seconds: 1800,
    });
    let cells = parse(&csv_record(&late).unwrap());
    assert_eq!(column(&cells, "late"), "true");
    assert_eq!(column(&cells, "current_state"), "running");
    assert_eq!(column(&cells, "flapping_transitions"), "7");

    let mut untimed = sample();
    untimed.data.timing = None;
    let cells = parse(&csv_record(&untimed).unwrap());
    for name in &csv_columns()[22..28] {
        assert_eq!(column(&cells, name), "", "{name} is empty without timing");
    }
}

#[test]
fn version_one_columns_keep_their_positions() {
    // Appending keeps version 1 (docs/contract.md, "Versioning"): the first 22 columns never move.
    let committed = std::fs::read_to_string(repo_root().join("schemas/csv-record.v1.csv")).unwrap();
    let header: Vec<&str> = committed.trim_end().split(',').collect();
    assert_eq!(header, csv_columns());
    assert_eq!(header[0], "schema_version");
    assert_eq!(header[21], "tags");
}

#[test]
fn notice_records_match_their_golden_files() {
    use ore_model::notice::NoticeMessage;
    for name in test_support::notice_sample_names() {
        let message =
            NoticeMessage::from_payload(load_json(&format!("events/notices/{name}.json"))).unwrap();
        let record = csv_formatter::record::notice_record(&message).unwrap();
        test_support::assert_golden(
            &format!("crates/csv-formatter/tests/golden/notice-{name}.csv"),
            &record,
        );
        assert_eq!(parse(&record).len(), csv_columns().len());
    }
}

#[test]
fn the_account_name_is_the_last_column_and_formula_guarded() {
    let mut message = sample();
    let cells = parse(&csv_record(&message).unwrap());
    assert_eq!(column(&cells, "account_name"), "");
    message.data.resource.account_name = Some("+payments prod".into());
    let cells = parse(&csv_record(&message).unwrap());
    assert_eq!(cells.len(), csv_columns().len());
    assert_eq!(cells.last().unwrap(), "'+payments prod");
    assert_eq!(column(&cells, "account"), message.data.resource.account);
}

#[test]
fn the_readme_lists_every_column_in_order() {
    // docs/contract.md, "csv-formatter": a row `| N | `column` | meaning | example |` per column.
    let readme = std::fs::read_to_string(repo_root().join("docs/contract.md")).unwrap();
    let section = readme
        .split("\n## csv-formatter\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("docs/contract.md has a csv-formatter section");
    let listed: Vec<(usize, String)> = section
        .lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix("| ")?.split(" | ");
            let number = cells.next()?.parse().ok()?;
            let name = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
            Some((number, name.to_owned()))
        })
        .collect();
    let columns: Vec<(usize, String)> = (1..).zip(csv_columns()).collect();
    assert_eq!(listed, columns);
}

/// A timed notice (ORE 0.6) fills the timing columns in its kind's words; `state` stays empty,
/// so a consumer reading instance states by `state` sees no notice there.
#[test]
fn a_timed_notice_fills_the_timing_columns_in_its_words() {
    let mut payload = load_json("events/notices/rds-db-instance-event.json");
    payload["data"]["timing"] = serde_json::json!({
        "previous_state": "stopped", "previous_state_since": "2026-11-26T08:00:00Z",
        "previous_state_seconds": 9000, "late": true, "current_state": "=started",
        "flapping": {"transitions": 6, "window_seconds": 1800}
    });
    let message = ore_model::notice::NoticeMessage::from_payload(payload).unwrap();
    let cells = parse(&csv_formatter::record::notice_record(&message).unwrap());
    assert_eq!(column(&cells, "state"), "");
    assert_eq!(column(&cells, "previous_state"), "stopped");
    assert_eq!(
        column(&cells, "previous_state_since"),
        "2026-11-26T08:00:00Z"
    );
    assert_eq!(column(&cells, "previous_state_seconds"), "9000");
    assert_eq!(column(&cells, "late"), "true");
    assert_eq!(
        column(&cells, "current_state"),
        "'=started",
        "guarded like every cell"
    );
    assert_eq!(column(&cells, "flapping_transitions"), "6");
}
