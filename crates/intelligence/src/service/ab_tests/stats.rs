//! The Bayesian comparison of a variant with the control, as pure functions.
//!
//! Each variant is a sample of per-post values of the test's metric. The quantity judged is
//! the **relative lift** of the variant's mean over the control's, `m_v / m_c − 1`. Its
//! sampling variance comes from the delta method,
//! `var = s_v² / (n_v·m_c²) + m_v²·s_c² / (n_c·m_c⁴)`, so the estimate is treated as normal
//! around the true lift. A **proper Gaussian prior** on the lift (mean 0, sd 0.3: most
//! changes move a metric by less than ±30 %, the default GrowthBook's Bayesian engine offers)
//! is combined with it by the conjugate normal update (precisions add, means are weighted by
//! precision), which pulls small samples towards "no change" instead of believing a lucky
//! streak. From the normal posterior:
//! - the chance to beat control is `P(lift > 0)`;
//! - the expected lift is the posterior mean, with a 95 % credible interval;
//! - the risk is the expected loss, in lift, of a wrong choice: choosing the variant loses
//!   `E[max(0, −lift)]`, keeping the control loses `E[max(0, lift)]` (closed form for a
//!   normal: `σφ(μ/σ) ∓ μΦ(∓μ/σ)`).
//!
//! Nothing is judged below [`MIN_POSTS`] posts per variant.

use statrs::distribution::{Continuous, ContinuousCDF, Normal};

/// Posts with a value each variant needs before anything is said about it.
pub const MIN_POSTS: usize = 5;
/// The chance to beat control from which a variant is called likely better (and below
/// `1 − CHANCE_TO_DECIDE` likely worse); GrowthBook's default threshold.
pub const CHANCE_TO_DECIDE: f64 = 0.95;
/// The credible interval's level.
pub const CREDIBLE_LEVEL: f64 = 0.95;

/// The method in words, for the page and the API answer.
pub const METHOD: &str = "Bayesian comparison of each variant with the control. Per variant: the mean and variance of the metric over its tagged posts. The relative lift of the variant's mean over the control's gets its variance from the delta method and is combined with a normal prior on the lift (mean 0 %, standard deviation 30 %) by the conjugate normal update. From the posterior: the chance to beat control is the probability that the lift is above zero, the expected lift is its mean with a 95 % credible interval, and the risk is the lift expected to be lost by a wrong choice (choosing the variant when it is worse, or keeping the control when the variant is better). Nothing is judged below the minimum number of posts per variant; a variant is called likely better or worse only at a 95 % chance either way.";

/// A normal prior on the relative lift (0.1 = +10 %).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prior {
    pub mean: f64,
    pub sd: f64,
}

/// The prior every test uses.
pub const PRIOR: Prior = Prior { mean: 0.0, sd: 0.3 };

/// A variant's values: count, mean and sample variance (n − 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub n: usize,
    pub mean: f64,
    pub variance: f64,
}

impl Sample {
    /// The sample of finite values; none when there are none.
    pub fn of(values: &[f64]) -> Option<Sample> {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let n = finite.len();
        if n == 0 {
            return None;
        }
        let mean = finite.iter().sum::<f64>() / n as f64;
        let variance = if n > 1 {
            finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        Some(Sample { n, mean, variance })
    }
}

/// Why a comparison cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unjudged {
    /// A side has fewer than [`MIN_POSTS`] values.
    TooFewPosts,
    /// The control's mean is zero or less: a relative lift has no meaning.
    ControlMeanZero,
    /// Every value on both sides is the same: there is no spread to judge the difference by.
    NoSpread,
}

