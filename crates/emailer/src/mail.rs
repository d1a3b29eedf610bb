//! Mail port, and its SES v2 implementation.

use std::future::Future;

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use ore_model::aws_error::record_error;
use ore_model::RecordError;

use crate::RenderedEmail;

pub trait SendMail {
    fn send(&self, email: &RenderedEmail) -> impl Future<Output = Result<(), RecordError>> + Send;
}

/// SES v2 `SendEmail` to the configured recipients. Throttling and 5xx come back as transient
/// (the record is retried); a rejection (unverified identity, sandbox recipient, paused
/// sending) as rejected, so it reaches the dead-letter queue instead of vanishing.
#[derive(Clone, Debug)]
pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
    from: String,
    to: Vec<String>,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(
        client: aws_sdk_sesv2::Client,
        from: String,
        to: Vec<String>,
        configuration_set: Option<String>,
    ) -> Self {
        SesMailer {
            client,
            from,
            to,
            configuration_set,
        }
    }
}

fn utf8(data: &str) -> Result<Content, RecordError> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|e| RecordError::Rejected {
            operation: "ses:SendEmail",
            detail: e.to_string(),
        })
}

impl SendMail for SesMailer {
    async fn send(&self, email: &RenderedEmail) -> Result<(), RecordError> {
        let message = Message::builder()
            .subject(utf8(&email.subject)?)
            .body(
                Body::builder()
                    .text(utf8(&email.text)?)
                    .html(utf8(&email.html)?)
                    .build(),
            )
            .build();
        let output = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(self.to.clone()))
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| record_error("ses:SendEmail", e))?;
        tracing::debug!(
            ses_message_id = output.message_id(),
            "email accepted by SES"
        );
        Ok(())
    }
}
