//! One record through the emailer: decode the standard message, render it, wait for a send slot
//! the account's rate allows, send it. A heartbeat is recorded (log line, metric) and mails no one.

use chrono::Utc;
use ore_lambda::batch::{Consumer, Outcome};
use ore_lambda::RecordError;
use ore_model::standard::StandardMessage;
use tokio::time::Instant;

use crate::pace::Pacer;
use crate::{Renderer, SendMail};

/// The emailer's record handler.
pub struct Emailer<M> {
    renderer: Renderer,
    mailer: M,
    pacer: Pacer,
}

impl<M: SendMail> Emailer<M> {
    /// An emailer that sends as fast as records come (one-off tools and tests).
    pub fn new(renderer: Renderer, mailer: M) -> Self {
        Emailer {
            renderer,
            mailer,
            pacer: Pacer::unlimited(std::time::Duration::ZERO),
        }
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

impl<M: SendMail + Sync> Consumer for Emailer<M> {
    async fn deliver(
        &self,
        message: StandardMessage,
        deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        let email = self.renderer.render(&message, Utc::now())?;
        let _turn = self.pacer.turn().await;
        let Some(slot) = self.pacer.reserve(deadline) else {
            return Err(RecordError::Deferred {
                reason: "no send slot left in this invocation at the configured sending rate",
                retry_after: self.pacer.retry_after(),
            });
        };
        tokio::time::sleep_until(slot).await;
        let state = message.data.state.as_str();
        match self.mailer.send(&email).await {
            Ok(()) => {
                tracing::info!(
                    message_id = %message.id,
                    resource_id = %message.data.resource_id,
                    state,
                    "email sent"
                );
                Ok(Outcome::Delivered { state })
            }
            Err(RecordError::Throttled(failure)) => {
                self.pacer.back_off();
                tracing::warn!(
                    message_id = %message.id,
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
