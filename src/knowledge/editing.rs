//! Editing FAQ entries from the operator console: who may save what, the checks an
//! edited entry must pass, saving it (a revision by the editor, answerable at once,
//! audited), and finding entries with their statistics.
//!
//! The rule for roles: admins save anything; operators write drafts, i.e. they create and
//! edit entries only while unpublished, and can neither publish, unpublish nor change a
//! published entry; viewers save nothing.

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;

use super::{EntryStatistics, KnowledgeBase};
use crate::domain::account::User;
use crate::domain::Role;
pub use crate::kb::RESERVED_IDS;
use crate::kb::{related_problems, reserved_id_problem, valid_id, FaqEntry};
use crate::storage::{audit, faqs, AuditEntry, EntryCounts, Period, StorageError};

/// Why a role may not save an entry. Nothing was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EditRefusal {
    #[error("閲覧者はFAQを保存できません。")]
    ReadOnly,
    #[error("公開中の項目を変更できるのは管理者だけです。")]
    PublishedEntry,
    #[error("公開・非公開の切り替えは管理者だけができます。オペレーターは非公開の下書きとして保存してください。")]
    Publishing,
}

impl EditRefusal {
    /// The refused action, as the console's "not allowed" message names it.
    pub fn what(self) -> &'static str {
        match self {
            EditRefusal::ReadOnly => "FAQの保存",
            EditRefusal::PublishedEntry => "公開中のFAQの変更",
            EditRefusal::Publishing => "FAQの公開・非公開",
        }
    }
}

/// Whether `role` may save `saved` over `stored` (`None` when creating).
pub fn may_save(
    role: Role,
    stored: Option<&FaqEntry>,
    saved: &FaqEntry,
) -> Result<(), EditRefusal> {
    match role {
        Role::Admin => Ok(()),
        Role::Viewer => Err(EditRefusal::ReadOnly),
        Role::Operator if stored.is_some_and(|s| s.published) => Err(EditRefusal::PublishedEntry),
        Role::Operator if saved.published => Err(EditRefusal::Publishing),
        Role::Operator => Ok(()),
    }
}

/// Whether `role` may edit `stored` at all (`None`: a new entry), for showing the form.
pub fn may_edit(role: Role, stored: Option<&FaqEntry>) -> bool {
    match role {
        Role::Admin => true,
        Role::Operator => stored.is_none_or(|s| !s.published),
        Role::Viewer => false,
    }
}

/// Whether `role` may publish and unpublish entries.
pub fn may_publish(role: Role) -> bool {
    role == Role::Admin
}

/// Why an edited entry was not saved. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error(transparent)]
    Refused(#[from] EditRefusal),
    /// Every problem with the input, in Japanese.
    #[error("{}", .0.join(" "))]
    Invalid(Vec<String>),
    #[error("ID「{0}」のFAQはありません。")]
    NoSuchEntry(String),
    /// Saved by someone else since the form was opened at revision `opened`: nothing is
    /// saved over it unseen.
    #[error(
        "このFAQは、開いた後にほかの人が保存しました（開いたときは版 {opened}、いまは版 {now}）。\
         履歴で変更を確かめてから、もう一度保存してください。"
    )]
    Conflict { opened: u32, now: u32 },
    /// A new entry under an id another save took meanwhile.
    #[error("ID「{0}」のFAQはすでにあります。別のIDにしてください。")]
    Taken(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StorageError> for EditError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Invalid(reason) => EditError::Invalid(vec![reason]),
            other => EditError::Internal(other.into()),
        }
    }
}

/// A saved entry: its revision number now, and whether the save changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedEntry {
    pub revision: u32,
    pub changed: bool,
}

/// Every problem with `entry`, in Japanese; `known_ids` are the stored entries' ids.
pub fn entry_problems(
    entry: &FaqEntry,
    creating: bool,
    known_ids: &BTreeSet<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if creating {
        if !valid_id(&entry.id) {
            problems.push(
                "IDは半角の英小文字・数字・「-」「_」で、80文字以内にしてください。".to_owned(),
            );
        } else if let Some(reason) = reserved_id_problem(&entry.id) {
            problems.push(reason);
        } else if known_ids.contains(&entry.id) {
            problems.push(format!("ID「{}」はすでに使われています。", entry.id));
        }
    }
    if entry.title.trim().is_empty() {
        problems.push("タイトルを入力してください。".to_owned());
    }
    if entry.body.trim().is_empty() {
        problems.push("本文を入力してください。".to_owned());
    }
    for (field, c) in entry.control_characters() {
        if field != "ID" {
            let c = crate::kb::code_point(c);
            problems.push(format!("{field}に制御文字（{c}）は使えません。"));
        }
    }
    problems.extend(related_problems(entry, |id| known_ids.contains(id)));
    problems
}

