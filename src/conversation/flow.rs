//! The in-chat flow: what the bot does with one message, given where the conversation
//! stands. Answer → 解決しましたか？ → 「いいえ」 → the other candidates → a person.
//!
//! A turn is worked out in two steps. [`Conversations::plan`] decides, from the state as
//! read and the engine's answer (the costly part, done before any lock), what the turn
//! is; [`Conversations::execute`] carries it out inside the turn's transaction (the
//! question log, the feedback, a ticket) and writes the replies.

use super::outage_notice::OutageCheck;
use super::{question_log, stored_text, Conversations, TurnResult};
use crate::domain::words::{classify, Word};
use crate::domain::{Author, ConversationState, Offer};
use crate::engine::{Decision, Intent, Outcome};
use crate::kb::render::markdown_to_safe_html;
use crate::prompts::Prompt;
use crate::storage::staff::StaffKey;
use crate::storage::{feedback, questions, Choice, ConversationRow, NewFeedback, NewMessage, Tx};
use crate::tickets::Escalation;

/// How many entries a numbered list offers at most.
const MAX_OFFERS: usize = 3;

/// What a turn does, decided before its transaction.
pub(super) enum Step {
    /// An operator has the conversation: the message is stored, the bot stays silent.
    Silent,
    /// A new question, and what the engine made of it; with the conversation's open
    /// ticket when it is answered beside it (the ticket stays open).
    Question {
        text: String,
        outcome: Outcome,
        open_ticket: Option<i64>,
    },
    /// A message to add to the conversation's open ticket.
    AppendToTicket { ticket_id: i64 },
    /// A message with nothing to search for: the prompt that fits the state, which stays.
    Unclear,
    /// A sentence worked out already, and a new state.
    Reply(String, ConversationState),
    /// 「はい」/「いいえ」 to 解決しましたか.
    Feedback {
        resolved: bool,
        faq_id: String,
        question: String,
        question_id: Option<i64>,
        others: Vec<Offer>,
    },
    /// A number from the list: answer with that entry.
    Chosen {
        chosen: Offer,
        question: String,
        question_id: Option<i64>,
        others: Vec<Offer>,
    },
    /// A number outside the list.
    ChooseAgain { max: usize },
    /// A person, please.
    Escalate { question: String },
    /// An anonymous staff member's reply to 「職員番号または内線番号」.
    Identify {
        question: String,
        contact: String,
        staff_no: Option<String>,
    },
    /// Nothing fits: rephrase, or a person?
    OfferPerson { question: String },
    /// One sentence and a new state.
    Say(Prompt, ConversationState),
    /// A turn of the request dialogue (`request_dialogue.rs`).
    Request(super::request_dialogue::Planned),
    /// A turn of the loan dialogue (`loan_dialogue.rs`).
    Loan(super::loan_dialogue::Planned),
    /// A question about an ongoing outage (`outage_notice.rs`).
    Outage(super::outage_notice::Planned),
}

