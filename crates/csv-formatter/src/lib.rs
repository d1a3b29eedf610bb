//! The csv-formatter: each ORE standard message becomes one CSV record on the csv topic, for
//! monitoring and alerting systems that speak CSV rather than JSON.

pub mod record;
pub mod service;

pub use record::{csv_record, CSV_COLUMNS, CSV_SCHEMA_VERSION};
pub use service::{CsvFormatter, CONTENT_TYPE};

/// Environment contract (template.yaml and the local runs set it).
pub const CSV_TOPIC_ARN: &str = "CSV_TOPIC_ARN";
