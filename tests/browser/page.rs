//! Reading the widget from the page and using the keyboard, as a person would.
//!
//! The widget lives in an open shadow root; a few lines of JavaScript read its state in
//! one round trip. Everything the tests *do* goes through WebDriver key and pointer
//! actions, never through the widget's own functions.

use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::Client;
use serde::Deserialize;
use serde_json::Value;

/// Longest wait for anything the widget does (a debug build answers in milliseconds).
pub const DEADLINE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(40);

/// Shared by every script: the widget's shadow root and the element that has focus,
/// looking through shadow roots.
pub const PRELUDE: &str = r#"
const host = document.querySelector('madoguchi-widget');
const root = host ? host.shadowRoot : null;
const $ = (s) => (root ? root.querySelector(s) : null);
const $$ = (s) => (root ? Array.from(root.querySelectorAll(s)) : []);
const deepActive = () => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a;
};
"#;

const STATE: &str = r#"
const active = deepActive();
const panel = $('.panel');
return {
  ready: !!root && !!$('.root') && !$('.root').hidden,
  open: !!panel && !panel.hidden,
  active: {
    tag: active ? active.tagName.toLowerCase() : '',
    class: active && typeof active.className === 'string' ? active.className : '',
    text: active ? (active.textContent || '').trim() : '',
    in_widget: !!root && !!active && root.contains(active),
  },
  messages: $$('.message').map((m) => ({
    class: m.className,
    author: (m.querySelector('.author') || {}).textContent || '',
    text: (m.querySelector('.body') || {}).textContent || '',
    choices: Array.from(m.querySelectorAll('button.choice')).map((b) => ({
      label: b.textContent,
      disabled: b.disabled,
    })),
  })),
  input: ($('textarea') || {}).value || '',
  csp_violations: (window.madoguchiDemoCspViolations || []).map((v) => JSON.stringify(v)),
  conversation: sessionStorage.getItem('madoguchi.conversation'),
};
"#;

#[derive(Debug, Clone, Deserialize)]
pub struct WidgetState {
    /// The stylesheet has loaded and the widget is shown.
    pub ready: bool,
    pub open: bool,
    pub active: Focus,
    pub messages: Vec<Message>,
    pub input: String,
    pub csp_violations: Vec<String>,
    pub conversation: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Focus {
    pub tag: String,
    pub class: String,
    pub text: String,
    pub in_widget: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    pub class: String,
    pub author: String,
    pub text: String,
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Choice {
    pub label: String,
    pub disabled: bool,
}

impl Focus {
    pub fn is(&self, class: &str) -> bool {
        self.in_widget && self.class.split(' ').any(|c| c == class)
    }
}

impl Message {
    pub fn is(&self, kind: &str) -> bool {
        self.class
            .split(' ')
            .any(|c| c == format!("message-{kind}"))
    }
}

impl WidgetState {
    pub fn bot_messages(&self) -> Vec<&Message> {
        self.messages.iter().filter(|m| m.is("bot")).collect()
    }
}

/// Runs `body` after [`PRELUDE`] in the page and returns its result.
pub async fn run(client: &Client, body: &str) -> Value {
    client
        .execute(&format!("{PRELUDE}\n{body}"), Vec::new())
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
}

pub async fn state(client: &Client) -> WidgetState {
    serde_json::from_value(run(client, STATE).await).expect("the widget state")
}

/// Polls the widget until `ready` holds, failing after [`DEADLINE`] with the last state.
pub async fn wait_for(
    client: &Client,
    what: &str,
    ready: impl Fn(&WidgetState) -> bool,
) -> WidgetState {
    let started = Instant::now();
    loop {
        let current = state(client).await;
        if ready(&current) {
            return current;
        }
        if started.elapsed() > DEADLINE {
            panic!("waited {DEADLINE:?} for {what}; the widget is now: {current:#?}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Loads `url` and waits until the widget is on screen.
pub async fn open_page(client: &Client, url: &str) -> WidgetState {
    client.goto(url).await.expect("load the page");
    wait_for(client, "the widget to load", |s| s.ready).await
}

/// One key press (down and up) to whatever has focus.
pub async fn press(client: &Client, key: Key) {
    keys(
        client,
        &[
            KeyAction::Down { value: key.into() },
            KeyAction::Up { value: key.into() },
        ],
    )
    .await;
}

/// Shift + `key`.
pub async fn press_shifted(client: &Client, key: Key) {
    let shift: char = Key::Shift.into();
    keys(
        client,
        &[
            KeyAction::Down { value: shift },
            KeyAction::Down { value: key.into() },
            KeyAction::Up { value: key.into() },
            KeyAction::Up { value: shift },
        ],
    )
    .await;
}

/// Types `text` into whatever has focus, one key at a time.
pub async fn type_text(client: &Client, text: &str) {
    let actions: Vec<KeyAction> = text
        .chars()
        .flat_map(|c| [KeyAction::Down { value: c }, KeyAction::Up { value: c }])
        .collect();
    keys(client, &actions).await;
}

async fn keys(client: &Client, actions: &[KeyAction]) {
    let sequence = actions
        .iter()
        .cloned()
        .fold(KeyActions::new("keyboard".to_owned()), |seq, a| seq.then(a));
    client
        .perform_actions(sequence)
        .await
        .expect("perform key actions");
}

/// Presses Tab (or Shift+Tab) until focus satisfies `wanted`, at most `limit` times;
/// returns how many presses it took.
pub async fn tab_until(
    client: &Client,
    backwards: bool,
    limit: usize,
    what: &str,
    wanted: impl Fn(&Focus) -> bool,
) -> usize {
    for presses in 1..=limit {
        if backwards {
            press_shifted(client, Key::Tab).await;
        } else {
            press(client, Key::Tab).await;
        }
        let focus = state(client).await.active;
        if wanted(&focus) {
            return presses;
        }
    }
    let focus = state(client).await.active;
    panic!("{what}: not focused after {limit} presses of Tab; focus is on {focus:?}");
}
