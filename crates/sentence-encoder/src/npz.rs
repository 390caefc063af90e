//! Just enough of ZIP and of NumPy's `.npy` format to read `weights.npz` (arrays stored or
//! deflated, little-endian `u1`/`i1`/`f4`/`f8`, C order, no ZIP64).

use std::collections::HashMap;

pub struct Array {
    pub dtype: String,
    pub shape: Vec<usize>,
    /// The raw little-endian data after the `.npy` header.
    pub data: Vec<u8>,
}

impl Array {
    pub fn f32s(&self, name: &str) -> Result<Vec<f32>, String> {
        if self.dtype != "<f4" {
            return Err(format!("{name}: expected float32, found {}", self.dtype));
        }
        Ok(self
            .data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect())
    }

    pub fn scalar_f64(&self, name: &str) -> Result<f64, String> {
        match self.dtype.as_str() {
            "<f8" if self.data.len() == 8 => {
                Ok(f64::from_le_bytes(self.data[..].try_into().unwrap()))
            }
            "<f4" if self.data.len() == 4 => {
                Ok(f32::from_le_bytes(self.data[..].try_into().unwrap()) as f64)
            }
            d => Err(format!(
                "{name}: expected one float, found {d} {:?}",
                self.shape
            )),
        }
    }
}

fn u16_at(b: &[u8], at: usize) -> Result<usize, String> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes(s.try_into().unwrap()) as usize)
        .ok_or_else(|| "truncated zip structure".to_string())
}

fn u32_at(b: &[u8], at: usize) -> Result<usize, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes(s.try_into().unwrap()) as usize)
        .ok_or_else(|| "truncated zip structure".to_string())
}

/// The members of a ZIP archive that `want` selects, by name, inflated.
pub fn read_zip(zip: &[u8], want: impl Fn(&str) -> bool) -> Result<Vec<(String, Vec<u8>)>, String> {
    // End of central directory: the last "PK\5\6" (a comment may follow it).
    let search_from = zip.len().saturating_sub(22 + 65_535);
    let eocd = (search_from..zip.len().saturating_sub(21))
        .rev()
        .find(|&i| &zip[i..i + 4] == b"PK\x05\x06")
        .ok_or("not a zip archive (no end of central directory)")?;
    let entries = u16_at(zip, eocd + 10)?;
    let mut p = u32_at(zip, eocd + 16)?;
    let mut out = Vec::new();
    for _ in 0..entries {
        if zip.get(p..p + 4) != Some(b"PK\x01\x02") {
            return Err("bad zip central directory".into());
        }
        let method = u16_at(zip, p + 10)?;
        let csize = u32_at(zip, p + 20)?;
        let usize_ = u32_at(zip, p + 24)?;
        let name_len = u16_at(zip, p + 28)?;
        let extra_len = u16_at(zip, p + 30)?;
        let comment_len = u16_at(zip, p + 32)?;
        let local = u32_at(zip, p + 42)?;
        let name = zip
            .get(p + 46..p + 46 + name_len)
            .ok_or("truncated zip name")?;
        let name = String::from_utf8_lossy(name).into_owned();
        p += 46 + name_len + extra_len + comment_len;
        if !want(&name) {
            continue;
        }
        if csize == 0xFFFF_FFFF || usize_ == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
            return Err(format!("{name}: ZIP64 members are not supported"));
        }
        if zip.get(local..local + 4) != Some(b"PK\x03\x04") {
            return Err(format!("{name}: bad zip local header"));
        }
        let start = local + 30 + u16_at(zip, local + 26)? + u16_at(zip, local + 28)?;
        let raw = zip
            .get(start..start + csize)
            .ok_or_else(|| format!("{name}: truncated zip member"))?;
        let bytes = match method {
            0 => raw.to_vec(),
            8 => miniz_oxide::inflate::decompress_to_vec_with_limit(raw, usize_)
                .map_err(|e| format!("{name}: cannot inflate: {e:?}"))?,
            m => return Err(format!("{name}: unsupported zip compression method {m}")),
        };
        if bytes.len() != usize_ {
            return Err(format!(
                "{name}: inflated to {} bytes, expected {usize_}",
                bytes.len()
            ));
        }
        out.push((name, bytes));
    }
    Ok(out)
}

/// Every array of an `.npz` archive, keyed by its name without the `.npy` suffix.
pub fn read_npz(zip: &[u8]) -> Result<HashMap<String, Array>, String> {
    let mut out = HashMap::new();
    for (name, bytes) in read_zip(zip, |_| true)? {
        let arr = parse_npy(bytes).map_err(|e| format!("{name}: {e}"))?;
        let key = name.strip_suffix(".npy").unwrap_or(&name).to_string();
        out.insert(key, arr);
    }
    Ok(out)
}

fn parse_npy(mut bytes: Vec<u8>) -> Result<Array, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not an .npy array".into());
    }
    let (header_len, header_start) = match bytes[6] {
        1 => (u16_at(&bytes, 8)?, 10),
        2 | 3 => (u32_at(&bytes, 8)?, 12),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = bytes
        .get(header_start..header_start + header_len)
        .ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(header).map_err(|_| "bad .npy header")?;
    let field = |key: &str| -> Result<&str, String> {
        let at = header
            .find(&format!("'{key}':"))
            .ok_or_else(|| format!(".npy header has no {key}"))?;
        Ok(header[at + key.len() + 3..].trim_start())
    };
    let descr = field("descr")?;
    let dtype = descr
        .strip_prefix('\'')
        .and_then(|s| s.split('\'').next())
        .ok_or("bad .npy descr")?
        .replace('|', "<");
    if field("fortran_order")?.starts_with("True") {
        return Err("Fortran-order arrays are not supported".into());
    }
    let shape_src = field("shape")?;
    let shape_src = shape_src
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or("bad .npy shape")?;
    let shape = shape_src
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| format!("bad .npy shape {shape_src:?}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let item = match dtype.as_str() {
        "<u1" | "<i1" => 1,
        "<f4" => 4,
        "<f8" => 8,
        d => return Err(format!("unsupported dtype {d}")),
    };
    let n: usize = shape.iter().product();
    let start = header_start + header_len;
    if bytes.len() != start + n * item {
        return Err(format!(
            "{} data bytes for shape {shape:?} of {dtype}",
            bytes.len() - start
        ));
    }
    bytes.drain(..start);
    bytes.shrink_to_fit();
    Ok(Array {
        dtype,
        shape,
        data: bytes,
    })
}
