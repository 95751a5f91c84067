//! [`ConfigError`]: what is wrong with a setting, named by its key.

use std::fmt;

/// A setting perfmon refuses, naming the key (an environment variable such as
/// `PERFMON_MAX_OPERATIONS`, or a [`Config`](crate::Config) field such as
/// `alerts.error_rate_high`), the value and what was expected.
///
/// ```
/// use perfmon_analysis::Config;
/// let err = Config::from_env_vars([("PERFMON_MAX_OPERATIONS".into(), "lots".into())])
///     .unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     r#"PERFMON_MAX_OPERATIONS: expected a whole number >= 1, got "lots""#
/// );
/// assert_eq!(err.key(), "PERFMON_MAX_OPERATIONS");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A value that does not parse, or is out of range.
    Invalid {
        /// The key that holds the value.
        key: String,
        /// The value as given.
        value: String,
        /// What the key accepts.
        expected: String,
    },
    /// A `PERFMON_*` environment variable that perfmon does not read (a typo
    /// must not be ignored silently).
    UnknownKey {
        /// The variable's name.
        key: String,
        /// The closest known variable, when one is close.
        suggestion: Option<String>,
    },
    /// Values that are each valid but contradict each other, such as a
    /// warning threshold below its target.
    Inconsistent {
        /// The key whose value is refused.
        key: String,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    pub(crate) fn invalid(key: impl Into<String>, value: impl ToString, expected: &str) -> Self {
        ConfigError::Invalid {
            key: key.into(),
            value: value.to_string(),
            expected: expected.to_owned(),
        }
    }

    pub(crate) fn inconsistent(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::Inconsistent {
            key: key.into(),
            message: message.into(),
        }
    }

    /// The key the error is about.
    pub fn key(&self) -> &str {
        match self {
            ConfigError::Invalid { key, .. }
            | ConfigError::UnknownKey { key, .. }
            | ConfigError::Inconsistent { key, .. } => key,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Invalid {
                key,
                value,
                expected,
            } => write!(f, "{key}: expected {expected}, got {value:?}"),
            ConfigError::UnknownKey { key, suggestion } => {
                write!(f, "{key}: not a perfmon setting")?;
                match suggestion {
                    Some(s) => write!(f, " (did you mean {s}?)"),
                    None => f.write_str(" (the list is in the docs of perfmon_analysis::Config)"),
                }
            }
            ConfigError::Inconsistent { key, message } => write!(f, "{key}: {message}"),
        }
    }
}

impl std::error::Error for ConfigError {}
