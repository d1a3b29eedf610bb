//! Who receives a mail: a routing table from configuration. A tag on the instance (key
//! configurable, `team` by default) *selects* a route by name; the route's recipients, and every
//! other address, come only from configuration, and each must be in an allowed domain. A bad
//! table stops the function at init (the error names the entry) rather than mail the wrong people.

use std::collections::BTreeMap;

use ore_lambda::config::ConfigError;
use ore_model::resource::Resource;

use crate::address::check_address;

/// Comma-separated default recipients (required): instances no route selects.
pub const EMAIL_TO: &str = "EMAIL_TO";
/// The tag whose value selects a route (`team` when unset; blank disables routing).
pub const EMAIL_ROUTE_TAG: &str = "EMAIL_ROUTE_TAG";
/// The routing table: `name=a@example.com,b@example.com; other=c@example.com`, or blank.
pub const EMAIL_ROUTES: &str = "EMAIL_ROUTES";
/// Comma-separated recipients copied on every mail, or blank.
pub const EMAIL_ALWAYS_COPY: &str = "EMAIL_ALWAYS_COPY";
/// Comma-separated domains every configured recipient must be in (required).
pub const EMAIL_ALLOWED_DOMAINS: &str = "EMAIL_ALLOWED_DOMAINS";

/// Longest route name (AWS's longest tag value is 256 characters; routes are short names).
const MAX_ROUTE_NAME_CHARS: usize = 128;

/// A set of recipients a mail goes to: which route chose it, and the addresses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Recipients {
    /// The route's name, or `None` for the default list.
    pub route: Option<String>,
    /// The addresses: the route's (or the default list), then the always-copy ones, each once.
    pub to: Vec<String>,
}

impl Recipients {
    /// The route's name for logs and mail footers: `default` for the default list.
    pub fn route_name(&self) -> &str {
        self.route.as_deref().unwrap_or("default")
    }
}

/// The routing table, read and checked once per cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingTable {
    tag_key: String,
    /// Route name (lower case) -> its recipients.
    routes: BTreeMap<String, Recipients>,
    default: Recipients,
}

/// What [`RoutingTable`] is built from: the raw configuration values.
#[derive(Debug, Clone, Default)]
pub struct RoutingConfig<'a> {
    /// The tag whose value selects a route.
    pub tag_key: &'a str,
    /// `name=a@example.com,b@example.com; other=c@example.com` (may be empty).
    pub routes: &'a str,
    /// The default recipients (`EMAIL_TO`), already split.
    pub default: &'a [String],
    /// Recipients copied on every mail (may be empty).
    pub always_copy: &'a str,
    /// Domains every address must be in (`example.com, example.org`).
    pub allowed_domains: &'a str,
}

impl RoutingTable {
    /// Parse and check the table; the error names the bad entry.
    pub fn new(config: &RoutingConfig<'_>) -> Result<Self, ConfigError> {
        let allowed = Allowed(allowed_domains(config.allowed_domains)?);
        let copies = split_addresses(config.always_copy);
        for address in &copies {
            allowed.check(EMAIL_ALWAYS_COPY, address)?;
        }
        for address in config.default {
            allowed.check(EMAIL_TO, address)?;
        }
        let mut routes = BTreeMap::new();
        for entry in config
            .routes
            .split(';')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (name, addresses) = parse_route(entry, &allowed)?;
            let recipients = with_copies(Some(name.to_owned()), &addresses, &copies);
            if routes.insert(name.to_lowercase(), recipients).is_some() {
                return Err(ConfigError::Invalid {
                    name: EMAIL_ROUTES,
                    reason: format!("route {name:?} is listed twice"),
                });
            }
        }
        Ok(RoutingTable {
            tag_key: config.tag_key.trim().to_owned(),
            routes,
            default: with_copies(None, config.default, &copies),
        })
    }

    /// One list for every mail and no routes (tools and tests: the addresses are taken as they
    /// are, with no domain allow-list).
    pub fn everyone(to: Vec<String>) -> Self {
        RoutingTable {
            tag_key: String::new(),
            routes: BTreeMap::new(),
            default: Recipients { route: None, to },
        }
    }

    /// The recipients of `resource`'s mail. A tag value naming no route goes to the default
    /// list, with a log line: the tag only ever selects among configured routes.
    pub fn route(&self, resource: &Resource) -> &Recipients {
        if self.routes.is_empty() || self.tag_key.is_empty() {
            return &self.default;
        }
        let Some(value) = resource.tags().get(&self.tag_key) else {
            return &self.default;
        };
        match self.routes.get(&value.trim().to_lowercase()) {
            Some(route) => route,
            None => {
                let shown: String = value.chars().take(64).filter(|c| !c.is_control()).collect();
                tracing::warn!(
                    resource_id = %resource.resource_id,
                    route_tag = %self.tag_key,
                    route_tag_value = %shown,
                    "the instance's routing tag names no configured route; its mail goes to the default recipients"
                );
                &self.default
            }
        }
    }

    /// Every recipient set a mail can go to (the largest sets how fast mail may be sent).
    pub fn recipient_sets(&self) -> impl Iterator<Item = &Recipients> {
        std::iter::once(&self.default).chain(self.routes.values())
    }
}

