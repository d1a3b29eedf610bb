//! ORE's shared event model.
//!
//! Every ORE Lambda reads SQS batches whose bodies are either SNS notification envelopes or raw
//! messages, and two of them read ORE's standard message. Those shapes, and the per-record
//! batch plumbing that turns record failures into a partial batch response, live here once.

pub mod batch;
pub mod config;
pub mod ec2;
pub mod envelope;
pub mod error;
pub mod heartbeat;
pub mod metrics;
pub mod standard;

#[cfg(feature = "aws")]
pub mod aws_error;
#[cfg(feature = "aws")]
pub mod requeue;
#[cfg(feature = "runtime")]
pub mod runtime;
#[cfg(feature = "aws")]
pub mod sdk_config;
#[cfg(feature = "sns")]
pub mod sns;

pub use error::{InputError, RecordError};
