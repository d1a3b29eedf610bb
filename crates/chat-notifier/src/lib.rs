//! The chat-notifier: each ORE message, or a burst of them as one digest, becomes an Amazon Q
//! Developer in chat applications custom notification on the chat topic of the channel its
//! routing tag selects, so teams read ORE in Slack or Microsoft Teams. The words are the mail's.
#![warn(missing_docs)]

pub mod compose;
pub mod notification;
pub mod post;
pub mod routes;
pub mod service;

pub use compose::Composer;
pub use notification::CustomNotification;
pub use post::{PostToChannel, SnsChannels};
pub use routes::{ChatRoute, ChatRoutes, CHAT_ROUTES, CHAT_ROUTE_TAG, CHAT_TOPIC_ARN};
pub use service::ChatNotifier;

/// Messages for one channel in a batch that become one digest post (the mail's threshold).
pub const CHAT_DIGEST_THRESHOLD: &str = "CHAT_DIGEST_THRESHOLD";
/// Every variable the chat-notifier's own configuration reads; template.yaml sets exactly these
/// (and the SDK's, `ore_lambda::sdk_config::ENVIRONMENT`): `tests/environment.rs` checks it.
pub const ENVIRONMENT: [&str; 4] = [
    CHAT_TOPIC_ARN,
    CHAT_ROUTES,
    CHAT_ROUTE_TAG,
    CHAT_DIGEST_THRESHOLD,
];