/// What the FAQ list is narrowed to. Empty fields narrow nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaqSearch {
    /// Found (ignoring case and full-width forms) in the id, title, category, keywords or
    /// alternative questions.
    pub text: String,
    /// Exactly this category.
    pub category: String,
    pub published: Option<bool>,
}

impl FaqSearch {
    pub fn matches(&self, entry: &FaqEntry) -> bool {
        if !self.category.is_empty() && entry.category != self.category {
            return false;
        }
        if self.published.is_some_and(|p| p != entry.published) {
            return false;
        }
        let wanted = folded(self.text.trim());
        if wanted.is_empty() {
            return true;
        }
        [&entry.id, &entry.title, &entry.category]
            .into_iter()
            .chain(&entry.keywords)
            .chain(&entry.alternatives)
            .any(|text| folded(text).contains(&wanted))
    }
}

/// NFKC and lower case: ＶＰＮ, vpn and VPN read the same.
fn folded(text: &str) -> String {
    text.nfkc().collect::<String>().to_lowercase()
}

/// The entries a search found, with their figures, and every category in use.
#[derive(Debug, Clone)]
pub struct FaqListing {
    pub entries: Vec<EntryStatistics>,
    pub categories: Vec<String>,
    /// How many entries are stored, found or not.
    pub stored: usize,
}

impl KnowledgeBase {
    /// The stored entries `search` finds, ordered by id, each with its figures over
    /// `period`, and every category in use.
    pub async fn search_faqs(
        &self,
        search: &FaqSearch,
        period: Period,
    ) -> anyhow::Result<FaqListing> {
        let entries = self.store.list_faqs().await?;
        let mut counts = self.counts(period).await?;
        let categories = categories(&entries);
        let stored = entries.len();
        let entries = entries
            .into_iter()
            .filter(|e| search.matches(e))
            .map(|entry| EntryStatistics {
                counts: counts.remove(&entry.id).unwrap_or_else(|| EntryCounts {
                    faq_id: entry.id.clone(),
                    ..EntryCounts::default()
                }),
                faq_id: entry.id,
                title: Some(entry.title),
                category: Some(entry.category),
                published: entry.published,
            })
            .collect();
        Ok(FaqListing {
            entries,
            categories,
            stored,
        })
    }

    /// Every category in use, sorted (the edit form offers them).
    pub async fn faq_categories(&self) -> anyhow::Result<Vec<String>> {
        Ok(categories(&self.store.list_faqs().await?))
    }

    /// Saves `entry` as `editor` (a new entry when `creating`; `opened`: the revision the
    /// editor's form was opened at): checks the role rule ([`may_save`]) and the input
    /// ([`entry_problems`]) first, then, on the entry's row locked in the save's
    /// transaction, that nobody saved it since it was opened and that the role rule still
    /// holds for it as it is now; then saves a revision by the editor, rebuilds the engine
    /// so that the bot answers with it at once, and audits it as `faq.save`. A refusal,
    /// bad input or a save by someone else meanwhile changes nothing.
    pub async fn save_faq_entry(
        &self,
        editor: &User,
        entry: &FaqEntry,
        creating: bool,
        opened: Option<u32>,
    ) -> Result<SavedEntry, EditError> {
        let stored = self.store.get_faq(&entry.id).await?;
        if !creating && stored.is_none() {
            return Err(EditError::NoSuchEntry(entry.id.clone()));
        }
        let before = if creating { None } else { stored.as_ref() };
        may_save(editor.role, before, entry)?;
        let known: BTreeSet<String> = self
            .store
            .list_faqs()
            .await?
            .into_iter()
            .map(|e| e.id)
            .collect();
        let problems = entry_problems(entry, creating, &known);
        if !problems.is_empty() {
            return Err(EditError::Invalid(problems));
        }
        let previous = self
            .store
            .faq_revisions(&entry.id)
            .await?
            .first()
            .map(|r| r.revision);
        let mut tx = self.store.begin().await?;
        match (faqs::locked(&mut tx, &entry.id).await?, creating) {
            (Some(_), true) => return Err(EditError::Taken(entry.id.clone())),
            (None, false) => return Err(EditError::NoSuchEntry(entry.id.clone())),
            (Some((now, revision)), false) => {
                if let Some(opened) = opened.filter(|o| *o != revision) {
                    return Err(EditError::Conflict {
                        opened,
                        now: revision,
                    });
                }
                // Read before the transaction; published by an admin since, say.
                may_save(editor.role, Some(&now), entry)?;
            }
            (None, true) => {}
        }
        let revision = faqs::save(&mut tx, entry, &editor.login).await?.revision();
        let changed = previous != Some(revision);
        let detail = match (creating, changed) {
            (true, _) => format!("created, revision {revision}"),
            (false, true) => format!("revision {revision}"),
            (false, false) => format!("unchanged, revision {revision}"),
        };
        let line = AuditEntry::new(&editor.login, "faq.save", "faq", &entry.id).detail(detail);
        audit::append(&mut tx, &line).await?;
        tx.commit().await?;
        if changed {
            self.reload().await?;
        }
        Ok(SavedEntry { revision, changed })
    }
}

