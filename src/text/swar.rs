//! Byte-class tests on eight bytes at once, packed in a `u64` (SWAR), for the ASCII
//! scans of normalization, English word bounds and the language votes. Each returns
//! the high bit (0x80) of every byte where the test holds.

/// 0x01 in every byte.
pub(crate) const LOW: u64 = 0x0101_0101_0101_0101;
/// 0x80 in every byte.
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;

/// Bytes of `w` that are `n` or more. Every byte of `w` must be below 0x80 (ASCII),
/// so that no sum carries into the next byte.
#[inline]
pub(crate) fn at_least(w: u64, n: u8) -> u64 {
    w.wrapping_add(u64::from(0x80 - n) * LOW) & HIGH
}

/// Bytes of `x` that are zero (exact for any byte values).
#[inline]
pub(crate) fn zero(x: u64) -> u64 {
    !(((x & !HIGH).wrapping_add(!HIGH)) | x) & HIGH
}

/// Bytes of `w` equal to `c` (exact for any byte values).
#[inline]
pub(crate) fn equal(w: u64, c: u8) -> u64 {
    zero(w ^ (u64::from(c) * LOW))
}

/// Bytes of the ASCII `w` that are letters (`A`..=`Z`, `a`..=`z`).
#[inline]
pub(crate) fn letters(w: u64) -> u64 {
    // With 0x20 set, exactly the letters land on `a`..=`z`.
    let folded = w | 0x2020_2020_2020_2020;
    at_least(folded, b'a') & !at_least(folded, b'{')
}

/// Bytes of the ASCII `w` that are digits.
#[inline]
pub(crate) fn digits(w: u64) -> u64 {
    at_least(w, b'0') & !at_least(w, b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every test agrees with its byte-by-byte counterpart, for every ASCII byte at
    /// every place in a block (and, for the exact ones, every byte).
    #[test]
    fn tests_are_the_byte_classes() {
        let mark = |block: [u8; 8], f: &dyn Fn(u8) -> bool| {
            block.iter().enumerate().fold(
                0u64,
                |m, (k, &c)| if f(c) { m | 0x80 << (8 * k) } else { m },
            )
        };
        for b in 0..=255u8 {
            for at in 0..8 {
                for filler in [b'a', b' ', b'Z', b'0', 0x00, 0x7F] {
                    let mut block = [filler; 8];
                    block[at] = b;
                    let w = u64::from_le_bytes(block);
                    assert_eq!(zero(w), mark(block, &|c| c == 0), "{b:#x} at {at}");
                    assert_eq!(equal(w, b'_'), mark(block, &|c| c == b'_'), "{b:#x}");
                    if b < 0x80 {
                        let ascii = |c: u8| c.is_ascii_alphabetic();
                        assert_eq!(letters(w), mark(block, &ascii), "{b:#x} at {at}");
                        let digit = |c: u8| c.is_ascii_digit();
                        assert_eq!(digits(w), mark(block, &digit), "{b:#x} at {at}");
                        assert_eq!(at_least(w, b'A'), mark(block, &|c| c >= b'A'), "{b:#x}");
                    }
                }
            }
        }
    }
}
