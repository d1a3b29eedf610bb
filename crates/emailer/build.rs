//! Compiles in every committed notice message (`events/notices/*.json`, written by the
//! normalizer's `sample-events` example): a replacement template must render each kind, and a
//! new kind's sample joins the check without a line here.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let notices = manifest.join("../../events/notices");
    println!("cargo:rerun-if-changed={}", notices.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&notices)
        .unwrap_or_else(|e| panic!("{}: {e}", notices.display()))
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    let mut code = String::from("/// `events/notices/*.json`, sorted by name.\n");
    let _ = writeln!(
        code,
        "pub(super) const NOTICES: [&str; {}] = [",
        files.len()
    );
    for file in &files {
        let path = file
            .canonicalize()
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(code, "    include_str!({:?}),", path.display().to_string());
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("notice_samples.rs");
    fs::write(&out, code).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
