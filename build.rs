//! Compiles the vendored IPADIC sources into lindera's binary dictionary format.
//!
//! The city's networks have no internet, and lindera's own `embed-ipadic` feature downloads
//! the dictionary at build time, so the sources travel with the repository
//! (`vendor/ipadic/`, NAIST licence in `vendor/ipadic/COPYING`) and are compiled here into
//! `OUT_DIR`, from where `src/analysis/dictionary.rs` embeds them with `include_bytes!`.

use std::fs;
use std::path::{Path, PathBuf};

const ARCHIVE: &str = "vendor/ipadic/mecab-ipadic-2.7.0-20070801.tar.xz";
const METADATA: &str = "vendor/ipadic/metadata.json";

fn main() {
    println!("cargo:rerun-if-changed={ARCHIVE}");
    println!("cargo:rerun-if-changed={METADATA}");
    println!("cargo:rerun-if-changed=build.rs");
    // sqlx::migrate! embeds the migrations: rebuild when one is added.
    println!("cargo:rerun-if-changed=migrations");

    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let dict_dir = out.join("ipadic");
    let stamp = out.join("ipadic.stamp");
    let fingerprint = fingerprint(&[Path::new(ARCHIVE), Path::new(METADATA)]);
    println!("cargo:rustc-env=LINDERA_WORKDIR={}", out.display());

    if fs::read_to_string(&stamp).ok().as_deref() == Some(fingerprint.as_str())
        && dict_dir.join("dict.words").exists()
    {
        return;
    }

    let src_dir = out.join("ipadic-src");
    let _ = fs::remove_dir_all(&src_dir);
    fs::create_dir_all(&src_dir).expect("create ipadic-src");
    let archive = fs::File::open(ARCHIVE).expect("open vendored IPADIC archive");
    tar::Archive::new(xz2::read::XzDecoder::new(archive))
        .unpack(&src_dir)
        .expect("unpack vendored IPADIC archive");

    let metadata_bytes = fs::read(METADATA).expect("read IPADIC metadata.json");
    let metadata = lindera_dictionary::dictionary::metadata::Metadata::load(&metadata_bytes)
        .expect("parse IPADIC metadata.json");
    let _ = fs::remove_dir_all(&dict_dir);
    lindera_dictionary::builder::DictionaryBuilder::new(metadata)
        .build_dictionary(&src_dir, &dict_dir)
        .expect("compile IPADIC");
    let _ = fs::remove_dir_all(&src_dir);
    fs::write(&stamp, fingerprint).expect("write stamp");
}

/// Sizes and modification-independent content lengths are enough to notice a replaced
/// archive; cargo's rerun-if-changed already handles the common case.
fn fingerprint(paths: &[&Path]) -> String {
    paths
        .iter()
        .map(|p| {
            format!(
                "{}:{}",
                p.display(),
                fs::metadata(p).map(|m| m.len()).unwrap_or(0)
            )
        })
        .collect::<Vec<_>>()
        .join(";")
}
