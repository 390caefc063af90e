//! The IP address ledger in the console: segments with their usage, search by address,
//! host, computer name, 所属 and person, allocation, manual entry and release with the
//! API's rules and messages, the CSV import with its dry run, and the audited download.
//! Refused actions change nothing; viewers only read; forms need the CSRF token.

use axum::http::StatusCode;
use madoguchi::accounts::Role;
use madoguchi::ledgers::SegmentSpec;
use madoguchi::spreadsheet::{self, SpreadsheetEncoding};
use madoguchi::storage::sql;

use crate::faq_support::{download, multipart, Part};
use crate::helpers::{desk, Desk};
use crate::support::{account, form, send, Browser};

/// 10.1.0.0/24 for 市民課, gateway .1, DHCP .200–.250; its id.
async fn segment(d: &Desk) -> i64 {
    let spec = SegmentSpec {
        network: "lgwan".into(),
        cidr: "10.1.0.0/24".into(),
        name: "本庁舎2階".into(),
        gateway: Some("10.1.0.1".into()),
        department: Some("市民課".into()),
        dhcp: vec![("10.1.0.200".into(), "10.1.0.250".into())],
        ..SegmentSpec::default()
    };
    d.helpdesk
        .ledgers()
        .create_segment(&spec, "setup")
        .await
        .unwrap()
}

/// Ledger lines, history lines and audit rows.
async fn counts(d: &Desk) -> (i64, i64, i64) {
    let mut c = d.helpdesk.store().conn();
    let mut n = Vec::new();
    for q in [
        "SELECT COUNT(*) FROM ip_addresses",
        "SELECT COUNT(*) FROM ledger_history",
        "SELECT COUNT(*) FROM audit_log",
    ] {
        n.push(sql(q).scalar::<i64>(&mut c).await.unwrap());
    }
    (n[0], n[1], n[2])
}

async fn operator(d: &Desk) -> Browser {
    account(d, "op", "窓口 一郎", Role::Operator).await;
    Browser::sign_in(d, "op").await
}

#[tokio::test]
async fn an_operator_allocates_finds_and_releases_addresses() {
    let d = desk().await;
    let id = segment(&d).await;
    let op = operator(&d).await;
    let allocate = format!("/operator/ip/segments/{id}/allocate");
    let given = op
        .post(
            &d,
            &allocate,
            &[
                ("host", "PC-Shimin-01"),
                ("computer_name", "K012-PC001"),
                ("department", "市民課"),
                ("person", "沼津 花子"),
                ("state", "in_use"),
            ],
        )
        .await;
    assert_eq!(given.status, StatusCode::SEE_OTHER, "{}", given.body);
    assert_eq!(
        given.location.as_deref(),
        Some("/operator/ip/addresses/10.1.0.2"),
        "the gateway is skipped"
    );
    let reserved = op
        .post(
            &d,
            &allocate,
            &[("host", "printer-2f"), ("state", "reserved")],
        )
        .await;
    assert_eq!(
        reserved.location.as_deref(),
        Some("/operator/ip/addresses/10.1.0.3")
    );

    let overview = op.get(&d, "/operator/ip").await;
    assert_eq!(overview.status, StatusCode::OK);
    let row = overview
        .body
        .split(&format!("id=\"segment-{id}\""))
        .nth(1)
        .unwrap();
    let row = row.split("</tr>").next().unwrap();
    // 254 hosts; 52 excluded (gateway + 51 DHCP); 1 in use, 1 reserved, 200 free: 2 of 202.
    for cell in ["254", ">1<", "52", "200", "1.0%"] {
        assert!(row.contains(cell), "{cell} missing in {row}");
    }

    for (query, found, not_found) in [
        ("pc-shimin", "10.1.0.2", "10.1.0.3"),
        ("K012", "10.1.0.2", "10.1.0.3"),
        ("沼津", "10.1.0.2", "10.1.0.3"),
        ("10.1.0.3", "10.1.0.3", "10.1.0.2"),
        ("printer", "10.1.0.3", "10.1.0.2"),
    ] {
        let uri = format!(
            "/operator/ip/addresses?{}",
            serde_urlencoded::to_string([("q", query)]).unwrap()
        );
        let page = op.get(&d, &uri).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains(&format!("id=\"line-{found}\"")),
            "{query}"
        );
        assert!(
            !page.body.contains(&format!("id=\"line-{not_found}\"")),
            "{query}"
        );
    }
    let by_state = op.get(&d, "/operator/ip/addresses?state=reserved").await;
    assert!(by_state.body.contains("1件") && by_state.body.contains("printer-2f"));
    let bad = op.get(&d, "/operator/ip/addresses?state=busy").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let released = op
        .post(&d, "/operator/ip/addresses/10.1.0.2/release", &[])
        .await;
    assert_eq!(released.status, StatusCode::SEE_OTHER, "{}", released.body);
    let page = op.get(&d, "/operator/ip/addresses/10.1.0.2").await;
    assert!(page.body.contains("空き"));
    assert!(page.body.contains("再利用できる日時"), "quarantine shown");
    let history = page.body.split("id=\"history\"").nth(1).unwrap();
    assert!(history.contains("払い出し") && history.contains("返却") && history.contains("op"));
    // In quarantine: the next allocation skips it.
    let next = op.post(&d, &allocate, &[("host", "PC-02")]).await;
    assert_eq!(
        next.location.as_deref(),
        Some("/operator/ip/addresses/10.1.0.4")
    );
}

