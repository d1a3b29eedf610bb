//! A burst of messages for the same recipients, as one mail: a summary line, a table of the state
//! changes grouped by state and account/region (name, id, type, time, console link), the notices
//! of any kind each on its subject line, and each change's details below. Its id is derived from
//! its members' message ids, so the same set always has the same id.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ore_model::ec2::InstanceState;
use ore_model::standard::StandardMessage;
use serde::Serialize;
use uuid::Uuid;

use crate::format::{console_url, human_time};
use crate::routing::Recipients;
use crate::state_change::StateChangeView;

/// The namespace of digest ids (a UUID v5 of the members' sorted message ids).
const DIGEST_NAMESPACE: Uuid = Uuid::from_u128(0x6f72_652d_6469_6765_7374_2d69_6473_0001);

/// The digest's id: the same set of messages always gets the same id, in any order.
pub fn digest_id(message_ids: &[&str]) -> String {
    let mut sorted: Vec<&str> = message_ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    Uuid::new_v5(&DIGEST_NAMESPACE, sorted.join("\n").as_bytes()).to_string()
}

/// The batch positions that go out as digests, grouped by recipients (a mail's recipient set, a
/// chat route): `digestible` holds each record's recipients when it may join a digest; recipients
/// with `threshold` or more of them get a digest. Groups keep the batch's order.
pub fn digest_groups<K: PartialEq + Copy>(
    digestible: &[Option<K>],
    threshold: usize,
) -> Vec<(K, Vec<usize>)> {
    let mut groups: Vec<(K, Vec<usize>)> = Vec::new();
    for (index, recipients) in digestible.iter().enumerate() {
        let Some(recipients) = *recipients else {
            continue;
        };
        match groups.iter_mut().find(|(r, _)| *r == recipients) {
            Some((_, members)) => members.push(index),
            None => groups.push((recipients, vec![index])),
        }
    }
    groups.retain(|(_, members)| members.len() >= threshold);
    groups
}

/// The facts the digest templates show, already formatted; the summary line and the subject are
/// `templates/words.txt`'s.
#[derive(Debug, Serialize)]
pub(crate) struct DigestView<'a> {
    /// Set by the renderer from the `digest_subject` macro (the HTML shows it as its title).
    pub subject: String,
    /// What the summary line counts.
    pub tally: Tally,
    pub count: usize,
    /// Which route this digest is for ("payments", or "default").
    pub route: &'a str,
    pub groups: Vec<Group<'a>>,
    /// Each change in full, in event time order.
    pub changes: Vec<StateChangeView<'a>>,
    /// The notices (any kind but one with a calendar entry), each on its subject line, in event
    /// time order.
    pub notices: Vec<NoticeLine>,
    pub digest_id: String,
    pub first_time: String,
    pub last_time: String,
}

/// The rows of one state in one account and region.
#[derive(Debug, Serialize)]
pub(crate) struct Group<'a> {
    pub state: &'static str,
    pub account: &'a str,
    /// `payments-prod (111122223333)`, or the id alone.
    pub account_label: String,
    pub region: &'a str,
    pub rows: Vec<Row<'a>>,
}

/// One change in the table.
#[derive(Debug, Serialize)]
pub(crate) struct Row<'a> {
    pub name: &'a str,
    pub has_name: bool,
    pub instance_id: &'a str,
    pub instance_type: &'a str,
    pub time: String,
    pub console_url: Option<String>,
    /// The change is late (history, not the current state).
    pub late: bool,
    /// The change reached the flapping threshold.
    pub flapping: bool,
}

/// A notice in a digest: its own mail's subject line, and where to read more.
#[derive(Debug, Serialize)]
pub(crate) struct NoticeLine {
    /// `volume-change`, `database-event`, ...
    pub kind: &'static str,
    /// The subject its own mail would have (`notice_subject`).
    pub subject: String,
    pub message_id: String,
    #[serde(skip)]
    pub(crate) time: DateTime<Utc>,
    pub console_url: Option<String>,
}

