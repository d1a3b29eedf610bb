//! The [`Publish`] port on an SNS topic, shared by the normalizer and the csv-formatter.

use aws_sdk_sns::types::MessageAttributeValue;

use crate::aws_error::record_error;
use crate::ports::Publish;
use crate::RecordError;

/// One SNS topic, with its client built once per cold start.
#[derive(Clone, Debug)]
pub struct SnsTopic {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsTopic {
    /// The topic `topic_arn`, published to through `client`.
    pub fn new(client: aws_sdk_sns::Client, topic_arn: impl Into<String>) -> Self {
        SnsTopic {
            client,
            topic_arn: topic_arn.into(),
        }
    }
}

impl Publish for SnsTopic {
    async fn publish(
        &self,
        message: String,
        attributes: &[(&str, &str)],
    ) -> Result<(), RecordError> {
        let mut request = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .message(message);
        for (name, value) in attributes {
            let attribute = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(*value)
                .build()
                .map_err(|e| RecordError::local("build an SNS message attribute", e))?;
            request = request.message_attributes(*name, attribute);
        }
        let output = request
            .send()
            .await
            .map_err(|e| record_error("sns:Publish", e))?;
        tracing::debug!(sns_message_id = output.message_id(), "published");
        Ok(())
    }
}