impl Conversations {
    /// Decides what the turn does with `text`.
    pub(super) async fn plan(
        &self,
        conversation: &ConversationRow,
        text: &str,
    ) -> anyhow::Result<Step> {
        if !conversation.handler.is_bot() {
            return Ok(Step::Silent);
        }
        if let Some(step) = self.plan_request(conversation, text).await? {
            return Ok(step);
        }
        if let Some(step) = self.plan_loan(conversation, text).await? {
            return Ok(step);
        }
        let asked = match self.plan_outage(conversation, text).await? {
            OutageCheck::Concerns(step) => return Ok(step),
            OutageCheck::Not(asked) => asked,
        };
        let state = &conversation.state;
        let word = classify(text);
        use ConversationState as S;
        Ok(match (state, word) {
            (_, Word::Person) => Step::Escalate {
                question: state.question().unwrap_or(text).to_owned(),
            },
            (
                S::AwaitingFeedback {
                    faq_id,
                    question_id,
                    question,
                    others,
                },
                Word::Yes | Word::No,
            ) => Step::Feedback {
                resolved: word == Word::Yes,
                faq_id: faq_id.clone(),
                question: question.clone(),
                question_id: *question_id,
                others: others.clone(),
            },
            (
                S::AwaitingChoice {
                    question,
                    question_id,
                    offers,
                },
                Word::Number(n),
            ) => {
                let n = n as usize;
                if (1..=offers.len()).contains(&n) {
                    let chosen = offers[n - 1].clone();
                    let others = offers
                        .iter()
                        .filter(|o| o.id != chosen.id)
                        .cloned()
                        .collect();
                    Step::Chosen {
                        chosen,
                        question: question.clone(),
                        question_id: *question_id,
                        others,
                    }
                } else if n == offers.len() + 1 {
                    Step::Escalate {
                        question: question.clone(),
                    }
                } else {
                    Step::ChooseAgain {
                        max: offers.len() + 1,
                    }
                }
            }
            (S::AwaitingChoice { question, .. }, Word::No) => Step::OfferPerson {
                question: question.clone(),
            },
            (S::AwaitingChoice { offers, .. }, Word::Yes) => Step::ChooseAgain {
                max: offers.len() + 1,
            },
            (S::ConfirmEscalation { question }, Word::Yes) => Step::Escalate {
                question: question.clone(),
            },
            (S::ConfirmEscalation { .. }, Word::No | Word::Cancel) => {
                Step::Say(Prompt::Rephrase, S::Idle)
            }
            (S::AwaitingIdentity { .. }, Word::Cancel) => Step::Say(Prompt::Cancelled, S::Idle),
            (S::AwaitingIdentity { question }, _) => self.identity_reply(question, text).await?,
            _ => self.plan_message(conversation, text, word, asked).await?,
        })
    }

    /// 「職員番号または内線番号」 answered: the first run of three or more digits, looked
    /// up as 職員番号, then as 内線.
    async fn identity_reply(&self, question: &str, text: &str) -> anyhow::Result<Step> {
        let normalized = crate::analysis::normalize::normalize(text);
        let digits: String = normalized
            .split(|c: char| !c.is_ascii_digit())
            .filter(|run| run.len() >= 3)
            .take(1)
            .collect();
        if digits.is_empty() {
            return Ok(Step::Say(
                Prompt::IdentityRetry,
                ConversationState::AwaitingIdentity {
                    question: question.to_owned(),
                },
            ));
        }
        let staff = match self
            .store
            .staff_member(StaffKey::EmployeeNo(&digits))
            .await?
        {
            Some(s) => Some(s),
            None => {
                self.store
                    .staff_member(StaffKey::Extension(&digits))
                    .await?
            }
        };
        Ok(Step::Identify {
            question: question.to_owned(),
            contact: stored_text(text),
            staff_no: staff.map(|s| s.employee_no),
        })
    }

