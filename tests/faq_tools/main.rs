//! FAQ maintenance through the helpdesk, as the operator console will call it: CSV and
//! Markdown import and export, revision diffs and restore, synonyms edited at run time,
//! and the "try a question" box. Each test opens its own helpdesk on the bundled
//! knowledge base; the revision and synonym stories also run on PostgreSQL when
//! `MADOGUCHI_TEST_POSTGRES_URL` is set.

mod control_characters;
#[path = "../storage/db.rs"]
mod db;
mod helpers;
mod import_export;
mod import_rules;
mod revisions;
mod synonyms;
mod test_box;