/// A variant against the control. Lifts are fractions (0.1 = +10 %).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// The lift of the sample means, before the prior.
    pub observed_lift: f64,
    /// Its standard error (delta method).
    pub observed_se: f64,
    /// The posterior's mean (the expected lift) and standard deviation.
    pub lift: f64,
    pub lift_sd: f64,
    /// The [`CREDIBLE_LEVEL`] credible interval.
    pub lift_low: f64,
    pub lift_high: f64,
    /// `P(lift > 0)`.
    pub chance_to_beat_control: f64,
    /// Expected lift lost by choosing the variant if it is in fact worse.
    pub risk_choosing_variant: f64,
    /// Expected lift lost by keeping the control if the variant is in fact better.
    pub risk_keeping_control: f64,
}

/// The variant compared with the control under `prior`.
pub fn compare(control: &Sample, variant: &Sample, prior: Prior) -> Result<Comparison, Unjudged> {
    if control.n < MIN_POSTS || variant.n < MIN_POSTS {
        return Err(Unjudged::TooFewPosts);
    }
    let (mc, mv) = (control.mean, variant.mean);
    if mc <= 0.0 || !mc.is_finite() {
        return Err(Unjudged::ControlMeanZero);
    }
    let observed_lift = mv / mc - 1.0;
    let data_var = variant.variance / (variant.n as f64 * mc * mc)
        + mv * mv * control.variance / (control.n as f64 * mc.powi(4));
    if data_var.is_nan() || data_var <= 0.0 || data_var.is_infinite() {
        return Err(Unjudged::NoSpread);
    }
    let prior_var = prior.sd * prior.sd;
    let precision = 1.0 / prior_var + 1.0 / data_var;
    let lift = (prior.mean / prior_var + observed_lift / data_var) / precision;
    let lift_sd = (1.0 / precision).sqrt();
    let z = lift / lift_sd;
    let (cdf, pdf, quantile) = standard_normal(z);
    let cdf_neg = 1.0 - cdf;
    Ok(Comparison {
        observed_lift,
        observed_se: data_var.sqrt(),
        lift,
        lift_sd,
        lift_low: lift - quantile * lift_sd,
        lift_high: lift + quantile * lift_sd,
        chance_to_beat_control: cdf,
        risk_choosing_variant: (lift_sd * pdf - lift * cdf_neg).max(0.0),
        risk_keeping_control: (lift_sd * pdf + lift * cdf).max(0.0),
    })
}

/// Φ(z), φ(z) and the two-sided quantile of [`CREDIBLE_LEVEL`] of the standard normal.
fn standard_normal(z: f64) -> (f64, f64, f64) {
    match Normal::new(0.0, 1.0) {
        Ok(n) => (
            n.cdf(z),
            n.pdf(z),
            n.inverse_cdf(0.5 + CREDIBLE_LEVEL / 2.0),
        ),
        // (0, 1) is always a valid normal; this arm only keeps the function total.
        Err(_) => (f64::NAN, f64::NAN, f64::NAN),
    }
}

/// How a comparison reads, never stronger than the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    LikelyBetter,
    LikelyWorse,
    Unclear,
}

