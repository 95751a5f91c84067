//! The axum adapter of perfmon (a later issue).
