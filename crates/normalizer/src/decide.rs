//! The business rule, free of I/O: given a state change and what EC2 knows of the instance,
//! publish a standard message, ignore the instance, or ask EC2 again in a moment.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ore_model::ec2::Ec2StateChange;
use ore_model::notice::{AdaptedNotice, NoticeMessage};
use ore_model::resource::{InstanceDetails, Lookup};
use ore_model::standard::StandardMessage;

/// Which tag opts an instance out of ORE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    /// Exact tag key; empty disables the rule.
    key: String,
    /// Compared case-insensitively; `None` means any value of the key ignores the instance.
    value: Option<String>,
}

impl IgnoreRule {
    /// Instances tagged `key` = `value` (case-insensitive; an empty value matches any) are ignored.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        let value = value.into().trim().to_owned();
        IgnoreRule {
            key: key.into().trim().to_owned(),
            value: (!value.is_empty()).then_some(value),
        }
    }

    /// The matching tag `(key, value)`, when the tags say to ignore the instance.
    pub fn matching<'t>(&self, tags: &'t BTreeMap<String, String>) -> Option<(&'t str, &'t str)> {
        if self.key.is_empty() {
            return None;
        }
        let (key, value) = tags.get_key_value(&self.key)?;
        let wanted = match &self.value {
            None => true,
            Some(expected) => value.trim().eq_ignore_ascii_case(expected),
        };
        wanted.then_some((key.as_str(), value.as_str()))
    }
}

/// What to do with one event about one instance.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision<M = StandardMessage> {
    /// Publish this message.
    Publish(Box<M>),
    /// Publish nothing: the instance carries the ignore tag.
    Ignore {
        /// The tag's key.
        tag_key: String,
        /// Its value on the instance.
        tag_value: String,
    },
}

/// An instance EC2 no longer knows, or whose account cannot be asked, is still published,
/// marked not enriched: its ignore tag cannot be read.
pub fn decide(
    change: &Ec2StateChange,
    lookup: impl Into<Lookup>,
    rule: &IgnoreRule,
    processed_at: DateTime<Utc>,
) -> Decision {
    let lookup = lookup.into();
    if let Some((key, value)) = lookup.tags().and_then(|tags| rule.matching(tags)) {
        return Decision::Ignore {
            tag_key: key.to_owned(),
            tag_value: value.to_owned(),
        };
    }
    Decision::Publish(Box::new(StandardMessage::new(change, lookup, processed_at)))
}

/// The same rule for a notice (scheduled change, Spot warning, rebalance recommendation): an
/// instance tagged to be ignored gets no notice either; one EC2 no longer knows is published
/// marked not enriched.
pub fn decide_notice(
    notice: &AdaptedNotice,
    lookup: impl Into<Lookup>,
    rule: &IgnoreRule,
    processed_at: DateTime<Utc>,
) -> Decision<NoticeMessage> {
    let lookup = lookup.into();
    if let Some((key, value)) = lookup.tags().and_then(|tags| rule.matching(tags)) {
        return Decision::Ignore {
            tag_key: key.to_owned(),
            tag_value: value.to_owned(),
        };
    }
    Decision::Publish(Box::new(NoticeMessage::new(notice, lookup, processed_at)))
}

/// EC2's API is eventually consistent: right after launch `DescribeInstances` may not know an
/// instance yet, and tooling that tags after launch leaves a moment without tags. Within the
/// settle time of the event such a lookup is retried rather than published degraded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settling {
    /// How long after the event's time an unknown instance is still asked about again.
    pub settle_time: Duration,
    /// Also wait (within the settle time) for tags on an instance launched moments ago.
    pub wait_for_tags: bool,
}

impl Default for Settling {
    /// A minute covers EC2's usual lag; tags are not waited for.
    fn default() -> Self {
        Settling {
            settle_time: Duration::from_secs(60),
            wait_for_tags: false,
        }
    }
}

/// The shortest wait before a not-yet-settled lookup is tried again.
pub const RETRY_DELAY: Duration = Duration::from_secs(10);
/// A lookup is retried at most about this many times within the settle time: each retry is a
/// receive, and the queue dead-letters after its maxReceiveCount (template.yaml).
pub const MAX_SETTLE_RETRIES: u32 = 6;

impl Settling {
    /// The wait between lookups: at least [`RETRY_DELAY`], and long enough that the settle
    /// time takes no more than [`MAX_SETTLE_RETRIES`] of them.
    pub fn retry_step(&self) -> Duration {
        (self.settle_time / MAX_SETTLE_RETRIES).max(RETRY_DELAY)
    }
}

/// Whether to use this lookup now, or ask EC2 again after the returned delay.
pub fn settle(
    change: &Ec2StateChange,
    instance: Option<&InstanceDetails>,
    settling: Settling,
    now: DateTime<Utc>,
) -> Option<Duration> {
    let age = (now - change.time).to_std().unwrap_or(Duration::ZERO);
    let left = settling.settle_time.checked_sub(age)?;
    if left.is_zero() {
        return None;
    }
    let waiting = match instance {
        None => true,
        Some(details) => {
            let launched_recently = details.launch_time.is_some_and(|launch| {
                (now - launch).to_std().unwrap_or(Duration::ZERO) < settling.settle_time
            });
            settling.wait_for_tags && details.tags.is_empty() && launched_recently
        }
    };
    waiting.then(|| left.min(settling.retry_step()))
}

#[cfg(test)]
mod tests {
    use ore_model::ec2::InstanceState;
    use ore_model::resource::EnrichmentStatus;
    use serde_json::json;

