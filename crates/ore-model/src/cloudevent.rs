//! CloudEvents 1.0 in JSON (structured mode): the envelope every message ORE publishes shares,
//! whatever its `data`. `source` + `id` is the dedup key.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// CloudEvents 1.0.
pub const SPEC_VERSION: &str = "1.0";
/// Every ORE message is JSON.
pub const DATA_CONTENT_TYPE: &str = "application/json";

/// A CloudEvent carrying `D`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent<D> {
    /// [`SPEC_VERSION`].
    pub specversion: String,
    /// Unique per `source`.
    pub id: String,
    /// `urn:ore:aws:<account>:<region>`.
    pub source: String,
    /// What happened, e.g. `org.ore.resource.state-changed`: subscribers route on it.
    #[serde(rename = "type")]
    pub event_type: String,
    /// What it happened to (a resource id).
    pub subject: String,
    /// When it happened.
    pub time: DateTime<Utc>,
    /// [`DATA_CONTENT_TYPE`].
    pub datacontenttype: String,
    /// The URN of `data`'s schema, with its major version.
    pub dataschema: String,
    /// The event's facts.
    pub data: D,
}
