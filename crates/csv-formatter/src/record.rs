//! Standard message -> one CSV record (RFC 4180, written by the `csv` crate). The columns are a
//! versioned contract: adding a column at the end keeps version 1, anything else bumps it.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use ore_lambda::RecordError;
use ore_model::standard::StandardMessage;

/// The `csv_schema_version` attribute and first cell of every record.
pub const CSV_SCHEMA_VERSION: &str = "1";

/// The header, in order. Also committed as `schemas/csv-record.v1.csv`. The last six (timing)
/// were appended in ORE 0.2, within version 1; they are empty when a message has no timing.
pub const CSV_COLUMNS: [&str; 28] = [
    "schema_version",
    "message_id",
    "event_time",
    "processed_at",
    "account",
    "region",
    "resource_type",
    "resource_id",
    "resource_arn",
    "state",
    "enrichment",
    "name",
    "instance_type",
    "availability_zone",
    "private_ip",
    "public_ip",
    "vpc_id",
    "subnet_id",
    "launch_time",
    "platform",
    "architecture",
    "tags",
    "previous_state",
    "previous_state_since",
    "previous_state_seconds",
    "late",
    "current_state",
    "flapping_transitions",
];

/// Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection list).
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Prefix a cell that a spreadsheet would evaluate with `'`, which displays it as text.
pub fn guard_formula(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_TRIGGERS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn timestamp(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// One CSV record, CRLF-terminated, no header. Every cell passes the formula guard; cells are
/// borrowed from the message, only timestamps and the tags' JSON are built.
pub fn csv_record(message: &StandardMessage) -> Result<String, RecordError> {
    let data = &message.data;
    let instance = &data.resource.instance;
    fn text(value: &Option<String>) -> Cow<'_, str> {
        Cow::Borrowed(value.as_deref().unwrap_or_default())
    }
    let owned = |value: String| -> Cow<'_, str> { Cow::Owned(value) };
    let tags = serde_json::to_string(&instance.tags)
        .map_err(|e| RecordError::local("write the tags of a CSV record", e))?;
    let timing = data.timing.as_ref();
    let number = |n: Option<u64>| -> Cow<'_, str> {
        n.map_or(Cow::Borrowed(""), |n| Cow::Owned(n.to_string()))
    };
    let cells: [Cow<'_, str>; 28] = [
        Cow::Borrowed(CSV_SCHEMA_VERSION),
        Cow::Borrowed(&message.id),
        owned(timestamp(&message.time)),
        owned(timestamp(&data.resource.processed_at)),
        Cow::Borrowed(&data.resource.account),
        Cow::Borrowed(&data.resource.region),
        Cow::Borrowed(&data.resource.resource_type),
        Cow::Borrowed(&data.resource.resource_id),
        Cow::Borrowed(&data.resource.resource_arn),
        Cow::Borrowed(data.state.as_str()),
        Cow::Borrowed(data.resource.enrichment.as_str()),
        text(&instance.name),
        text(&instance.instance_type),
        text(&instance.availability_zone),
        text(&instance.private_ip),
        text(&instance.public_ip),
        text(&instance.vpc_id),
        text(&instance.subnet_id),
        owned(
            instance
                .launch_time
                .as_ref()
                .map(timestamp)
                .unwrap_or_default(),
        ),
        text(&instance.platform),
        text(&instance.architecture),
        owned(tags),
        Cow::Borrowed(
            timing
                .and_then(|t| t.previous_state)
                .map_or("", |s| s.as_str()),
        ),
        owned(
            timing
                .and_then(|t| t.previous_state_since.as_ref())
                .map(timestamp)
                .unwrap_or_default(),
        ),
        number(timing.and_then(|t| t.previous_state_seconds)),
        Cow::Borrowed(match timing {
            Some(t) if t.late => "true",
            Some(_) => "false",
            None => "",
        }),
        Cow::Borrowed(
            timing
                .and_then(|t| t.current_state)
                .map_or("", |s| s.as_str()),
        ),
        number(
            timing
                .and_then(|t| t.flapping)
                .map(|f| u64::from(f.transitions)),
        ),
    ];
    let failed =
        |e: &dyn std::fmt::Display| RecordError::local("write a CSV record", e.to_string());
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(512));
    for cell in &cells {
        let guarded: &str = &guard_formula(cell);
        writer.write_field(guarded).map_err(|e| failed(&e))?;
    }
    writer.write_record(None::<&[u8]>).map_err(|e| failed(&e))?;
    let bytes = writer.into_inner().map_err(|e| failed(&e))?;
    String::from_utf8(bytes).map_err(|e| failed(&e))
}

/// The header line, CRLF-terminated, for consumers that want it with the records.
pub fn csv_header() -> String {
    format!("{}\r\n", CSV_COLUMNS.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_prefixes_formula_triggers_only() {
        for hostile in [
            "=cmd|' /C calc'!A0",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(guard_formula(hostile), format!("'{hostile}"));
        }
        for benign in ["web-01", "", "10.0.0.1", "a=b", " =x", "'quoted"] {
            assert_eq!(guard_formula(benign), benign);
        }
    }

    #[test]
    fn header_has_every_column_once() {
        let header = csv_header();
        assert!(header.ends_with("\r\n"));
        let mut seen = std::collections::HashSet::new();
        for column in CSV_COLUMNS {
            assert!(seen.insert(column), "duplicate column {column}");
        }
        assert_eq!(header.trim_end().split(',').count(), CSV_COLUMNS.len());
    }
}
