//! The notice path: each resource an AWS notice names is looked up in the store (published
//! before?), described (EC2) or its tags read (the Tagging API), filtered by the ignore tag,
//! published and remembered.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::SubsecRound;
use futures_util::stream::{self, StreamExt};
use ore_lambda::batch::Outcome;
use ore_lambda::ports::Publish;
use ore_lambda::RecordError;
use ore_model::notice::{AdaptedNotice, NoticeMessage, Timeline};
use ore_model::timing::HistoryEntry;
use tokio::time::Instant;

use super::{log_unenriched, serialize, Described, Normalizer};
use crate::decide::decide_notice;
use crate::store::{Communication, StateStore};
use crate::timing::Event;
use crate::{Decision, DescribeResources};

/// Instances of one notice (an AWS Health event can name many) described and published at once.
const NOTICE_CONCURRENCY: usize = 8;
/// A long notice list (an AWS Health event naming hundreds of instances) starts new instances'
/// notices only in the first half of the time the record has left; the rest lets those under
/// way finish (each AWS call is bounded by the SDK's operation timeout). What was not started
/// goes out on the next delivery, which finds the others published (the store) and skips them.
const START_WITHIN_SHARE: u32 = 2;
/// When the record comes back to publish the rest.
const REST_AFTER: Duration = Duration::from_secs(1);

/// Whether a Health communication is the latest ORE knows of its event and resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Communicated {
    /// The latest (or not a Health notice at all): published.
    Current,
    /// A newer one went out before: not published.
    Superseded,
}

/// What became of one instance's notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoticeDone {
    Published,
    Ignored,
    Duplicate,
    /// Not started: the record's time was running out; the next delivery publishes it.
    Postponed,
}

impl<D: DescribeResources, P: Publish, S: StateStore> Normalizer<D, P, S> {
    /// Every instance of the event gets its notice, or the record fails as a whole and is
    /// retried: a notice published before the failure is recognised by its message id in the
    /// store and not published again. A list too long for the record's time is published over
    /// several deliveries the same way (at least one notice each).
    pub(super) async fn notices(
        &self,
        notices: Vec<AdaptedNotice>,
        described: &Described<'_, D>,
        deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        let Some(kind) = notices.first().map(|n| n.notice.kind().as_str()) else {
            return Err(RecordError::local(
                "adapt the event",
                "the adapter named no instance",
            ));
        };
        let now = Instant::now();
        let cutoff = now + deadline.saturating_duration_since(now) / START_WITHIN_SHARE;
        let begun = AtomicUsize::new(0);
        // Every notice under way finishes before the first failure is returned: none is cut
        // off between its publish and its record in the store.
        let results: Vec<Result<NoticeDone, RecordError>> = stream::iter(notices)
            .map(|notice| {
                let begun = &begun;
                async move {
                    if self.published_before(&notice).await? {
                        return Ok(NoticeDone::Duplicate);
                    }
                    // At least one new notice per delivery, so a long list always progresses.
                    if begun.fetch_add(1, Ordering::SeqCst) > 0 && Instant::now() >= cutoff {
                        return Ok(NoticeDone::Postponed);
                    }
                    self.notice(notice, described).await
                }
            })
            .buffered(NOTICE_CONCURRENCY)
            .collect()
            .await;
        let done: Vec<NoticeDone> = results.into_iter().collect::<Result<_, _>>()?;
        let postponed = done.iter().filter(|d| **d == NoticeDone::Postponed).count();
        if postponed > 0 {
            tracing::info!(
                kind,
                done = done.len() - postponed,
                postponed,
                "more instances than this delivery has time for; the rest on the next"
            );
            return Err(RecordError::Deferred {
                reason: "a notice naming many instances is published over several deliveries",
                retry_after: REST_AFTER,
            });
        }
        Ok(if done.contains(&NoticeDone::Published) {
            Outcome::Delivered { state: kind }
        } else if done.contains(&NoticeDone::Duplicate) {
            Outcome::Duplicate { state: kind }
        } else {
            Outcome::Ignored { state: kind }
        })
    }

    /// Whether this instance's notice went out on an earlier delivery (the store).
    async fn published_before(&self, notice: &AdaptedNotice) -> Result<bool, RecordError> {
        let target = &notice.target;
        let id = notice.message_id();
        let published = self.store.notice_published(&target.key(), &id).await?;
        if published {
            tracing::info!(
                message_id = %id,
                resource_id = %target.resource_id,
                kind = notice.notice.kind().as_str(),
                "notice already published; nothing published again"
            );
        }
        Ok(published)
    }

