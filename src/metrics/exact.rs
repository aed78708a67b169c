//! Serde helpers that carry floating-point sums through JSON bit for bit (as their
//! shortest round-trip decimal strings), for the partial report state.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

fn parse<E: serde::de::Error>(s: &str) -> Result<f64, E> {
    s.parse::<f64>()
        .map_err(|_| E::custom(format!("not a number: {s:?}")))
}

/// A `(count, sum)` pair with the sum as an exact decimal string.
pub(crate) mod pair {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &(u64, f64), s: S) -> Result<S::Ok, S::Error> {
        (v.0, v.1.to_string()).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<(u64, f64), D::Error> {
        let (n, sum) = <(u64, String)>::deserialize(d)?;
        Ok((n, parse(&sum)?))
    }
}

/// A float as an exact decimal string.
pub(crate) mod float {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        v.to_string().serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        parse(&String::deserialize(d)?)
    }
}

/// Rating sums per scale (`stars5` → (count, sum)), the scale names interned.
pub(crate) mod scale_sums {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        v: &BTreeMap<&'static str, (u64, f64)>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|(k, (n, sum))| (*k, (*n, sum.to_string())))
            .collect::<BTreeMap<&str, (u64, String)>>()
            .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<&'static str, (u64, f64)>, D::Error> {
        let raw = BTreeMap::<String, (u64, String)>::deserialize(d)?;
        raw.into_iter()
            .map(|(k, (n, sum))| {
                let scale = k
                    .parse::<crate::ingest::Scale>()
                    .map_err(|_| serde::de::Error::custom(format!("unknown scale {k:?}")))?;
                Ok((scale.as_str(), (n, parse(&sum)?)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct P(#[serde(with = "super::pair")] (u64, f64));

    #[test]
    fn sums_survive_json_bit_for_bit() {
        for x in [
            0.1 + 0.2,
            30.000000000000004,
            1e300,
            -0.0,
            12345.678901234567,
        ] {
            let s = serde_json::to_string(&P((3, x))).unwrap_or_default();
            let back: P = serde_json::from_str(&s).unwrap_or(P((0, f64::NAN)));
            assert_eq!(back.0.1.to_bits(), x.to_bits(), "{s}");
        }
    }
}
