//! Load time, resident memory and encoding latency, one thread.
//!
//!     cargo run --release --manifest-path crates/sentence-encoder/Cargo.toml --example bench \
//!         [-- MODEL_DIR [QUESTIONS.jsonl ...]]
//!
//! MODEL_DIR defaults to models/use-multilingual-v3 at the repository root; the questions
//! default to the first 300 of eval/queries/*.jsonl (the project's own helpdesk questions).

use std::path::{Path, PathBuf};
use std::time::Instant;

use sentence_encoder::Encoder;

fn status(key: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .map(|l| l[key.len() + 1..].trim().to_string())
        })
        .unwrap_or_else(|| "?".into())
}

/// CPU time of this thread, in ms: unlike the wall clock it leaves out the time the
/// thread waited for a core (the machine is shared; compare the two).
#[cfg(target_os = "linux")]
fn thread_cpu_ms() -> f64 {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: clock_gettime writes one timespec (two i64 on 64-bit Linux) into `ts`.
    unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.sec as f64 * 1e3 + ts.nsec as f64 / 1e6
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_ms() -> f64 {
    f64::NAN
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("models/use-multilingual-v3"));
    let files: Vec<PathBuf> = if args.len() > 1 {
        args[1..].iter().map(PathBuf::from).collect()
    } else {
        let mut v: Vec<PathBuf> = std::fs::read_dir(root.join("eval/queries"))
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let mut questions: Vec<String> = Vec::new();
    for f in &files {
        for line in std::fs::read_to_string(f)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            questions.push(v["text"].as_str().unwrap().to_string());
        }
    }
    questions.truncate(300);
    assert!(
        !questions.is_empty(),
        "no questions (give QUESTIONS.jsonl files)"
    );

    let rss_before = status("VmRSS");
    let t = Instant::now();
    let enc = Encoder::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let first_load = t.elapsed().as_secs_f64();
    let rss_loaded = status("VmRSS");
    let hwm_loaded = status("VmHWM");
    let mut loads = vec![first_load];
    for _ in 0..2 {
        let t = Instant::now();
        drop(Encoder::load(&dir).unwrap());
        loads.push(t.elapsed().as_secs_f64());
    }

    println!("model: {}", enc.model_id());
    println!(
        "kernels: {}",
        if enc.uses_simd() {
            "AVX2+FMA"
        } else {
            "portable"
        }
    );
    println!(
        "weights in memory: {:.1} MB",
        enc.weight_bytes() as f64 / 1e6
    );
    println!(
        "load (read + sha256 + inflate + parse), 3 loads: median {:.0} ms, first {:.0} ms",
        median(loads) * 1e3,
        first_load * 1e3
    );
    println!("resident memory: before load {rss_before}, after load {rss_loaded} (peak during load {hwm_loaded})");

    let toks: Vec<usize> = questions.iter().map(|q| enc.token_ids(q).len()).collect();
    let chars: Vec<usize> = questions.iter().map(|q| q.chars().count()).collect();
    println!(
        "questions: {} from {} file(s), {}-{} chars (median {}), {}-{} tokens (median {})",
        questions.len(),
        files.len(),
        chars.iter().min().unwrap(),
        chars.iter().max().unwrap(),
        median(chars.iter().map(|&c| c as f64).collect()),
        toks.iter().min().unwrap(),
        toks.iter().max().unwrap(),
        median(toks.iter().map(|&c| c as f64).collect()),
    );

    for q in questions.iter().take(20) {
        std::hint::black_box(enc.encode_query(q));
    }
    println!("load average before the runs: {}", loadavg());
    let (mut p50s, mut p99s, mut maxs, mut tok50s, mut cpu50s, mut cpu99s) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for run in 1..=3 {
        let mut ms = Vec::with_capacity(questions.len());
        let mut cpu = Vec::with_capacity(questions.len());
        let mut tok = Vec::with_capacity(questions.len());
        for q in &questions {
            let t = Instant::now();
            std::hint::black_box(enc.token_ids(q));
            tok.push(t.elapsed().as_secs_f64() * 1e3);
            let c = thread_cpu_ms();
            let t = Instant::now();
            std::hint::black_box(enc.encode_query(q));
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            cpu.push(thread_cpu_ms() - c);
        }
        ms.sort_by(f64::total_cmp);
        cpu.sort_by(f64::total_cmp);
        tok.sort_by(f64::total_cmp);
        let (p50, p99, max) = (
            percentile(&ms, 0.5),
            percentile(&ms, 0.99),
            *ms.last().unwrap(),
        );
        let (c50, c99) = (percentile(&cpu, 0.5), percentile(&cpu, 0.99));
        println!(
            "run {run}: encode_query p50 {p50:.3} ms, p99 {p99:.3} ms, max {max:.3} ms; \
             CPU time p50 {c50:.3} ms, p99 {c99:.3} ms; tokenizer alone p50 {:.3} ms",
            percentile(&tok, 0.5)
        );
        p50s.push(p50);
        p99s.push(p99);
        maxs.push(max);
        cpu50s.push(c50);
        cpu99s.push(c99);
        tok50s.push(percentile(&tok, 0.5));
    }
    println!(
        "encode_query, median of 3 runs: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; \
         CPU time p50 {:.3} ms, p99 {:.3} ms; tokenizer p50 {:.3} ms",
        median(p50s),
        median(p99s),
        median(maxs),
        median(cpu50s),
        median(cpu99s),
        median(tok50s)
    );
    println!("load average after the runs: {}", loadavg());

    let passage = "パスワードを忘れてログインできない場合は、職員証を持って情報政策課の窓口へお越しいただくか、\
        内線2105までご連絡ください。本人確認のうえ仮パスワードを発行します。仮パスワードでログインした後は、\
        画面の案内に従って新しいパスワードを設定してください。新しいパスワードは12文字以上で、英大文字、\
        英小文字、数字、記号のうち3種類以上を含める必要があります。過去に使ったパスワードは使えません。\
        また、パスワードを付箋に書いて画面に貼ったり、他の職員と共有したりすることは禁止されています。\
        不明な点があればヘルプデスクにお問い合わせください。";
    let (mut ms, mut cpu) = (Vec::new(), Vec::new());
    for i in 0..103 {
        let c = thread_cpu_ms();
        let t = Instant::now();
        std::hint::black_box(enc.encode_passage(passage));
        if i >= 3 {
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            cpu.push(thread_cpu_ms() - c);
        }
    }
    ms.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    println!(
        "encode_passage, {} chars ({} tokens), 100 runs: p50 {:.3} ms, p99 {:.3} ms; CPU time p50 {:.3} ms",
        passage.chars().count(),
        enc.token_ids(passage).len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        percentile(&cpu, 0.5)
    );
    println!(
        "resident memory at the end: {} (peak {})",
        status("VmRSS"),
        status("VmHWM")
    );
}
