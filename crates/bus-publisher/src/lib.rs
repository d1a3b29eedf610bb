//! The bus-publisher: every ORE message (state change, notice, heartbeat) also goes onto ORE's own
//! EventBridge bus, so any team can write a rule on ORE's messages (by state, kind, account, tag),
//! archive and replay them, and send them anywhere EventBridge reaches without a new consumer.
#![warn(missing_docs)]

pub mod bus;
pub mod entry;
pub mod service;

pub use bus::{EventBridgeBus, EventBus, PutResult};
pub use entry::{bus_entry, BusEntry, EVENT_SOURCE};
pub use service::{BusPublisher, Published};

/// The ORE bus's ARN (required).
pub const EVENT_BUS_ARN: &str = "EVENT_BUS_ARN";
/// Every variable the bus-publisher's own configuration reads; template.yaml sets exactly these
/// (and the SDK's, `ore_lambda::sdk_config::ENVIRONMENT`): `tests/environment.rs` checks it.
pub const ENVIRONMENT: [&str; 1] = [EVENT_BUS_ARN];
