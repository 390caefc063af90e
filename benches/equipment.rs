//! Benchmark of the equipment register's search over 20,000 devices (issue 12 point 1).
//!
//! Run: `cargo bench --bench equipment -- [--devices 20000] [--rounds 50]`
//!
//! A helpdesk on a fresh SQLite database in a temporary folder with 2,000 staff in 40 所属;
//! the register is filled through the real CSV import (one file of `--devices` rows: eight
//! kinds, five states, 40 所属, one in four devices deployed to a person), which is timed
//! too. Each search is what the console page and `GET /api/v1/equipment` do (one page of
//! 50 and the total); the figures are the median and the 95th percentile of `--rounds`
//! rounds after one warm-up.

mod common;

use std::time::Instant;

use madoguchi::config::Settings;
use madoguchi::domain::{DeviceKind, DeviceState, TextEnum};
use madoguchi::helpdesk::Helpdesk;
use madoguchi::storage::equipment::DeviceFilter;
use madoguchi::storage::StaffMember;

use common::{for_each_arg, median, number, percentile, repo, round};

/// The states of the devices not deployed to a person.
const STATES: [&str; 3] = ["在庫", "貸出用", "廃棄"];

/// The register file: `devices` rows, every fourth one deployed to a member of staff.
fn register_file(devices: u64) -> String {
    let mut file = String::from(
        "資産番号,種別,機種,製造番号,設置場所・所属コード,所属,使用者職員番号,状態,備考\r\n",
    );
    for i in 0..devices {
        let kind = DeviceKind::ALL[(i % 8) as usize].label();
        let department = i % 40;
        let (person, state) = if i % 4 == 0 {
            (format!("{:05}", 10000 + (i / 4) % 2000), "配備中")
        } else {
            (String::new(), STATES[(i % 4 - 1) as usize])
        };
        file.push_str(&format!(
            "A{i:06},{kind},機種{},SN{i},K{department:03},部署{department:02},{person},{state},\r\n",
            i % 50
        ));
    }
    file
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (mut devices, mut rounds) = (20_000, 50);
    for_each_arg(|a, value| match a {
        "--devices" => devices = number(&value()),
        "--rounds" => rounds = number(&value()),
        "--bench" => {} // cargo bench passes it
        _ => common::die(&format!("unknown option {a}")),
    });
    let dir = tempfile::tempdir().unwrap();
    let root = repo();
    let settings = Settings {
        data_dir: dir.path().to_path_buf(),
        kb_dir: root.join("knowledge-base"),
        prompts_dir: root.join("prompts"),
        ..Settings::default()
    };
    let helpdesk = Helpdesk::open(settings).await.unwrap();
    let staff: Vec<StaffMember> = (0..2000)
        .map(|s| StaffMember {
            employee_no: format!("{:05}", 10000 + s),
            name: format!("沼津 職員{s}"),
            department: format!("部署{:02}", s % 40),
            email: None,
            extension: None,
            logochat_id: None,
        })
        .collect();
    helpdesk.store().replace_staff(&staff).await.unwrap();
    let ledgers = helpdesk.ledgers();
    let file = register_file(devices);
    let started = Instant::now();
    let summary = ledgers
        .import_equipment_csv(file.as_bytes(), false, "bench")
        .await
        .unwrap();
    let import_s = started.elapsed().as_secs_f64();
    assert_eq!(summary.created as u64, devices);

    let filter = |f: fn(&mut DeviceFilter)| {
        let mut filter = DeviceFilter::default();
        f(&mut filter);
        filter
    };
    let searches: Vec<(&str, DeviceFilter, i64)> = vec![
        ("no filter, first page", DeviceFilter::default(), 0),
        (
            "no filter, last page",
            DeviceFilter::default(),
            devices as i64 - 50,
        ),
        (
            "part of an asset number",
            filter(|f| f.asset = Some("1234".into())),
            0,
        ),
        (
            "所属コード",
            filter(|f| f.department = Some("K017".into())),
            0,
        ),
        (
            "part of a 所属 name",
            filter(|f| f.department = Some("部署1".into())),
            0,
        ),
        ("職員番号", filter(|f| f.person = Some("10007".into())), 0),
        (
            "part of a 氏名",
            filter(|f| f.person = Some("職員77".into())),
            0,
        ),
        (
            "kind and state",
            filter(|f| {
                f.kind = Some(DeviceKind::Pc);
                f.state = Some(DeviceState::Deployed);
            }),
            0,
        ),
    ];
    println!(
        "backend: {}, devices: {devices}, rounds: {rounds}, import of the file: {} s",
        helpdesk.store().backend_name(),
        round(import_s, 2)
    );
    println!(
        "| search over {devices} devices (page of 50 + total) | matches | median ms | p95 ms |"
    );
    println!("| --- | ---: | ---: | ---: |");
    for (name, filter, offset) in &searches {
        let mut times = Vec::new();
        let mut total = 0;
        for round_no in 0..=rounds {
            let t = Instant::now();
            let page = ledgers.devices(filter, *offset, 50).await.unwrap();
            let elapsed = t.elapsed().as_secs_f64() * 1000.0;
            assert!(page.total > 0, "{name} finds something");
            total = page.total;
            if round_no > 0 {
                times.push(elapsed);
            }
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {total} | {} | {} |",
            round(median(&times), 2),
            round(percentile(&times, 95.0), 2)
        );
    }
}
