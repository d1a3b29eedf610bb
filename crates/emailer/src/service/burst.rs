//! A burst: the messages of one batch for the same recipients (state changes, and notices but
//! those with a calendar entry), at the digest threshold or above, go out as one digest; its
//! records succeed or fail together.

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use ore_lambda::batch::Outcome;
use ore_lambda::RecordError;
use ore_model::notice::NoticeMessage;
use ore_model::standard::StandardMessage;
use tokio::time::Instant;

use super::once::Mail;
use super::Emailer;
#[cfg(test)]
use crate::digest::digest_groups;
use crate::digest::digest_id;
use crate::ledger::MailLedger;
use crate::routing::Recipients;
use crate::SendMail;

/// Things with their record's position in the batch.
type Positioned<T> = Vec<(usize, T)>;

/// A message a digest may hold.
#[derive(Debug, Clone, Copy)]
pub(super) enum Member<'m> {
    /// A state change: a row of the table.
    Change(&'m StandardMessage),
    /// A notice: a line of its own (its mail's subject).
    Notice(&'m NoticeMessage),
}

impl Member<'_> {
    fn id(&self) -> &str {
        match self {
            Member::Change(m) => &m.id,
            Member::Notice(m) => &m.id,
        }
    }

    /// The state, or the notice's kind: the outcome's and the metric's dimension.
    fn label(&self) -> &'static str {
        match self {
            Member::Change(m) => m.data.state.as_str(),
            Member::Notice(m) => m.kind().as_str(),
        }
    }
}

impl<M: SendMail + Sync, L: MailLedger + Sync> Emailer<M, L> {
    /// Mail a burst to one recipient set as one digest. Every member is claimed first (one
    /// already mailed is a duplicate and left out, one claimed elsewhere waits); the claimed
    /// ones are sent together, and all succeed or all fail with the send.
    pub(super) async fn mail_digest(
        &self,
        recipients: &Recipients,
        members: Vec<(usize, Member<'_>)>,
        deadline: Instant,
    ) -> Positioned<Result<Outcome, RecordError>> {
        let now = (self.clock)();
        let (mut results, claimed) = self.claim_members(members, now).await;
        if claimed.is_empty() {
            return results;
        }
        let batch: Vec<Member<'_>> = claimed.iter().map(|(_, m)| *m).collect();
        let ids: Vec<&str> = batch.iter().map(Member::id).collect();
        let digest = digest_id(&ids);
        let route = recipients.route_name();
        match self
            .send_digest(&digest, recipients, &batch, now, deadline)
            .await
        {
            Ok(()) => {
                tracing::info!(digest_id = %digest, route, messages = batch.len(), message_ids = ?ids, "digest sent");
                join_all(ids.iter().map(|id| self.confirm(id))).await;
                results.extend(
                    claimed
                        .iter()
                        .map(|(index, m)| (*index, Ok(Outcome::Delivered { state: m.label() }))),
                );
            }
            Err(error) => {
                tracing::warn!(
                    digest_id = %digest,
                    route,
                    messages = batch.len(),
                    error_kind = error.kind(),
                    "digest not sent; each of its records fails and is retried"
                );
                let released = join_all(ids.iter().map(|id| self.ledger.release(id))).await;
                for ((index, _), release) in claimed.iter().zip(released) {
                    results.push((*index, Err(release.err().unwrap_or_else(|| error.shared()))));
                }
            }
        }
        results
    }

    /// Each member claimed in the ledger: the results of those that are done already
    /// (duplicates, or waiting on another attempt's claim), and the members claimed for this
    /// digest.
    async fn claim_members<'m>(
        &self,
        members: Vec<(usize, Member<'m>)>,
        now: DateTime<Utc>,
    ) -> (
        Positioned<Result<Outcome, RecordError>>,
        Positioned<Member<'m>>,
    ) {
        let claims = join_all(
            members
                .iter()
                .map(|(_, m)| self.claim(m.id(), m.label(), now)),
        )
        .await;
        let mut done = Vec::with_capacity(members.len());
        let mut claimed = Vec::with_capacity(members.len());
        for ((index, message), claim) in members.into_iter().zip(claims) {
            match claim {
                Ok(None) => claimed.push((index, message)),
                Ok(Some(outcome)) => done.push((index, Ok(outcome))),
                Err(error) => done.push((index, Err(error))),
            }
        }
        (done, claimed)
    }

    /// The claimed members rendered as one digest and sent; redelivered members drop out of
    /// the set, so one left is mailed as the message it is.
    async fn send_digest(
        &self,
        digest: &str,
        recipients: &Recipients,
        batch: &[Member<'_>],
        now: DateTime<Utc>,
        deadline: Instant,
    ) -> Result<(), RecordError> {
        let email = match batch {
            [Member::Change(single)] => self.renderer.render(single, now)?,
            [Member::Notice(single)] => self.renderer.render_notice(single, now)?,
            _ => {
                let changes: Vec<&StandardMessage> = batch
                    .iter()
                    .filter_map(|m| match m {
                        Member::Change(change) => Some(*change),
                        Member::Notice(_) => None,
                    })
                    .collect();
                let notices: Vec<&NoticeMessage> = batch
                    .iter()
                    .filter_map(|m| match m {
                        Member::Notice(notice) => Some(*notice),
                        Member::Change(_) => None,
                    })
                    .collect();
                self.renderer
                    .render_digest(&changes, &notices, recipients, now)?
            }
        };
        let mail = Mail {
            message_id: digest,
            resource_id: "",
            state: "digest",
            recipients,
            email,
        };
        self.send(&mail, deadline).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipients(route: &str) -> Recipients {
        Recipients {
            route: Some(route.to_owned()),
            to: vec![format!("{route}@example.com")],
        }
    }

    #[test]
    fn only_recipient_sets_at_the_threshold_get_a_digest_and_the_undigestible_stay_out() {
        let (payments, data) = (recipients("payments"), recipients("data"));
        // Positions 2 and 5 are a scheduled change (its calendar entry) and a heartbeat: never
        // part of a digest.
        let batch = [
            Some(&payments),
            Some(&data),
            None,
            Some(&payments),
            Some(&payments),
            None,
            Some(&data),
        ];
        assert_eq!(digest_groups(&batch, 3), [(&payments, vec![0, 3, 4])]);
        assert_eq!(
            digest_groups(&batch, 2),
            [(&payments, vec![0, 3, 4]), (&data, vec![1, 6])]
        );
        assert!(digest_groups(&batch, 4).is_empty());
    }
}
