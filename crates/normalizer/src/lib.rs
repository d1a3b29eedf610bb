//! The normalizer: an EC2 state-change event (raw or in its SNS envelope) becomes one enriched
//! ORE standard message on the normalized topic, unless the instance is tagged to be ignored.
#![warn(missing_docs)]

pub mod config;
pub mod decide;
pub mod enrich;
pub mod lanes;
pub mod service;
pub mod store;
pub mod timing;

pub use config::Config;
pub use decide::{decide, Decision, IgnoreRule, Settling};
pub use enrich::aws::AwsDescriber;
pub use enrich::{DescribeResources, Descriptions};
pub use service::Normalizer;
pub use store::StateStore;
pub use timing::{assess, Assessment, FlappingRule};