    use super::*;
    use ore_model::Payload;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn change() -> Ec2StateChange {
        Ec2StateChange::from_payload(json!({
            "version": "0", "id": "ev-1", "detail-type": "EC2 Instance State-change Notification",
            "source": "aws.ec2", "account": "123456789012", "time": "2026-11-26T09:10:00Z",
            "region": "eu-west-1", "resources": [],
            "detail": {"instance-id": "i-0abc1234def567890", "state": "stopped"}
        }))
        .unwrap()
    }

    fn instance(tag_pairs: &[(&str, &str)]) -> InstanceDetails {
        InstanceDetails {
            name: Some("web-01".into()),
            tags: tags(tag_pairs),
            ..InstanceDetails::default()
        }
    }

    #[test]
    fn default_rule_matches_true_case_insensitively() {
        let rule = IgnoreRule::new("ore:ignore", "true");
        assert!(rule.matching(&tags(&[("ore:ignore", "true")])).is_some());
        assert!(rule.matching(&tags(&[("ore:ignore", "TRUE")])).is_some());
        assert!(rule.matching(&tags(&[("ore:ignore", " True ")])).is_some());
        assert!(rule.matching(&tags(&[("ore:ignore", "false")])).is_none());
        assert!(rule.matching(&tags(&[("ore:ignore", "")])).is_none());
        assert!(
            rule.matching(&tags(&[("ORE:IGNORE", "true")])).is_none(),
            "keys are exact"
        );
        assert!(rule.matching(&tags(&[])).is_none());
    }

    #[test]
    fn empty_value_means_any_value() {
        let rule = IgnoreRule::new("skip-alerts", "");
        assert!(rule.matching(&tags(&[("skip-alerts", "")])).is_some());
        assert!(rule
            .matching(&tags(&[("skip-alerts", "whatever")]))
            .is_some());
        assert!(rule.matching(&tags(&[("other", "x")])).is_none());
    }

    #[test]
    fn empty_key_disables_the_rule() {
        let rule = IgnoreRule::new("", "true");
        assert!(rule.matching(&tags(&[("", "true")])).is_none());
    }

    #[test]
    fn ignored_instance_is_not_published() {
        let rule = IgnoreRule::new("ore:ignore", "true");
        let decision = decide(
            &change(),
            Some(instance(&[("ore:ignore", "True")])),
            &rule,
            Utc::now(),
        );
        assert_eq!(
            decision,
            Decision::Ignore {
                tag_key: "ore:ignore".into(),
                tag_value: "True".into()
            }
        );
    }

    #[test]
    fn tagged_instance_is_published_enriched() {
        let rule = IgnoreRule::new("ore:ignore", "true");
        let Decision::Publish(message) = decide(
            &change(),
            Some(instance(&[("team", "ops")])),
            &rule,
            Utc::now(),
        ) else {
            panic!("expected a message");
        };
        assert_eq!(message.data.resource.enrichment, EnrichmentStatus::Enriched);
        assert_eq!(message.data.state, InstanceState::Stopped);
        assert_eq!(message.data.resource.tags()["team"], "ops");
        assert_eq!(message.subject, "i-0abc1234def567890");
    }

    fn settling(seconds: u64, wait_for_tags: bool) -> Settling {
        Settling {
            settle_time: Duration::from_secs(seconds),
            wait_for_tags,
        }
    }

    #[test]
    fn an_unknown_instance_is_asked_again_until_the_settle_time_has_passed() {
        let change = change();
        let at = |s: i64| change.time + chrono::Duration::seconds(s);
        let rule = settling(60, false);
        assert_eq!(settle(&change, None, rule, at(1)), Some(RETRY_DELAY));
        assert_eq!(
            settle(&change, None, rule, at(55)),
            Some(Duration::from_secs(5))
        );
        assert_eq!(settle(&change, None, rule, at(60)), None);
        assert_eq!(settle(&change, None, rule, at(3600)), None);
        assert_eq!(settle(&change, None, settling(0, false), at(0)), None);
        // A long settle time is spread over at most MAX_SETTLE_RETRIES lookups.
        assert_eq!(
            settle(&change, None, settling(300, false), at(1)),
            Some(Duration::from_secs(50))
        );
        // Events can be stamped a little ahead of our clock: still a fresh event.
        assert_eq!(settle(&change, None, rule, at(-2)), Some(RETRY_DELAY));
    }

    #[test]
    fn a_found_instance_is_used_at_once_unless_waiting_for_tags_is_on() {
        let change = change();
        let now = change.time + chrono::Duration::seconds(3);
        let untagged = InstanceDetails {
            launch_time: Some(change.time),
            ..InstanceDetails::default()
        };
        assert_eq!(
            settle(&change, Some(&untagged), settling(60, false), now),
            None
        );
        assert_eq!(
            settle(&change, Some(&untagged), settling(60, true), now),
            Some(RETRY_DELAY)
        );
        let tagged = instance(&[("team", "ops")]);
        assert_eq!(
            settle(&change, Some(&tagged), settling(60, true), now),
            None
        );
        let long_running = InstanceDetails {
            launch_time: Some(change.time - chrono::Duration::days(3)),
            ..InstanceDetails::default()
        };
        assert_eq!(
            settle(&change, Some(&long_running), settling(60, true), now),
            None
        );
    }

    #[test]
    fn vanished_instance_is_published_not_enriched() {
        let rule = IgnoreRule::new("ore:ignore", "");
        let Decision::Publish(message) = decide(&change(), None, &rule, Utc::now()) else {
            panic!("expected a message");
        };
        assert_eq!(message.data.resource.enrichment, EnrichmentStatus::NotFound);
        assert_eq!(
            message.data.resource.instance,
            Some(InstanceDetails::default())
        );
    }
}
