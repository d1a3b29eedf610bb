//! Environment configuration read once per cold start. Variable names are a contract with
//! template.yaml and the local runs, so a missing one fails init with its name.

/// Init cannot proceed: the message names the variable to set.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or blank.
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    /// A variable is set to something unusable.
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
}

/// A variable that must be present and non-blank.
pub fn required(name: &'static str) -> Result<String, ConfigError> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(value.trim().to_owned()),
        _ => Err(ConfigError::Missing(name)),
    }
}

/// A variable with a default when unset. A set-but-empty value is kept: it can mean something.
pub fn optional(name: &'static str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// A variable that may be absent; blank counts as absent.
pub fn maybe(name: &'static str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_variable_is_named_in_the_init_error() {
        let err = required("ORE_TEST_VARIABLE_NEVER_SET").unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable ORE_TEST_VARIABLE_NEVER_SET is required but not set"
        );
        assert_eq!(maybe("ORE_TEST_VARIABLE_NEVER_SET"), None);
        assert_eq!(
            optional("ORE_TEST_VARIABLE_NEVER_SET", "fallback"),
            "fallback"
        );
    }
}
