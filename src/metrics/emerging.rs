//! Emerging themes: a theme's rate in the recent window against the periods before
//! it, by a one-sided Fisher exact test, adjusted across themes (Benjamini–Hochberg).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Counts, ThemeRow, round2, round3};

/// Records mentioning a theme that the recent window needs at least, to call it
/// emerging.
pub const EMERGING_MIN_COUNT: u64 = 5;
/// Smallest growth of a theme's rate (recent / earlier) that can count as emerging.
pub const EMERGING_MIN_GROWTH: f64 = 1.5;
/// False discovery rate controlled across the themes tested (Benjamini–Hochberg).
pub const EMERGING_FDR: f64 = 0.05;

/// The emerging test of a theme: its rate (records mentioning it per record) in the
/// recent window against the periods before, by a one-sided Fisher exact test.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Emerging {
    /// The latest period.
    pub period: String,
    /// The periods tested as recent: the latest, with the one before when the latest
    /// is partial.
    pub window: Vec<String>,
    /// The latest period is partial.
    pub partial: bool,
    /// Records mentioning the theme in the window.
    pub mentions: u64,
    /// Records in the window.
    pub records: u64,
    /// Records mentioning the theme before the window.
    pub baseline_mentions: u64,
    /// Records before the window.
    pub baseline_records: u64,
    /// Rate in the window: `mentions / records`.
    pub latest_share: f64,
    /// Rate before it.
    pub baseline_share: f64,
    /// latest / baseline (none when the theme is new).
    pub growth: Option<f64>,
    /// The effect: latest − baseline rate.
    pub difference: f64,
    /// One-sided exact p-value (Fisher).
    pub p_value: f64,
    /// Benjamini–Hochberg adjusted p-value across the themes tested.
    pub p_adjusted: f64,
    /// The decision: at least [`EMERGING_MIN_COUNT`] mentions, growth at least
    /// [`EMERGING_MIN_GROWTH`], adjusted p at most [`EMERGING_FDR`].
    pub emerging: bool,
    /// Why it is (or is not) emerging, in words.
    pub reason: String,
}

/// The exact test of a theme's rate in `window` against the periods before it, from
/// the records of every period (`all`) and the theme's records (`theme`); the
/// decision waits for the adjustment across themes, [`decide_emerging`].
pub(super) fn emerging_test(
    all: &BTreeMap<Arc<str>, Counts>,
    theme: &BTreeMap<Arc<str>, u64>,
    window: &[&Arc<str>],
    partial: bool,
) -> Option<Emerging> {
    let in_window = |p: &Arc<str>| window.contains(&p);
    let (mut n1, mut n0) = (0u64, 0u64);
    for (p, c) in all {
        if in_window(p) {
            n1 += c.records;
        } else {
            n0 += c.records;
        }
    }
    let (mut k1, mut k0) = (0u64, 0u64);
    for (p, k) in theme {
        if in_window(p) {
            k1 += k;
        } else {
            k0 += k;
        }
    }
    if n0 == 0 || n1 == 0 {
        return None;
    }
    let p1 = k1 as f64 / n1 as f64;
    let p0 = k0 as f64 / n0 as f64;
    let p_value = fisher_greater(k1, n1, k0, n0);
    Some(Emerging {
        period: window.last()?.to_string(),
        window: window.iter().map(|w| w.to_string()).collect(),
        partial,
        mentions: k1,
        records: n1,
        baseline_mentions: k0,
        baseline_records: n0,
        latest_share: round3(p1),
        baseline_share: round3(p0),
        growth: (p0 > 0.0).then(|| round2(p1 / p0)),
        difference: round3(p1 - p0),
        p_value,
        p_adjusted: p_value,
        emerging: false,
        reason: String::new(),
    })
}

/// Adjusts the themes' emerging p-values for the number of themes tested
/// (Benjamini–Hochberg) and decides which are emerging.
pub(super) fn decide_emerging(themes: &mut [ThemeRow]) {
    let ps: Vec<f64> = themes
        .iter()
        .filter_map(|t| t.emerging.as_ref().map(|e| e.p_value))
        .collect();
    let mut adjusted = benjamini_hochberg(&ps).into_iter();
    for t in themes.iter_mut() {
        let Some(e) = t.emerging.as_mut() else {
            continue;
        };
        e.p_adjusted = adjusted.next().unwrap_or(1.0);
        let growth_ok =
            e.growth.is_none_or(|g| g >= EMERGING_MIN_GROWTH) && e.latest_share > e.baseline_share;
        e.reason = if e.mentions < EMERGING_MIN_COUNT {
            format!(
                "{} mention(s) in the recent window, fewer than {EMERGING_MIN_COUNT}",
                e.mentions
            )
        } else if !growth_ok {
            format!("rate grew less than ×{EMERGING_MIN_GROWTH}")
        } else if e.p_adjusted > EMERGING_FDR {
            format!(
                "not significant: adjusted p {} > {EMERGING_FDR}",
                fmt_p(e.p_adjusted)
            )
        } else {
            e.emerging = true;
            format!(
                "rate ×{} with adjusted p {} ≤ {EMERGING_FDR}",
                e.growth
                    .map_or_else(|| "∞".to_string(), |g| format!("{g:.1}")),
                fmt_p(e.p_adjusted)
            )
        };
    }
}

