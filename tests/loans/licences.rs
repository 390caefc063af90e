//! Licence pools: N licences a day give N grants and refuse the next; the operators'
//! list shows 付与 on the day (after アカウント登録 for a 所属 without a web-meeting
//! account) and 回収 on the next business day.

use chrono::NaiveDate;
use madoguchi::domain::{ItemKind, TaskKind};
use madoguchi::loans::{Checkout, LoanAction, LoanError};

use crate::db::backends;
use crate::helpers::Desk;
use crate::request_support::request_desk;
use crate::support::{asking, item, OPERATOR};

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// The day's tasks as (task, 所属).
async fn tasks(d: &Desk, on: &str) -> Vec<(TaskKind, String)> {
    let lines = d.helpdesk.loans().today(day(on)).await.unwrap();
    lines
        .into_iter()
        .map(|l| (l.task, l.reservation.department))
        .collect()
}

#[tokio::test]
async fn a_licence_pool_of_two_gives_two_grants_a_day_and_its_tasks_fall_on_business_days() {
    for db in backends().await {
        let d = request_desk(Some(db.url.clone())).await;
        let loans = d.helpdesk.loans();
        item(
            &d,
            "web-licence",
            "Web会議 有償ライセンス",
            ItemKind::LicencePool,
            2,
        )
        .await;
        // ICT推進課 has an account in the web-meeting system; 財政課 has none.
        assert!(loans
            .register_web_meeting_account("ICT推進課", OPERATOR)
            .await
            .unwrap());
        let mut ids = Vec::new();
        for requester in ["10001", "10002"] {
            let mut ask = asking("web-licence", 1, "2026-12-11", "2026-12-11");
            ask.requester = requester.into();
            ids.push(loans.reserve(&ask).await.unwrap().reservation.id);
        }
        let third = loans
            .reserve(&asking("web-licence", 1, "2026-12-11", "2026-12-11"))
            .await;
        assert!(
            matches!(third, Err(LoanError::Unavailable { available: 0 })),
            "{third:?}"
        );
        // The next day is free again.
        let monday = loans
            .reserve(&asking("web-licence", 2, "2026-12-14", "2026-12-14"))
            .await
            .unwrap()
            .reservation;
        for id in &ids {
            loans.act(*id, OPERATOR, LoanAction::Approve).await.unwrap();
        }
        assert_eq!(tasks(&d, "2026-12-10").await, []);
        let ict = "ICT推進課".to_owned();
        let finance = "財政課".to_owned();
        assert_eq!(
            tasks(&d, "2026-12-11").await,
            [
                (TaskKind::Register, finance.clone()),
                (TaskKind::Grant, ict.clone()),
                (TaskKind::Grant, finance.clone()),
            ]
        );
        assert!(loans
            .register_web_meeting_account("財政課", OPERATOR)
            .await
            .unwrap());
        for id in &ids {
            let grant = LoanAction::Checkout(Checkout::default());
            loans.act(*id, OPERATOR, grant).await.unwrap();
        }
        assert_eq!(tasks(&d, "2026-12-11").await, []);
        // Friday's licences are taken back on Monday, not on the weekend.
        assert_eq!(tasks(&d, "2026-12-12").await, []);
        assert_eq!(
            tasks(&d, "2026-12-14").await,
            [
                (TaskKind::Revoke, ict.clone()),
                (TaskKind::Revoke, finance.clone())
            ]
        );
        // A licence approved and never granted: 付与 on its day, then, once its day has
        // passed, 未受け取り every day until someone acts (not 付与 for ever).
        loans
            .act(monday.id, OPERATOR, LoanAction::Approve)
            .await
            .unwrap();
        let on = |day: &str| {
            let d = &d;
            let department = monday.department.clone();
            let day = day.to_owned();
            async move {
                tasks(d, &day)
                    .await
                    .into_iter()
                    .filter(|(_, dept)| *dept == department)
                    .map(|(task, _)| task)
                    .filter(|t| *t != TaskKind::Revoke)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(on("2026-12-14").await, [TaskKind::Grant]);
        assert_eq!(on("2026-12-15").await, [TaskKind::NotPickedUp]);
        assert_eq!(on("2026-12-21").await, [TaskKind::NotPickedUp]);
    }
}
