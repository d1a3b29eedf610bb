//! Publishing to an SNS topic: the port the normalizer and the csv-formatter share, and its SDK
//! implementation.

use std::future::Future;

use aws_sdk_sns::types::MessageAttributeValue;

use crate::aws_error::record_error;
use crate::RecordError;

/// Where a function's output goes. Attributes are SNS String attributes, for filter policies.
pub trait Publish {
    fn publish(
        &self,
        message: String,
        attributes: &[(&str, &str)],
    ) -> impl Future<Output = Result<(), RecordError>> + Send;
}

/// One SNS topic, with its client built once per cold start.
#[derive(Clone, Debug)]
pub struct SnsTopic {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsTopic {
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
                .map_err(|e| RecordError::Rejected {
                    operation: "sns:Publish",
                    detail: e.to_string(),
                })?;
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
