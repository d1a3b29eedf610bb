//! Addresses from configuration, checked before any mail is sent: a plausible address (SES
//! does the real check) with nothing that could smuggle in a header.

use ore_lambda::config::ConfigError;

/// `a@example.com, b@example.com` -> the addresses, each checked; `name` is the variable the
/// list came from, for the refusal.
pub fn parse_recipients(name: &'static str, list: &str) -> Result<Vec<String>, ConfigError> {
    let to: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect();
    if to.is_empty() {
        return Err(ConfigError::Invalid {
            name,
            reason: "no address in the list".into(),
        });
    }
    for address in &to {
        check_address(name, address)?;
    }
    Ok(to)
}

/// A plausibility check (SES does the real one): one `@`, no whitespace or control characters
/// that could smuggle in headers. `Name <a@example.com>` is accepted for the sender.
pub fn check_address(name: &'static str, address: &str) -> Result<(), ConfigError> {
    let bare = match (address.rfind('<'), address.strip_suffix('>')) {
        (Some(open), Some(rest)) => &rest[open + 1..],
        _ => address,
    };
    let plausible = bare.len() <= 254
        && bare.matches('@').count() == 1
        && !bare.starts_with('@')
        && !bare.ends_with('@')
        && !bare.chars().any(|c| c.is_whitespace() || c.is_control())
        && !address.chars().any(char::is_control);
    if plausible {
        Ok(())
    } else {
        Err(ConfigError::Invalid {
            name,
            reason: format!("{address:?} is not an email address"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_split_trimmed_and_checked() {
        assert_eq!(
            parse_recipients("EMAIL_TO", " ops@example.com, sre@example.com ,").unwrap(),
            ["ops@example.com", "sre@example.com"]
        );
        assert!(parse_recipients("EMAIL_TO", " , ").is_err());
        assert!(parse_recipients("EMAIL_TO", "ops@example.com, not an address").is_err());
        assert!(parse_recipients("EMAIL_TO", "a@example.com\r\nBcc: x@evil.example").is_err());
    }

    #[test]
    fn sender_may_have_a_display_name() {
        assert!(check_address("EMAIL_FROM", "ORE <ore@example.com>").is_ok());
        assert!(check_address("EMAIL_FROM", "ore@example.com").is_ok());
        assert!(check_address("EMAIL_FROM", "ore.example.com").is_err());
    }
}