/// A form posted, and the status and message it must get.
type Case = (
    String,
    Vec<(&'static str, &'static str)>,
    StatusCode,
    &'static str,
);

#[tokio::test]
async fn refused_actions_show_the_apis_message_and_change_nothing() {
    let d = desk().await;
    let id = segment(&d).await;
    let op = operator(&d).await;
    let entered = op
        .post(
            &d,
            "/operator/ip/addresses",
            &[("address", "10.1.0.10"), ("host", "srv-10")],
        )
        .await;
    assert_eq!(entered.status, StatusCode::SEE_OTHER, "{}", entered.body);
    let before = counts(&d).await;
    let cases: Vec<Case> = vec![
        (
            "/operator/ip/addresses".into(),
            vec![("address", "10.1.0.10"), ("host", "other")],
            StatusCode::CONFLICT,
            "10.1.0.10:",
        ),
        (
            "/operator/ip/addresses".into(),
            vec![("address", "10.1.0.210"), ("host", "dhcp")],
            StatusCode::CONFLICT,
            "DHCP",
        ),
        (
            "/operator/ip/addresses".into(),
            vec![("address", "10.9.9.9"), ("host", "x")],
            StatusCode::NOT_FOUND,
            "台帳にありません",
        ),
        (
            "/operator/ip/addresses".into(),
            vec![("address", "10.1.0.300"), ("host", "x")],
            StatusCode::BAD_REQUEST,
            "IPアドレスの形ではありません",
        ),
        (
            format!("/operator/ip/segments/{id}/allocate"),
            vec![("host", " ")],
            StatusCode::BAD_REQUEST,
            "host を入力してください",
        ),
        (
            format!("/operator/ip/segments/{id}/allocate"),
            vec![("host", "x"), ("state", "retired")],
            StatusCode::BAD_REQUEST,
            "払い出しは使用中か予約です",
        ),
        (
            "/operator/ip/addresses/10.1.0.20/release".into(),
            vec![],
            StatusCode::CONFLICT,
            "払い出されていません",
        ),
        (
            "/operator/ip/segments/999/allocate".into(),
            vec![("host", "x")],
            StatusCode::NOT_FOUND,
            "セグメント 999 はありません",
        ),
    ];
    for (uri, fields, status, message) in cases {
        let page = op.post(&d, &uri, &fields).await;
        assert_eq!(page.status, status, "{uri} {fields:?}: {}", page.body);
        assert!(
            page.body.contains(message),
            "{uri}: {message} not in {}",
            page.body
        );
        assert_eq!(counts(&d).await, before, "{uri} changed something");
    }

    // A full segment: 409 with the API's segment_full message.
    let small = SegmentSpec {
        network: "internet".into(),
        cidr: "192.168.5.0/30".into(),
        name: "小さい".into(),
        ..SegmentSpec::default()
    };
    let small = d
        .helpdesk
        .ledgers()
        .create_segment(&small, "setup")
        .await
        .unwrap();
    let uri = format!("/operator/ip/segments/{small}/allocate");
    for _ in 0..2 {
        let ok = op.post(&d, &uri, &[("host", "h")]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
    }
    let full = op.post(&d, &uri, &[("host", "h")]).await;
    assert_eq!(full.status, StatusCode::CONFLICT);
    assert!(full.body.contains("払い出せるアドレスが残っていません"));
}

#[tokio::test]
async fn the_import_checks_first_and_the_download_is_audited() {
    let d = desk().await;
    segment(&d).await;
    let op = operator(&d).await;
    let upload = |bytes: Vec<u8>, dry_run: bool| {
        let op = &op;
        let d = &d;
        async move {
            let mut parts = vec![Part::Field("csrf", &op.csrf)];
            if dry_run {
                parts.push(Part::Field("dry_run", "1"));
            }
            parts.push(Part::File("file", "台帳.csv", &bytes));
            send(d, multipart("/operator/ip/import", &op.cookie, &parts)).await
        }
    };
    let sjis = |text: &str| spreadsheet::encode(text, SpreadsheetEncoding::ShiftJis).unwrap();
    let broken = sjis(
        "IPアドレス,状態,ホスト名,所属\r\n10.1.0.5,使用中,PC-1,市民課\r\n10.1.0.6,使う,PC-2,\r\n10.1.0.210,使用中,PC-3,\r\n",
    );
    let before = counts(&d).await;
    let refused = upload(broken, false).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let table = refused.body.split("id=\"import-problems\"").nth(1).unwrap();
    assert!(table.contains("<td>3</td><td>状態</td>"), "{table}");
    assert!(
        table.contains("<td>4</td><td>IPアドレス</td><td>DHCPの範囲内です。"),
        "{table}"
    );
    assert!(refused.body.contains("何も取り込んでいません"));
    assert_eq!(counts(&d).await, before);

    let good = sjis(
        "IPアドレス,状態,ホスト名,所属\r\n10.1.0.5,使用中,PC-1,市民課\r\n10.1.0.6,予約,PC-2,\r\n",
    );
    let dry = upload(good.clone(), true).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    assert!(dry.body.contains("まだ何も変更していません"));
    assert!(dry.body.contains("Shift_JIS") && dry.body.contains("新規 2件"));
    assert_eq!(counts(&d).await, before, "a dry run writes nothing");
    let done = upload(good, false).await;
    assert!(done.body.contains("取り込みました"), "{}", done.body);
    assert_eq!(counts(&d).await.0, 2);

    let file = download(&d, &op, "/operator/ip/export.csv?encoding=utf8").await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    let text = String::from_utf8(file.bytes[3..].to_vec()).unwrap();
    assert!(text.contains("10.1.0.6,予約,PC-2"));
    let audited: i64 =
        sql("SELECT COUNT(*) FROM audit_log WHERE action = 'ip.export' AND actor = 'op'")
            .scalar(&mut d.helpdesk.store().conn())
            .await
            .unwrap();
    assert_eq!(audited, 1);
    let bad = download(&d, &op, "/operator/ip/export.csv?encoding=latin1").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn viewers_read_and_forms_need_the_token() {
    let d = desk().await;
    let id = segment(&d).await;
    account(&d, "viewer", "閲覧 花子", Role::Viewer).await;
    let viewer = Browser::sign_in(&d, "viewer").await;
    let op = operator(&d).await;
    assert_eq!(viewer.get(&d, "/operator/ip").await.status, StatusCode::OK);
    let list = viewer
        .get(&d, &format!("/operator/ip/addresses?segment={id}"))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("allocate-form"), "no form for viewers");
    let before = counts(&d).await;
    let uri = format!("/operator/ip/segments/{id}/allocate");
    let refused = viewer.post(&d, &uri, &[("host", "x")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let export = download(&d, &viewer, "/operator/ip/export.csv").await;
    assert_eq!(export.status, StatusCode::FORBIDDEN);
    let no_token = send(&d, form(&uri, &op.cookie, &[("host", "x")])).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let parts = [Part::File(
        "file",
        "a.csv",
        "IPアドレス,状態\r\n".as_bytes(),
    )];
    let upload = send(&d, multipart("/operator/ip/import", &op.cookie, &parts)).await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN);
    // A viewer's file is refused before it is read: over the size limit, the answer is
    // still 403, not "too large" (which would mean 20 MiB were read for nothing).
    let large = vec![b'1'; 21 * 1024 * 1024];
    let parts = [
        Part::Field("csrf", &viewer.csrf),
        Part::File("file", "a.csv", &large),
    ];
    let upload = send(&d, multipart("/operator/ip/import", &viewer.cookie, &parts)).await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN, "{}", upload.body);
    assert_eq!(counts(&d).await, before);
}
