//! Numbers with a fixed count of decimals ("29.9", "0.62", "72"), written
//! exactly as `format!("{value:.N}")` writes them (the exact binary value,
//! a half rounded to even, "-0.0" for a small negative) but with integer
//! arithmetic: core's float formatting (Grisu, Dragon and their bignums)
//! would otherwise be in the web app for these few numbers. Pure, tested
//! on the host against `format!`.

/// `value` with `decimals` digits after the point, as
/// `format!("{value:.decimals$}")` writes it. `decimals` up to 20.
pub fn fixed(value: f64, decimals: usize) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    let mut out = String::from(if value.is_sign_negative() { "-" } else { "" });
    if value.is_infinite() {
        return out + "inf";
    }
    // value = mantissa × 2^power exactly.
    let bits = value.abs().to_bits();
    let biased = (bits >> 52) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, power) = match biased {
        0 => (fraction, -1074),
        _ => (fraction | 1 << 52, biased - 1075),
    };
    // Below 2^53 × 10^20 < 2^120: fits.
    let scaled = u128::from(mantissa) * 10u128.pow(decimals as u32);
    let digits = if power >= 0 {
        doubled(scaled, power as u32)
    } else {
        halved(scaled, power.unsigned_abs()).to_string()
    };
    // At least one digit before the point.
    let padded = format!("{digits:0>width$}", width = decimals + 1);
    let (whole, part) = padded.split_at(padded.len() - decimals);
    out += whole;
    if decimals > 0 {
        out.push('.');
        out += part;
    }
    out
}

/// `n × 2^times` in decimal digits (a value of 2^53 and more: an integer,
/// perhaps beyond `u128`).
fn doubled(n: u128, times: u32) -> String {
    if times <= n.leading_zeros() {
        return (n << times).to_string();
    }
    // Least significant digit first.
    let mut digits: Vec<u8> = n.to_string().bytes().rev().map(|d| d - b'0').collect();
    for _ in 0..times {
        let mut carry = 0;
        for d in &mut digits {
            let twice = *d * 2 + carry;
            *d = twice % 10;
            carry = twice / 10;
        }
        if carry > 0 {
            digits.push(carry);
        }
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

/// `n / 2^times` rounded to the nearest integer, a half to even.
fn halved(n: u128, times: u32) -> u128 {
    if times > 121 {
        // n < 2^120: less than a half.
        return 0;
    }
    let quotient = n >> times;
    let rest = n - (quotient << times);
    let half = 1 << (times - 1);
    if rest > half || (rest == half && quotient % 2 == 1) {
        quotient + 1
    } else {
        quotient
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_as_format(value: f64) {
        for decimals in 0..=4 {
            assert_eq!(
                fixed(value, decimals),
                format!("{value:.decimals$}"),
                "{value:e} with {decimals} decimals"
            );
        }
    }

    #[test]
    fn shown_numbers() {
        assert_eq!(fixed(29.94, 1), "29.9");
        assert_eq!(fixed(0.625, 2), "0.62");
        assert_eq!(fixed(71.6, 0), "72");
        assert_eq!(fixed(0.0, 1), "0.0");
        assert_eq!(fixed(-0.04, 1), "-0.0");
        assert_eq!(fixed(1.0, 3), "1.000");
    }

    #[test]
    fn halves_round_to_even_like_format() {
        for value in [0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 0.25, 1e-5, 0.05] {
            same_as_format(value);
        }
    }

    #[test]
    fn edges_like_format() {
        for value in [
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            -0.0,
            1e300,
            9_007_199_254_740_993.0,
            1e16 + 2.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            same_as_format(value);
        }
    }

    #[test]
    fn many_values_like_format() {
        // A fixed pseudo-random walk over bit patterns and over the
        // magnitudes the app shows (fps, bpm, ms, zoom, focus).
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..4_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            same_as_format(f64::from_bits(state));
            same_as_format((state % 2_000_000) as f64 / 1000.0 - 500.0);
            same_as_format((state % 100_000) as f64 * 0.005);
        }
    }
}