/// A p-value for display: `< 0.001` below that, else three decimals.
pub fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the order given.
pub fn benjamini_hochberg(ps: &[f64]) -> Vec<f64> {
    let m = ps.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| ps[a].total_cmp(&ps[b]));
    let mut out = vec![1.0; m];
    let mut running = 1.0_f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        let q = (ps[i] * m as f64 / (rank + 1) as f64).min(1.0);
        running = running.min(q);
        out[i] = running;
    }
    out
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, relative error ~1e-15).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

fn ln_choose(n: u64, k: u64) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// One-sided Fisher exact test that the rate `k1 / n1` is above `k0 / n0`: the
/// probability of at least `k1` of the `k1 + k0` hits falling in the `n1` records when
/// all `n1 + n0` records are alike (hypergeometric upper tail).
pub fn fisher_greater(k1: u64, n1: u64, k0: u64, n0: u64) -> f64 {
    let (big_n, big_k, n) = (n1 + n0, k1 + k0, n1);
    if big_k == 0 || n == 0 || k1 > n1 || k0 > n0 {
        return 1.0;
    }
    let lo = (n + big_k).saturating_sub(big_n);
    let hi = big_k.min(n);
    if k1 <= lo {
        return 1.0;
    }
    let ln_pmf =
        |x: u64| ln_choose(big_k, x) + ln_choose(big_n - big_k, n - x) - ln_choose(big_n, n);
    // Sum the tail on the far side of the mode, where the terms fall away from x.
    let mode = ((n + 1) as f64 * (big_k + 1) as f64 / (big_n + 2) as f64).floor() as u64;
    let tail = |from: u64, up: bool| {
        let mut term = ln_pmf(from).exp();
        let mut sum = term;
        let mut x = from;
        loop {
            if up {
                if x >= hi {
                    break;
                }
                let x_ = x as f64;
                term *= (big_k as f64 - x_) * (n as f64 - x_)
                    / ((x_ + 1.0) * ((big_n - big_k + x - n) as f64 + 1.0));
                x += 1;
            } else {
                if x <= lo {
                    break;
                }
                let x_ = x as f64;
                term *= x_ * (big_n - big_k + x - n) as f64
                    / ((big_k as f64 - x_ + 1.0) * (n as f64 - x_ + 1.0));
                x -= 1;
            }
            sum += term;
            if term < sum * 1e-17 {
                break;
            }
        }
        sum
    };
    if k1 > mode {
        tail(k1, true).clamp(0.0, 1.0)
    } else {
        (1.0 - tail(k1 - 1, false)).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hypergeometric upper tail by brute force.
    fn fisher_brute(k1: u64, n1: u64, k0: u64, n0: u64) -> f64 {
        let c = |n: u64, k: u64| -> f64 {
            if k > n {
                return 0.0;
            }
            (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
        };
        let (nn, kk) = (n1 + n0, k1 + k0);
        (k1..=kk.min(n1))
            .map(|x| c(kk, x) * c(nn - kk, n1 - x) / c(nn, n1))
            .sum()
    }

    #[test]
    fn fisher_matches_known_values_and_brute_force() {
        // Lady tasting tea: 3 of 4 right, P = 17/70.
        assert!((fisher_greater(3, 4, 1, 4) - 17.0 / 70.0).abs() < 1e-9);
        // Fisher's 2×2 textbook table [[11, 3], [1, 9]]: one-sided p = 0.001380.
        assert!((fisher_greater(11, 14, 1, 10) - 0.001380).abs() < 1e-5);
        for (k1, n1, k0, n0) in [(0, 5, 3, 9), (2, 7, 1, 20), (5, 30, 9, 40), (12, 40, 2, 35)] {
            let (a, b) = (fisher_greater(k1, n1, k0, n0), fisher_brute(k1, n1, k0, n0));
            assert!((a - b).abs() < 1e-9, "{k1}/{n1} vs {k0}/{n0}: {a} vs {b}");
        }
        // Same rate: nowhere near significant; a real rise: far below 0.001.
        assert!(fisher_greater(3, 100, 30, 1000) > 0.3);
        assert!(fisher_greater(20, 100, 30, 1000) < 1e-6);
        // Large counts stay finite.
        let p = fisher_greater(520, 10_000, 5_000, 100_000);
        // 5.2% vs 5.0%: z ≈ 0.88, so p near 0.19.
        assert!(p.is_finite() && p > 0.15 && p < 0.25, "{p}");
    }

    #[test]
    fn benjamini_hochberg_adjusts_in_order() {
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.2]);
        let want = [0.04, 0.16 / 3.0, 0.16 / 3.0, 0.2];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
        assert!(benjamini_hochberg(&[]).is_empty());
    }
}
