//! The business rule, free of I/O: given a state change and what EC2 knows of the instance,
//! publish a standard message or ignore the instance.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ore_model::ec2::Ec2StateChange;
use ore_model::standard::{InstanceDetails, StandardMessage};

/// Which tag opts an instance out of ORE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    /// Exact tag key; empty disables the rule.
    key: String,
    /// Compared case-insensitively; `None` means any value of the key ignores the instance.
    value: Option<String>,
}

impl IgnoreRule {
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

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Publish(Box<StandardMessage>),
    Ignore { tag_key: String, tag_value: String },
}

/// `instance` is `None` when EC2 no longer knows the instance: it is still published, marked
/// not enriched, since an ignore tag cannot be read from an instance that is gone.
pub fn decide(
    change: &Ec2StateChange,
    instance: Option<InstanceDetails>,
    rule: &IgnoreRule,
    processed_at: DateTime<Utc>,
) -> Decision {
    if let Some((key, value)) = instance.as_ref().and_then(|i| rule.matching(&i.tags)) {
        return Decision::Ignore {
            tag_key: key.to_owned(),
            tag_value: value.to_owned(),
        };
    }
    Decision::Publish(Box::new(StandardMessage::new(
        change,
        instance,
        processed_at,
    )))
}

#[cfg(test)]
mod tests {
    use ore_model::ec2::InstanceState;
    use ore_model::standard::EnrichmentStatus;
    use serde_json::json;

    use super::*;

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
        assert_eq!(message.data.enrichment, EnrichmentStatus::Enriched);
        assert_eq!(message.data.state, InstanceState::Stopped);
        assert_eq!(message.data.instance.tags["team"], "ops");
        assert_eq!(message.subject, "i-0abc1234def567890");
    }

    #[test]
    fn vanished_instance_is_published_not_enriched() {
        let rule = IgnoreRule::new("ore:ignore", "");
        let Decision::Publish(message) = decide(&change(), None, &rule, Utc::now()) else {
            panic!("expected a message");
        };
        assert_eq!(message.data.enrichment, EnrichmentStatus::NotFound);
        assert_eq!(message.data.instance, InstanceDetails::default());
    }
}