    /// Carries `step` out inside the turn's transaction.
    pub(super) async fn execute(
        &self,
        tx: &mut Tx,
        conversation: &ConversationRow,
        step: Step,
    ) -> anyhow::Result<TurnResult> {
        Ok(match step {
            Step::Silent => {
                self.note_on_ticket(tx, conversation).await?;
                TurnResult {
                    after: conversation.clone(),
                    replies: Vec::new(),
                    opened_ticket: None,
                }
            }
            Step::Question {
                text,
                outcome,
                open_ticket,
            } => {
                let log = question_log(&text, conversation.channel.as_str(), &outcome);
                let question_id = questions::record(tx, &log).await?;
                let turn = self.answer(conversation, &outcome, &stored_text(&text), question_id);
                self.beside_ticket(turn, open_ticket)
            }
            Step::AppendToTicket { ticket_id } => {
                self.append_to_ticket(tx, conversation, ticket_id).await?
            }
            Step::Unclear => self.unclear(conversation),
            Step::Reply(text, state) => {
                TurnResult::new(conversation, state, bot_message(text, Vec::new()))
            }
            Step::Feedback {
                resolved,
                faq_id,
                question,
                question_id,
                others,
            } => {
                let record = NewFeedback {
                    faq_id,
                    conversation_id: conversation.id,
                    question_id,
                    resolved,
                };
                feedback::record(tx, &record).await?;
                if resolved {
                    self.say(conversation, Prompt::Resolved, ConversationState::Idle)
                } else if others.is_empty() {
                    self.offer_person(conversation, &question)
                } else {
                    self.offer(
                        conversation,
                        Prompt::OtherCandidates,
                        &question,
                        question_id,
                        others,
                    )
                }
            }
            Step::Chosen {
                chosen,
                question,
                question_id,
                others,
            } => self
                .answer_with(conversation, &chosen.id, &question, question_id, others)
                .unwrap_or_else(|| self.offer_person(conversation, &question)),
            Step::ChooseAgain { max } => {
                let text = self
                    .prompts
                    .render(Prompt::ChoiceOutOfRange, &[("max", &max.to_string())]);
                TurnResult {
                    after: conversation.clone(),
                    replies: vec![bot_message(text, Vec::new())],
                    opened_ticket: None,
                }
            }
            Step::Escalate { question } => self.escalate(tx, conversation, &question).await?,
            Step::Identify {
                question,
                contact,
                staff_no,
            } => {
                let mut asking = conversation.clone();
                asking.contact = Some(contact);
                if staff_no.is_some() {
                    asking.staff_no = staff_no;
                }
                self.open_ticket(tx, &asking, &question).await?
            }
            Step::OfferPerson { question } => self.offer_person(conversation, &question),
            Step::Say(prompt, state) => self.say(conversation, prompt, state),
            Step::Request(planned) => self.execute_request(tx, conversation, planned).await?,
            Step::Loan(planned) => self.execute_loan(tx, conversation, planned).await?,
            Step::Outage(planned) => self.execute_outage(tx, conversation, planned).await?,
        })
    }

    /// A new question: the engine's answer, a list to choose from, or an offer of a person.
    fn answer(
        &self,
        conversation: &ConversationRow,
        outcome: &Outcome,
        question: &str,
        question_id: i64,
    ) -> TurnResult {
        let qid = Some(question_id);
        // Only plausible entries are offered: a list padded with weak matches reads as
        // noise (住民票 → 紙詰まり).
        let offers: Vec<Offer> = outcome
            .candidates
            .iter()
            .filter(|c| c.score >= self.suggest_floor)
            .take(MAX_OFFERS + 1)
            .map(|c| Offer {
                id: c.id.clone(),
                title: c.title.clone(),
            })
            .collect();
        match (outcome.intent, outcome.decision) {
            (Intent::Greeting | Intent::Empty, _) => {
                self.say(conversation, Prompt::Greeting, ConversationState::Idle)
            }
            (Intent::Thanks, _) => self.say(conversation, Prompt::Thanks, ConversationState::Idle),
            (_, Decision::Answer) if !offers.is_empty() => {
                let top = offers[0].id.clone();
                let others = offers[1..].iter().take(MAX_OFFERS).cloned().collect();
                self.answer_with(conversation, &top, question, qid, others)
                    .unwrap_or_else(|| self.offer_person(conversation, question))
            }
            (_, Decision::Answer | Decision::Suggest) if !offers.is_empty() => {
                let offers = offers.into_iter().take(MAX_OFFERS).collect();
                self.offer(conversation, Prompt::Suggest, question, qid, offers)
            }
            _ => self.offer_person(conversation, question),
        }
    }

    /// Answers with entry `faq_id` and asks whether it helped.
    fn answer_with(
        &self,
        conversation: &ConversationRow,
        faq_id: &str,
        question: &str,
        question_id: Option<i64>,
        others: Vec<Offer>,
    ) -> Option<TurnResult> {
        let entry = self.engine.entry(faq_id)?;
        if let Some(turn) = self.offer_request(conversation, &entry, question) {
            return Some(turn);
        }
        let text = self.prompts.render(
            Prompt::Answer,
            &[("title", &entry.title), ("answer", entry.body.trim())],
        );
        let mut reply = bot_message(text, yes_no());
        reply.html = Some(markdown_to_safe_html(&reply.text, &self.image_hosts));
        reply.faq_id = Some(entry.id.clone());
        let state = ConversationState::AwaitingFeedback {
            faq_id: entry.id,
            question: question.to_owned(),
            question_id,
            others,
        };
        Some(TurnResult::new(conversation, state, reply))
    }