/// The digest's messages counted: state changes per state (terminal states first), notices per
/// kind, and the distinct regions and accounts they are in.
#[derive(Debug, Serialize)]
pub(crate) struct Tally {
    /// (state, how many), terminal states first.
    pub counts: Vec<(&'static str, usize)>,
    /// (notice kind, how many), by kind.
    pub notices: Vec<(&'static str, usize)>,
    /// How many notices in all.
    pub notice_count: usize,
    pub regions: Vec<String>,
    /// Account labels (`payments-prod (111122223333)`, or the id alone).
    pub accounts: Vec<String>,
}

impl<'a> DigestView<'a> {
    /// `notices` come as lines the renderer wrote (their subjects are `words.txt`'s), with the
    /// place of their resource, for the tally.
    pub(crate) fn new(
        messages: &[&'a StandardMessage],
        mut notices: Vec<(NoticeLine, Place)>,
        recipients: &'a Recipients,
        now: DateTime<Utc>,
    ) -> Self {
        let mut ordered: Vec<&StandardMessage> = messages.to_vec();
        ordered.sort_by(|a, b| (a.time, &a.id).cmp(&(b.time, &b.id)));
        notices.sort_by(|(a, _), (b, _)| (a.time, &a.message_id).cmp(&(b.time, &b.message_id)));
        let ids: Vec<&str> = ordered
            .iter()
            .map(|m| m.id.as_str())
            .chain(notices.iter().map(|(n, _)| n.message_id.as_str()))
            .collect();
        let tally = tally(&ordered, &notices);
        let times = ordered
            .iter()
            .map(|m| m.time)
            .chain(notices.iter().map(|(n, _)| n.time));
        let first = times.clone().min().unwrap_or(now);
        let last = times.max().unwrap_or(now);
        let digest_id = digest_id(&ids);
        DigestView {
            subject: String::new(),
            count: ordered.len() + notices.len(),
            route: recipients.route_name(),
            groups: groups(&ordered),
            changes: ordered
                .iter()
                .map(|m| StateChangeView::new(m, now))
                .collect(),
            digest_id,
            first_time: human_time(&first),
            last_time: human_time(&last),
            tally,
            notices: notices.into_iter().map(|(line, _)| line).collect(),
        }
    }
}

/// The table: one group per state, account and region (terminal states first), its rows in the
/// order of `ordered`.
fn groups<'a>(ordered: &[&'a StandardMessage]) -> Vec<Group<'a>> {
    let mut grouped: BTreeMap<(u8, &str, &str), Group<'a>> = BTreeMap::new();
    for message in ordered {
        let data = &message.data;
        let resource = &data.resource;
        let group = grouped
            .entry((
                state_order(data.state),
                resource.account.as_str(),
                resource.region.as_str(),
            ))
            .or_insert_with(|| Group {
                state: data.state.as_str(),
                account: &resource.account,
                account_label: resource.account_label(),
                region: &resource.region,
                rows: Vec::new(),
            });
        group.rows.push(Row::new(message));
    }
    grouped.into_values().collect()
}

impl<'a> Row<'a> {
    fn new(message: &'a StandardMessage) -> Self {
        let resource = &message.data.resource;
        let timing = message.data.timing.as_ref();
        Row {
            name: message.display_name(),
            has_name: message.display_name() != resource.resource_id,
            instance_id: &resource.resource_id,
            instance_type: resource
                .instance
                .as_ref()
                .and_then(|instance| instance.instance_type.as_deref())
                .unwrap_or("-"),
            time: human_time(&message.time),
            console_url: console_url(&resource.partition, &resource.region, &resource.resource_id),
            late: timing.is_some_and(|t| t.late),
            flapping: timing.is_some_and(|t| t.flapping.is_some()),
        }
    }
}

/// Terminal states first: what an operator most needs to see.
fn state_order(state: InstanceState) -> u8 {
    match state {
        InstanceState::Terminated => 0,
        InstanceState::ShuttingDown => 1,
        InstanceState::Stopped => 2,
        InstanceState::Stopping => 3,
        InstanceState::Running => 4,
        InstanceState::Pending => 5,
    }
}

/// The counts of "12 instances terminated, 3 stopped in eu-west-1, account 123456789012".
/// Where a notice's resource is, for the tally: (account label, region).
pub(crate) type Place = (String, String);

fn tally(messages: &[&StandardMessage], notices: &[(NoticeLine, Place)]) -> Tally {
    let mut per_state: BTreeMap<u8, (InstanceState, usize)> = BTreeMap::new();
    for message in messages {
        let state = message.data.state;
        per_state.entry(state_order(state)).or_insert((state, 0)).1 += 1;
    }
    let mut per_kind: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (notice, _) in notices {
        *per_kind.entry(notice.kind).or_default() += 1;
    }
    let mut accounts: Vec<String> = messages
        .iter()
        .map(|m| m.data.resource.account_label())
        .chain(notices.iter().map(|(_, (account, _))| account.clone()))
        .collect();
    let mut regions: Vec<String> = messages
        .iter()
        .map(|m| m.data.resource.region.clone())
        .chain(notices.iter().map(|(_, (_, region))| region.clone()))
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    regions.sort_unstable();
    regions.dedup();
    Tally {
        counts: per_state
            .into_values()
            .map(|(state, count)| (state.as_str(), count))
            .collect(),
        notices: per_kind.into_iter().collect(),
        notice_count: notices.len(),
        regions,
        accounts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_id_depends_on_the_set_only() {
        let a = digest_id(&["m-1", "m-2", "m-3"]);
        assert_eq!(a, digest_id(&["m-3", "m-1", "m-2"]));
        assert_eq!(a, digest_id(&["m-3", "m-1", "m-2", "m-1"]));
        assert_ne!(a, digest_id(&["m-1", "m-2"]));
        assert_eq!(a.len(), 36);
    }
}
