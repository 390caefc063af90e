//! The in-chat flow: what the bot says to one message, given where the conversation
//! stands. Answer → 解決しましたか？ → 「いいえ」 → the other candidates → a person.

use super::state::{Offer, State};
use super::words::{classify, Word};
use crate::engine::{Decision, Intent};
use crate::helpdesk::Helpdesk;
use crate::kb::render::markdown_to_safe_html;
use crate::prompts::Prompt;
use crate::storage::{Choice, ConversationRow, NewFeedback, NewMessage, Turn};

/// How many entries a numbered list offers at most.
const MAX_OFFERS: usize = 3;

impl Helpdesk {
    /// The bot's turn: replies to inbound message `inbound_id` and the new state.
    pub(super) async fn turn(
        &self,
        conversation: &ConversationRow,
        inbound_id: i64,
        text: &str,
    ) -> anyhow::Result<Turn> {
        if conversation.handler != "bot" {
            // An operator has the conversation: the bot stays silent.
            return Ok(Turn::default());
        }
        let state = State::from_json(&conversation.state);
        let word = classify(text);
        let mut turn = match (&state, word) {
            (_, Word::Person) => {
                let question = state.question().unwrap_or(text).to_owned();
                self.escalate(conversation, &question).await?
            }
            (
                State::AwaitingFeedback {
                    faq_id,
                    question_id,
                    question,
                    others,
                },
                Word::Yes | Word::No,
            ) => {
                let resolved = word == Word::Yes;
                self.store
                    .record_feedback(&NewFeedback {
                        faq_id: faq_id.clone(),
                        conversation_id: conversation.id,
                        question_id: *question_id,
                        resolved,
                    })
                    .await?;
                if resolved {
                    self.say(Prompt::Resolved, State::Idle)
                } else if others.is_empty() {
                    self.offer_person(question)
                } else {
                    self.offer(
                        Prompt::OtherCandidates,
                        question,
                        *question_id,
                        others.clone(),
                    )
                }
            }
            (
                State::AwaitingChoice {
                    question,
                    question_id,
                    offers,
                },
                Word::Number(n),
            ) => {
                let n = n as usize;
                if (1..=offers.len()).contains(&n) {
                    let chosen = &offers[n - 1];
                    let others = offers
                        .iter()
                        .filter(|o| o.id != chosen.id)
                        .cloned()
                        .collect();
                    self.answer_with(&chosen.id, question, *question_id, others)
                        .unwrap_or_else(|| self.offer_person(question))
                } else if n == offers.len() + 1 {
                    self.escalate(conversation, question).await?
                } else {
                    self.choose_again(offers.len() + 1)
                }
            }
            (State::AwaitingChoice { question, .. }, Word::No) => self.offer_person(question),
            (State::AwaitingChoice { offers, .. }, Word::Yes) => {
                self.choose_again(offers.len() + 1)
            }
            (State::ConfirmEscalation { question }, Word::Yes) => {
                self.escalate(conversation, question).await?
            }
            (State::ConfirmEscalation { .. }, Word::No | Word::Cancel) => {
                self.say(Prompt::Rephrase, State::Idle)
            }
            (State::AwaitingIdentity { .. }, Word::Cancel) => {
                self.say(Prompt::Cancelled, State::Idle)
            }
            (State::AwaitingIdentity { question }, _) => {
                self.identify(conversation, question, text).await?
            }
            _ => self.answer(conversation, text).await?,
        };
        for message in &mut turn.messages {
            message.reply_to = Some(inbound_id);
        }
        Ok(turn)
    }

