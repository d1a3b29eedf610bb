//! The csv-formatter: each ORE standard message becomes one CSV record on the csv topic, for
//! monitoring and alerting systems that speak CSV rather than JSON.
#![warn(missing_docs)]

pub mod record;
pub mod service;

pub use record::{csv_columns, csv_record, CSV_SCHEMA_VERSION};
pub use service::{CsvFormatter, CONTENT_TYPE};

/// Where CSV records go (required).
pub const CSV_TOPIC_ARN: &str = "CSV_TOPIC_ARN";
/// Every variable the csv-formatter's own configuration reads; template.yaml sets exactly these
/// (and the SDK's, `ore_lambda::sdk_config::ENVIRONMENT`): `tests/environment.rs` checks it.
pub const ENVIRONMENT: [&str; 1] = [CSV_TOPIC_ARN];
