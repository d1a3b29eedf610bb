//! A batch through the emailer. Each message is routed to its recipients (configuration only);
//! state changes for the same recipients reaching the digest threshold in one batch become one
//! digest, every other message one mail. Each message is claimed in the mail ledger (at most one
//! mail per message id), each mail waits for a send slot the account's rate allows, is sent and
//! confirmed. A digest's records succeed or fail together. A heartbeat is recorded (log line,
//! metric) and mails no one.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use ore_lambda::batch::{Consumer, Outcome, Record};
use ore_lambda::RecordError;
use ore_model::message::OreMessage;
use ore_model::notice::NoticeMessage;
use ore_model::standard::StandardMessage;
use tokio::time::Instant;
use tracing::Instrument;

use crate::config::DEFAULT_DIGEST_THRESHOLD;
use crate::digest::digest_id;
use crate::ledger::{Claim, MailLedger};
use crate::pace::Pacer;
use crate::routing::{Recipients, RoutingTable};
use crate::{Renderer, SendMail};

/// The default claim lease: longer than the emailer's function timeout (template.yaml).
pub const DEFAULT_CLAIM_LEASE: Duration = Duration::from_secs(120);

/// The emailer's record handler.
pub struct Emailer<M, L> {
    renderer: Renderer,
    mailer: M,
    ledger: L,
    routing: RoutingTable,
    digest_threshold: usize,
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
    /// An emailer mailing as `routing` says, as fast as records come (one-off tools and tests).
    pub fn new(renderer: Renderer, mailer: M, ledger: L, routing: RoutingTable) -> Self {
        Emailer {
            renderer,
            mailer,
            ledger,
            routing,
            digest_threshold: DEFAULT_DIGEST_THRESHOLD,
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

    /// The same emailer sending one digest for `threshold` or more state changes to the same
    /// recipients in a batch.
    pub fn with_digest_threshold(mut self, threshold: usize) -> Self {
        self.digest_threshold = threshold.max(2);
        self
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
        let recipients = self.routing.route(&message.data.resource);
        let mail = Mail {
            message_id: &message.id,
            resource_id: &message.data.resource.resource_id,
            state: message.data.state.as_str(),
            recipients,
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
        let recipients = self.routing.route(&message.data.resource);
        let mail = Mail {
            message_id: &message.id,
            resource_id: &message.data.resource.resource_id,
            state: message.kind().as_str(),
            recipients,
            email,
        };
        self.mail_once(mail, now, deadline).await
    }

    async fn deliver_batch(
        &self,
        records: Vec<Record<OreMessage>>,
        deadline: Instant,
    ) -> Vec<Result<Outcome, RecordError>> {
        // State changes grouped by recipients; a group at the threshold becomes one digest.
        let mut groups: Vec<(&Recipients, Vec<usize>)> = Vec::new();
        for (index, record) in records.iter().enumerate() {
            if let OreMessage::StateChanged(message) = &record.input {
                let recipients = self.routing.route(&message.data.resource);
                match groups.iter_mut().find(|(r, _)| *r == recipients) {
                    Some((_, members)) => members.push(index),
                    None => groups.push((recipients, vec![index])),
                }
            }
        }
        let digests: Vec<(&Recipients, Vec<usize>)> = groups
            .into_iter()
            .filter(|(_, members)| members.len() >= self.digest_threshold)
            .collect();
        let in_digest = |index: usize| digests.iter().any(|(_, m)| m.contains(&index));

        let mut singles = Vec::new();
        let mut messages: Vec<Option<StandardMessage>> = Vec::with_capacity(records.len());
        for (index, record) in records.into_iter().enumerate() {
            match record.input {
                OreMessage::StateChanged(message) if in_digest(index) => {
                    messages.push(Some(*message));
                }
                input => {
                    messages.push(None);
                    singles.push((index, record.message_id, input));
                }
            }
        }
        let mut results: Vec<Option<Result<Outcome, RecordError>>> =
            messages.iter().map(|_| None).collect();
        let single_runs = singles.into_iter().map(|(index, message_id, input)| {
            let span = tracing::info_span!("record", message_id = message_id.as_str());
            async move {
                let result =
                    ore_lambda::batch::RecordHandler::handle_record(self, input, deadline).await;
                vec![(index, result)]
            }
            .instrument(span)
        });
        let messages = &messages;
        let digest_runs = digests.iter().map(|(recipients, members)| {
            let members: Vec<(usize, &StandardMessage)> = members
                .iter()
                .filter_map(|&i| Some((i, messages[i].as_ref()?)))
                .collect();
            self.mail_digest(recipients, members, deadline)
        });
        let (single_results, digest_results) =
            futures_util::future::join(join_all(single_runs), join_all(digest_runs)).await;
        for (index, result) in single_results.into_iter().chain(digest_results).flatten() {
            results[index] = Some(result);
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(RecordError::local("mail the record", "no result"))))
            .collect()
    }
}

/// One rendered mail and what names it in the ledger, logs and metrics.
struct Mail<'a> {
    message_id: &'a str,
    resource_id: &'a str,
    /// The state, or the notice's kind: a metric dimension.
    state: &'static str,
    recipients: &'a Recipients,
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

    /// Mail a burst to one recipient set as one digest. Every member is claimed first (one
    /// already mailed is a duplicate and left out, one claimed elsewhere waits); the claimed
    /// ones are sent together, and all succeed or all fail with the send.
    async fn mail_digest(
        &self,
        recipients: &Recipients,
        members: Vec<(usize, &StandardMessage)>,
        deadline: Instant,
    ) -> Vec<(usize, Result<Outcome, RecordError>)> {
        let now = (self.clock)();
        let claims = join_all(
            members
                .iter()
                .map(|(_, m)| self.claim(&m.id, m.data.state.as_str(), now)),
        )
        .await;
        let mut results = Vec::with_capacity(members.len());
        let mut claimed = Vec::with_capacity(members.len());
        for ((index, message), claim) in members.into_iter().zip(claims) {
            match claim {
                Ok(None) => claimed.push((index, message)),
                Ok(Some(outcome)) => results.push((index, Ok(outcome))),
                Err(error) => results.push((index, Err(error))),
            }
        }
        if claimed.is_empty() {
            return results;
        }
        let batch: Vec<&StandardMessage> = claimed.iter().map(|(_, m)| *m).collect();
        let ids: Vec<&str> = batch.iter().map(|m| m.id.as_str()).collect();
        let digest = digest_id(&ids);
        // Redelivered members drop out of the set: one left is mailed as the change it is.
        let rendered = match batch.as_slice() {
            [single] => self.renderer.render(single, now),
            _ => self.renderer.render_digest(&batch, recipients, now),
        };
        let sent = match rendered {
            Ok(email) => {
                let mail = Mail {
                    message_id: &digest,
                    resource_id: "",
                    state: "digest",
                    recipients,
                    email,
                };
                self.send(&mail, deadline).await
            }
            Err(error) => Err(error),
        };
        match sent {
            Ok(()) => {
                tracing::info!(
                    digest_id = %digest,
                    route = recipients.route_name(),
                    messages = batch.len(),
                    message_ids = ?ids,
                    "digest sent"
                );
                join_all(ids.iter().map(|id| self.confirm(id))).await;
                results.extend(claimed.iter().map(|(index, m)| {
                    (
                        *index,
                        Ok(Outcome::Delivered {
                            state: m.data.state.as_str(),
                        }),
                    )
                }));
            }
            Err(error) => {
                tracing::warn!(
                    digest_id = %digest,
                    route = recipients.route_name(),
                    messages = batch.len(),
                    error_kind = error.kind(),
                    "digest not sent; each of its records fails and is retried"
                );
                let released = join_all(ids.iter().map(|id| self.ledger.release(id))).await;
                for ((index, _), release) in claimed.iter().zip(released) {
                    let failure = match release {
                        Ok(()) => error.shared(),
                        Err(release_error) => release_error,
                    };
                    results.push((*index, Err(failure)));
                }
            }
        }
        results
    }

    /// Claim `message` for this attempt: `None` when granted, or the outcome when it was mailed
    /// before; an error when another attempt holds it.
    async fn claim(
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
    async fn confirm(&self, message: &str) {
        if let Err(error) = self.ledger.confirm(message).await {
            tracing::warn!(
                message_id = %message,
                error = %ore_lambda::error::Chain(&error),
                "mail sent, but the ledger could not mark it sent"
            );
        }
    }

    async fn send(&self, mail: &Mail<'_>, deadline: Instant) -> Result<(), RecordError> {
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
