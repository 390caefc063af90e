//! The monthly report on a seeded month, on every backend: its counts are the seed's
//! (JST day and month boundaries included) and agree with the rows read back directly.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use madoguchi::config::{LedgerSettings, NotifySettings};
use madoguchi::domain::{Author, Channel, Direction, StockKind, TicketStatus};
use madoguchi::ledgers::{IncidentReport, Ledgers};
use madoguchi::reports::{self, Month};
use madoguchi::storage::{sql, NewQuestion, NewTicket, StaffMember, TicketUpdate};

use crate::conversations::conversation;
use crate::db::{backends, TestDb};

/// A JST wall-clock time.
fn jst(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(9 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, min, s)
        .unwrap()
        .with_timezone(&Utc)
}

async fn ask(db: &TestDb, at: DateTime<Utc>, channel: &str, decision: &str, reason: &str) {
    db.clock.set(at);
    let question = NewQuestion {
        channel: channel.into(),
        text: "質問".into(),
        decision: decision.into(),
        reason: Some(reason.into()),
        top_faq_id: None,
        top_score: None,
    };
    db.store.record_question(&question).await.unwrap();
}

/// Opens a ticket at `at` in a new conversation of `room`, due an hour later (first
/// response) and a day later (resolution); an operator answers `answered` minutes in.
async fn ticket(db: &TestDb, room: &str, at: DateTime<Utc>, answered: i64) -> (i64, i64) {
    db.clock.set(at);
    let c = conversation(&db.store, room).await;
    let new = NewTicket {
        first_response_due: Some(at + chrono::Duration::hours(1)),
        resolution_due: Some(at + chrono::Duration::days(1)),
        ..NewTicket::new(c.id, Channel::LogoChat, "相談")
    };
    let id = db.store.open_ticket(&new).await.unwrap();
    sql(
        "INSERT INTO messages (conversation_id, channel, direction, author, text, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(c.id)
    .bind(Channel::LogoChat)
    .bind(Direction::Out)
    .bind(Author::Operator)
    .bind("確認します")
    .bind(at + chrono::Duration::minutes(answered))
    .execute(&mut db.store.conn())
    .await
    .unwrap();
    (id, c.id)
}

pub(crate) async fn seed(db: &TestDb) {
    // Questions around both JST month boundaries.
    ask(
        db,
        jst(2026, 10, 31, 23, 59, 59),
        "logochat",
        "answer",
        "confident",
    )
    .await;
    ask(
        db,
        jst(2026, 11, 1, 0, 0, 0),
        "widget",
        "answer",
        "confident",
    )
    .await;
    ask(
        db,
        jst(2026, 11, 1, 9, 0, 0),
        "logochat",
        "suggest",
        "low_confidence",
    )
    .await;
    ask(
        db,
        jst(2026, 11, 15, 12, 0, 0),
        "logochat",
        "answer",
        "confident",
    )
    .await;
    ask(
        db,
        jst(2026, 11, 15, 12, 1, 0),
        "logochat",
        "escalate",
        "greeting",
    )
    .await;
    ask(
        db,
        jst(2026, 11, 30, 23, 59, 59),
        "widget",
        "escalate",
        "no_match",
    )
    .await;
    ask(
        db,
        jst(2026, 12, 1, 0, 0, 0),
        "logochat",
        "answer",
        "confident",
    )
    .await;

    db.store
        .replace_staff(&[StaffMember {
            employee_no: "10001".into(),
            name: "沼津 花子".into(),
            department: "市民課".into(),
            email: None,
            extension: None,
            logochat_id: None,
        }])
        .await
        .unwrap();
    let (met, with_staff) = ticket(db, "a", jst(2026, 11, 10, 10, 0, 0), 30).await;
    sql("UPDATE conversations SET staff_no = $1 WHERE id = $2")
        .bind("10001")
        .bind(with_staff)
        .execute(&mut db.store.conn())
        .await
        .unwrap();
    db.clock.set(jst(2026, 11, 10, 16, 0, 0));
    let resolved = TicketUpdate {
        status: Some(TicketStatus::Resolved),
        ..TicketUpdate::default()
    };
    db.store.update_ticket(met, &resolved).await.unwrap();
    ticket(db, "b", jst(2026, 11, 20, 10, 0, 0), 120).await;
    ticket(db, "c", jst(2026, 10, 31, 23, 0, 0), 10).await;

    let ledgers = Ledgers::new(
        db.store.clone(),
        LedgerSettings::default(),
        NotifySettings::default(),
    );
    for at in [jst(2026, 11, 5, 14, 0, 0), jst(2026, 12, 1, 9, 0, 0)] {
        db.clock.set(at);
        let report = IncidentReport {
            occurred_at: at,
            device: "K012-PC001".into(),
            detection_name: "EICAR".into(),
            found_by: "検知".into(),
            ..IncidentReport::default()
        };
        ledgers.record_incident(&report, "op").await.unwrap();
    }
    ledgers
        .log_work(jst(2026, 11, 2, 18, 0, 0), "op", "パッチ適用", "月例パッチ")
        .await
        .unwrap();
    ledgers
        .add_stock_item(StockKind::Toner, "トナー LP-S3250", 2, "op")
        .await
        .unwrap();
    // A print run (a job no revision names: shown by its id).
    run(
        db,
        "kouki-kettei",
        jst(2026, 11, 10, 9, 0, 0),
        "printed",
        Some(40),
    )
    .await;
}

#[tokio::test]
async fn the_monthly_report_counts_a_seeded_month_exactly() {
    for db in backends().await {
        seed(&db).await;
        let month = Month::parse("2026-11").unwrap();
        let report = reports::monthly(&db.store, month).await.unwrap();

        // The seed's own numbers.
        assert_eq!((report.questions(), report.answered()), (4, 2));
        let channels: Vec<(Option<&str>, i64, i64)> = report
            .by_channel
            .iter()
            .map(|k| (k.key.as_deref(), k.total, k.answered))
            .collect();
        assert_eq!(channels, [(Some("logochat"), 2, 1), (Some("widget"), 2, 1)]);
        let days: Vec<(u32, i64, i64)> = report
            .by_day
            .iter()
            .filter(|d| d.questions > 0)
            .map(|d| (chrono::Datelike::day(&d.date), d.questions, d.answered))
            .collect();
        assert_eq!(days, [(1, 2, 1), (15, 1, 1), (30, 1, 0)]);
        assert_eq!(report.by_day.len(), 30);
        let sla = report.sla;
        assert_eq!(
            (
                sla.opened,
                sla.first_response_targets,
                sla.first_response_met
            ),
            (2, 2, 1)
        );
        assert_eq!((sla.resolution_targets, sla.resolution_met), (2, 1));
        let departments: Vec<(Option<&str>, i64)> = report
            .by_department
            .iter()
            .map(|k| (k.key.as_deref(), k.total))
            .collect();
        assert_eq!(
            departments,
            [(Some("市民課"), 1), (None, 1)],
            "unknown last"
        );
        assert_eq!(
            (
                report.incidents.len(),
                report.work.len(),
                report.stock.len()
            ),
            (1, 1, 1)
        );

        // The same, read back directly: every question row, bucketed by its JST day here.
        #[derive(sqlx::FromRow)]
        struct Asked {
            asked_at: DateTime<Utc>,
            decision: String,
            reason: Option<String>,
        }
        let rows: Vec<Asked> = sql("SELECT asked_at, decision, reason FROM questions")
            .fetch_all(&mut db.store.conn())
            .await
            .unwrap();
        let jst_offset = FixedOffset::east_opt(9 * 3600).unwrap();
        let mut by_day: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
        for row in rows
            .iter()
            .filter(|r| r.reason.as_deref() != Some("greeting"))
        {
            let day = row.asked_at.with_timezone(&jst_offset).date_naive();
            if day.format("%Y-%m").to_string() == "2026-11" {
                let entry = by_day.entry(day).or_default();
                entry.0 += 1;
                entry.1 += i64::from(row.decision == "answer");
            }
        }
        for day in &report.by_day {
            let direct = by_day.get(&day.date).copied().unwrap_or_default();
            assert_eq!((day.questions, day.answered), direct, "{}", day.date);
        }
        let tickets: i64 =
            sql("SELECT COUNT(*) FROM tickets WHERE opened_at >= $1 AND opened_at < $2")
                .bind(jst(2026, 11, 1, 0, 0, 0))
                .bind(jst(2026, 12, 1, 0, 0, 0))
                .scalar(&mut db.store.conn())
                .await
                .unwrap();
        assert_eq!(report.escalations(), tickets);

        // The HTML shows the numbers beside its charts; the CSV tables hold them too.
        let html = reports::render_html(&report);
        assert!(html.contains("ヘルプデスク月次報告 2026年11月"));
        assert!(html.contains("<svg"), "charts are inline SVG");
        assert!(
            html.contains("質問件数</th><td class=\"n\">4件"),
            "summary table"
        );
        assert!(
            html.contains("50.0%（1／2件）"),
            "SLA met rate with its counts"
        );
        assert!(!html.contains("<script"), "no script in the report");
        let tables = reports::csv_tables(&report);
        let (_, by_channel) = tables.iter().find(|(n, _)| *n == "by_channel.csv").unwrap();
        let text = String::from_utf8(by_channel.clone()).unwrap();
        assert!(text.starts_with('\u{feff}'), "UTF-8 with BOM for Excel");
        assert!(text.contains("LoGoチャット,2,1,50.0%"), "{text}");
    }
}

/// A print run of `job` received at `at` in `status`, with `records` and `pages`.
async fn run(db: &TestDb, job: &str, at: DateTime<Utc>, status: &str, pages: Option<i64>) {
    sql(
        "INSERT INTO batch_runs (job_id, job_revision, definition_sha256, status, input_name, \
         input_sha256, input_bytes, records, total, checks, received_by, received_at, \
         override_reason, pages) \
         VALUES ($1, 1, 'd', $2, 'f.dat', $3, 10, 40, 0, '[]', 'op', $4, $5, $6)",
    )
    .bind(job)
    .bind(status)
    .bind(format!("{job}-{at}-{status}"))
    .bind(at)
    .bind((status == "approved").then_some("外字登録済み"))
    .bind(pages)
    .execute(&mut db.store.conn())
    .await
    .unwrap();
}

#[tokio::test]
async fn the_half_year_report_gives_each_batch_jobs_runs() {
    for db in backends().await {
        // The job's name as its current revision's definition gives it.
        sql(
            "INSERT INTO batch_job_revisions (job_id, revision, change, definition, sha256, \
             reason, changed_by, changed_at) \
             VALUES ('kouki-kettei', 1, 'seeded', 'name = \"決定通知書\"', 's', '', 'seed', $1)",
        )
        .bind(jst(2026, 4, 1, 0, 0, 0))
        .execute(&mut db.store.conn())
        .await
        .unwrap();
        // Inside the first half of FY2026 (April to September, JST), and outside it on
        // both sides.
        let runs = [
            (
                "kouki-kettei",
                jst(2026, 4, 1, 0, 30, 0),
                "printed",
                Some(40),
            ),
            ("kouki-kettei", jst(2026, 7, 10, 9, 0, 0), "stopped", None),
            (
                "kouki-kettei",
                jst(2026, 9, 30, 23, 59, 0),
                "approved",
                None,
            ),
            (
                "suito-furikomi",
                jst(2026, 6, 1, 9, 0, 0),
                "printed",
                Some(3),
            ),
            (
                "kouki-kettei",
                jst(2026, 3, 31, 23, 59, 0),
                "printed",
                Some(40),
            ),
            (
                "kouki-kettei",
                jst(2026, 10, 1, 0, 0, 0),
                "printed",
                Some(40),
            ),
        ];
        for (job, at, status, pages) in runs {
            run(&db, job, at, status, pages).await;
        }

        let span = reports::Span::half_year(2026).unwrap();
        let report = reports::gather(&db.store, span).await.unwrap();
        let rows: Vec<(&str, [i64; 7])> = report
            .batches
            .iter()
            .map(|b| {
                let c = &b.counts;
                let n = [
                    c.received,
                    c.stopped,
                    c.printed,
                    c.waiting(),
                    c.overridden,
                    c.records,
                    c.pages,
                ];
                (b.name.as_str(), n)
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("決定通知書", [3, 1, 1, 1, 1, 40, 40]),
                // Not in the catalogue any more: named by its id.
                ("suito-furikomi", [1, 0, 1, 0, 0, 40, 3]),
            ]
        );
        let html = reports::render_html(&report);
        assert!(html.contains("各バッチの運用状況"), "the section");
        assert!(
            html.contains("<td>決定通知書</td><td class=\"n\">3</td><td class=\"n\">1</td>"),
            "the job's row"
        );
        let tables = reports::csv_tables(&report);
        let (_, batches) = tables.iter().find(|(n, _)| *n == "batches.csv").unwrap();
        let text = String::from_utf8(batches.clone()).unwrap();
        assert!(text.contains("決定通知書,3,1,1,1,1,40,40\r\n"), "{text}");

        // A month without runs says so.
        let november = reports::monthly(&db.store, Month::parse("2026-11").unwrap())
            .await
            .unwrap();
        assert!(november.batches.is_empty());
        assert!(reports::render_html(&november).contains("期間内に受け取ったデータはありません"));
    }
}

#[tokio::test]
async fn a_report_reads_one_snapshot_while_questions_arrive() {
    for db in backends().await {
        ask(
            &db,
            jst(2026, 11, 2, 9, 0, 0),
            "widget",
            "answer",
            "confident",
        )
        .await;
        let count = "SELECT COUNT(*) FROM questions";
        let mut snapshot = db.store.begin_read().await.unwrap();
        let first: i64 = sql(count).scalar(&mut snapshot.conn()).await.unwrap();
        // A question arrives (committed) while the report is being read ...
        ask(
            &db,
            jst(2026, 11, 2, 9, 1, 0),
            "widget",
            "answer",
            "confident",
        )
        .await;
        let second: i64 = sql(count).scalar(&mut snapshot.conn()).await.unwrap();
        assert_eq!(
            second,
            first,
            "{}: the report's reads agree",
            db.store.backend_name()
        );
        snapshot.commit().await.unwrap();
        // ... and is counted by the next one.
        let after: i64 = sql(count).scalar(&mut db.store.conn()).await.unwrap();
        assert_eq!(after, first + 1);
    }
}

#[tokio::test]
async fn conversations_stay_under_the_department_of_the_day_after_a_personnel_switch() {
    for db in backends().await {
        let member = |department: &str| StaffMember {
            employee_no: "10001".into(),
            name: "沼津 花子".into(),
            department: department.into(),
            email: None,
            extension: None,
            logochat_id: None,
        };
        db.store.replace_staff(&[member("市民課")]).await.unwrap();
        db.clock.set(jst(2026, 11, 10, 9, 0, 0));
        let c = conversation(&db.store, "room-dept").await;
        // The staff member is identified in a turn (the conversation saved with them).
        let mut tx = db.store.begin().await.unwrap();
        assert!(
            madoguchi::storage::conversations::lock(&mut tx, c.id, c.version)
                .await
                .unwrap()
        );
        let identified = madoguchi::storage::ConversationRow {
            staff_no: Some("10001".into()),
            ..c.clone()
        };
        madoguchi::storage::conversations::save(&mut tx, &identified)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // April: she moves to 税務課. November's report still counts her under 市民課.
        db.store.replace_staff(&[member("税務課")]).await.unwrap();
        let report = reports::monthly(&db.store, Month::parse("2026-11").unwrap())
            .await
            .unwrap();
        let departments: Vec<(Option<&str>, i64)> = report
            .by_department
            .iter()
            .map(|k| (k.key.as_deref(), k.total))
            .collect();
        assert_eq!(
            departments,
            [(Some("市民課"), 1)],
            "{}",
            db.store.backend_name()
        );
    }
}
