//! Standard message -> one CSV record (RFC 4180, written by the `csv` crate). The columns are a
//! versioned contract: adding a column at the end keeps version 1, anything else bumps it. State
//! changes and notices share the columns: a cell that does not apply to a message is empty.
//!
//! [`CsvRow`] is the one home of the columns: its fields, in order, are the header (serde names
//! them, as in the `csv` crate's cookbook), so a new column is a new field at the end and the value
//! that fills it.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use ore_lambda::RecordError;
use ore_model::notice::NoticeMessage;
use ore_model::resource::{InstanceDetails, Resource};
use ore_model::standard::StandardMessage;
use ore_model::timing::{StateName, Timing};
use serde::{Serialize, Serializer};

/// The `csv_schema_version` attribute and first cell of every record.
pub const CSV_SCHEMA_VERSION: &str = "1";

/// One CSV record. The field order is the header, also committed as `schemas/csv-record.v1.csv`.
/// Appended within version 1: the six timing columns (ORE 0.2), empty when a message has no
/// timing; the seven notice columns (ORE 0.3), empty for a state change; the account's name
/// (ORE 0.4), empty when the deployment's `AccountNames` has none.
#[derive(Serialize, Default)]
struct CsvRow<'a> {
    schema_version: Cell<'a>,
    message_id: Cell<'a>,
    event_time: Cell<'a>,
    processed_at: Cell<'a>,
    account: Cell<'a>,
    region: Cell<'a>,
    resource_type: Cell<'a>,
    resource_id: Cell<'a>,
    resource_arn: Cell<'a>,
    state: Cell<'a>,
    enrichment: Cell<'a>,
    name: Cell<'a>,
    instance_type: Cell<'a>,
    availability_zone: Cell<'a>,
    private_ip: Cell<'a>,
    public_ip: Cell<'a>,
    vpc_id: Cell<'a>,
    subnet_id: Cell<'a>,
    launch_time: Cell<'a>,
    platform: Cell<'a>,
    architecture: Cell<'a>,
    tags: Cell<'a>,
    previous_state: Cell<'a>,
    previous_state_since: Cell<'a>,
    previous_state_seconds: Cell<'a>,
    late: Cell<'a>,
    current_state: Cell<'a>,
    flapping_transitions: Cell<'a>,
    message_type: Cell<'a>,
    window_start: Cell<'a>,
    window_end: Cell<'a>,
    notice_code: Cell<'a>,
    notice_status: Cell<'a>,
    notice_ref: Cell<'a>,
    notice_description: Cell<'a>,
    account_name: Cell<'a>,
}

impl<'a> CsvRow<'a> {
    /// The six timing columns, from a state change's timing or a timed notice's.
    fn timing<S: StateName>(&mut self, timing: &'a Timing<S>) {
        self.previous_state = timing.previous_state.as_ref().map(StateName::name).into();
        self.previous_state_since = timing.previous_state_since.as_ref().into();
        self.previous_state_seconds = timing.previous_state_seconds.into();
        self.late = if timing.late { "true" } else { "false" }.into();
        self.current_state = timing.current_state.as_ref().map(StateName::name).into();
        self.flapping_transitions = timing.flapping.map(|f| u64::from(f.transitions)).into();
    }
}

/// A cell's text, written through the formula guard: no value reaches the file unguarded.
#[derive(Default)]
struct Cell<'a>(Cow<'a, str>);

impl Serialize for Cell<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&guard_formula(&self.0))
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(text: &'a str) -> Self {
        Cell(Cow::Borrowed(text))
    }
}

impl From<String> for Cell<'_> {
    fn from(text: String) -> Self {
        Cell(Cow::Owned(text))
    }
}

impl<'a> From<Option<&'a str>> for Cell<'a> {
    fn from(text: Option<&'a str>) -> Self {
        text.unwrap_or_default().into()
    }
}

impl From<Option<&DateTime<Utc>>> for Cell<'_> {
    fn from(time: Option<&DateTime<Utc>>) -> Self {
        time.map(timestamp).unwrap_or_default().into()
    }
}

impl From<Option<u64>> for Cell<'_> {
    fn from(number: Option<u64>) -> Self {
        number.map(|n| n.to_string()).unwrap_or_default().into()
    }
}

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
/// guard; cells are borrowed from the message, only timestamps, numbers and the tags' JSON are
/// built.
pub fn csv_record(message: &StandardMessage) -> Result<String, RecordError> {
    let data = &message.data;
    let mut row = resource_row(
        &message.id,
        &message.time,
        &data.resource,
        data.state.as_str(),
    )?;
    row.message_type = message.event_type.as_str().into();
    if let Some(timing) = &data.timing {
        row.timing(timing);
    }
    write_row(&row)
}