pub fn reading(c: &Comparison) -> Reading {
    if c.chance_to_beat_control >= CHANCE_TO_DECIDE {
        Reading::LikelyBetter
    } else if c.chance_to_beat_control <= 1.0 - CHANCE_TO_DECIDE {
        Reading::LikelyWorse
    } else {
        Reading::Unclear
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() < tol, "{a} is not {b} (±{tol})");
    }

    /// Checked by hand: control 2,3,4,3,2,4 (mean 3, variance 0.8), variant 3,4,5,4,3,5
    /// (mean 4, variance 0.8). Observed lift 4/3 − 1 = 0.3333. Delta-method variance
    /// 0.8/(6·9) + 16·0.8/(6·81) = 10/243 = 0.041152 (precision 24.3). Prior N(0, 0.3²),
    /// precision 11.111. Posterior precision 35.411, so sd = 0.16805 and mean
    /// 0.3333·24.3/35.411 = 0.22874. z = 1.3612, Φ(z) = 0.9133. 95 % interval
    /// 0.22874 ± 1.95996·0.16805 = [−0.1006, 0.5581]. Risks: σφ(z) − μΦ(−z) = 0.006708 and
    /// σφ(z) + μΦ(z) = 0.23545.
    #[test]
    fn a_fixed_sample_gives_the_hand_checked_posterior() {
        let control = Sample::of(&[2.0, 3.0, 4.0, 3.0, 2.0, 4.0]).unwrap();
        let variant = Sample::of(&[3.0, 4.0, 5.0, 4.0, 3.0, 5.0]).unwrap();
        assert_eq!(control.n, 6);
        close(control.mean, 3.0, 1e-12);
        close(control.variance, 0.8, 1e-12);
        let c = compare(&control, &variant, PRIOR).unwrap();
        close(c.observed_lift, 1.0 / 3.0, 1e-12);
        close(c.observed_se * c.observed_se, 10.0 / 243.0, 1e-12);
        close(c.lift, 0.228_742, 1e-5);
        close(c.lift_sd, 0.168_047, 1e-5);
        close(c.chance_to_beat_control, 0.913_27, 1e-4);
        close(c.lift_low, -0.100_62, 1e-4);
        close(c.lift_high, 0.558_11, 1e-4);
        close(c.risk_choosing_variant, 0.006_708, 1e-5);
        close(c.risk_keeping_control, 0.235_45, 1e-4);
        // 91 % is not enough to call it.
        assert_eq!(reading(&c), Reading::Unclear);
    }

    #[test]
    fn the_prior_pulls_the_lift_towards_zero_and_washes_out_with_data() {
        let control = Sample::of(&[2.0, 3.0, 4.0, 3.0, 2.0, 4.0]).unwrap();
        let variant = Sample::of(&[3.0, 4.0, 5.0, 4.0, 3.0, 5.0]).unwrap();
        let small = compare(&control, &variant, PRIOR).unwrap();
        assert!(small.lift < small.observed_lift);
        let many = |s: Sample| Sample { n: s.n * 100, ..s };
        let big = compare(&many(control), &many(variant), PRIOR).unwrap();
        close(big.lift, 1.0 / 3.0, 0.01);
        assert!(big.chance_to_beat_control > 0.999);
        assert_eq!(reading(&big), Reading::LikelyBetter);
        // The same data read the other way round is likely worse.
        let worse = compare(&many(variant), &many(control), PRIOR).unwrap();
        assert_eq!(reading(&worse), Reading::LikelyWorse);
        assert!(worse.risk_choosing_variant > worse.risk_keeping_control);
    }

    #[test]
    fn nothing_is_judged_below_the_minimum_sample() {
        let four = Sample::of(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        let five = Sample::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(compare(&four, &five, PRIOR), Err(Unjudged::TooFewPosts));
        assert_eq!(compare(&five, &four, PRIOR), Err(Unjudged::TooFewPosts));
        assert!(compare(&five, &five, PRIOR).is_ok());
    }

    #[test]
    fn a_zero_control_or_no_spread_is_not_judged() {
        let zeros = Sample::of(&[0.0; 5]).unwrap();
        let some = Sample::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(
            compare(&zeros, &some, PRIOR),
            Err(Unjudged::ControlMeanZero)
        );
        let flat = Sample::of(&[2.0; 6]).unwrap();
        assert_eq!(compare(&flat, &flat, PRIOR), Err(Unjudged::NoSpread));
        assert_eq!(Sample::of(&[f64::NAN]), None);
    }

    #[test]
    fn equal_samples_are_a_coin_toss_with_equal_risks() {
        let s = Sample::of(&[2.0, 3.0, 4.0, 3.0, 2.0, 4.0]).unwrap();
        let c = compare(&s, &s, PRIOR).unwrap();
        close(c.lift, 0.0, 1e-12);
        close(c.chance_to_beat_control, 0.5, 1e-12);
        close(c.risk_choosing_variant, c.risk_keeping_control, 1e-12);
        close(c.lift_low, -c.lift_high, 1e-12);
    }
}
