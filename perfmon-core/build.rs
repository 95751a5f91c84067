//! Names the private module the expansion of `#[monitor_performance]` calls
//! after this crate's patch version (`__private0` for 0.1.0), as serde and
//! thiserror do, so that a perfmon-macros of another version fails with a
//! clear "could not find `__privateN`" error.

use std::{env, fs, path::Path};

fn main() {
    let patch = env::var("CARGO_PKG_VERSION_PATCH").expect("cargo sets CARGO_PKG_VERSION_PATCH");
    let out = env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let code = format!("#[doc(hidden)]\npub use crate::__private as __private{patch};\n");
    fs::write(Path::new(&out).join("private.rs"), code).expect("OUT_DIR is writable");
    println!("cargo:rerun-if-changed=build.rs");
}