/// One CSV record of a notice: `state` is empty, the notice columns hold its kind, window and
/// AWS's words; the timing columns hold a timed notice's timing (ORE 0.6), in its kind's words.
pub fn notice_record(message: &NoticeMessage) -> Result<String, RecordError> {
    let data = &message.data;
    let mut row = resource_row(&message.id, &message.time, &data.resource, "")?;
    row.message_type = message.event_type.as_str().into();
    if let Some(timing) = &data.timing {
        row.timing(timing);
    }
    let facets = data.notice.facets();
    row.window_start = facets.window_start.as_ref().into();
    row.window_end = facets.window_end.as_ref().into();
    row.notice_code = facets.code.into();
    row.notice_status = facets.status.into();
    row.notice_ref = facets.reference.into();
    row.notice_description = facets.description.into();
    write_row(&row)
}

/// The columns every message fills from its resource (the first 22 and the account's name); the
/// others start empty.
fn resource_row<'a>(
    message_id: &'a str,
    time: &DateTime<Utc>,
    resource: &'a Resource,
    state: &'a str,
) -> Result<CsvRow<'a>, RecordError> {
    // Every column an instance fills is empty for another resource; its Name tag and tags
    // fill `name` and `tags` alike.
    static NO_INSTANCE: InstanceDetails = InstanceDetails {
        name: None,
        instance_type: None,
        availability_zone: None,
        private_ip: None,
        public_ip: None,
        vpc_id: None,
        subnet_id: None,
        launch_time: None,
        platform: None,
        architecture: None,
        tags: std::collections::BTreeMap::new(),
    };
    let instance = resource.instance.as_ref().unwrap_or(&NO_INSTANCE);
    let tags = serde_json::to_string(resource.tags())
        .map_err(|e| RecordError::local("write the tags of a CSV record", e))?;
    Ok(CsvRow {
        schema_version: CSV_SCHEMA_VERSION.into(),
        message_id: message_id.into(),
        event_time: timestamp(time).into(),
        processed_at: timestamp(&resource.processed_at).into(),
        account: resource.account.as_str().into(),
        region: resource.region.as_str().into(),
        resource_type: resource.resource_type.as_str().into(),
        resource_id: resource.resource_id.as_str().into(),
        resource_arn: resource.resource_arn.as_deref().into(),
        state: state.into(),
        enrichment: resource.enrichment.as_str().into(),
        name: instance
            .name
            .as_deref()
            .or(resource.resource_name.as_deref())
            .into(),
        instance_type: instance.instance_type.as_deref().into(),
        availability_zone: instance.availability_zone.as_deref().into(),
        private_ip: instance.private_ip.as_deref().into(),
        public_ip: instance.public_ip.as_deref().into(),
        vpc_id: instance.vpc_id.as_deref().into(),
        subnet_id: instance.subnet_id.as_deref().into(),
        launch_time: instance.launch_time.as_ref().into(),
        platform: instance.platform.as_deref().into(),
        architecture: instance.architecture.as_deref().into(),
        tags: tags.into(),
        account_name: resource.account_name.as_deref().into(),
        ..CsvRow::default()
    })
}

fn write_row(row: &CsvRow<'_>) -> Result<String, RecordError> {
    write_csv(false, row)
}

fn write_csv(with_header: bool, row: &CsvRow<'_>) -> Result<String, RecordError> {
    let failed =
        |e: &dyn std::fmt::Display| RecordError::local("write a CSV record", e.to_string());
    let mut writer = csv::WriterBuilder::new()
        .has_headers(with_header)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(512));
    writer.serialize(row).map_err(|e| failed(&e))?;
    let bytes = writer.into_inner().map_err(|e| failed(&e))?;
    String::from_utf8(bytes).map_err(|e| failed(&e))
}

/// The column names, in order: the field names of [`CsvRow`].
pub fn csv_columns() -> Vec<String> {
    csv_header()
        .trim_end()
        .split(',')
        .map(str::to_owned)
        .collect()
}

/// The header line, CRLF-terminated, for consumers that want it with the records.
pub fn csv_header() -> String {
    // The `csv` writer names the columns from the row's fields; an empty row's line follows it.
    let with_empty_row = write_csv(true, &CsvRow::default()).unwrap_or_default();
    let header_end = with_empty_row.find("\r\n").map_or(0, |end| end + 2);
    with_empty_row[..header_end].to_owned()
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
        assert_eq!(header.matches("\r\n").count(), 1);
        let columns = csv_columns();
        let mut seen = std::collections::HashSet::new();
        for column in &columns {
            assert!(seen.insert(column), "duplicate column {column}");
        }
        assert_eq!(columns.len(), 36);
        assert_eq!(columns[0], "schema_version");
        assert_eq!(columns[35], "account_name");
    }
}
