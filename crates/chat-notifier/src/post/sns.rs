//! The [`PostToChannel`] port on SNS: one client for every channel topic, built once per cold start.

use ore_lambda::aws_error::record_error;
use ore_lambda::RecordError;

use super::PostToChannel;
use crate::notification::CustomNotification;

/// The channel topics, published to through one SNS client.
#[derive(Clone, Debug)]
pub struct SnsChannels {
    client: aws_sdk_sns::Client,
}

impl SnsChannels {
    /// Channels published to through `client`.
    pub fn new(client: aws_sdk_sns::Client) -> Self {
        SnsChannels { client }
    }
}

impl PostToChannel for SnsChannels {
    async fn post(
        &self,
        topic_arn: &str,
        notification: &CustomNotification,
    ) -> Result<(), RecordError> {
        let message = serde_json::to_string(notification)
            .map_err(|e| RecordError::local("serialize a custom notification", e))?;
        let output = self
            .client
            .publish()
            .topic_arn(topic_arn)
            .message(message)
            .send()
            .await
            .map_err(|e| record_error("sns:Publish", e))?;
        tracing::debug!(sns_message_id = output.message_id(), "posted");
        Ok(())
    }
}
