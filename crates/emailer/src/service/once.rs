//! One mail, sent at most once: the message is claimed in the mail ledger, waits for a send slot
//! the account's rate allows, is sent and confirmed; a failed send gives the claim back.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ore_lambda::batch::Outcome;
use ore_lambda::RecordError;
use tokio::time::Instant;

use super::{Emailer, Unconfirmed};
use crate::ledger::{Claim, MailLedger};
use crate::routing::Recipients;
use crate::SendMail;

/// One rendered mail and what names it in the ledger, logs and metrics.
pub(super) struct Mail<'a> {
    pub(super) message_id: &'a str,
    pub(super) resource_id: &'a str,
    /// The state, or the notice's kind: a metric dimension.
    pub(super) state: &'static str,
    pub(super) recipients: &'a Recipients,
    pub(super) email: crate::RenderedEmail,
}

impl<M: SendMail + Sync, L: MailLedger + Sync> Emailer<M, L> {
    /// Claim the message in the ledger, send, confirm: at most one mail per message id.
    pub(super) async fn mail_once(
        &self,
        mail: Mail<'_>,
        now: DateTime<Utc>,
        deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        if let Some(outcome) = self.claim(mail.message_id, mail.state, now).await? {
            return Ok(outcome);
        }
        let message = mail.message_id;
        match self.send(&mail, deadline).await {
            Ok(()) => {
                tracing::info!(
                    message_id = %message,
                    resource_id = %mail.resource_id,
                    state = mail.state,
                    route = mail.recipients.route_name(),
                    attachments = mail.email.attachments.len(),
                    "email sent"
                );
                self.confirm(message).await;
                Ok(Outcome::Delivered { state: mail.state })
            }
            Err(error) => {
                // Nothing went out: give the claim back so the retry can send.
                self.ledger.release(message).await?;
                Err(error)
            }
        }
    }

    /// Claim `message` for this attempt: `None` when granted, or the outcome when it was mailed
    /// before; an error when another attempt holds it.
    pub(super) async fn claim(
        &self,
        message: &str,
        state: &'static str,
        now: DateTime<Utc>,
    ) -> Result<Option<Outcome>, RecordError> {
        match self.ledger.claim(message, now).await? {
            Claim::Granted => Ok(None),
            Claim::Sent => {
                tracing::info!(
                    message_id = %message,
                    state,
                    "mail for this message was sent before; not sent again"
                );
                Ok(Some(Outcome::Duplicate { state }))
            }
            Claim::Pending { claimed_at } => {
                let age = (now - claimed_at).to_std().unwrap_or(Duration::ZERO);
                if let Some(left) = self.claim_lease.checked_sub(age).filter(|l| !l.is_zero()) {
                    return Err(RecordError::Deferred {
                        reason: "another attempt is sending this mail",
                        retry_after: left.max(Duration::from_secs(1)),
                    });
                }
                tracing::error!(
                    message_id = %message,
                    claimed_at = %claimed_at,
                    "mail_unconfirmed: an earlier attempt stopped between claiming and confirming \
                     this mail; it is not sent again and the record goes to the dead-letter queue"
                );
                Err(RecordError::local(
                    "send the mail at most once",
                    Unconfirmed { claimed_at },
                ))
            }
        }
    }

    /// Mark the message sent. A failure is logged: the claim stays and still keeps a
    /// redelivery from mailing again.
    pub(super) async fn confirm(&self, message: &str) {
        if let Err(error) = self.ledger.confirm(message).await {
            tracing::warn!(
                message_id = %message,
                error = %ore_lambda::error::Chain(&error),
                "mail sent, but the ledger could not mark it sent"
            );
        }
    }

    pub(super) async fn send(&self, mail: &Mail<'_>, deadline: Instant) -> Result<(), RecordError> {
        let recipients = mail.recipients.to.len();
        let _turn = self.pacer.turn().await;
        let Some(slot) = self.pacer.reserve(deadline, recipients) else {
            return Err(RecordError::Deferred {
                reason: "no send slot left in this invocation at the configured sending rate",
                retry_after: self.pacer.retry_after(),
            });
        };
        tokio::time::sleep_until(slot).await;
        match self.mailer.send(&mail.recipients.to, &mail.email).await {
            Ok(()) => Ok(()),
            Err(RecordError::Throttled(failure)) => {
                self.pacer.back_off();
                tracing::warn!(
                    message_id = %mail.message_id,
                    operation = failure.operation,
                    aws_error_code = failure.code.as_deref(),
                    aws_request_id = failure.request_id.as_deref(),
                    "SES throttled the send; slowing down"
                );
                Err(RecordError::Deferred {
                    reason: "SES throttled the send",
                    retry_after: self.pacer.retry_after(),
                })
            }
            Err(error) => Err(error),
        }
    }
}
