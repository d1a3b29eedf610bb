//! ORE's event model, free of any AWS SDK or Lambda runtime: what arrives (SQS bodies, SNS
//! envelopes, one adapter per AWS event kind, ORE's heartbeat), what leaves (the standard
//! messages, the organisation-wide contract), and why a payload is refused. Pure data and checks,
//! so every function, test and benchmark shares one definition of each shape.
#![warn(missing_docs)]

pub mod accounts;
pub mod adapters;
pub mod arn;
pub mod cloudevent;
pub mod ec2;
pub mod envelope;
pub mod error;
pub mod heartbeat;
pub mod message;
pub mod notice;
pub mod resource;
pub mod standard;
pub mod text;
pub mod timing;

pub use envelope::{from_sqs_body, Payload};
pub use error::InputError;
