//! Tensors of a safetensors checkpoint, read into f32 by name with their
//! shapes checked, so that a checkpoint that is not the architecture its
//! `config.json` describes is an error that names the tensor.

use safetensors::{Dtype, SafeTensors};

/// A checkpoint's tensors. Names are looked up with the prefix that the
/// task-specific checkpoints put before the base model (`bert.`, `model.`)
/// when the file has it, and without it otherwise.
pub(crate) struct Weights<'a> {
    st: SafeTensors<'a>,
    prefix: &'static str,
}

impl<'a> Weights<'a> {
    /// Parses a safetensors file. `base` is the name of a tensor of the
    /// base model with its usual prefix (`bert.embeddings.`): when a name
    /// starts with it, [`Weights::get`] prefixes every name it is given.
    pub fn new(bytes: &'a [u8], base: &'static str) -> Result<Self, String> {
        let st = SafeTensors::deserialize(bytes).map_err(|e| e.to_string())?;
        let prefix = match base.find('.') {
            Some(dot) if st.names().iter().any(|n| n.starts_with(base)) => &base[..=dot],
            _ => "",
        };
        Ok(Weights { st, prefix })
    }

    /// A base-model tensor (the prefix added when the file has one).
    pub fn get(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
        self.exact(&format!("{}{name}", self.prefix), shape)
    }

    /// A tensor by its full name (a head outside the base model).
    pub fn exact(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
        let t = self
            .st
            .tensor(name)
            .map_err(|_| format!("tensor `{name}` is missing"))?;
        if t.shape() != shape {
            return Err(format!(
                "tensor `{name}` has shape {:?}, expected {shape:?}",
                t.shape()
            ));
        }
        to_f32(t.dtype(), t.data()).map_err(|e| format!("tensor `{name}`: {e}"))
    }

    /// A LayerNorm's scale and shift, named `weight`/`bias` or, in older
    /// checkpoints, `gamma`/`beta`.
    pub fn norm(&self, name: &str, width: usize) -> Result<(Vec<f32>, Vec<f32>), String> {
        match self.get(&format!("{name}.weight"), &[width]) {
            Ok(w) => Ok((w, self.get(&format!("{name}.bias"), &[width])?)),
            Err(e) => match self.get(&format!("{name}.gamma"), &[width]) {
                Ok(g) => Ok((g, self.get(&format!("{name}.beta"), &[width])?)),
                Err(_) => Err(e),
            },
        }
    }
}

/// Little-endian tensor bytes as f32.
fn to_f32(dtype: Dtype, data: &[u8]) -> Result<Vec<f32>, String> {
    Ok(match dtype {
        Dtype::F32 => data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::BF16 => data
            .chunks_exact(2)
            .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
            .collect(),
        Dtype::F16 => data
            .chunks_exact(2)
            .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
            .collect(),
        other => return Err(format!("dtype {other:?} is not supported (F32, F16, BF16)")),
    })
}

/// IEEE half precision to single, exactly (subnormals included).
fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: value = man · 2^-24.
            let v = man as f32 * f32::from_bits(0x3380_0000);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, _) => sign | 0x7fc0_0000 | (man << 13),
        _ => sign | ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_converts_exactly() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x8000).to_bits(), (-0.0f32).to_bits());
        assert!(f16_to_f32(0x7c00).is_infinite());
        assert!(f16_to_f32(0x7e00).is_nan());
        assert_eq!(
            to_f32(Dtype::BF16, &[0x80, 0x3f]).unwrap(),
            vec![1.0],
            "bf16 1.0 is 0x3f80"
        );
        assert!(to_f32(Dtype::I64, &[0; 8]).unwrap_err().contains("I64"));
    }
}
