//! Browser tests: the portal widget in real headless Chromium (Debian's `chromium` and
//! `chromium-driver`) against the real application on a loopback port.
//!
//! Each test starts its own helpdesk (fresh SQLite database), its own chromedriver and one
//! WebDriver session, and cleans all of them up when it ends, pass or fail. Without the
//! browser the tests print `SKIPPED: ...` and pass; `MADOGUCHI_REQUIRE_BROWSER=1` turns that
//! into a failure (CI sets it). The open widget's screenshot is written to
//! `target/test-artifacts/widget-open.png`.
//!
//! ```sh
//! apt-get install -y chromium chromium-driver fonts-ipaexfont-gothic
//! MADOGUCHI_REQUIRE_BROWSER=1 cargo test --test browser
//! ```

mod app;
mod batches;
mod console;
mod conversation;
mod driver;
mod equipment;
mod faq_edit;
mod ip_ledger;
mod loans;
mod look;
mod outages;
mod page;
mod personnel;
mod proposal;
mod reports;
mod widget;
mod widget_forms;