/// `a@example.com, b@example.com` -> the addresses (unchecked).
fn split_addresses(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

fn allowed_domains(list: &str) -> Result<Vec<String>, ConfigError> {
    let domains: Vec<String> = list
        .split(',')
        .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
        .filter(|d| !d.is_empty())
        .collect();
    if domains.is_empty() {
        return Err(ConfigError::Invalid {
            name: EMAIL_ALLOWED_DOMAINS,
            reason: "no domain in the list: every recipient must be in an allowed domain".into(),
        });
    }
    for domain in &domains {
        let plausible = domain.contains('.')
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !plausible {
            return Err(ConfigError::Invalid {
                name: EMAIL_ALLOWED_DOMAINS,
                reason: format!("{domain:?} is not a domain name"),
            });
        }
    }
    Ok(domains)
}

/// The address's domain, lower case (`Name <a@Example.com>` -> `example.com`).
fn domain_of(address: &str) -> String {
    let bare = address.trim().trim_end_matches('>');
    bare.rsplit('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The domains mail may go to.
struct Allowed(Vec<String>);

impl Allowed {
    /// `address` is an address, in an allowed domain; `name` is the variable it came from.
    fn check(&self, name: &'static str, address: &str) -> Result<(), ConfigError> {
        check_address(name, address)?;
        if self.0.contains(&domain_of(address)) {
            return Ok(());
        }
        Err(ConfigError::Invalid {
            name,
            reason: format!(
                "{address:?} is outside the allowed domains ({})",
                self.0.join(", ")
            ),
        })
    }
}

/// One `name=address,address` entry of `EMAIL_ROUTES`: its name (printable, bounded) and its
/// addresses (at least one, each allowed).
fn parse_route<'a>(
    entry: &'a str,
    allowed: &Allowed,
) -> Result<(&'a str, Vec<String>), ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid {
        name: EMAIL_ROUTES,
        reason,
    };
    let Some((name, list)) = entry.split_once('=') else {
        return Err(invalid(format!(
            "route {entry:?} is not `name=address,address`"
        )));
    };
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_ROUTE_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(invalid(format!(
            "route name {name:?} is empty, too long or unprintable"
        )));
    }
    let addresses = split_addresses(list);
    if addresses.is_empty() {
        return Err(invalid(format!("route {name:?} has no address")));
    }
    for address in &addresses {
        allowed.check(EMAIL_ROUTES, address).map_err(|e| match e {
            ConfigError::Invalid { reason, .. } => invalid(format!("route {name:?}: {reason}")),
            other => other,
        })?;
    }
    Ok((name, addresses))
}

/// A route's recipients: its list, then the always-copy addresses, each address once.
fn with_copies(route: Option<String>, list: &[String], copies: &[String]) -> Recipients {
    let mut to: Vec<String> = Vec::with_capacity(list.len() + copies.len());
    for address in list.iter().chain(copies) {
        if !to.iter().any(|a| a.eq_ignore_ascii_case(address)) {
            to.push(address.clone());
        }
    }
    Recipients { route, to }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(routes: &str, copies: &str, allowed: &str) -> Result<RoutingTable, ConfigError> {
        RoutingTable::new(&RoutingConfig {
            tag_key: "team",
            routes,
            default: &["ops@example.com".to_owned()],
            always_copy: copies,
            allowed_domains: allowed,
        })
    }

    fn error(result: Result<RoutingTable, ConfigError>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn routes_parse_and_always_copy_joins_every_set_once() {
        let table = table(
            "payments = pay@example.com, lead@example.org ; data=data@example.com",
            "audit@example.com, pay@example.com",
            "example.com, example.org",
        )
        .unwrap();
        let sets: Vec<_> = table
            .recipient_sets()
            .map(|r| (r.route_name(), r.to.clone()))
            .collect();
        assert_eq!(
            sets,
            [
                (
                    "default",
                    vec![
                        "ops@example.com".to_owned(),
                        "audit@example.com".into(),
                        "pay@example.com".into()
                    ]
                ),
                (
                    "data",
                    vec![
                        "data@example.com".to_owned(),
                        "audit@example.com".into(),
                        "pay@example.com".into()
                    ]
                ),
                (
                    "payments",
                    vec![
                        "pay@example.com".to_owned(),
                        "lead@example.org".into(),
                        "audit@example.com".into()
                    ]
                ),
            ]
        );
    }

    #[test]
    fn an_address_outside_the_allowed_domains_is_refused_by_name() {
        let message = error(table(
            "payments=pay@example.com,x@evil.example",
            "",
            "example.com",
        ));
        assert!(message.contains("EMAIL_ROUTES"), "{message}");
        assert!(
            message.contains("\"payments\"") && message.contains("x@evil.example"),
            "{message}"
        );
        assert!(error(table("", "boss@evil.example", "example.com")).contains("EMAIL_ALWAYS_COPY"));
        assert!(error(table("", "", "example.org")).contains("EMAIL_TO"));
        // A subdomain is another domain: it must be listed itself.
        assert!(table("p=a@mail.example.com", "", "example.com").is_err());
    }

    #[test]
    fn malformed_tables_are_refused() {
        assert!(error(table("payments", "", "example.com")).contains("not `name=address"));
        assert!(error(table("payments=", "", "example.com")).contains("no address"));
        assert!(error(table("=a@example.com", "", "example.com")).contains("empty"));
        assert!(
            error(table("p=a@example.com;P=b@example.com", "", "example.com")).contains("twice")
        );
        assert!(error(table(
            "p=a@example.com\r\nBcc: x@example.com",
            "",
            "example.com"
        ))
        .contains("not an email address"));
        assert!(error(table("", "", " , ")).contains("EMAIL_ALLOWED_DOMAINS"));
        assert!(error(table("", "", "example com")).contains("not a domain"));
    }
}
