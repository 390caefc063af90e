use chrono::TimeZone;

use super::*;

fn analyzer() -> Analyzer {
    let kb = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
    crate::lexicon::analyzer(&kb).unwrap()
}

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap() + Duration::minutes(minute)
}

/// Question `id`, found nothing, asked at `minute`.
fn no_match(id: i64, text: &str, minute: i64) -> UnansweredQuestion {
    UnansweredQuestion {
        kind: GapKind::NoMatch,
        question_id: Some(id),
        ticket_id: None,
        text: text.into(),
        at: at(minute),
    }
}

fn not_resolved(id: i64, text: &str, minute: i64) -> UnansweredQuestion {
    UnansweredQuestion {
        kind: GapKind::NotResolved,
        ..no_match(id, text, minute)
    }
}

fn ticket(id: i64, subject: &str, minute: i64) -> UnansweredQuestion {
    UnansweredQuestion {
        kind: GapKind::Escalated,
        question_id: None,
        ticket_id: Some(id),
        text: subject.into(),
        at: at(minute),
    }
}

/// Each group as (representative, count, every text in it).
fn shapes(groups: &[GapGroup]) -> Vec<(String, usize, Vec<String>)> {
    groups
        .iter()
        .map(|g| {
            let mut texts = vec![g.representative.clone()];
            texts.extend(g.examples.iter().cloned());
            texts.sort();
            (g.representative.clone(), g.count, texts)
        })
        .collect()
}

#[test]
fn half_width_kana_full_width_letters_and_politeness_group_together() {
    let asked = [
        "パスワードを忘れました",
        "ﾊﾟｽﾜｰﾄﾞ忘れた",
        "パスワード忘れちゃった…",
        "パスワードを忘れてしまいました。どうすればいいですか？",
        "ＶＰＮにつながりません",
        "vpnつながらない",
        "VPN繋がらないんだけど",
        "パスワードを変更したい",
    ];
    let questions: Vec<UnansweredQuestion> = asked
        .iter()
        .enumerate()
        .map(|(i, text)| no_match(i as i64 + 1, text, i as i64))
        .collect();
    let groups = group_gaps(&analyzer(), &questions);
    let counts: Vec<usize> = groups.iter().map(|g| g.count).collect();
    assert_eq!(counts, [4, 3, 1], "{:#?}", shapes(&groups));
    let mut forgot = asked[..4].to_vec();
    forgot.sort();
    assert_eq!(shapes(&groups)[0].2, forgot);
    let mut vpn = asked[4..7].to_vec();
    vpn.sort();
    assert_eq!(shapes(&groups)[1].2, vpn);
    assert_eq!(groups[2].representative, "パスワードを変更したい");
}

#[test]
fn the_most_frequent_gap_comes_first_with_its_most_frequent_wording() {
    let questions = vec![
        no_match(1, "Teamsの録画ができない", 0),
        no_match(2, "プリンタの両面印刷の設定", 1),
        no_match(3, "Teamsの録画ができない", 2),
        no_match(4, "teams 録画 できません", 3),
        no_match(5, "Ｔｅａｍｓで録画したい", 50),
        no_match(6, "プリンタの両面印刷の設定", 4),
    ];
    let groups = group_gaps(&analyzer(), &questions);
    assert_eq!(groups.len(), 2, "{:#?}", shapes(&groups));
    let recording = &groups[0];
    assert_eq!(recording.count, 4);
    assert_eq!(recording.representative, "Teamsの録画ができない");
    assert_eq!(
        recording.examples,
        ["Ｔｅａｍｓで録画したい", "teams 録画 できません"]
    );
    assert_eq!(recording.last_asked, at(50));
    assert_eq!(recording.no_match, 4);
    assert_eq!((groups[1].count, groups[1].last_asked), (2, at(4)));
}

#[test]
fn a_question_that_escalated_counts_once_and_later_tickets_count_again() {
    let questions = vec![
        no_match(1, "共有フォルダに入れない", 0),
        ticket(7, "共有フォルダに入れない", 3),
        // The same words two hours later: another time it went unanswered.
        ticket(9, "共有フォルダに入れない", 120),
        // 「いいえ」 twice to the answers to one question: once.
        not_resolved(2, "共有フォルダに入れません", 130),
        not_resolved(2, "共有フォルダに入れません", 131),
    ];
    let groups = group_gaps(&analyzer(), &questions);
    assert_eq!(groups.len(), 1, "{:#?}", shapes(&groups));
    let folder = &groups[0];
    assert_eq!(folder.count, 3);
    assert_eq!(
        (folder.escalated, folder.no_match, folder.not_resolved),
        (2, 1, 1)
    );
    assert_eq!(folder.ticket_ids, [9, 7]);
    assert_eq!(folder.last_asked, at(131));
}

#[test]
fn a_ticket_becomes_the_question_it_escalated_even_cut_to_its_subject() {
    let long = format!(
        "{}のパスワードがわかりません",
        "とても長い前置き".repeat(20)
    );
    let subject: String = long.chars().take(SUBJECT_CHARS).collect();
    let groups = group_gaps(
        &analyzer(),
        &[not_resolved(3, &long, 0), ticket(4, &subject, 2)],
    );
    assert_eq!(groups.len(), 1);
    assert_eq!((groups[0].count, groups[0].escalated), (1, 1));
}

#[test]
fn tickets_without_a_question_are_left_out() {
    let groups = group_gaps(
        &analyzer(),
        &[ticket(1, "担当者", 0), ticket(2, "担当者と話したい", 1)],
    );
    assert_eq!(groups, []);
}

#[test]
fn texts_without_content_words_still_group_by_their_wording() {
    let groups = group_gaps(
        &analyzer(),
        &[
            no_match(1, "？？？", 0),
            no_match(2, "???", 1),
            no_match(3, "あ", 2),
        ],
    );
    let counts: Vec<usize> = groups.iter().map(|g| g.count).collect();
    assert_eq!(counts.iter().sum::<usize>(), 3);
    assert!(groups.iter().all(|g| !g.representative.is_empty()));
}

#[test]
fn jaccard_is_the_shared_share_of_all_tokens() {
    let set = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(jaccard(&set(&["a", "b"]), &set(&["a", "b"])), 1.0);
    assert_eq!(jaccard(&set(&["a", "b"]), &set(&["a", "c"])), 1.0 / 3.0);
    assert_eq!(jaccard(&set(&[]), &set(&[])), 0.0);
}
