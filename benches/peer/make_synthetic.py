#!/usr/bin/env python3
"""Write a deterministic synthetic Japanese IT-helpdesk FAQ (and optional queries) as JSONL.

Usage:
    python3 make_synthetic.py [--n 10000] [--out faq.jsonl] [--seed 42]
                              [--queries M] [--queries-out queries.jsonl] [--oos-ratio 0.1]

FAQ lines:     {"id": "faq-00001", "question", "answer", "category", "alternatives": [...]}
Query lines:   {"id": "q-00001", "text", "relevant": {"faq-00042": 2}}   (in scope)
               {"id": "q-00002", "text", "relevant": {}}                 (out of scope)

Each entry is built from a slot combination (system, object, symptom, situation) that is kept
unique while the combinations last, with question/answer/alternative templates around it. An
in-scope query rephrases one entry's slots with another template, sometimes drops the
situation and sometimes swaps a word for a synonym, so BM25 does not find every one.
Out-of-scope queries are built from non-IT words. Uses only the standard library and
random.Random(seed), so the same arguments always give the same bytes.
"""

import argparse
import json
import os
import random

# (system, category)
SYSTEMS = [
    ("Outlook", "メール・Outlook"), ("Webメール", "メール・Outlook"),
    ("LGWANメール", "メール・Outlook"), ("メール無害化", "メール・Outlook"),
    ("Teams", "Teams・Web会議"), ("Web会議", "Teams・Web会議"),
    ("Excel", "Office・Microsoft 365"), ("Word", "Office・Microsoft 365"),
    ("PowerPoint", "Office・Microsoft 365"), ("SharePoint", "Office・Microsoft 365"),
    ("Windows", "パソコン・Windows"), ("Edge", "パソコン・Windows"),
    ("Chrome", "パソコン・Windows"), ("ノートパソコン", "パソコン・Windows"),
    ("Windows Update", "パソコン・Windows"),
    ("静脈認証", "アカウント・ログイン"), ("ドメインアカウント", "アカウント・ログイン"),
    ("ウイルス対策ソフト", "セキュリティ・ウイルス対策"), ("USBメモリ", "セキュリティ・ウイルス対策"),
    ("インターネット", "ネットワーク・インターネット"), ("無線LAN", "ネットワーク・インターネット"),
    ("プロキシ", "ネットワーク・インターネット"),
    ("共有フォルダ", "ファイルサーバ"), ("ファイルサーバ", "ファイルサーバ"),
    ("プリンタ", "印刷・プリンタ"), ("複合機", "印刷・プリンタ"), ("プリントサーバ", "印刷・プリンタ"),
    ("財務会計システム", "業務システム"), ("文書管理システム", "業務システム"),
    ("庶務事務システム", "業務システム"), ("Acrobat Reader", "業務システム"),
    ("LoGoチャット", "LoGoチャット・フォーム"), ("LoGoフォーム", "LoGoチャット・フォーム"),
    ("貸出用パソコン", "貸出・予約"), ("リモートアクセス", "テレワーク・モバイル"),
    ("テレワーク端末", "テレワーク・モバイル"), ("スマートフォン", "テレワーク・モバイル"),
    ("ポータルサイト", "ポータル・アンケート"), ("アンケート機能", "ポータル・アンケート"),
]

OBJECTS = [
    "パスワード", "アカウント", "メール", "添付ファイル", "予定表", "会議室", "アドレス帳",
    "印刷ジョブ", "トナー", "用紙", "ドライバ", "証明書", "ショートカット", "フォルダ",
    "アクセス権", "容量", "ライセンス", "更新プログラム", "画面", "音声", "カメラ", "マイク",
    "署名", "ログイン画面", "ブックマーク", "ファイル", "データ", "設定", "通知", "チャット",
    "PDF", "申請", "帳票", "ユーザー名", "キーボード", "マウス", "ネットワークドライブ", "ケーブル",
]

# plain-form symptom phrases (usable before のですが / 場合は / 。)
SYMPTOMS = [
    "エラーになる", "接続できない", "起動しない", "とても遅い", "固まってしまう",
    "文字化けする", "印刷できない", "保存できない", "開けない", "送信できない", "届かない",
    "表示されない", "消えてしまった", "ロックされた", "期限が切れた", "同期しない",
    "音が出ない", "認識しない", "見つからない", "変更できない", "削除できない", "ログインできない",
    "反映されない", "繰り返し求められる",
]

SITUATIONS = [
    "朝から", "異動後に", "在宅勤務中に", "会議中に", "更新後に", "再起動しても",
    "新しいパソコンで", "年度切替の後", "出張先で", "庁内LANで", "急に", "昨日から",
    "パスワード変更後に", "席替えの後", "窓口で",
]

STEPS = [
    "{system}を一度終了して再起動してください",
    "パソコンを再起動してから、もう一度{object}を確認してください",
    "ケーブルとネットワークの接続を確認してください",
    "{system}の設定画面で{object}の項目を確認してください",
    "ブラウザのキャッシュを削除してから再度アクセスしてください",
    "所属長の承認を得て、利用申請を提出してください",
    "ポータルサイトの手順書に沿って{object}を再設定してください",
    "エラー画面のスクリーンショットを保存してください",
    "別のパソコンで同じ{object}が使えるか確認してください",
    "共有フォルダのアクセス権を管理者に確認してください",
    "ウイルス対策ソフトの通知が出ていないか確認してください",
    "Windows Updateが完了しているか確認してください",
]

CONTACTS = [
    "解決しない場合は、ヘルプデスク（内線1234）へ連絡してください。",
    "それでも解決しない場合は、LoGoフォームからお問い合わせください。",
    "改善しない場合は、端末名とエラー内容を添えてヘルプデスクへ連絡してください。",
    "詳しくはポータルサイトのFAQをご覧ください。",
]

