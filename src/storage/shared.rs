//! SQL that reads the same on both backends, written once.
//!
//! The conversation tables use only SQL both SQLite and PostgreSQL accept (`RETURNING`,
//! `ON CONFLICT`, `$n` parameters, which the SQLite backend rewrites to `?n`). The
//! methods are generated into each backend by [`shared_queries!`], so each gets its own
//! pool type while the statements and their order stay identical. Each backend supplies
//! `fn sql(&str) -> Cow<str>` and `async fn begin_write(&self)`.

macro_rules! shared_queries {
    () => {
        pub(super) async fn staff_replace(
            &self,
            staff: &[StaffMember],
            now: DateTime<Utc>,
        ) -> Result<StaffImportReport> {
            let mut tx = self.begin_write().await?;
            let old: Vec<StaffMember> = sqlx::query_as(&sql(
                "SELECT employee_no, name, department, email, extension, logochat_id FROM staff",
            ))
            .fetch_all(&mut *tx)
            .await?;
            let old: std::collections::HashMap<String, StaffMember> = old
                .into_iter()
                .map(|s| (s.employee_no.clone(), s))
                .collect();
            let mut report = StaffImportReport::default();
            let keep: std::collections::HashSet<&str> =
                staff.iter().map(|s| s.employee_no.as_str()).collect();
            for gone in old.keys().filter(|k| !keep.contains(k.as_str())) {
                sqlx::query(&sql("DELETE FROM staff WHERE employee_no = $1"))
                    .bind(gone)
                    .execute(&mut *tx)
                    .await?;
                report.removed += 1;
            }
            // Clear LoGo ids first so that an id moving from one person to another in the
            // same import does not trip the unique constraint half-way.
            sqlx::query(&sql("UPDATE staff SET logochat_id = NULL"))
                .execute(&mut *tx)
                .await?;
            for member in staff {
                match old.get(&member.employee_no) {
                    Some(previous) if previous == member => report.unchanged += 1,
                    Some(_) => report.updated += 1,
                    None => report.added += 1,
                }
                sqlx::query(&sql(
                    "INSERT INTO staff (employee_no, name, department, email, extension, \
                     logochat_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (employee_no) DO UPDATE SET name = excluded.name, \
                     department = excluded.department, email = excluded.email, \
                     extension = excluded.extension, logochat_id = excluded.logochat_id, \
                     updated_at = CASE WHEN staff.name = excluded.name \
                     AND staff.department = excluded.department THEN staff.updated_at \
                     ELSE excluded.updated_at END",
                ))
                .bind(&member.employee_no)
                .bind(&member.name)
                .bind(&member.department)
                .bind(&member.email)
                .bind(&member.extension)
                .bind(&member.logochat_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(report)
        }

        pub(super) async fn staff_find(
            &self,
            column: &str,
            value: &str,
        ) -> Result<Option<StaffMember>> {
            let query = format!(
                "SELECT employee_no, name, department, email, extension, logochat_id \
                 FROM staff WHERE {column} = $1 ORDER BY employee_no LIMIT 1"
            );
            let member = sqlx::query_as(&sql(&query))
                .bind(value)
                .fetch_optional(&self.pool)
                .await?;
            Ok(member)
        }

        pub(super) async fn staff_count(&self) -> Result<i64> {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM staff")
                .fetch_one(&self.pool)
                .await?)
        }

        pub(super) async fn conversation_open(
            &self,
            key: &ConversationKey,
            token: &str,
            state: &str,
            now: DateTime<Utc>,
        ) -> Result<ConversationRow> {
            let select = sql(
                "SELECT * FROM conversations WHERE channel = $1 AND room = $2 AND user_ref = $3",
            );
            let find = || {
                sqlx::query_as(&select)
                    .bind(&key.channel)
                    .bind(&key.room)
                    .bind(&key.user_ref)
            };
            // Almost every message belongs to a known conversation: read first, write
            // only for a new one.
            if let Some(row) = find().fetch_optional(&self.pool).await? {
                return Ok(row);
            }
            sqlx::query(&sql(
                "INSERT INTO conversations (token, channel, room, user_ref, state, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
                 ON CONFLICT (channel, room, user_ref) DO NOTHING",
            ))
            .bind(token)
            .bind(&key.channel)
            .bind(&key.room)
            .bind(&key.user_ref)
            .bind(state)
            .bind(now)
            .execute(&mut *self.write_conn().await?)
            .await?;
            Ok(find().fetch_one(&self.pool).await?)
        }

        pub(super) async fn conversation_by(
            &self,
            column: &str,
            value: ConversationLookup<'_>,
        ) -> Result<Option<ConversationRow>> {
            let query = format!("SELECT * FROM conversations WHERE {column} = $1");
            let query = sql(&query);
            let q = sqlx::query_as(&query);
            let q = match value {
                ConversationLookup::Id(id) => q.bind(id),
                ConversationLookup::Token(token) => q.bind(token.to_owned()),
            };
            Ok(q.fetch_optional(&self.pool).await?)
        }

        pub(super) async fn conversation_identify(
            &self,
            id: i64,
            user_name: Option<&str>,
            staff_no: Option<&str>,
        ) -> Result<()> {
            sqlx::query(&sql(
                "UPDATE conversations SET user_name = COALESCE($2, user_name), \
                 staff_no = COALESCE($3, staff_no) WHERE id = $1",
            ))
            .bind(id)
            .bind(user_name)
            .bind(staff_no)
            .execute(&mut *self.write_conn().await?)
            .await?;
            Ok(())
        }

        pub(super) async fn message_inbound(
            &self,
            conversation: &ConversationRow,
            message: &NewMessage,
            now: DateTime<Utc>,
        ) -> Result<Inbound> {
            // One statement: stored, or (same channel message id) left alone.
            let id = insert_message(
                &mut *self.write_conn().await?,
                conversation,
                message,
                now,
                true,
            )
            .await?;
            match id {
                Some(id) => Ok(Inbound::New(id)),
                None => {
                    let id: i64 = sqlx::query_scalar(&sql(
                        "SELECT id FROM messages WHERE channel = $1 AND channel_message_id = $2",
                    ))
                    .bind(&conversation.channel)
                    .bind(&message.channel_message_id)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(Inbound::Duplicate(id))
                }
            }
        }

        pub(super) async fn messages_where(
            &self,
            condition: &str,
            value: i64,
            after: i64,
        ) -> Result<Vec<StoredMessage>> {
            let query =
                format!("SELECT * FROM messages WHERE {condition} = $1 AND id > $2 ORDER BY id");
            Ok(sqlx::query_as(&sql(&query))
                .bind(value)
                .bind(after)
                .fetch_all(&self.pool)
                .await?)
        }

        pub(super) async fn message_count(&self) -> Result<i64> {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM messages")
                .fetch_one(&self.pool)
                .await?)
        }

        pub(super) async fn turn_commit(
            &self,
            conversation: &ConversationRow,
            turn: &Turn,
            now: DateTime<Utc>,
        ) -> Result<Vec<StoredMessage>> {
            let mut tx = self.begin_write().await?;
            let mut stored = Vec::with_capacity(turn.messages.len());
            for message in &turn.messages {
                let id = insert_message(&mut tx, conversation, message, now, false)
                    .await?
                    .expect("an outgoing message has no channel id to conflict on");
                insert_offers(&mut tx, id, &message.offers, now).await?;
                if let Some(payload) = &message.push {
                    sqlx::query(&sql(
                        "INSERT INTO outbox (channel, room, message_id, payload, \
                         next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $5)",
                    ))
                    .bind(&conversation.channel)
                    .bind(&conversation.room)
                    .bind(id)
                    .bind(payload)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                stored.push(StoredMessage {
                    id,
                    conversation_id: conversation.id,
                    channel: conversation.channel.clone(),
                    channel_message_id: message.channel_message_id.clone(),
                    direction: message.direction.to_owned(),
                    author: message.author.clone(),
                    author_name: message.author_name.clone(),
                    text: message.text.clone(),
                    html: message.html.clone(),
                    choices: choices_json(message)?,
                    reply_to: message.reply_to,
                    faq_id: message.faq_id.clone(),
                    created_at: now,
                });
            }
            let (handler, operator) = match &turn.handler {
                Some((h, o)) => (Some(h.as_str()), o.as_deref()),
                None => (None, None),
            };
            sqlx::query(&sql(
                "UPDATE conversations SET state = COALESCE($2, state), \
                 handler = COALESCE($3, handler), \
                 operator = CASE WHEN $3 IS NULL THEN operator ELSE $4 END, \
                 ticket_id = CASE WHEN $5 THEN NULL ELSE ticket_id END, \
                 contact = COALESCE($6, contact), staff_no = COALESCE($7, staff_no), \
                 updated_at = $8 WHERE id = $1",
            ))
            .bind(conversation.id)
            .bind(&turn.state)
            .bind(handler)
            .bind(operator)
            .bind(turn.close_ticket)
            .bind(&turn.contact)
            .bind(&turn.staff_no)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(stored)
        }

        pub(super) async fn ticket_open(
            &self,
            ticket: &NewTicket,
            now: DateTime<Utc>,
        ) -> Result<i64> {
            let mut tx = self.begin_write().await?;
            let id = Self::insert_ticket(&mut tx, ticket, now).await?;
            tx.commit().await?;
            Ok(id)
        }

        /// Inserts a ticket and marks it as its conversation's open ticket; returns its id.
        /// Inside a transaction (an associated function, so that other queries can write what
        /// goes with a ticket, such as notices, in the same one).
        async fn insert_ticket(
            conn: &mut Conn,
            ticket: &NewTicket,
            now: DateTime<Utc>,
        ) -> Result<i64> {
            let id: i64 = sqlx::query_scalar(&sql(
                "INSERT INTO tickets (conversation_id, channel, subject, staff_no, \
                 requester_name, contact, transcript, category, request_kind, request, \
                 opened_at, updated_at, first_response_due, resolution_due) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13) RETURNING id",
            ))
            .bind(ticket.conversation_id)
            .bind(&ticket.channel)
            .bind(&ticket.subject)
            .bind(&ticket.staff_no)
            .bind(&ticket.requester_name)
            .bind(&ticket.contact)
            .bind(&ticket.transcript)
            .bind(&ticket.category)
            .bind(&ticket.request_kind)
            .bind(&ticket.request)
            .bind(now)
            .bind(ticket.first_response_due)
            .bind(ticket.resolution_due)
            .fetch_one(&mut *conn)
            .await?;
            sqlx::query(&sql(
                "UPDATE conversations SET ticket_id = $2, updated_at = $3 WHERE id = $1",
            ))
            .bind(ticket.conversation_id)
            .bind(id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            Ok(id)
        }

        pub(super) async fn ticket_get(&self, id: i64) -> Result<Option<Ticket>> {
            Ok(sqlx::query_as(&sql("SELECT * FROM tickets WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
        }

        pub(super) async fn ticket_list(
            &self,
            status: Option<&str>,
            limit: i64,
        ) -> Result<Vec<Ticket>> {
            Ok(sqlx::query_as(&sql(
                "SELECT * FROM tickets WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2",
            ))
            .bind(status)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
        }

        pub(super) async fn ticket_overdue(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Ticket>> {
            Ok(sqlx::query_as(&sql(
                "SELECT * FROM tickets WHERE \
                 (status = 'new' AND first_response_due < $1) \
                 OR (status IN ('new', 'in_progress', 'on_hold') AND resolution_due < $1) \
                 ORDER BY id DESC LIMIT $2",
            ))
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
        }

        pub(super) async fn ticket_update(
            &self,
            id: i64,
            update: &TicketUpdate,
            now: DateTime<Utc>,
        ) -> Result<bool> {
            let resolved = update
                .status
                .as_deref()
                .map(|s| s == "resolved" || s == "closed");
            let done = sqlx::query(&sql("UPDATE tickets SET status = COALESCE($2, status), \
                 assignee = CASE WHEN $3 THEN $4 ELSE assignee END, \
                 faq_id = COALESCE($5, faq_id), updated_at = $6, \
                 resolved_at = CASE WHEN $7 IS NULL THEN resolved_at \
                 WHEN $7 THEN COALESCE(resolved_at, $6) ELSE NULL END, \
                 category = CASE WHEN $8 THEN $9 ELSE category END, \
                 priority = COALESCE($10, priority), \
                 first_response_due = COALESCE($11, first_response_due), \
                 resolution_due = COALESCE($12, resolution_due) WHERE id = $1"))
            .bind(id)
            .bind(&update.status)
            .bind(update.assignee.is_some())
            .bind(update.assignee.clone().flatten())
            .bind(&update.faq_id)
            .bind(now)
            .bind(resolved)
            .bind(update.category.is_some())
            .bind(update.category.clone().flatten())
            .bind(&update.priority)
            .bind(update.due.map(|d| d.0))
            .bind(update.due.map(|d| d.1))
            .execute(&mut *self.write_conn().await?)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        pub(super) async fn feedback_record(
            &self,
            feedback: &NewFeedback,
            now: DateTime<Utc>,
        ) -> Result<()> {
            sqlx::query(&sql(
                "INSERT INTO feedback (faq_id, conversation_id, question_id, resolved, \
                 created_at) VALUES ($1, $2, $3, $4, $5)",
            ))
            .bind(&feedback.faq_id)
            .bind(feedback.conversation_id)
            .bind(feedback.question_id)
            .bind(feedback.resolved)
            .bind(now)
            .execute(&mut *self.write_conn().await?)
            .await?;
            Ok(())
        }

        pub(super) async fn feedback_counts(&self, faq_id: &str) -> Result<FeedbackCounts> {
            let rows: Vec<(bool, i64)> = sqlx::query_as(&sql(
                "SELECT resolved, COUNT(*) FROM feedback WHERE faq_id = $1 GROUP BY resolved",
            ))
            .bind(faq_id)
            .fetch_all(&self.pool)
            .await?;
            let mut counts = FeedbackCounts::default();
            for (resolved, n) in rows {
                if resolved {
                    counts.resolved = n;
                } else {
                    counts.unresolved = n;
                }
            }
            Ok(counts)
        }

        pub(super) async fn outbox_due(
            &self,
            now: DateTime<Utc>,
            limit: i64,
        ) -> Result<Vec<OutboxItem>> {
            // The oldest pending item of each room, when its time has come: later items of
            // the same room wait behind it, so a room's messages arrive in order.
            Ok(sqlx::query_as(&sql(
                "SELECT o.* FROM outbox o WHERE o.status = 'pending' AND o.next_attempt_at <= $1 \
                 AND o.id = (SELECT MIN(p.id) FROM outbox p WHERE p.status = 'pending' \
                 AND p.channel = o.channel AND p.room = o.room) ORDER BY o.id LIMIT $2",
            ))
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
        }

        pub(super) async fn outbox_next_due(&self) -> Result<Option<DateTime<Utc>>> {
            Ok(sqlx::query_scalar(&sql(
                "SELECT MIN(o.next_attempt_at) FROM outbox o WHERE o.status = 'pending' \
                 AND o.id = (SELECT MIN(p.id) FROM outbox p WHERE p.status = 'pending' \
                 AND p.channel = o.channel AND p.room = o.room)",
            ))
            .fetch_one(&self.pool)
            .await?)
        }

        pub(super) async fn outbox_mark(
            &self,
            id: i64,
            status: &str,
            next_attempt_at: DateTime<Utc>,
            error: Option<&str>,
            now: DateTime<Utc>,
        ) -> Result<()> {
            sqlx::query(&sql(
                "UPDATE outbox SET status = $2, attempts = attempts + 1, next_attempt_at = $3, \
                 last_error = $4, delivered_at = CASE WHEN $2 = 'delivered' THEN $5 \
                 ELSE delivered_at END WHERE id = $1",
            ))
            .bind(id)
            .bind(status)
            .bind(next_attempt_at)
            .bind(error)
            .bind(now)
            .execute(&mut *self.write_conn().await?)
            .await?;
            Ok(())
        }

        pub(super) async fn outbox_list(
            &self,
            status: Option<&str>,
            limit: i64,
        ) -> Result<Vec<OutboxItem>> {
            Ok(sqlx::query_as(&sql(
                "SELECT * FROM outbox WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2",
            ))
            .bind(status)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
        }

        pub(super) async fn outbox_requeue(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
            let done = sqlx::query(&sql(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2 \
                 WHERE id = $1 AND status = 'failed'",
            ))
            .bind(id)
            .bind(now)
            .execute(&mut *self.write_conn().await?)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        pub(super) async fn outbox_exists(&self, id: i64) -> Result<bool> {
            let found: Option<i64> = sqlx::query_scalar(&sql("SELECT id FROM outbox WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            Ok(found.is_some())
        }

        pub(super) async fn user_create(
            &self,
            user: &crate::accounts::NewUser,
            now: DateTime<Utc>,
        ) -> Result<()> {
            // One statement: a login already taken is left alone and reported.
            let done = sqlx::query(&sql(
                "INSERT INTO users (login, display_name, role, password_hash, disabled, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
                 ON CONFLICT (login) DO NOTHING",
            ))
            .bind(&user.login)
            .bind(&user.display_name)
            .bind(user.role.as_str())
            .bind(user.password.as_str())
            .bind(false)
            .bind(now)
            .execute(&mut *self.write_conn().await?)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StorageError::Invalid(format!(
                    "a user with login {:?} already exists",
                    user.login
                )));
            }
            Ok(())
        }

        pub(super) async fn user_get(
            &self,
            login: &str,
        ) -> Result<Option<crate::accounts::StoredUser>> {
            let row: Option<UserRow> = sqlx::query_as(&sql(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE login = $1"
            )))
            .bind(login)
            .fetch_optional(&self.pool)
            .await?;
            row.map(UserRow::into_stored).transpose()
        }

        pub(super) async fn user_list(&self) -> Result<Vec<crate::accounts::User>> {
            let rows: Vec<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users"))
                .fetch_all(&self.pool)
                .await?;
            let mut users = rows
                .into_iter()
                .map(|row| row.into_stored().map(|stored| stored.user))
                .collect::<Result<Vec<_>>>()?;
            // Sorted here: byte order on both backends, whatever PostgreSQL's locale.
            users.sort_by(|a, b| a.login.cmp(&b.login));
            Ok(users)
        }

        pub(super) async fn user_set_password(
            &self,
            login: &str,
            password: &crate::accounts::HashedPassword,
            now: DateTime<Utc>,
        ) -> Result<bool> {
            let done = sqlx::query(&sql(
                "UPDATE users SET password_hash = $2, updated_at = $3 WHERE login = $1",
            ))
            .bind(login)
            .bind(password.as_str())
            .bind(now)
            .execute(&mut *self.write_conn().await?)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        pub(super) async fn user_set_disabled(
            &self,
            login: &str,
            disabled: bool,
            now: DateTime<Utc>,
        ) -> Result<bool> {
            let done = sqlx::query(&sql(
                "UPDATE users SET disabled = $2, updated_at = $3 WHERE login = $1",
            ))
            .bind(login)
            .bind(disabled)
            .bind(now)
            .execute(&mut *self.write_conn().await?)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        pub(super) async fn audit_append(
            &self,
            entry: &AuditEntry,
            now: DateTime<Utc>,
        ) -> Result<()> {
            sqlx::query(&sql(
                "INSERT INTO audit_log (at, actor, action, object_kind, object_id, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            ))
            .bind(now)
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(&entry.object_kind)
            .bind(&entry.object_id)
            .bind(&entry.detail)
            .execute(&mut *self.write_conn().await?)
            .await?;
            Ok(())
        }

        pub(super) async fn audit_list(&self, limit: i64) -> Result<Vec<AuditRecord>> {
            Ok(
                sqlx::query_as(&sql("SELECT * FROM audit_log ORDER BY id DESC LIMIT $1"))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?,
            )
        }
    };
}

/// The free functions [`shared_queries!`] uses inside transactions; `Conn` is the
/// backend's connection type.
macro_rules! shared_functions {
    () => {
        /// Inserts a message; with `skip_duplicate`, a message whose channel id is already
        /// stored is left alone and `None` comes back.
        async fn insert_message(
            conn: &mut Conn,
            conversation: &ConversationRow,
            message: &NewMessage,
            now: DateTime<Utc>,
            skip_duplicate: bool,
        ) -> Result<Option<i64>> {
            let conflict = if skip_duplicate {
                "ON CONFLICT (channel, channel_message_id) DO NOTHING"
            } else {
                ""
            };
            let query = format!(
                "INSERT INTO messages (conversation_id, channel, channel_message_id, direction, \
                 author, author_name, text, html, choices, reply_to, faq_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) {conflict} RETURNING id"
            );
            let id = sqlx::query_scalar(&sql(&query))
                .bind(conversation.id)
                .bind(&conversation.channel)
                .bind(&message.channel_message_id)
                .bind(message.direction)
                .bind(&message.author)
                .bind(&message.author_name)
                .bind(&message.text)
                .bind(&message.html)
                .bind(choices_json(message)?)
                .bind(message.reply_to)
                .bind(&message.faq_id)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await?;
            Ok(id)
        }
    };
}

pub(super) use {shared_functions, shared_queries};

/// How [`shared_queries!`]'s `conversation_by` finds a conversation.
#[derive(Debug, Clone, Copy)]
pub(super) enum ConversationLookup<'a> {
    Id(i64),
    Token(&'a str),
}

/// A message's choices as stored: a JSON array.
pub(super) fn choices_json(
    message: &super::records::NewMessage,
) -> Result<String, super::StorageError> {
    serde_json::to_string(&message.choices).map_err(|e| super::StorageError::Invalid(e.to_string()))
}

/// The columns [`UserRow`] reads.
pub(super) const USER_COLUMNS: &str =
    "login, display_name, role, password_hash, disabled, created_at, updated_at";

/// A `users` row as stored; the role is checked on the way out.
#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    login: String,
    display_name: String,
    role: String,
    password_hash: String,
    disabled: bool,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl UserRow {
    pub(super) fn into_stored(self) -> Result<crate::accounts::StoredUser, super::StorageError> {
        let role = crate::accounts::Role::parse(&self.role).map_err(|_| {
            super::StorageError::Corrupt(format!("user {:?} has an unknown role", self.login))
        })?;
        Ok(crate::accounts::StoredUser {
            user: crate::accounts::User {
                login: self.login,
                display_name: self.display_name,
                role,
                disabled: self.disabled,
                created_at: self.created_at,
                updated_at: self.updated_at,
            },
            password_hash: self.password_hash,
        })
    }
}
