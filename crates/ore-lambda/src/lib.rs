//! What every ORE Lambda needs besides the event model: the per-record batch helper and its
//! partial batch response, record failures and their AWS error classification, metrics, the one
//! AWS SDK configuration, the SNS publisher and SQS requeue ports, environment configuration,
//! and the shared `lambda_runtime` entrypoint. Kept apart from `ore-model` so the model stays
//! free of the SDK and the runtime.
#![warn(missing_docs)]

pub mod aws_error;
pub mod batch;
pub mod config;
#[cfg(feature = "dynamodb")]
pub mod dynamodb;
pub mod error;
#[cfg(any(test, feature = "test-util"))]
pub mod fakes;
pub mod metrics;
pub mod ports;
pub mod requeue;
pub mod runtime;
pub mod sdk_config;
#[cfg(feature = "sns")]
pub mod sns;

pub use error::{AwsFailure, RecordError};
