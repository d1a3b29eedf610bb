//! The emailer: each ORE standard message becomes one short, readable email (plain text and
//! HTML) sent through SES v2, or, in a burst, one digest per recipient set. Recipients come from
//! a routing table in configuration, never from the event (a tag only selects a route).
#![warn(missing_docs)]

pub mod address;
pub mod calendar;
pub mod config;
pub mod digest;
pub mod format;
pub mod instance;
pub mod ledger;
pub mod mail;
pub mod notice;
pub mod pace;
pub mod render;
pub mod routing;
pub mod service;
pub mod state_change;
pub mod templates;
mod timing;

pub use config::Config;
pub use mail::ses::SesMailer;
pub use mail::{RenderedEmail, SendMail};
pub use pace::Pacer;
pub use render::Renderer;
pub use routing::{Recipients, RoutingTable};
pub use service::Emailer;
