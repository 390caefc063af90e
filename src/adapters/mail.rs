//! The mail adapter: one outbox item (route `mail`), sent through the configured SMTP
//! server as a plain-text message. The contract (payload, headers,
//! retries) is written down in `integrations/mail/README.md`.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::future::Future;
use std::pin::Pin;

use crate::config::SmtpSettings;
use crate::ledgers::CITY_MAIL_ROOM;
use crate::outbox::{Deliver, DeliveryError};
use crate::storage::{Delivery, OutboxItem};

/// How long one delivery (connect, greeting, every command) may take before it counts as
/// failed.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Delivers outbox items as e-mail to the operators. Sender and recipients are read
/// from the settings when an item is sent, so addresses are kept in one place (the
/// configuration), not in the queue.
pub struct MailDelivery {
    settings: SmtpSettings,
    /// The same server, to the city's contact (items of room [`CITY_MAIL_ROOM`]).
    city: SmtpSettings,
}

impl MailDelivery {
    pub fn new(settings: SmtpSettings) -> Self {
        Self {
            city: SmtpSettings {
                to: Vec::new(),
                ..settings.clone()
            },
            settings,
        }
    }

    /// Mail of room [`CITY_MAIL_ROOM`] (incidents, shortages) goes to these addresses
    /// (`[ledgers.city_contact] mail`) instead of the operators'.
    pub fn with_city_contact(mut self, to: Vec<String>) -> Self {
        self.city.to = to;
        self
    }
}

impl Deliver for MailDelivery {
    fn deliver<'a>(
        &'a self,
        item: &'a OutboxItem,
        delivery: &'a Delivery,
    ) -> Pin<Box<dyn Future<Output = Result<(), DeliveryError>> + Send + 'a>> {
        let settings = if item.room == CITY_MAIL_ROOM {
            &self.city
        } else {
            &self.settings
        };
        Box::pin(deliver(settings, item, delivery))
    }
}

/// Sends `item`. `Err` holds a short reason for the outbox record: never the text, nor
/// the server's reply text (it names the recipient's address), and permanent for a
/// message that cannot be made (an address that does not parse) or a 5xx reply.
pub async fn deliver(
    settings: &SmtpSettings,
    item: &OutboxItem,
    delivery: &Delivery,
) -> Result<(), DeliveryError> {
    let message = message(settings, item, delivery).map_err(DeliveryError::permanent)?;
    let transport = transport(settings)?;
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| smtp_failure(&e))
}

/// The reason for an SMTP failure: the reply's code only (its text names addresses), or
/// the kind of failure when there was no reply.
fn smtp_failure(error: &lettre::transport::smtp::Error) -> DeliveryError {
    match error.status() {
        Some(code) if error.is_permanent() => {
            DeliveryError::permanent(format!("SMTP: permanent error ({code})"))
        }
        Some(code) => format!("SMTP: transient error ({code})").into(),
        // No reply: a connection, TLS or timeout failure, which names no one.
        None => format!("SMTP: {error}").into(),
    }
}

/// The message for `item`. Its Message-ID and Date come from the item, so a retry sends
/// the same message (a receiver can tell a repeat).
pub(crate) fn message(
    settings: &SmtpSettings,
    item: &OutboxItem,
    delivery: &Delivery,
) -> Result<Message, String> {
    let from: Mailbox = settings
        .from
        .as_deref()
        .ok_or("[notify.smtp] from is not set")?
        .parse()
        .map_err(|e| format!("[notify.smtp] from: {e}"))?;
    let message_id = format!(
        "<madoguchi.outbox.{}.{}@{}>",
        item.id,
        item.created_at.timestamp(),
        from.email.domain()
    );
    let mut builder = Message::builder()
        .from(from)
        .subject(delivery.subject.clone().unwrap_or_default())
        .message_id(Some(message_id))
        .date(item.created_at.into())
        .header(ContentType::TEXT_PLAIN);
    // An item for one person (a requester told of their request) goes to them; the
    // operators' notices go to the configured list.
    if let Some(recipient) = &item.recipient {
        let to: Mailbox = recipient
            .parse()
            .map_err(|_| format!("outbox item {}: the recipient is not an address", item.id))?;
        builder = builder.to(to);
    } else if settings.to.is_empty() {
        return Err("[notify.smtp] to is empty".into());
    }
    for to in settings.to.iter().filter(|_| item.recipient.is_none()) {
        let to: Mailbox = to.parse().map_err(|e| format!("[notify.smtp] to: {e}"))?;
        builder = builder.to(to);
    }
    builder
        .body(delivery.text.clone())
        .map_err(|e| format!("message: {e}"))
}

fn transport(settings: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let host = settings
        .host
        .as_deref()
        .ok_or("[notify.smtp] host is not set")?;
    let tls = if settings.require_starttls {
        let parameters = TlsParameters::new(host.to_owned()).map_err(|e| format!("TLS: {e}"))?;
        Tls::Required(parameters)
    } else {
        Tls::None
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(settings.port)
        .tls(tls)
        .timeout(Some(DELIVERY_TIMEOUT));
    if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
    }
    Ok(builder.build())
}
