//! The mail port on SES v2.

use std::sync::atomic::{AtomicBool, Ordering};

use super::{RenderedEmail, SendMail};
use aws_sdk_sesv2::error::ProvideErrorMetadata;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, RawMessage};
use mail_builder::MessageBuilder;
use ore_lambda::aws_error::record_error;
use ore_lambda::RecordError;

/// SES v2 `SendEmail` to the recipients routing chose. Throttling and 5xx come back as transient
/// (the record is retried); a rejection (unverified identity, sandbox recipient, paused
/// sending) as rejected, so it reaches the dead-letter queue instead of vanishing.
#[derive(Clone, Debug)]
pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    /// Send from `from` through `client`, with an optional configuration set.
    pub fn new(
        client: aws_sdk_sesv2::Client,
        from: String,
        configuration_set: Option<String>,
    ) -> Self {
        SesMailer {
            client,
            from,
            configuration_set,
        }
    }
}

fn utf8(data: &str) -> Result<Content, RecordError> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|e| RecordError::local("build the SES message content", e))
}

/// The mail as one MIME message (RFC 5322): text and HTML as alternatives, then the
/// attachments. SES v2 sends it as `Content.Raw`; the headers carry sender and recipients.
pub fn raw_mime(from: &str, to: &[String], email: &RenderedEmail) -> Result<Vec<u8>, RecordError> {
    let recipients: Vec<&str> = to.iter().map(String::as_str).collect();
    let mut builder = MessageBuilder::new()
        .from(from)
        .to(recipients)
        .subject(email.subject.as_str())
        .text_body(email.text.as_str())
        .html_body(email.html.as_str());
    for attachment in &email.attachments {
        builder = builder.attachment(
            attachment.content_type.as_str(),
            attachment.filename.as_str(),
            attachment.content.as_bytes(),
        );
    }
    builder
        .write_to_vec()
        .map_err(|e| RecordError::local("write the MIME message", e))
}

impl SesMailer {
    /// Text and HTML only: SES builds the MIME message.
    fn simple_content(email: &RenderedEmail) -> Result<EmailContent, RecordError> {
        let message = Message::builder()
            .subject(utf8(&email.subject)?)
            .body(
                Body::builder()
                    .text(utf8(&email.text)?)
                    .html(utf8(&email.html)?)
                    .build(),
            )
            .build();
        Ok(EmailContent::builder().simple(message).build())
    }

    /// With attachments: ORE builds the MIME message.
    fn raw_content(
        &self,
        to: &[String],
        email: &RenderedEmail,
    ) -> Result<EmailContent, RecordError> {
        let raw = RawMessage::builder()
            .data(Blob::new(raw_mime(&self.from, to, email)?))
            .build()
            .map_err(|e| RecordError::local("build the SES raw message", e))?;
        Ok(EmailContent::builder().raw(raw).build())
    }
}

impl SendMail for SesMailer {
    async fn send(&self, to: &[String], email: &RenderedEmail) -> Result<(), RecordError> {
        let action = email.send_action();
        let content = if email.attachments.is_empty() {
            Self::simple_content(email)?
        } else {
            self.raw_content(to, email)?
        };
        let output = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(to.to_vec()))
                    .build(),
            )
            .content(content)
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| {
                if let Some(fix) = configuration_fix(e.code(), action) {
                    report_configuration_error_once(e.code().unwrap_or_default(), action, &fix);
                }
                record_error(action, e)
            })?;
        tracing::debug!(
            ses_message_id = output.message_id(),
            "email accepted by SES"
        );
        Ok(())
    }
}

/// What an operator must change when SES refuses a send (authorised as `action`) for a reason no
/// retry will cure.
pub fn configuration_fix(code: Option<&str>, action: &str) -> Option<String> {
    Some(match code? {
        "AccessDeniedException" => format!(
            "the emailer's role may not send this mail: {action} must be allowed on the sender \
             identity, on every recipient identity while the account is in the SES sandbox, and on \
             the configuration set (see docs/deploying.md, 'Deploying: permissions and why')"
        ),
        "MessageRejected" => {
            "SES rejected the mail: verify EmailFrom (its address or domain) in this \
             region, and while the account is in the SES sandbox verify every EmailTo address too"
                .to_string()
        }
        "MailFromDomainNotVerifiedException" => {
            "the sender's MAIL FROM domain is not verified in SES".to_string()
        }
        "NotFoundException" => {
            "the SES identity or configuration set named in the template does not exist".to_string()
        }
        "AccountSuspendedException" | "SendingPausedException" => {
            "SES sending is paused for this account or configuration set: see the SES console"
                .to_string()
        }
        _ => return None,
    })
}

static CONFIGURATION_ERROR_REPORTED: AtomicBool = AtomicBool::new(false);

/// One loud line per cold start: every mail will fail the same way until someone acts, and the
/// record failures that follow are logged (quietly) one by one anyway.
fn report_configuration_error_once(code: &str, action: &str, fix: &str) {
    if !CONFIGURATION_ERROR_REPORTED.swap(true, Ordering::Relaxed) {
        tracing::error!(
            aws_error_code = code,
            iam_action = action,
            fix,
            "SES refuses the emailer's mail: no mail will go out until this is fixed"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_no_retry_cures_name_their_fix_and_others_do_not() {
        for code in [
            "AccessDeniedException",
            "MessageRejected",
            "MailFromDomainNotVerifiedException",
            "NotFoundException",
            "AccountSuspendedException",
            "SendingPausedException",
        ] {
            assert!(
                configuration_fix(Some(code), "ses:SendEmail").is_some(),
                "{code}"
            );
        }
        let denied = configuration_fix(Some("AccessDeniedException"), "ses:SendEmail");
        assert!(denied.as_deref().is_some_and(
            |fix| fix.contains("sandbox") && fix.contains("ses:SendEmail must be allowed")
        ));
        for code in [
            Some("TooManyRequestsException"),
            Some("InternalFailure"),
            None,
        ] {
            assert_eq!(configuration_fix(code, "ses:SendEmail"), None, "{code:?}");
        }
    }

    #[test]
    fn a_refused_raw_send_names_the_raw_action() {
        let fix = configuration_fix(Some("AccessDeniedException"), "ses:SendRawEmail");
        assert!(
            fix.as_deref()
                .is_some_and(|fix| fix.contains("ses:SendRawEmail must be allowed")),
            "{fix:?}"
        );
    }
}
