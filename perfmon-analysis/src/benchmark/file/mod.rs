//! Loading [`Benchmarks`] from JSON or TOML.
//!
//! The text is first read into loosely typed entries (any value for each
//! known key; unknown keys are refused by `deny_unknown_fields`), then each
//! entry is checked by hand, so an error names the entry, the key and the
//! value it got.

use super::{Benchmark, Benchmarks, Statistic};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest operation name a benchmarks file may name, in bytes
/// (registered names are program text; a longer one is a mistake, or an
/// attempt to make "did you mean" expensive).
pub const MAX_OPERATION_NAME_BYTES: usize = 256;

/// Why benchmarks could not be read. Never a panic: every bad input is one
/// of these.
#[derive(Debug)]
#[non_exhaustive]
pub enum BenchmarkFileError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The file's extension is neither `.json` nor `.toml`.
    UnsupportedExtension {
        /// The file.
        path: PathBuf,
    },
    /// The text is not valid JSON or TOML, or not of the expected shape: no
    /// top-level `benchmarks` list, an unknown key, an entry that is not a
    /// table. The message comes from the parser and says where.
    Syntax {
        /// `"JSON"` or `"TOML"`.
        format: &'static str,
        /// The parser's message.
        message: String,
    },
    /// An entry lacks a required key.
    MissingKey {
        /// The entry's position in `benchmarks`, from 0.
        index: usize,
        /// The key.
        key: &'static str,
    },
    /// A key has a value of the wrong type, or out of range.
    InvalidValue {
        /// The entry's position in `benchmarks`, from 0.
        index: usize,
        /// The key.
        key: &'static str,
        /// The value found, as written (strings quoted).
        value: String,
        /// What the key takes.
        expected: String,
    },
    /// An error in a file read by [`Benchmarks::load`].
    InFile {
        /// The file.
        path: PathBuf,
        /// What was wrong in it.
        source: Box<BenchmarkFileError>,
    },
}

