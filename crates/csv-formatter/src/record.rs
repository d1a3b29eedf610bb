//! Standard message -> one CSV record (RFC 4180, written by the `csv` crate). The columns are a
//! versioned contract: adding a column at the end keeps version 1, anything else bumps it. State
//! changes and notices share the columns: a cell that does not apply to a message is empty.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use ore_lambda::RecordError;
use ore_model::notice::{Notice, NoticeMessage};
use ore_model::standard::{Resource, StandardMessage};
use ore_model::timing::Timing;

/// The `csv_schema_version` attribute and first cell of every record.
pub const CSV_SCHEMA_VERSION: &str = "1";

/// The header, in order. Also committed as `schemas/csv-record.v1.csv`. Appended within
/// version 1: the six timing columns (ORE 0.2), empty when a message has no timing; the seven
/// notice columns (ORE 0.3), empty for a state change; the account's name (ORE 0.4), empty when
/// the deployment's `AccountNames` has none.
pub const CSV_COLUMNS: [&str; 36] = [
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
    "message_type",
    "window_start",
    "window_end",
    "notice_code",
    "notice_status",
    "notice_ref",
    "notice_description",
    "account_name",
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

/// One CSV record of a state change, CRLF-terminated, no header. Every cell passes the formula
/// guard; cells are borrowed from the message, only timestamps and the tags' JSON are built.
pub fn csv_record(message: &StandardMessage) -> Result<String, RecordError> {
    let data = &message.data;
    let mut cells = resource_cells(
        &message.id,
        &message.time,
        &data.resource,
        data.state.as_str(),
    )?;
    cells.extend(timing_cells(data.timing.as_ref()));
    cells.push(Cow::Borrowed(&message.event_type));
    cells.extend(std::iter::repeat_n(Cow::Borrowed(""), 6));
    cells.push(account_name(&data.resource));
    write_cells(&cells)
}

/// One CSV record of a notice: `state` and the timing columns are empty, the notice columns
/// hold its kind, window and AWS's words.
pub fn notice_record(message: &NoticeMessage) -> Result<String, RecordError> {
    let data = &message.data;
    let mut cells = resource_cells(&message.id, &message.time, &data.resource, "")?;
    cells.extend(timing_cells(None));
    cells.push(Cow::Borrowed(&message.event_type));
    let optional_time =
        |time: Option<&DateTime<Utc>>| Cow::Owned(time.map(timestamp).unwrap_or_default());
    match &data.notice {
        Notice::ScheduledChange(change) => cells.extend([
            Cow::Owned(timestamp(&change.start_time)),
            optional_time(change.end_time.as_ref()),
            Cow::Borrowed(change.event_type_code.as_str()),
            Cow::Borrowed(change.status.as_str()),
            Cow::Borrowed(change.event_arn.as_str()),
            Cow::Borrowed(change.description.as_str()),
        ]),
        Notice::SpotInterruption(warning) => cells.extend([
            Cow::Owned(timestamp(&warning.action_time)),
            Cow::Borrowed(""),
            Cow::Borrowed(warning.action.as_str()),
            Cow::Borrowed(""),
            Cow::Borrowed(""),
            Cow::Borrowed(""),
        ]),
        Notice::RebalanceRecommendation(_) => {
            cells.extend(std::iter::repeat_n(Cow::Borrowed(""), 6))
        }
    }
    cells.push(account_name(&data.resource));
    write_cells(&cells)
}

fn account_name(resource: &Resource) -> Cow<'_, str> {
    Cow::Borrowed(resource.account_name.as_deref().unwrap_or_default())
}

fn resource_cells<'a>(
    message_id: &'a str,
    time: &DateTime<Utc>,
    resource: &'a Resource,
    state: &'a str,
) -> Result<Vec<Cow<'a, str>>, RecordError> {
    let instance = &resource.instance;
    fn text(value: &Option<String>) -> Cow<'_, str> {
        Cow::Borrowed(value.as_deref().unwrap_or_default())
    }
    let tags = serde_json::to_string(&instance.tags)
        .map_err(|e| RecordError::local("write the tags of a CSV record", e))?;
    let mut cells = Vec::with_capacity(CSV_COLUMNS.len());
    cells.extend([
        Cow::Borrowed(CSV_SCHEMA_VERSION),
        Cow::Borrowed(message_id),
        Cow::Owned(timestamp(time)),
        Cow::Owned(timestamp(&resource.processed_at)),
        Cow::Borrowed(resource.account.as_str()),
        Cow::Borrowed(resource.region.as_str()),
        Cow::Borrowed(resource.resource_type.as_str()),
        Cow::Borrowed(resource.resource_id.as_str()),
        Cow::Borrowed(resource.resource_arn.as_str()),
        Cow::Borrowed(state),
        Cow::Borrowed(resource.enrichment.as_str()),
        text(&instance.name),
        text(&instance.instance_type),
        text(&instance.availability_zone),
        text(&instance.private_ip),
        text(&instance.public_ip),
        text(&instance.vpc_id),
        text(&instance.subnet_id),
        Cow::Owned(
            instance
                .launch_time
                .as_ref()
                .map(timestamp)
                .unwrap_or_default(),
        ),
        text(&instance.platform),
        text(&instance.architecture),
        Cow::Owned(tags),
    ]);
    Ok(cells)
}

fn timing_cells(timing: Option<&Timing>) -> [Cow<'_, str>; 6] {
    let number = |n: Option<u64>| -> Cow<'_, str> {
        n.map_or(Cow::Borrowed(""), |n| Cow::Owned(n.to_string()))
    };
    [
        Cow::Borrowed(
            timing
                .and_then(|t| t.previous_state)
                .map_or("", |s| s.as_str()),
        ),
        Cow::Owned(
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
    ]
}

fn write_cells(cells: &[Cow<'_, str>]) -> Result<String, RecordError> {
    debug_assert_eq!(cells.len(), CSV_COLUMNS.len());
    let failed =
        |e: &dyn std::fmt::Display| RecordError::local("write a CSV record", e.to_string());
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(512));
    for cell in cells {
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