    /// A numbered list of entries, the last number asking for a person.
    fn offer(
        &self,
        conversation: &ConversationRow,
        prompt: Prompt,
        question: &str,
        question_id: Option<i64>,
        offers: Vec<Offer>,
    ) -> TurnResult {
        let person = self.prompts.text(Prompt::PersonChoice);
        let mut choices: Vec<Choice> = offers
            .iter()
            .enumerate()
            .map(|(i, o)| Choice {
                label: o.title.clone(),
                value: (i + 1).to_string(),
            })
            .collect();
        choices.push(Choice {
            label: person,
            value: (offers.len() + 1).to_string(),
        });
        let list = choices
            .iter()
            .map(|c| format!("{}. {}", c.value, c.label))
            .collect::<Vec<_>>()
            .join("\n");
        let text = self.prompts.render(prompt, &[("choices", &list)]);
        let mut reply = bot_message(text, choices);
        reply.offers = offers.iter().map(|o| o.id.clone()).collect();
        let state = ConversationState::AwaitingChoice {
            question: question.to_owned(),
            question_id,
            offers,
        };
        TurnResult::new(conversation, state, reply)
    }

    /// Nothing fits: rephrase, or a person?
    fn offer_person(&self, conversation: &ConversationRow, question: &str) -> TurnResult {
        let mut turn = self.say(
            conversation,
            Prompt::NotUnderstood,
            ConversationState::ConfirmEscalation {
                question: question.to_owned(),
            },
        );
        turn.replies[0].choices = yes_no();
        turn
    }

    /// One sentence and a new state.
    pub(super) fn say(
        &self,
        conversation: &ConversationRow,
        prompt: Prompt,
        state: ConversationState,
    ) -> TurnResult {
        TurnResult::new(
            conversation,
            state,
            bot_message(self.prompts.text(prompt), Vec::new()),
        )
    }

    /// Opens a ticket for `question` (or says one is open already), asking an anonymous
    /// staff member for 職員番号 or 内線 first.
    async fn escalate(
        &self,
        tx: &mut Tx,
        conversation: &ConversationRow,
        question: &str,
    ) -> anyhow::Result<TurnResult> {
        if let Some(ticket) = conversation.ticket_id {
            let text = self.prompts.render(
                Prompt::AlreadyEscalated,
                &[("ticket", &crate::tickets::ticket_number(ticket))],
            );
            return Ok(TurnResult::new(
                conversation,
                ConversationState::Idle,
                bot_message(text, Vec::new()),
            ));
        }
        if let Some(turn) = self.attach_to_outage(tx, conversation, question).await? {
            return Ok(turn);
        }
        let anonymous = conversation.staff_no.is_none()
            && conversation.contact.is_none()
            && conversation.user_ref.is_empty();
        if anonymous {
            return Ok(self.say(
                conversation,
                Prompt::AskIdentity,
                ConversationState::AwaitingIdentity {
                    question: question.to_owned(),
                },
            ));
        }
        self.open_ticket(tx, conversation, question).await
    }

    /// Opens the ticket (with its notices) and tells the staff member its number and
    /// when a person will answer.
    async fn open_ticket(
        &self,
        tx: &mut Tx,
        conversation: &ConversationRow,
        question: &str,
    ) -> anyhow::Result<TurnResult> {
        let Escalation { ticket_id, reply } =
            self.tickets.escalate(tx, conversation, question).await?;
        let mut turn = TurnResult::new(
            conversation,
            ConversationState::Idle,
            bot_message(reply, Vec::new()),
        );
        turn.after.ticket_id = Some(ticket_id);
        turn.opened_ticket = Some(ticket_id);
        Ok(turn)
    }
}

pub(super) fn yes_no() -> Vec<Choice> {
    ["はい", "いいえ"]
        .map(|w| Choice {
            label: w.into(),
            value: w.into(),
        })
        .to_vec()
}

pub(super) fn bot_message(text: String, choices: Vec<Choice>) -> NewMessage {
    NewMessage {
        choices,
        ..NewMessage::outgoing(Author::Bot, text)
    }
}
