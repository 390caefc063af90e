//! `madoguchi chat`: a conversation in the terminal, through the same engine and flow as
//! LoGoチャット and the widget, for trying the bot as a staff member would.

use std::io::{BufRead, Write};

use crate::conversation::{new_token, Identity, Incoming};
use crate::domain::{Author, Channel, Direction};
use crate::helpdesk::Helpdesk;
use crate::storage::StoredMessage;

/// Reads lines from `input` until end of input or `/exit`, printing the replies (and any
/// operator messages that arrived meanwhile) to `output`.
pub async fn chat(
    helpdesk: &Helpdesk,
    staff: Option<String>,
    mut input: impl BufRead,
    mut output: impl Write,
) -> anyhow::Result<()> {
    let room = format!("terminal-{}", new_token());
    writeln!(
        output,
        "窓口 ITヘルプデスク（終了は /exit または Ctrl-D）。質問をどうぞ。"
    )?;
    let mut seen = 0;
    let mut conversation_id = None;
    let mut line = String::new();
    loop {
        write!(output, "> ")?;
        output.flush()?;
        line.clear();
        if input.read_line(&mut line)? == 0 {
            break;
        }
        let text = line.trim();
        if text == "/exit" || text == "/quit" {
            break;
        }
        if text.is_empty() {
            continue;
        }
        let handled = helpdesk
            .conversations()
            .receive(Incoming {
                channel: Channel::Terminal,
                room: room.clone(),
                user_ref: staff.clone().unwrap_or_default(),
                user_name: None,
                identity: staff.clone().map_or(Identity::Anonymous, Identity::Trusted),
                message_id: None,
                text: text.to_owned(),
            })
            .await?;
        conversation_id = Some(handled.conversation.id);
        // Everything since the last turn: operator messages first, then the replies.
        let messages = helpdesk
            .conversations()
            .messages_after(handled.conversation.id, seen)
            .await?;
        for message in messages.iter().filter(|m| m.direction == Direction::Out) {
            print_message(&mut output, message)?;
        }
        seen = messages.last().map_or(seen, |m| m.id);
    }
    if let Some(id) = conversation_id {
        for message in helpdesk.conversations().messages_after(id, seen).await? {
            if message.direction == Direction::Out {
                print_message(&mut output, &message)?;
            }
        }
    }
    Ok(())
}

fn print_message(output: &mut impl Write, message: &StoredMessage) -> std::io::Result<()> {
    let who = match (message.author, &message.author_name) {
        (Author::Operator, Some(name)) => format!("担当者（{name}）"),
        (Author::Operator, None) => "担当者".to_owned(),
        _ => "窓口".to_owned(),
    };
    writeln!(output, "{who}: {}", message.text)?;
    let choices = message.choices();
    if !choices.is_empty() && !message.text.contains(&format!("1. {}", choices[0].label)) {
        let list: Vec<String> = choices.iter().map(|c| format!("[{}]", c.value)).collect();
        writeln!(output, "  {}", list.join(" "))?;
    }
    writeln!(output)
}
