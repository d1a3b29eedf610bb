//! The notice path: each instance an AWS notice names is looked up in the store (published
//! before?), described, filtered by the ignore tag, published and remembered.

use chrono::SubsecRound;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use ore_lambda::batch::Outcome;
use ore_lambda::ports::Publish;
use ore_lambda::RecordError;
use ore_model::notice::InstanceNotice;

use super::{log_unenriched, serialize, Described, Normalizer};
use crate::decide::decide_notice;
use crate::store::StateStore;
use crate::{Decision, DescribeInstance};

/// Instances of one notice (an AWS Health event can name many) described and published at once.
const NOTICE_CONCURRENCY: usize = 8;

/// What became of one instance's notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoticeDone {
    Published,
    Ignored,
    Duplicate,
}

impl<D: DescribeInstance, P: Publish, S: StateStore> Normalizer<D, P, S> {
    /// Every instance of the event gets its notice, or the record fails as a whole and is
    /// retried: a notice published before the failure is recognised by its message id in the
    /// store and not published again.
    pub(super) async fn notices(
        &self,
        notices: Vec<InstanceNotice>,
        described: &Described<'_, D>,
    ) -> Result<Outcome, RecordError> {
        let Some(kind) = notices.first().map(|n| n.notice.kind().as_str()) else {
            return Err(RecordError::local(
                "adapt the event",
                "the adapter named no instance",
            ));
        };
        let done: Vec<NoticeDone> = stream::iter(notices)
            .map(|notice| self.notice(notice, described))
            .buffered(NOTICE_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(if done.contains(&NoticeDone::Published) {
            Outcome::Delivered { state: kind }
        } else if done.contains(&NoticeDone::Duplicate) {
            Outcome::Duplicate { state: kind }
        } else {
            Outcome::Ignored { state: kind }
        })
    }

    async fn notice(
        &self,
        notice: InstanceNotice,
        described: &Described<'_, D>,
    ) -> Result<NoticeDone, RecordError> {
        let target = &notice.target;
        let kind = notice.notice.kind().as_str();
        let id = notice.message_id();
        if self
            .store
            .notice_published(&target.instance_arn, &id)
            .await?
        {
            tracing::info!(
                message_id = %id,
                instance_id = %target.instance_id,
                kind,
                "notice already published; nothing published again"
            );
            return Ok(NoticeDone::Duplicate);
        }
        let lookup = described
            .lookup(&target.account, &target.region, &target.instance_id)
            .await?;
        log_unenriched(
            &lookup,
            &target.instance_id,
            &target.account,
            &target.region,
            Some(kind),
        );
        let now = (self.clock)();
        match decide_notice(&notice, lookup, &self.ignore, now.trunc_subsecs(3)) {
            Decision::Ignore { tag_key, tag_value } => {
                tracing::info!(
                    instance_id = %target.instance_id,
                    kind,
                    tag_key,
                    tag_value,
                    "instance is tagged to be ignored; no notice published"
                );
                Ok(NoticeDone::Ignored)
            }
            Decision::Publish(mut message) => {
                message.data.resource = message.data.resource.named(&self.accounts);
                self.publisher
                    .publish(serialize(&*message)?, &message.routing_attributes())
                    .await?;
                self.store
                    .mark_notice_published(&target.instance_arn, &message.id, message.time)
                    .await?;
                tracing::info!(
                    message_id = %message.id,
                    instance_id = %target.instance_id,
                    kind,
                    due = ?message.data.notice.due(),
                    enrichment = message.data.resource.enrichment.as_str(),
                    "notice published"
                );
                Ok(NoticeDone::Published)
            }
        }
    }
}
