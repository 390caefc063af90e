//! The request types in use: the `*.toml` files of the requests folder
//! (`[requests] dir`, default `integrations/requests`), or the bundled copies when the
//! folder is missing. Every definition is checked at start; a bad one stops the start
//! with its file named.

use std::collections::HashMap;
use std::path::Path;

use crate::domain::request_type::RequestType;

/// The shipped definitions, compiled in.
const BUNDLED: &[(&str, &str)] = &[
    (
        "ad-account-add.toml",
        include_str!("../../integrations/requests/ad-account-add.toml"),
    ),
    (
        "ad-account-change.toml",
        include_str!("../../integrations/requests/ad-account-change.toml"),
    ),
    (
        "ad-account-disable.toml",
        include_str!("../../integrations/requests/ad-account-disable.toml"),
    ),
    (
        "mail-account.toml",
        include_str!("../../integrations/requests/mail-account.toml"),
    ),
    (
        "fileserver-access.toml",
        include_str!("../../integrations/requests/fileserver-access.toml"),
    ),
    (
        "fileserver-quota.toml",
        include_str!("../../integrations/requests/fileserver-quota.toml"),
    ),
    (
        "printer.toml",
        include_str!("../../integrations/requests/printer.toml"),
    ),
    (
        "software-install.toml",
        include_str!("../../integrations/requests/software-install.toml"),
    ),
    (
        "web-exception.toml",
        include_str!("../../integrations/requests/web-exception.toml"),
    ),
    (
        "ip-address.toml",
        include_str!("../../integrations/requests/ip-address.toml"),
    ),
    (
        "vein-registration.toml",
        include_str!("../../integrations/requests/vein-registration.toml"),
    ),
    (
        "original-mail.toml",
        include_str!("../../integrations/requests/original-mail.toml"),
    ),
    (
        "ipk-account.toml",
        include_str!("../../integrations/requests/ipk-account.toml"),
    ),
    (
        "logo-account.toml",
        include_str!("../../integrations/requests/logo-account.toml"),
    ),
    (
        "chatgpt-account.toml",
        include_str!("../../integrations/requests/chatgpt-account.toml"),
    ),
    (
        "ai-minutes-account.toml",
        include_str!("../../integrations/requests/ai-minutes-account.toml"),
    ),
];

/// The request types, in file-name order.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    types: Vec<RequestType>,
    by_faq: HashMap<String, usize>,
}

impl Catalogue {
    pub fn bundled() -> Self {
        let files = BUNDLED
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()));
        Self::from_files(files.collect()).expect("the bundled request types are valid")
    }

    /// The `*.toml` files of `dir`, or the bundled types when `dir` does not exist.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::bundled()),
            Err(e) => return Err(anyhow::anyhow!("{}: {e}", dir.display())),
        };
        let mut files = Vec::new();
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let name = path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                files.push((name, std::fs::read_to_string(&path)?));
            }
        }
        Self::from_files(files).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))
    }

    /// Definitions from (file name, text) pairs; a file that does not parse, a repeated
    /// id, or an FAQ entry claimed by two types is an error naming the file.
    pub fn from_files(mut files: Vec<(String, String)>) -> Result<Self, String> {
        files.sort();
        let mut catalogue = Catalogue::default();
        for (name, text) in files {
            let t = RequestType::from_toml(&text).map_err(|e| format!("{name}: {e}"))?;
            if catalogue.get(&t.id).is_some() {
                return Err(format!("{name}: type {} is defined twice", t.id));
            }
            for faq in &t.faq {
                if catalogue
                    .by_faq
                    .insert(faq.clone(), catalogue.types.len())
                    .is_some()
                {
                    return Err(format!("{name}: FAQ {faq} already belongs to another type"));
                }
            }
            catalogue.types.push(t);
        }
        Ok(catalogue)
    }

    pub fn types(&self) -> &[RequestType] {
        &self.types
    }

    pub fn get(&self, id: &str) -> Option<&RequestType> {
        self.types.iter().find(|t| t.id == id)
    }

    /// The type an FAQ entry belongs to, if any.
    pub fn for_faq(&self, faq_id: &str) -> Option<&RequestType> {
        self.by_faq.get(faq_id).map(|i| &self.types[*i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_types_load_and_cover_the_specification() {
        let c = Catalogue::bundled();
        assert!(c.types().len() >= 12, "{} types", c.types().len());
        let on_disk = Catalogue::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/integrations/requests"
        )))
        .unwrap();
        assert_eq!(
            on_disk.types().len(),
            c.types().len(),
            "every file is bundled"
        );
        for id in [
            "ad-account-add",
            "ad-account-disable",
            "mail-account",
            "fileserver-quota",
            "original-mail",
            "ip-address",
        ] {
            assert!(c.get(id).is_some(), "{id}");
        }
        assert_eq!(
            c.for_faq("account-new-request").map(|t| t.id.as_str()),
            Some("ad-account-add")
        );
        assert!(
            c.types().iter().any(|t| t.approvals == 2),
            "some types have a second step"
        );
    }

    #[test]
    fn an_faq_entry_belongs_to_one_type_only() {
        let a = BUNDLED[0].1.to_owned();
        let b = a.replace("id = \"ad-account-add\"", "id = \"other\"");
        let err =
            Catalogue::from_files(vec![("a.toml".into(), a), ("b.toml".into(), b)]).unwrap_err();
        assert!(err.contains("already belongs"), "{err}");
    }
}
