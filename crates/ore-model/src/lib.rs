//! ORE's event model, free of any AWS SDK or Lambda runtime: what arrives (SQS bodies, SNS
//! envelopes, the EventBridge EC2 state change and ORE's heartbeat), what leaves (the standard
//! message, the organisation-wide contract), and why a payload is refused. Pure data and checks,
//! so every function, test and benchmark shares one definition of each shape.
#![warn(missing_docs)]

pub mod cloudevent;
pub mod ec2;
pub mod envelope;
pub mod error;
pub mod heartbeat;
pub mod standard;
pub mod timing;

pub use envelope::{from_sqs_body, Payload};
pub use error::InputError;
