//! Which chat channel a post goes to: routing by tag works as for mail. The resource's routing
//! tag (the mail's, `team` by default) selects a route by name; each route names an SNS topic a
//! channel configuration subscribes to, and everything else goes to ORE's own chat topic. Only
//! configuration names topics, and only topics of ORE's own account and region, named
//! `ore-chat-*` (what the function's role may publish to): a table naming another is refused at
//! init, as a mail route outside the allowed domains is.

use std::collections::BTreeMap;

use ore_lambda::config::ConfigError;
use ore_model::arn::ResourceArn;
use ore_model::resource::Resource;

/// ORE's own chat topic (required): posts no route selects.
pub const CHAT_TOPIC_ARN: &str = "CHAT_TOPIC_ARN";
/// The routes: `payments=arn:aws:sns:eu-west-1:123456789012:ore-chat-payments; data=...`, or blank.
pub const CHAT_ROUTES: &str = "CHAT_ROUTES";
/// The tag whose value selects a route (the mail's `EMAIL_ROUTE_TAG`; blank disables routing).
pub const CHAT_ROUTE_TAG: &str = "CHAT_ROUTE_TAG";
/// The name every route's topic starts with.
pub const ROUTE_TOPIC_PREFIX: &str = "ore-chat-";

/// A channel posts can go to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChatRoute {
    /// The route's name, `None` for ORE's own chat topic.
    pub name: Option<String>,
    /// The SNS topic the channel configuration subscribes to.
    pub topic_arn: String,
}

impl ChatRoute {
    /// `default` for ORE's own topic.
    pub fn route_name(&self) -> &str {
        self.name.as_deref().unwrap_or("default")
    }
}

/// The routing table, read and checked once per cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRoutes {
    tag_key: String,
    routes: BTreeMap<String, ChatRoute>,
    default: ChatRoute,
}

/// An SNS topic ARN's parts: (partition, region, account, name), read as any ARN is
/// (`ore_model::arn`), with the name SNS allows (letters, digits, `-`, `_`).
fn topic_parts(arn: &str) -> Option<(&str, &str, &str, &str)> {
    let parsed = ResourceArn::parse(arn)?;
    let name = parsed.id;
    let name_ok = parsed.service == "sns"
        && parsed.kind.is_none()
        && name.len() <= 256
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (name_ok && !parsed.region.is_empty() && !parsed.account.is_empty()).then_some((
        parsed.partition,
        parsed.region,
        parsed.account,
        name,
    ))
}

impl ChatRoutes {
    /// Parse and check the table against ORE's own topic `default_topic`; the error names the
    /// bad entry.
    pub fn new(tag_key: &str, routes: &str, default_topic: &str) -> Result<Self, ConfigError> {
        let Some((partition, region, account, _)) = topic_parts(default_topic) else {
            return Err(ConfigError::Invalid {
                name: CHAT_TOPIC_ARN,
                reason: format!("{default_topic:?} is not an SNS topic ARN"),
            });
        };
        let mut table = BTreeMap::new();
        for entry in routes.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let invalid = |reason: String| ConfigError::Invalid {
                name: CHAT_ROUTES,
                reason,
            };
            let Some((name, topic)) = entry.split_once('=') else {
                return Err(invalid(format!("{entry:?} is not name=topic-arn")));
            };
            let (name, topic) = (name.trim(), topic.trim());
            if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
                return Err(invalid(format!(
                    "route name {name:?} is empty, too long or not text"
                )));
            }
            match topic_parts(topic) {
                Some((p, r, a, topic_name))
                    if (p, r, a) == (partition, region, account)
                        && topic_name.starts_with(ROUTE_TOPIC_PREFIX) => {}
                Some((p, r, a, _)) if (p, r, a) != (partition, region, account) => {
                    return Err(invalid(format!(
                        "route {name:?} names a topic of account {a} in {r} ({p}): chat topics must be \
                         ORE's own ({account}, {region}, {partition})"
                    )))
                }
                Some(_) => {
                    return Err(invalid(format!(
                        "route {name:?}: the topic's name must start with {ROUTE_TOPIC_PREFIX:?} (what \
                         the chat-notifier's role may publish to)"
                    )))
                }
                None => return Err(invalid(format!("route {name:?}: {topic:?} is not an SNS topic ARN"))),
            }
            let route = ChatRoute {
                name: Some(name.to_owned()),
                topic_arn: topic.to_owned(),
            };
            if table.insert(name.to_lowercase(), route).is_some() {
                return Err(invalid(format!("route {name:?} is listed twice")));
            }
        }
        Ok(ChatRoutes {
            tag_key: tag_key.trim().to_owned(),
            routes: table,
            default: ChatRoute {
                name: None,
                topic_arn: default_topic.to_owned(),
            },
        })
    }

    /// The channel for `resource`'s posts: the route its tag names, else ORE's own topic.
    pub fn route(&self, resource: &Resource) -> &ChatRoute {
        if self.routes.is_empty() || self.tag_key.is_empty() {
            return &self.default;
        }
        resource
            .tags()
            .get(&self.tag_key)
            .and_then(|value| self.routes.get(&value.trim().to_lowercase()))
            .unwrap_or(&self.default)
    }

    /// ORE's own topic (heartbeats and tools).
    pub fn default_route(&self) -> &ChatRoute {
        &self.default
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "arn:aws:sns:eu-west-1:123456789012:ore-ChatTopic-1ABC";

    #[test]
    fn routes_of_ore_s_own_account_and_region_are_accepted() {
        let routes = ChatRoutes::new(
            "team",
            " payments = arn:aws:sns:eu-west-1:123456789012:ore-chat-payments ;",
            OWN,
        )
        .unwrap();
        assert_eq!(
            routes.routes["payments"].topic_arn,
            "arn:aws:sns:eu-west-1:123456789012:ore-chat-payments"
        );
        assert_eq!(routes.default_route().route_name(), "default");
    }

    #[test]
    fn a_topic_of_another_account_or_region_or_name_is_refused_at_init() {
        for (table, says) in [
            ("p=arn:aws:sns:eu-west-1:999999999999:ore-chat-p", "account 999999999999"),
            ("p=arn:aws:sns:us-east-1:123456789012:ore-chat-p", "in us-east-1"),
            ("p=arn:aws:sns:eu-west-1:123456789012:their-topic", "must start with"),
            ("p=https://hooks.example.com", "not an SNS topic ARN"),
            ("p", "not name=topic-arn"),
            ("p=arn:aws:sns:eu-west-1:123456789012:ore-chat-a;P=arn:aws:sns:eu-west-1:123456789012:ore-chat-b", "twice"),
        ] {
            let error = ChatRoutes::new("team", table, OWN).unwrap_err().to_string();
            assert!(error.contains(CHAT_ROUTES) && error.contains(says), "{table}: {error}");
        }
        assert!(ChatRoutes::new("team", "", "not-an-arn")
            .unwrap_err()
            .to_string()
            .contains(CHAT_TOPIC_ARN));
    }
}
