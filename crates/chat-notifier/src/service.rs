//! A batch through the chat-notifier: each message is routed to a channel (configuration only);
//! messages for the same channel reaching the digest threshold in one batch become one digest
//! post, as for mail, and every other message one post. A digest's records succeed or fail
//! together. A heartbeat is recorded (log line, metric) and posts nothing.

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use ore_lambda::batch::{Consumer, Outcome, Record};
use ore_lambda::RecordError;
use ore_model::message::OreMessage;
use ore_model::notice::NoticeMessage;
use ore_model::standard::StandardMessage;
use tokio::time::Instant;

use crate::compose::Composer;
use crate::notification::CustomNotification;
use crate::post::PostToChannel;
use crate::routes::{ChatRoute, ChatRoutes};

/// The emailer's default: five messages for one channel in a batch make a digest.
pub const DEFAULT_DIGEST_THRESHOLD: usize = 5;

/// The chat-notifier's record handler.
pub struct ChatNotifier<P> {
    composer: Composer,
    channels: P,
    routes: ChatRoutes,
    digest_threshold: usize,
    clock: fn() -> DateTime<Utc>,
}

impl<P: PostToChannel + Sync> ChatNotifier<P> {
    /// A notifier posting through `channels` as `routes` says.
    pub fn new(composer: Composer, channels: P, routes: ChatRoutes) -> Self {
        ChatNotifier {
            composer,
            channels,
            routes,
            digest_threshold: DEFAULT_DIGEST_THRESHOLD,
            clock: Utc::now,
        }
    }

    /// The same notifier posting one digest for `threshold` or more messages to one channel in a batch.
    pub fn with_digest_threshold(mut self, threshold: usize) -> Self {
        self.digest_threshold = threshold.max(2);
        self
    }

    /// The same notifier reading the time from `clock`.
    pub fn with_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.clock = clock;
        self
    }

    /// The channels port (tests inspect their fakes through it).
    pub fn channels(&self) -> &P {
        &self.channels
    }

    async fn send(&self, route: &ChatRoute, post: &CustomNotification) -> Result<(), RecordError> {
        self.channels.post(&route.topic_arn, post).await?;
        tracing::info!(post_id = %post.id, route = route.route_name(), event_type = %post.metadata.event_type,
            "posted to chat");
        Ok(())
    }

    async fn post_change(&self, message: &StandardMessage) -> Result<Outcome, RecordError> {
        let route = self.routes.route(&message.data.resource);
        let post = self.composer.state_change(message, (self.clock)())?;
        self.send(route, &post).await?;
        Ok(Outcome::Delivered {
            state: message.data.state.as_str(),
        })
    }

    async fn post_notice(&self, message: &NoticeMessage) -> Result<Outcome, RecordError> {
        let route = self.routes.route(&message.data.resource);
        let post = self.composer.notice(message, (self.clock)())?;
        self.send(route, &post).await?;
        Ok(Outcome::Delivered {
            state: message.kind().as_str(),
        })
    }

    async fn post_one(&self, message: &OreMessage) -> Result<Outcome, RecordError> {
        match message {
            OreMessage::StateChanged(m) => self.post_change(m).await,
            OreMessage::Notice(m) => self.post_notice(m).await,
            OreMessage::Heartbeat(heartbeat) => Ok(Outcome::heartbeat_seen(heartbeat, Utc::now())),
        }
    }

    /// One post for a burst; every member's record gets its result.
    async fn post_digest(
        &self,
        route: &ChatRoute,
        members: &[(usize, &OreMessage)],
    ) -> Vec<(usize, Result<Outcome, RecordError>)> {
        let changes: Vec<&StandardMessage> = members
            .iter()
            .filter_map(|(_, m)| match m {
                OreMessage::StateChanged(m) => Some(m.as_ref()),
                _ => None,
            })
            .collect();
        let notices: Vec<&NoticeMessage> = members
            .iter()
            .filter_map(|(_, m)| match m {
                OreMessage::Notice(m) => Some(m.as_ref()),
                _ => None,
            })
            .collect();
        let sent = match self
            .composer
            .digest(&changes, &notices, route, (self.clock)())
        {
            Ok(post) => self.send(route, &post).await,
            Err(error) => Err(error),
        };
        members
            .iter()
            .map(|(index, message)| {
                let result = match &sent {
                    Ok(()) => Ok(Outcome::Delivered {
                        state: match message {
                            OreMessage::StateChanged(m) => m.data.state.as_str(),
                            OreMessage::Notice(m) => m.kind().as_str(),
                            OreMessage::Heartbeat(_) => "heartbeat",
                        },
                    }),
                    Err(error) => Err(error.shared()),
                };
                (*index, result)
            })
            .collect()
    }
}

impl<P: PostToChannel + Sync> Consumer for ChatNotifier<P> {
    async fn deliver(
        &self,
        message: StandardMessage,
        _deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        self.post_change(&message).await
    }

    async fn deliver_notice(
        &self,
        message: NoticeMessage,
        _deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        self.post_notice(&message).await
    }

    async fn deliver_batch(
        &self,
        records: Vec<Record<OreMessage>>,
        _deadline: Instant,
    ) -> Vec<Result<Outcome, RecordError>> {
        let routed: Vec<Option<&ChatRoute>> = records
            .iter()
            .map(|record| match &record.input {
                OreMessage::StateChanged(m) => Some(self.routes.route(&m.data.resource)),
                OreMessage::Notice(m) => Some(self.routes.route(&m.data.resource)),
                OreMessage::Heartbeat(_) => None,
            })
            .collect();
        let digests = emailer::digest::digest_groups(&routed, self.digest_threshold);
        let in_digest = |index: usize| digests.iter().any(|(_, members)| members.contains(&index));
        let singles = records
            .iter()
            .enumerate()
            .filter(|(index, _)| !in_digest(*index))
            .map(|(index, record)| {
                let span = tracing::info_span!("record", message_id = record.message_id.as_str());
                let future = self.post_one(&record.input);
                async move { vec![(index, tracing::Instrument::instrument(future, span).await)] }
            });
        let bursts = digests.iter().map(|(route, members)| {
            let members: Vec<(usize, &OreMessage)> =
                members.iter().map(|&i| (i, &records[i].input)).collect();
            async move { self.post_digest(route, &members).await }
        });
        let (singles, bursts) =
            futures_util::future::join(join_all(singles), join_all(bursts)).await;
        let mut results: Vec<Option<Result<Outcome, RecordError>>> =
            records.iter().map(|_| None).collect();
        for (index, result) in singles.into_iter().chain(bursts).flatten() {
            results[index] = Some(result);
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(RecordError::local("post the record", "no result"))))
            .collect()
    }
}