fn categories(entries: &[FaqEntry]) -> Vec<String> {
    let set: BTreeSet<&str> = entries
        .iter()
        .map(|e| e.category.as_str())
        .filter(|c| !c.is_empty())
        .collect();
    set.into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, published: bool) -> FaqEntry {
        FaqEntry {
            id: id.into(),
            title: "VPNにつながりません".into(),
            category: "テレワーク・モバイル".into(),
            keywords: vec!["VPN".into()],
            alternatives: vec!["在宅で社内につながらない".into()],
            related: vec![],
            body: "再接続してください。".into(),
            published,
        }
    }

    #[test]
    fn admins_save_anything() {
        let (draft, live) = (entry("a", false), entry("a", true));
        for (stored, saved) in [(None, &live), (Some(&draft), &live), (Some(&live), &draft)] {
            assert_eq!(may_save(Role::Admin, stored, saved), Ok(()));
        }
        assert!(may_edit(Role::Admin, Some(&live)) && may_publish(Role::Admin));
    }

    #[test]
    fn operators_write_drafts_only() {
        let (draft, live) = (entry("a", false), entry("a", true));
        assert_eq!(may_save(Role::Operator, None, &draft), Ok(()));
        assert_eq!(may_save(Role::Operator, Some(&draft), &draft), Ok(()));
        assert_eq!(
            may_save(Role::Operator, None, &live),
            Err(EditRefusal::Publishing)
        );
        assert_eq!(
            may_save(Role::Operator, Some(&draft), &live),
            Err(EditRefusal::Publishing)
        );
        for saved in [&draft, &live] {
            assert_eq!(
                may_save(Role::Operator, Some(&live), saved),
                Err(EditRefusal::PublishedEntry),
                "neither unpublish nor change a published entry"
            );
        }
        assert!(may_edit(Role::Operator, None) && may_edit(Role::Operator, Some(&draft)));
        assert!(!may_edit(Role::Operator, Some(&live)) && !may_publish(Role::Operator));
    }

    #[test]
    fn viewers_save_nothing() {
        let draft = entry("a", false);
        assert_eq!(
            may_save(Role::Viewer, None, &draft),
            Err(EditRefusal::ReadOnly)
        );
        assert!(!may_edit(Role::Viewer, None) && !may_publish(Role::Viewer));
    }

    #[test]
    fn every_problem_of_an_entry_is_listed() {
        let known: BTreeSet<String> = ["vpn-connect".to_owned()].into();
        let mut bad = entry("VPN!", false);
        bad.title = " ".into();
        bad.body = String::new();
        bad.related = vec!["nothing-here".into()];
        let problems = entry_problems(&bad, true, &known);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[3].contains("nothing-here"));
        let taken = entry_problems(&entry("vpn-connect", false), true, &known);
        assert_eq!(taken, ["ID「vpn-connect」はすでに使われています。"]);
        assert_eq!(entry_problems(&entry("new", false), true, &known).len(), 1);
        assert!(entry_problems(&entry("vpn-connect", false), false, &known).is_empty());
    }

    #[test]
    fn a_search_ignores_case_and_full_width_forms_and_looks_at_alternatives() {
        let vpn = entry("vpn-connect", true);
        let find = |text: &str| FaqSearch {
            text: text.into(),
            ..FaqSearch::default()
        };
        for text in ["ｖｐｎ", "vpn-CONNECT", "在宅", "テレワーク", ""] {
            assert!(find(text).matches(&vpn), "{text}");
        }
        assert!(!find("プリンター").matches(&vpn));
        let drafts = FaqSearch {
            published: Some(false),
            ..FaqSearch::default()
        };
        assert!(!drafts.matches(&vpn));
        let other_category = FaqSearch {
            category: "メール".into(),
            ..FaqSearch::default()
        };
        assert!(!other_category.matches(&vpn));
    }
}
