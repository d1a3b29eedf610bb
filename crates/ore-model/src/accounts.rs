//! Account names for people: the deployment's `AccountNames` map, so a message about an instance
//! of `111122223333` can also say `payments-prod` without any API call (an organisation's
//! account names are its own configuration, not something to look up per event).

use std::collections::BTreeMap;

/// The longest name kept (as the message schema allows).
pub const MAX_ACCOUNT_NAME_CHARS: usize = 64;

/// Account id -> name, from configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountNames(BTreeMap<String, String>);

/// A configuration entry that is not `<12-digit id>=<name>`, or an account named twice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entry:?}: {reason}")]
pub struct AccountNamesError {
    /// The entry as written.
    pub entry: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl AccountNames {
    /// `"111122223333=payments-prod, 444455556666=data-dev"`; empty means no names. Refuses the
    /// whole map on one bad entry: a typo should stop the deployment, not silently drop a name.
    pub fn parse(text: &str) -> Result<Self, AccountNamesError> {
        let mut names = BTreeMap::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let refuse = |reason| AccountNamesError {
                entry: entry.to_owned(),
                reason,
            };
            let (id, name) = entry
                .split_once('=')
                .ok_or_else(|| refuse("not <account id>=<name>"))?;
            let (id, name) = (id.trim(), name.trim());
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(refuse("the account id is not 12 digits"));
            }
            if name.is_empty() || name.chars().any(char::is_control) || name.contains('=') {
                return Err(refuse("the name is empty or has control characters or '='"));
            }
            if name.chars().count() > MAX_ACCOUNT_NAME_CHARS {
                return Err(refuse("the name is longer than 64 characters"));
            }
            if names.insert(id.to_owned(), name.to_owned()).is_some() {
                return Err(refuse("the account is named twice"));
            }
        }
        Ok(AccountNames(names))
    }

    /// The name configured for `account`.
    pub fn name(&self, account: &str) -> Option<&str> {
        self.0.get(account).map(String::as_str)
    }

    /// How many accounts are named.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no account is named.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_looked_up_by_account_id() {
        let names =
            AccountNames::parse(" 111122223333=payments-prod ,444455556666 = data dev ").unwrap();
        assert_eq!(names.name("111122223333"), Some("payments-prod"));
        assert_eq!(names.name("444455556666"), Some("data dev"));
        assert_eq!(names.name("999999999999"), None);
        assert_eq!(names.len(), 2);
        assert!(AccountNames::parse("").unwrap().is_empty());
    }

    #[test]
    fn a_bad_entry_is_refused_by_name() {
        for (text, entry) in [
            ("111122223333", "111122223333"),
            ("1111=short", "1111=short"),
            ("111122223333=", "111122223333="),
            ("111122223333=a,111122223333=b", "111122223333=b"),
            ("111122223333=tab\there", "111122223333=tab\there"),
        ] {
            let error = AccountNames::parse(text).unwrap_err();
            assert_eq!(error.entry, entry, "{text}");
        }
        let long = format!("111122223333={}", "x".repeat(65));
        assert!(AccountNames::parse(&long).is_err());
    }
}
