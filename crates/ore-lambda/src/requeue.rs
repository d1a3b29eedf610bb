//! `sqs:ChangeMessageVisibility` as the [`Requeue`] port: a deferred record comes back after
//! seconds instead of the queue's visibility timeout.

use std::sync::OnceLock;
use std::time::Duration;

use aws_config::SdkConfig;
use ore_model::InputError;

use crate::aws_error::record_error;
use crate::ports::Requeue;
use crate::RecordError;

/// Requeue through an SQS client built from the function's SDK configuration the first time a
/// record is deferred, then kept: most invocations defer nothing, and building an SDK client is
/// a good part of a cold start. (Each function's role may change the visibility of messages on
/// its own queue only.)
#[derive(Debug)]
pub struct SqsRequeue {
    config: SdkConfig,
    client: OnceLock<aws_sdk_sqs::Client>,
}

impl SqsRequeue {
    /// Requeue with `config`'s region, credentials, endpoint and HTTP client.
    pub fn new(config: &SdkConfig) -> Self {
        SqsRequeue {
            config: config.clone(),
            client: OnceLock::new(),
        }
    }

    fn client(&self) -> &aws_sdk_sqs::Client {
        self.client
            .get_or_init(|| aws_sdk_sqs::Client::new(&self.config))
    }
}

impl Requeue for SqsRequeue {
    async fn requeue_after(
        &self,
        queue_arn: &str,
        receipt_handle: &str,
        delay: Duration,
    ) -> Result<(), RecordError> {
        let queue_url = queue_url(queue_arn)?;
        let seconds = i32::try_from(delay.as_secs().min(43_200)).unwrap_or(43_200);
        self.client()
            .change_message_visibility()
            .queue_url(queue_url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(seconds)
            .send()
            .await
            .map_err(|e| record_error("sqs:ChangeMessageVisibility", e))?;
        Ok(())
    }
}

/// `arn:aws:sqs:eu-west-1:123456789012:name` -> `https://sqs.eu-west-1.amazonaws.com/123456789012/name`
/// (the event carries the queue's ARN, the API wants its URL).
pub fn queue_url(queue_arn: &str) -> Result<String, RecordError> {
    let parts: Vec<&str> = queue_arn.split(':').collect();
    match parts.as_slice() {
        ["arn", partition, "sqs", region, account, name]
            if !region.is_empty() && !account.is_empty() && !name.is_empty() =>
        {
            let domain = match *partition {
                "aws-cn" => "amazonaws.com.cn",
                _ => "amazonaws.com",
            };
            Ok(format!("https://sqs.{region}.{domain}/{account}/{name}"))
        }
        _ => Err(RecordError::BadInput(InputError::InvalidField {
            field: "eventSourceARN",
            reason: "not an SQS queue ARN".into(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_urls_follow_the_partition() {
        assert_eq!(
            queue_url("arn:aws:sqs:eu-west-1:123456789012:ore-emailer").unwrap(),
            "https://sqs.eu-west-1.amazonaws.com/123456789012/ore-emailer"
        );
        assert_eq!(
            queue_url("arn:aws-cn:sqs:cn-north-1:123456789012:q").unwrap(),
            "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q"
        );
        assert!(queue_url("arn:aws:sns:eu-west-1:123456789012:t").is_err());
        assert!(queue_url("nonsense").is_err());
    }
}