    /// A notice not published before: described, filtered by the ignore tag, published.
    async fn notice(
        &self,
        notice: AdaptedNotice,
        described: &Described<'_, D>,
    ) -> Result<NoticeDone, RecordError> {
        let target = &notice.target;
        let kind = notice.notice.kind().as_str();
        let (lookup, _) = described.lookup_resource(target).await?;
        log_unenriched(
            &lookup,
            &target.resource_id,
            &target.account,
            &target.region,
            Some(kind),
        );
        let now = (self.clock)();
        match decide_notice(&notice, lookup, &self.ignore, now.trunc_subsecs(3)) {
            Decision::Ignore { tag_key, tag_value } => {
                tracing::info!(
                    resource_id = %target.resource_id,
                    kind,
                    tag_key,
                    tag_value,
                    "resource is tagged to be ignored; no notice published"
                );
                Ok(NoticeDone::Ignored)
            }
            Decision::Publish(mut message) => {
                if self.mark_update(&mut message).await? == Communicated::Superseded {
                    tracing::info!(
                        message_id = %message.id,
                        resource_id = %target.resource_id,
                        kind,
                        "an older AWS Health communication arrived after a newer one; not published"
                    );
                    self.store
                        .mark_notice_published(
                            &message.data.resource.key(),
                            &message.id,
                            message.time,
                        )
                        .await?;
                    return Ok(NoticeDone::Duplicate);
                }
                match notice.notice.timeline(target) {
                    Some(timeline) => self.record_and_publish_notice(*message, timeline).await,
                    None => self.publish_notice(*message, None).await,
                }
            }
        }
    }

    /// A later communication of an AWS Health event about the resource than one that went out
    /// is its update: the message says what the earlier one told (and says it again on a retry
    /// of itself). An older one arriving after a newer one is superseded: it would mail news
    /// that is no longer true.
    async fn mark_update(&self, message: &mut NoticeMessage) -> Result<Communicated, RecordError> {
        let Some((event_arn, _)) = message.data.notice.health_event() else {
            return Ok(Communicated::Current);
        };
        let resource = message.data.resource.key();
        let earlier = self.store.last_communication(&resource, event_arn).await?;
        match earlier {
            Some(latest) if latest.time > message.time => return Ok(Communicated::Superseded),
            Some(itself) if itself.time == message.time => {
                if let Some(status) = itself.updated_from {
                    message.data.notice.updates(status);
                }
            }
            Some(earlier) => message.data.notice.updates(earlier.status),
            None => {}
        }
        Ok(Communicated::Current)
    }

    /// A timed notice: recorded in its timeline first (as an instance's state change is), then
    /// published with its timing. An event recorded and published before is a duplicate. The
    /// entry is keyed by the message id, the notice's own de-duplication key, not the
    /// EventBridge id: ECS sends copies of one task's stop under new event ids, and a copy must
    /// find the first in the timeline, not become a second stop. A message its consumers would
    /// refuse is refused before it is recorded, so it never becomes the next one's "before".
    async fn record_and_publish_notice(
        &self,
        mut message: NoticeMessage,
        timeline: Timeline,
    ) -> Result<NoticeDone, RecordError> {
        message.check()?;
        let event = Event {
            id: &message.id,
            time: message.time,
            state: timeline.state,
            message_id: &message.id,
        };
        let Some(entry) = self.record(&timeline.key, &event).await? else {
            tracing::info!(
                message_id = %message.id,
                timeline = %timeline.key,
                "notice already recorded and published in its timeline; nothing published again"
            );
            return Ok(NoticeDone::Duplicate);
        };
        message.data.timing = Some(entry.timing.clone());
        self.publish_notice(message, Some((&timeline.key, &entry)))
            .await
    }

    /// Publish one resource's notice message, then remember that it went out (and, for a timed
    /// notice, mark its timeline's entry published).
    async fn publish_notice(
        &self,
        mut message: NoticeMessage,
        recorded: Option<(&str, &HistoryEntry<String>)>,
    ) -> Result<NoticeDone, RecordError> {
        message.data.resource = message.data.resource.named(&self.accounts);
        // What a consumer would refuse goes to the dead-letter queue here, named, not there.
        message.check()?;
        self.publisher
            .publish(serialize(&message)?, &message.routing_attributes())
            .await?;
        let resource = &message.data.resource;
        // Remembered before the notice is marked published: a retry after a failure here
        // publishes again, and finds this communication (the same time) no earlier than itself.
        if let Some((event_arn, status)) = message.data.notice.health_event() {
            let communication = Communication {
                status,
                time: message.time,
                updated_from: message.data.notice.previous_status(),
            };
            self.store
                .remember_communication(&resource.key(), event_arn, communication)
                .await?;
        }
        self.store
            .mark_notice_published(&resource.key(), &message.id, message.time)
            .await?;
        if let Some((timeline, entry)) = recorded {
            self.store.mark_published(timeline, entry).await?;
        }
        let timing = message.data.timing.as_ref();
        tracing::info!(
            message_id = %message.id,
            resource_id = %resource.resource_id,
            kind = message.kind().as_str(),
            due = ?message.data.notice.due(),
            enrichment = resource.enrichment.as_str(),
            previous_state = timing.and_then(|t| t.previous_state.as_deref()),
            previous_state_seconds = timing.and_then(|t| t.previous_state_seconds),
            late = timing.is_some_and(|t| t.late),
            flapping = timing.is_some_and(|t| t.flapping.is_some()),
            "notice published"
        );
        Ok(NoticeDone::Published)
    }
}