    /// A new question: the engine's answer, a list to choose from, or an offer of a person.
    async fn answer(&self, conversation: &ConversationRow, text: &str) -> anyhow::Result<Turn> {
        let answered = self.ask(text, &conversation.channel).await?;
        let outcome = &answered.outcome;
        let question = crate::helpdesk::stored_text(text);
        let qid = Some(answered.question_id);
        // Only plausible entries are offered: a list padded with weak matches reads as
        // noise (住民票 → 紙詰まり).
        let floor = self.settings.engine.thresholds.suggest;
        let offers: Vec<Offer> = outcome
            .candidates
            .iter()
            .filter(|c| c.score >= floor)
            .take(MAX_OFFERS + 1)
            .map(|c| Offer {
                id: c.id.clone(),
                title: c.title.clone(),
            })
            .collect();
        Ok(match (outcome.intent, outcome.decision) {
            (Intent::Greeting, _) => self.say(Prompt::Greeting, State::Idle),
            (Intent::Thanks, _) => self.say(Prompt::Thanks, State::Idle),
            (Intent::Empty, _) => self.say(Prompt::Greeting, State::Idle),
            (_, Decision::Answer) if !offers.is_empty() => {
                let top = offers[0].id.clone();
                let others = offers[1..].iter().take(MAX_OFFERS).cloned().collect();
                self.answer_with(&top, &question, qid, others)
                    .unwrap_or_else(|| self.offer_person(&question))
            }
            (_, Decision::Answer | Decision::Suggest) if !offers.is_empty() => {
                let offers = offers.into_iter().take(MAX_OFFERS).collect();
                self.offer(Prompt::Suggest, &question, qid, offers)
            }
            _ => self.offer_person(&question),
        })
    }

    /// Answers with entry `faq_id` and asks whether it helped.
    fn answer_with(
        &self,
        faq_id: &str,
        question: &str,
        question_id: Option<i64>,
        others: Vec<Offer>,
    ) -> Option<Turn> {
        let entry = self.published_entry(faq_id)?;
        let text = self.prompts.render(
            Prompt::Answer,
            &[("title", &entry.title), ("answer", entry.body.trim())],
        );
        let html = markdown_to_safe_html(&text, &self.settings.faq.image_hosts);
        let yes_no = ["はい", "いいえ"]
            .map(|w| Choice {
                label: w.into(),
                value: w.into(),
            })
            .to_vec();
        Some(Turn {
            state: Some(
                State::AwaitingFeedback {
                    faq_id: entry.id.clone(),
                    question: question.to_owned(),
                    question_id,
                    others,
                }
                .to_json(),
            ),
            messages: vec![NewMessage {
                direction: "out",
                author: "bot".into(),
                text,
                html: Some(html),
                choices: yes_no,
                faq_id: Some(entry.id),
                ..NewMessage::default()
            }],
            ..Turn::default()
        })
    }

    /// A numbered list of entries, the last number asking for a person.
    fn offer(
        &self,
        prompt: Prompt,
        question: &str,
        question_id: Option<i64>,
        offers: Vec<Offer>,
    ) -> Turn {
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
        let mut message = bot_message(text, choices);
        message.offers = offers.iter().map(|o| o.id.clone()).collect();
        Turn {
            state: Some(
                State::AwaitingChoice {
                    question: question.to_owned(),
                    question_id,
                    offers,
                }
                .to_json(),
            ),
            messages: vec![message],
            ..Turn::default()
        }
    }

    /// 「1〜N の番号で選んでください」, the list still open.
    fn choose_again(&self, max: usize) -> Turn {
        let text = self
            .prompts
            .render(Prompt::ChoiceOutOfRange, &[("max", &max.to_string())]);
        Turn {
            messages: vec![bot_message(text, Vec::new())],
            ..Turn::default()
        }
    }

    /// Nothing fits: rephrase, or a person?
    fn offer_person(&self, question: &str) -> Turn {
        let mut turn = self.say(
            Prompt::NotUnderstood,
            State::ConfirmEscalation {
                question: question.to_owned(),
            },
        );
        turn.messages[0].choices = ["はい", "いいえ"]
            .map(|w| Choice {
                label: w.into(),
                value: w.into(),
            })
            .to_vec();
        turn
    }

    /// One sentence and a new state.
    pub(super) fn say(&self, prompt: Prompt, state: State) -> Turn {
        Turn {
            state: Some(state.to_json()),
            messages: vec![bot_message(self.prompts.text(prompt), Vec::new())],
            ..Turn::default()
        }
    }
}

pub(super) fn bot_message(text: String, choices: Vec<Choice>) -> NewMessage {
    NewMessage {
        direction: "out",
        author: "bot".into(),
        text,
        choices,
        ..NewMessage::default()
    }
}
