//! What the simulated sensor measures: a synthetic finger pulse from the
//! firmware core's generator (every setting of its [`PpgConfig`]: heart
//! rate, noise, diastolic wave, jitter, breathing, drift, saturation,
//! movement artefacts; plus dropouts where the finger leaves the sensor),
//! or a recorded waveform replayed in a loop.
//! Recordings come as CSV, one raw sample per line at a known rate, and are
//! resampled to the sensor's 500 Hz by linear interpolation.

use std::io;
use std::path::Path;

use rig_firmware_core::synth::Ppg;

pub use rig_firmware_core::pulse::SAMPLE_RATE_HZ;
pub use rig_firmware_core::synth::PpgConfig;

/// The pulse the simulator measures.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// Generated.
    Synthetic {
        /// The waveform: heart rate, noise, and everything else the
        /// generator varies.
        config: PpgConfig,
        /// Every `every_s` seconds the finger is off for `length_s`.
        dropout: Option<(f32, f32)>,
    },
    /// Recorded samples at 500 Hz, replayed in a loop.
    Recorded(Vec<u16>),
}

impl Signal {
    /// A clean synthetic pulse at `bpm` ([`PpgConfig::at_bpm`]), no
    /// dropouts.
    pub fn synthetic(bpm: f32) -> Self {
        Signal::Synthetic {
            config: PpgConfig::at_bpm(bpm),
            dropout: None,
        }
    }
}

/// Produces one 10-bit sample at a time.
pub(crate) struct Source {
    signal: Signal,
    ppg: Ppg,
    index: usize,
}

impl Source {
    pub(crate) fn new(signal: Signal) -> Self {
        let config = match &signal {
            Signal::Synthetic { config, .. } => *config,
            Signal::Recorded(_) => PpgConfig::at_bpm(0.0),
        };
        Source {
            signal,
            ppg: Ppg::new(config, 0x5EED),
            index: 0,
        }
    }

    pub(crate) fn next_sample(&mut self) -> u16 {
        match &self.signal {
            Signal::Recorded(samples) => {
                let value = samples.get(self.index).copied().unwrap_or(0);
                self.index = (self.index + 1) % samples.len().max(1);
                value
            }
            Signal::Synthetic { dropout, .. } => {
                let t = self.index as f32 / SAMPLE_RATE_HZ as f32;
                self.index += 1;
                let value = self.ppg.next_sample();
                match dropout {
                    // Finger off: the sensor reads a flat dark level.
                    Some((every, length)) if *every > 0.0 && t % every < *length => 20,
                    _ => value,
                }
            }
        }
    }
}

/// Reads a CSV of raw samples: one number per line (the first column if
/// there are several); blank lines and lines starting with `#` are
/// skipped, and so is one header line.
pub fn read_csv(path: &Path) -> io::Result<Vec<f32>> {
    let text = std::fs::read_to_string(path)?;
    let mut samples = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let field = line.split(',').next().unwrap_or("").trim();
        if field.is_empty() || field.starts_with('#') {
            continue;
        }
        match field.parse::<f32>() {
            Ok(value) if value.is_finite() => samples.push(value),
            _ if samples.is_empty() && number == 0 => {} // a header
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}:{}: not a number: {field:?}", path.display(), number + 1),
                ));
            }
        }
    }
    if samples.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: no samples", path.display()),
        ));
    }
    Ok(samples)
}

/// Resamples `samples` taken at `rate_hz` to 500 Hz by linear
/// interpolation, clamped to the 10-bit range.
pub fn resample(samples: &[f32], rate_hz: f32) -> Vec<u16> {
    if samples.is_empty() || rate_hz <= 0.0 {
        return Vec::new();
    }
    let out_len =
        ((samples.len() as f64) * f64::from(SAMPLE_RATE_HZ) / f64::from(rate_hz)) as usize;
    (0..out_len.max(1))
        .map(|i| {
            let t = i as f64 * f64::from(rate_hz) / f64::from(SAMPLE_RATE_HZ);
            let k = t.floor() as usize;
            let frac = (t - k as f64) as f32;
            let a = samples.get(k).copied().unwrap_or(0.0);
            let b = samples.get(k + 1).copied().unwrap_or(a);
            (a + (b - a) * frac).round().clamp(0.0, 1023.0) as u16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_interpolates_to_500_hz() {
        let out = resample(&[0.0, 100.0, 200.0], 100.0);
        assert_eq!(out.len(), 15);
        assert_eq!(&out[..6], &[0, 20, 40, 60, 80, 100]);
        assert_eq!(resample(&[2000.0], 250.0), [1023, 1023]);
        assert!(resample(&[], 100.0).is_empty());
    }

    #[test]
    fn csv_takes_the_first_column_and_skips_a_header() {
        let dir = std::env::temp_dir().join(format!("rig-sim-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.csv");
        std::fs::write(&good, "raw,time\n512,0\n\n# note\n530.5,2\n").unwrap();
        assert_eq!(read_csv(&good).unwrap(), [512.0, 530.5]);
        let bad = dir.join("bad.csv");
        std::fs::write(&bad, "512\nabc\n").unwrap();
        let err = read_csv(&bad).unwrap_err().to_string();
        assert!(err.contains(":2: not a number"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
