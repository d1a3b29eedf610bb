//! Standard message -> one CSV record (RFC 4180, written by the `csv` crate). The columns are a
//! versioned contract: adding a column at the end keeps version 1, anything else bumps it.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use ore_model::standard::StandardMessage;
use ore_model::RecordError;

pub const CSV_SCHEMA_VERSION: &str = "1";

/// The header, in order. Also committed as `schemas/csv-record.v1.csv`.
pub const CSV_COLUMNS: [&str; 22] = [
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

/// One CSV record, CRLF-terminated, no header. Every cell passes the formula guard.
pub fn csv_record(message: &StandardMessage) -> Result<String, RecordError> {
    let data = &message.data;
    let instance = &data.instance;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let tags = serde_json::to_string(&instance.tags).map_err(|e| failed(e.to_string()))?;
    let cells: [String; 22] = [
        CSV_SCHEMA_VERSION.to_owned(),
        message.id.clone(),
        timestamp(&message.time),
        timestamp(&data.processed_at),
        data.account.clone(),
        data.region.clone(),
        data.resource_type.clone(),
        data.resource_id.clone(),
        data.resource_arn.clone(),
        data.state.as_str().to_owned(),
        data.enrichment.as_str().to_owned(),
        text(&instance.name),
        text(&instance.instance_type),
        text(&instance.availability_zone),
        text(&instance.private_ip),
        text(&instance.public_ip),
        text(&instance.vpc_id),
        text(&instance.subnet_id),
        instance
            .launch_time
            .as_ref()
            .map(timestamp)
            .unwrap_or_default(),
        text(&instance.platform),
        text(&instance.architecture),
        tags,
    ];
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(512));
    writer
        .write_record(cells.iter().map(|c| guard_formula(c).into_owned()))
        .map_err(|e| failed(e.to_string()))?;
    let bytes = writer.into_inner().map_err(|e| failed(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| failed(e.to_string()))
}

/// The header line, CRLF-terminated, for consumers that want it with the records.
pub fn csv_header() -> String {
    format!("{}\r\n", CSV_COLUMNS.join(","))
}

fn failed(detail: String) -> RecordError {
    RecordError::Rejected {
        operation: "write CSV record",
        detail,
    }
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
