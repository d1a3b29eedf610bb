//! Posting to a chat channel, as a port: publish a custom notification to the SNS topic the
//! channel configuration subscribes to. Its SDK adapter (`sns`) and in-memory fake (`memory`,
//! feature `test-util`) are beside it.

use std::future::Future;

use ore_lambda::RecordError;

use crate::notification::CustomNotification;

#[cfg(any(test, feature = "test-util"))]
pub mod memory;
mod sns;

pub use sns::SnsChannels;

/// Where the chat-notifier posts.
pub trait PostToChannel {
    /// Publish `notification` to the channel topic `topic_arn`; the error says whether a retry
    /// can help.
    fn post(
        &self,
        topic_arn: &str,
        notification: &CustomNotification,
    ) -> impl Future<Output = Result<(), RecordError>> + Send;
}
