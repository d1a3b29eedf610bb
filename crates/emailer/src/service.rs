//! One record through the emailer: decode the standard message, render it, claim it in the mail
//! ledger (at most one mail per message id), wait for a send slot the account's rate allows,
//! send it, confirm it. A heartbeat is recorded (log line, metric) and mails no one.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ore_lambda::batch::{Consumer, Outcome};
use ore_lambda::ports::{Claim, MailLedger};
use ore_lambda::RecordError;
use ore_model::notice::NoticeMessage;
use ore_model::standard::StandardMessage;
use tokio::time::Instant;

use crate::pace::Pacer;
use crate::{Renderer, SendMail};

/// The default claim lease: longer than the emailer's function timeout (template.yaml).
pub const DEFAULT_CLAIM_LEASE: Duration = Duration::from_secs(120);

/// The emailer's record handler.
pub struct Emailer<M, L> {
    renderer: Renderer,
    mailer: M,
    ledger: L,
    claim_lease: Duration,
    pacer: Pacer,
    clock: fn() -> DateTime<Utc>,
}

/// Why a message with an unconfirmed claim older than the lease is not mailed again.
#[derive(Debug, thiserror::Error)]
#[error(
    "an earlier attempt claimed this mail at {claimed_at} and never confirmed it: it may or may \
     not have been sent, and is not sent again (at most one mail per message)"
)]
pub struct Unconfirmed {
    /// When the earlier attempt claimed it.
    pub claimed_at: DateTime<Utc>,
}

impl<M: SendMail, L: MailLedger> Emailer<M, L> {
    /// An emailer that sends as fast as records come (one-off tools and tests).
    pub fn new(renderer: Renderer, mailer: M, ledger: L) -> Self {
        Emailer {
            renderer,
            mailer,
            ledger,
            claim_lease: DEFAULT_CLAIM_LEASE,
            pacer: Pacer::unlimited(std::time::Duration::ZERO),
            clock: Utc::now,
        }
    }

    /// The ledger port.
    pub fn ledger(&self) -> &L {
        &self.ledger
    }

    /// The same emailer taking unconfirmed claims older than `lease` as abandoned.
    pub fn with_claim_lease(mut self, lease: Duration) -> Self {
        self.claim_lease = lease;
        self
    }

    /// The same emailer reading the time from `clock`.
    pub fn with_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.clock = clock;
        self
    }

    /// The mail port (tests inspect their fakes through it).
    pub fn mailer(&self) -> &M {
        &self.mailer
    }

    /// The same emailer, sending at the pace `pacer` allows.
    pub fn with_pacer(mut self, pacer: Pacer) -> Self {
        self.pacer = pacer;
        self
    }
}

impl<M: SendMail + Sync, L: MailLedger + Sync> Consumer for Emailer<M, L> {
    async fn deliver(
        &self,
        message: StandardMessage,
        deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        let now = (self.clock)();
        let email = self.renderer.render(&message, now)?;
        let mail = Mail {
            message_id: &message.id,
            resource_id: &message.data.resource.resource_id,
            state: message.data.state.as_str(),
            email,
        };
        self.mail_once(mail, now, deadline).await
    }

    async fn deliver_notice(
        &self,
        message: NoticeMessage,
        deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        let now = (self.clock)();
        let email = self.renderer.render_notice(&message, now)?;
        let mail = Mail {
            message_id: &message.id,
            resource_id: &message.data.resource.resource_id,
            state: message.kind().as_str(),
            email,
        };
        self.mail_once(mail, now, deadline).await
    }
}

/// One rendered mail and what names it in the ledger, logs and metrics.
struct Mail<'a> {
    message_id: &'a str,
    resource_id: &'a str,
    /// The state, or the notice's kind: a metric dimension.
    state: &'static str,
    email: crate::RenderedEmail,
}

impl<M: SendMail + Sync, L: MailLedger + Sync> Emailer<M, L> {
    /// Claim the message in the ledger, send, confirm: at most one mail per message id.
    async fn mail_once(
        &self,
        mail: Mail<'_>,
        now: DateTime<Utc>,
        deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        let message = mail.message_id;
        let state = mail.state;
        match self.ledger.claim(message, now).await? {
            Claim::Granted => {}
            Claim::Sent => {
                tracing::info!(
                    message_id = %message,
                    state,
                    "mail for this message was sent before; not sent again"
                );
                return Ok(Outcome::Duplicate { state });
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
                return Err(RecordError::local(
                    "send the mail at most once",
                    Unconfirmed { claimed_at },
                ));
            }
        }
        match self.send(&mail, deadline).await {
            Ok(outcome) => {
                if let Err(error) = self.ledger.confirm(message).await {
                    // Sent: the claim stays and still keeps a redelivery from mailing again.
                    tracing::warn!(
                        message_id = %message,
                        error = %ore_lambda::error::Chain(&error),
                        "mail sent, but the ledger could not mark it sent"
                    );
                }
                Ok(outcome)
            }
            Err(error) => {
                // Nothing went out: give the claim back so the retry can send.
                self.ledger.release(message).await?;
                Err(error)
            }
        }
    }

    async fn send(&self, mail: &Mail<'_>, deadline: Instant) -> Result<Outcome, RecordError> {
        let _turn = self.pacer.turn().await;
        let Some(slot) = self.pacer.reserve(deadline) else {
            return Err(RecordError::Deferred {
                reason: "no send slot left in this invocation at the configured sending rate",
                retry_after: self.pacer.retry_after(),
            });
        };
        tokio::time::sleep_until(slot).await;
        let state = mail.state;
        match self.mailer.send(&mail.email).await {
            Ok(()) => {
                tracing::info!(
                    message_id = %mail.message_id,
                    resource_id = %mail.resource_id,
                    state,
                    attachments = mail.email.attachments.len(),
                    "email sent"
                );
                Ok(Outcome::Delivered { state })
            }
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
