//! A batch through the emailer. Each message is routed once to its recipients (configuration only);
//! state changes for the same recipients reaching the digest threshold in one batch become one
//! digest, every other message one mail. Each message is claimed in the mail ledger (at most one
//! mail per message id), each mail waits for a send slot the account's rate allows, is sent and
//! confirmed. A digest's records succeed or fail together. A heartbeat is recorded (log line,
//! metric) and mails no one.

//!
//! - [`once`]: one mail, sent at most once (the ledger's claim, the pace, the send, the confirmation);
//! - [`burst`]: which state changes of a batch become digests, and a digest's send.

mod burst;
mod once;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use ore_lambda::batch::{Consumer, Outcome, Record};
use ore_lambda::RecordError;
use ore_model::heartbeat::HeartbeatMessage;
use ore_model::message::OreMessage;
use ore_model::notice::NoticeMessage;
use ore_model::standard::StandardMessage;
use tokio::time::Instant;
use tracing::Instrument;

use crate::config::DEFAULT_DIGEST_THRESHOLD;
use crate::ledger::MailLedger;
use crate::pace::Pacer;
use crate::render::has_calendar;
use crate::routing::{Recipients, RoutingTable};
use crate::{Renderer, SendMail};

use once::Mail;

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

/// A message with the recipients routing gave it: each message of a batch is routed once.
enum Routed<'a> {
    StateChange(Box<StandardMessage>, &'a Recipients),
    Notice(Box<NoticeMessage>, &'a Recipients),
    Heartbeat(Box<HeartbeatMessage>),
}

impl<M: SendMail + Sync, L: MailLedger + Sync> Emailer<M, L> {
    fn route(&self, message: OreMessage) -> Routed<'_> {
        match message {
            OreMessage::StateChanged(message) => {
                let recipients = self.routing.route(&message.data.resource);
                Routed::StateChange(message, recipients)
            }
            OreMessage::Notice(message) => {
                let recipients = self.routing.route(&message.data.resource);
                Routed::Notice(message, recipients)
            }
            OreMessage::Heartbeat(heartbeat) => Routed::Heartbeat(heartbeat),
        }
    }

    /// One message in a mail of its own; a heartbeat is recorded and mails no one.
    async fn mail_alone(
        &self,
        message: &Routed<'_>,
        deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        let now = (self.clock)();
        let mail = match message {
            Routed::StateChange(message, recipients) => Mail {
                message_id: &message.id,
                resource_id: &message.data.resource.resource_id,
                state: message.data.state.as_str(),
                recipients,
                email: self.renderer.render(message, now)?,
            },
            Routed::Notice(message, recipients) => Mail {
                message_id: &message.id,
                resource_id: &message.data.resource.resource_id,
                state: message.kind().as_str(),
                recipients,
                email: self.renderer.render_notice(message, now)?,
            },
            Routed::Heartbeat(heartbeat) => {
                return Ok(Outcome::heartbeat_seen(heartbeat, Utc::now()));
            }
        };
        self.mail_once(mail, now, deadline).await
    }
}

impl<M: SendMail + Sync, L: MailLedger + Sync> Consumer for Emailer<M, L> {
    async fn deliver(
        &self,
        message: StandardMessage,
        deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        let routed = self.route(OreMessage::StateChanged(Box::new(message)));
        self.mail_alone(&routed, deadline).await
    }

    async fn deliver_notice(
        &self,
        message: NoticeMessage,
        deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        let routed = self.route(OreMessage::Notice(Box::new(message)));
        self.mail_alone(&routed, deadline).await
    }

    async fn deliver_batch(
        &self,
        records: Vec<Record<OreMessage>>,
        deadline: Instant,
    ) -> Vec<Result<Outcome, RecordError>> {
        let routed: Vec<(String, Routed<'_>)> = records
            .into_iter()
            .map(|record| (record.message_id, self.route(record.input)))
            .collect();
        // A notice with a calendar entry (a scheduled change's window) keeps its own mail: a
        // digest carries no attachment.
        let digestible: Vec<Option<&Recipients>> = routed
            .iter()
            .map(|(_, message)| match message {
                Routed::StateChange(_, recipients) => Some(*recipients),
                Routed::Notice(notice, recipients) if !has_calendar(notice) => Some(*recipients),
                Routed::Notice(..) | Routed::Heartbeat(_) => None,
            })
            .collect();
        let digests = crate::digest::digest_groups(&digestible, self.digest_threshold);
        let in_digest = |index: usize| digests.iter().any(|(_, m)| m.contains(&index));

        let single_runs = routed
            .iter()
            .enumerate()
            .filter(|(index, _)| !in_digest(*index))
            .map(|(index, (message_id, message))| {
                let span = tracing::info_span!("record", message_id = message_id.as_str());
                async move { vec![(index, self.mail_alone(message, deadline).await)] }
                    .instrument(span)
            });
        let digest_runs = digests.iter().map(|(recipients, members)| {
            let members: Vec<(usize, burst::Member<'_>)> = members
                .iter()
                .filter_map(|&index| match &routed[index].1 {
                    Routed::StateChange(message, _) => {
                        Some((index, burst::Member::Change(message)))
                    }
                    Routed::Notice(message, _) => Some((index, burst::Member::Notice(message))),
                    Routed::Heartbeat(_) => None,
                })
                .collect();
            self.mail_digest(recipients, members, deadline)
        });
        let (single_results, digest_results) =
            futures_util::future::join(join_all(single_runs), join_all(digest_runs)).await;
        let mut results: Vec<Option<Result<Outcome, RecordError>>> =
            routed.iter().map(|_| None).collect();
        for (index, result) in single_results.into_iter().chain(digest_results).flatten() {
            results[index] = Some(result);
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(RecordError::local("mail the record", "no result"))))
            .collect()
    }
}