Q_TEMPLATES = [
    "{situation}{system}で{object}が{symptom}のですが、どうすればよいですか？",
    "{system}の{object}が{symptom}場合はどうしたらいいですか？",
    "{situation}{system}を使うと{object}が{symptom}のはなぜですか？",
    "{object}が{symptom}（{system}）",
    "{system}で{object}について困っています。{situation}{symptom}状態です。",
]

ALT_TEMPLATES = [
    "{system}の{object}が{symptom}",
    "{situation}{object}が{symptom}、{system}です",
    "{system}使用中に{object}が{symptom}",
    "{object}が{symptom}のは{system}の不具合ですか",
]

QUERY_TEMPLATES = [
    "{system} {object} {symptom}",
    "{situation}{system}の{object}が{symptom}んですけど",
    "{object}が{symptom}。{system}です。",
    "{system}で{object}が{symptom}、助けてください",
    "{situation}{object}が{symptom}（{system}使用）",
]

SYNONYMS = {
    "プリンタ": "プリンター", "パスワード": "PW", "共有フォルダ": "共有フォルダー",
    "ノートパソコン": "ノートPC", "メール": "Eメール", "ドライバ": "ドライバー",
    "ユーザー名": "ユーザID", "Teams": "チームズ", "Outlook": "アウトルック",
    "無線LAN": "Wi-Fi", "起動しない": "立ち上がらない", "接続できない": "つながらない",
    "とても遅い": "重い", "固まってしまう": "フリーズする", "開けない": "開かない",
}

OOS_TOPICS = ["ランチ", "駐車場", "天気", "有給休暇", "健康診断", "社員食堂", "忘年会",
              "通勤手当", "自動販売機", "エレベーター", "観葉植物", "出張旅費", "制服", "防災訓練"]
OOS_TEMPLATES = [
    "{a}のおすすめを教えてください",
    "{a}と{b}はどこで確認できますか？",
    "今日の{a}について知りたい",
    "{a}の申し込み方法は？{b}も気になります",
]


def make_faq(n, rng):
    seen = set()
    entries = []
    for i in range(1, n + 1):
        for attempt in range(50):
            sys_i = rng.randrange(len(SYSTEMS))
            obj = rng.choice(OBJECTS)
            sym = rng.choice(SYMPTOMS)
            sit = rng.choice(SITUATIONS)
            key = (sys_i, obj, sym, sit)
            if key not in seen:
                break  # after 50 tries (combinations nearly exhausted) a duplicate is accepted
        seen.add(key)
        system, category = SYSTEMS[sys_i]
        slots = {"system": system, "object": obj, "symptom": sym, "situation": sit}
        question = rng.choice(Q_TEMPLATES).format(**slots)
        steps = rng.sample(STEPS, 2)
        answer = (
            f"{system}で{obj}が{sym}場合は、次の手順をお試しください。"
            f"1. {steps[0].format(**slots)}。"
            f"2. {steps[1].format(**slots)}。"
            f"{rng.choice(CONTACTS)}"
        )
        alternatives = [t.format(**slots) for t in rng.sample(ALT_TEMPLATES, rng.randrange(3))]
        entries.append({
            "id": f"faq-{i:05d}",
            "question": question,
            "answer": answer,
            "category": category,
            "alternatives": alternatives,
            "_slots": slots,
        })
    return entries


def make_queries(m, faq, rng, oos_ratio):
    queries = []
    for j in range(1, m + 1):
        qid = f"q-{j:05d}"
        if rng.random() < oos_ratio:
            a, b = rng.sample(OOS_TOPICS, 2)
            text = rng.choice(OOS_TEMPLATES).format(a=a, b=b)
            queries.append({"id": qid, "text": text, "relevant": {}})
            continue
        target = rng.choice(faq)
        slots = dict(target["_slots"])
        if rng.random() < 0.4:
            slots["situation"] = ""
        for k in ("system", "object", "symptom"):
            if slots[k] in SYNONYMS and rng.random() < 0.3:
                slots[k] = SYNONYMS[slots[k]]
        text = rng.choice(QUERY_TEMPLATES).format(**slots)
        queries.append({"id": qid, "text": text, "relevant": {target["id"]: 2}})
    return queries


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            row = {k: v for k, v in row.items() if not k.startswith("_")}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="number of FAQ entries (default 10000)")
    ap.add_argument("--out", default="faq.jsonl", help="FAQ output path (default faq.jsonl)")
    ap.add_argument("--queries", type=int, default=0, metavar="M",
                    help="also write M queries (default 0: none)")
    ap.add_argument("--queries-out", default=None,
                    help="queries output path (default: next to --out, *.queries.jsonl)")
    ap.add_argument("--oos-ratio", type=float, default=0.1,
                    help="share of out-of-scope queries (default 0.1)")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("--n must be >= 1")

    rng = random.Random(args.seed)
    faq = make_faq(args.n, rng)
    write_jsonl(args.out, faq)
    print(f"wrote {len(faq)} FAQ entries to {args.out}")

    if args.queries > 0:
        qout = args.queries_out
        if qout is None:
            stem = args.out[:-6] if args.out.endswith(".jsonl") else args.out
            qout = stem + ".queries.jsonl"
        # separate stream so the FAQ does not depend on the number of queries
        qrng = random.Random(args.seed * 1000003 + 1)
        queries = make_queries(args.queries, faq, qrng, args.oos_ratio)
        write_jsonl(qout, queries)
        n_oos = sum(1 for q in queries if not q["relevant"])
        print(f"wrote {len(queries)} queries ({n_oos} out of scope) to {os.path.normpath(qout)}")


if __name__ == "__main__":
    main()
