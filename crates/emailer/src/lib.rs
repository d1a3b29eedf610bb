//! The emailer: each ORE standard message becomes one short, readable email (plain text and
//! HTML) sent through SES v2 to a fixed recipient list from configuration, never from the event.
#![warn(missing_docs)]

pub mod calendar;
pub mod config;
pub mod mail;
pub mod notice;
pub mod pace;
pub mod render;
pub mod service;

pub use config::Config;
pub use mail::SesMailer;
pub use ore_lambda::ports::{RenderedEmail, SendMail};
pub use pace::Pacer;
pub use render::Renderer;
pub use service::Emailer;