impl fmt::Display for BenchmarkFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => {
                write!(
                    f,
                    "cannot read benchmarks from {}: {source}",
                    path.display()
                )
            }
            Self::UnsupportedExtension { path } => write!(
                f,
                "cannot read benchmarks from {}: the extension must be .json or .toml",
                path.display()
            ),
            Self::Syntax { format, message } => {
                write!(f, "invalid {format} for benchmarks: {}", message.trim_end())
            }
            Self::MissingKey { index, key } => {
                write!(f, "benchmarks[{index}]: missing required key `{key}`")
            }
            Self::InvalidValue {
                index,
                key,
                value,
                expected,
            } => write!(
                f,
                "benchmarks[{index}].{key}: expected {expected}, got {value}"
            ),
            Self::InFile { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for BenchmarkFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::InFile { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

impl Benchmarks {
    /// Reads benchmarks from JSON: `{ "benchmarks": [ { "operation": ...,
    /// "threshold_ms": ..., "statistic": ..., "min_samples": ... } ] }`.
    pub fn from_json_str(text: &str) -> Result<Benchmarks, BenchmarkFileError> {
        let raw: RawFile = serde_json::from_str(text).map_err(|e| BenchmarkFileError::Syntax {
            format: "JSON",
            message: e.to_string(),
        })?;
        raw.check()
    }

    /// Reads benchmarks from TOML: `[[benchmarks]]` tables (or a
    /// `benchmarks = [...]` array) with the keys of the JSON form.
    pub fn from_toml_str(text: &str) -> Result<Benchmarks, BenchmarkFileError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| BenchmarkFileError::Syntax {
            format: "TOML",
            message: e.to_string(),
        })?;
        raw.check()
    }

    /// Reads a `.json` or `.toml` file (by extension, in any case). Errors in
    /// the text are wrapped in [`BenchmarkFileError::InFile`] with the path.
    pub fn load(path: impl AsRef<Path>) -> Result<Benchmarks, BenchmarkFileError> {
        let path = path.as_ref();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let parse: fn(&str) -> Result<Benchmarks, BenchmarkFileError> = match ext.as_deref() {
            Some("json") => Benchmarks::from_json_str,
            Some("toml") => Benchmarks::from_toml_str,
            _ => {
                return Err(BenchmarkFileError::UnsupportedExtension {
                    path: path.to_path_buf(),
                })
            }
        };
        let text = std::fs::read_to_string(path).map_err(|source| BenchmarkFileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        parse(&text).map_err(|e| BenchmarkFileError::InFile {
            path: path.to_path_buf(),
            source: Box::new(e),
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    benchmarks: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    #[serde(default)]
    operation: Raw,
    #[serde(default)]
    threshold_ms: Raw,
    #[serde(default)]
    statistic: Raw,
    #[serde(default)]
    min_samples: Raw,
}

impl RawFile {
    fn check(self) -> Result<Benchmarks, BenchmarkFileError> {
        self.benchmarks
            .into_iter()
            .enumerate()
            .map(|(i, e)| e.check(i))
            .collect::<Result<Vec<_>, _>>()
            .map(Benchmarks::new)
    }
}

impl RawEntry {
    fn check(self, index: usize) -> Result<Benchmark, BenchmarkFileError> {
        let invalid =
            |key: &'static str, value: &Raw, expected: String| BenchmarkFileError::InvalidValue {
                index,
                key,
                value: value.to_string(),
                expected,
            };
        let missing = |key| BenchmarkFileError::MissingKey { index, key };

        let operation = match &self.operation {
            Raw::Missing => return Err(missing("operation")),
            Raw::Str(s) if s.len() > MAX_OPERATION_NAME_BYTES => {
                return Err(BenchmarkFileError::InvalidValue {
                    index,
                    key: "operation",
                    value: format!("a name of {} bytes", s.len()),
                    expected: format!(
                        "an operation name of at most {MAX_OPERATION_NAME_BYTES} bytes"
                    ),
                })
            }
            Raw::Str(s) if !s.trim().is_empty() => s.clone(),
            other => {
                return Err(invalid(
                    "operation",
                    other,
                    "a non-empty operation name".into(),
                ))
            }
        };

        const THRESHOLD: &str = "a finite, non-negative number of milliseconds";
        let threshold = match &self.threshold_ms {
            Raw::Missing => return Err(missing("threshold_ms")),
            Raw::Int(ms) => u64::try_from(*ms)
                .map(Duration::from_millis)
                .map_err(|_| invalid("threshold_ms", &self.threshold_ms, THRESHOLD.into()))?,
            Raw::Float(ms) if ms.is_finite() && *ms >= 0.0 => {
                perfmon_core::units::duration_from_ms(*ms).ok_or_else(|| {
                    invalid(
                        "threshold_ms",
                        &self.threshold_ms,
                        format!("{THRESHOLD} that fits in a duration"),
                    )
                })?
            }
            other => return Err(invalid("threshold_ms", other, THRESHOLD.into())),
        };

        let statistic = match &self.statistic {
            Raw::Missing | Raw::Null => Statistic::default(),
            Raw::Str(s) => Statistic::parse(s)
                .ok_or_else(|| invalid("statistic", &self.statistic, statistic_choices()))?,
            other => return Err(invalid("statistic", other, statistic_choices())),
        };

        const MIN_SAMPLES: &str = "a whole number of calls, 0 or more";
        let min_samples = match &self.min_samples {
            Raw::Missing | Raw::Null => None,
            Raw::Int(n) => Some(
                u64::try_from(*n)
                    .map_err(|_| invalid("min_samples", &self.min_samples, MIN_SAMPLES.into()))?,
            ),
            // JSON has one number type: accept 10.0 as 10.
            Raw::Float(n) if *n >= 0.0 && n.fract() == 0.0 && *n < u64::MAX as f64 => {
                Some(*n as u64)
            }
            other => return Err(invalid("min_samples", other, MIN_SAMPLES.into())),
        };

        Ok(Benchmark {
            operation,
            threshold,
            statistic,
            min_samples,
        })
    }
}

fn statistic_choices() -> String {
    let names: Vec<&str> = Statistic::ALL.iter().map(|s| s.name()).collect();
    format!("one of {}", names.join(", "))
}

/// A value of any type, kept as written so that errors can show it.
#[derive(Debug, Default, Clone, PartialEq)]
enum Raw {
    /// The key is absent.
    #[default]
    Missing,
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    List,
    Table,
}

impl fmt::Display for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Raw::Missing => f.write_str("nothing"),
            Raw::Null => f.write_str("null"),
            Raw::Bool(b) => write!(f, "{b}"),
            Raw::Int(i) => write!(f, "{i}"),
            Raw::Float(x) => write!(f, "{x:?}"), // 1e300 stays short
            // Echoed in errors: a long value is cut (and marked).
            Raw::Str(s) if s.len() > 64 => {
                let cut = (0..=64).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
                write!(f, "{:?}…", &s[..cut])
            }
            Raw::Str(s) => write!(f, "{s:?}"),
            Raw::List => f.write_str("a list"),
            Raw::Table => f.write_str("a table"),
        }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Raw, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Raw::List)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Raw::Table)
    }
}

#[cfg(test)]
mod tests;
