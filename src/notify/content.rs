//! What a notice of a new escalation says, from the templates in `prompts/`: the ticket
//! number, the question, the channel, the asker's 所属 when known, the first-response due
//! time and a link to the ticket in the console. Nothing else about the asker (no name,
//! e-mail address, phone number or 内線): the notice travels through a chat room and
//! mailboxes, the console is where the rest is seen (and recorded in the audit log).

use chrono::{DateTime, Utc};

use crate::calendar;
use crate::domain::ticket_number;
use crate::domain::Channel;
use crate::prompts::{Prompt, Prompts};

/// The facts a notice carries, already in the words operators read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationNotice {
    /// 「#12」.
    pub ticket: String,
    /// The staff member's question (the ticket's subject).
    pub subject: String,
    /// 「LoGoチャット」, 「ポータル」...
    pub channel: String,
    /// The asker's 所属, or the `notify_department_unknown` wording.
    pub department: String,
    /// 「11月26日(木) 11:00」, or empty when the ticket has no due time.
    pub due: String,
    /// `{console_base_url}/operator/tickets/{id}`.
    pub link: String,
}

impl EscalationNotice {
    /// The notice for ticket `id`.
    pub fn new(
        prompts: &Prompts,
        id: i64,
        subject: &str,
        channel: Channel,
        department: Option<&str>,
        first_response_due: Option<DateTime<Utc>>,
        link: String,
    ) -> Self {
        let department = department
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map_or_else(
                || prompts.text(Prompt::NotifyDepartmentUnknown),
                str::to_owned,
            );
        let due = first_response_due
            .map(|at| calendar::format_datetime_ja(calendar::to_local(at)))
            .unwrap_or_default();
        Self {
            ticket: ticket_number(id),
            subject: subject.to_owned(),
            channel: channel.label().to_owned(),
            department,
            due,
            link,
        }
    }

    /// The message for the operators' LoGoチャット room.
    pub fn room_text(&self, prompts: &Prompts) -> String {
        prompts.render(Prompt::NotifyRoom, &self.values(&self.subject))
    }

    /// The e-mail's Subject: one line (a newline in the question must not start a new
    /// header, whatever the mail library does with it).
    pub fn mail_subject(&self, prompts: &Prompts) -> String {
        let subject = one_line(&self.subject);
        one_line(&prompts.render(Prompt::NotifyMailSubject, &self.values(&subject)))
    }

    /// The e-mail's text.
    pub fn mail_body(&self, prompts: &Prompts) -> String {
        prompts.render(Prompt::NotifyMailBody, &self.values(&self.subject))
    }

    fn values<'a>(&'a self, subject: &'a str) -> [(&'static str, &'a str); 6] {
        [
            ("ticket", &self.ticket),
            ("subject", subject),
            ("channel", &self.channel),
            ("department", &self.department),
            ("due", &self.due),
            ("link", &self.link),
        ]
    }
}

/// `text` on one line: runs of whitespace (newlines, tabs) become one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
