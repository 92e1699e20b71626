//! Counting the frames in a recording: the recorder writes fragmented MP4
//! (`mp4mux` with one fragment a second), so the samples are listed in
//! each fragment's track runs (`moof/traf/trun`), with their durations
//! there or as defaults (`tfhd`, `moov/mvex/trex`); a plain MP4's sample
//! table (`stts`) is read too. The time span the samples cover, at the
//! camera's frame rate, says how many frames the file should hold: a
//! dropped frame lengthens the previous sample instead of shortening the
//! file. Never panics on a foreign or truncated file.

/// The video samples of a file and the time they span.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Samples {
    /// Samples (frames) in the file.
    pub count: u64,
    /// Seconds from the first sample's start to the last one's end.
    pub span_s: f64,
}

/// Reads the samples of a one-track MP4; `None` when it has none or is
/// not an MP4.
pub fn samples(file: &[u8]) -> Option<Samples> {
    let moov = child(file, b"moov")?;
    let trak = child(moov, b"trak")?;
    let timescale = timescale(child(child(trak, b"mdia")?, b"mdhd")?)?;
    let trex_duration = child(moov, b"mvex")
        .and_then(|mvex| child(mvex, b"trex"))
        .and_then(|trex| u32_at(trex, 12));
    let (mut count, mut ticks) = (0u64, 0u64);
    let stts = ["mdia", "minf", "stbl", "stts"]
        .iter()
        .try_fold(trak, |data, name| child(data, name.as_bytes()));
    if let Some(stts) = stts {
        let entries = u32_at(stts, 4).unwrap_or(0) as usize;
        for i in 0..entries {
            let (n, delta) = (u32_at(stts, 8 + i * 8)?, u32_at(stts, 12 + i * 8)?);
            count += u64::from(n);
            ticks += u64::from(n) * u64::from(delta);
        }
    }
    for moof in boxes(file).filter(|(kind, _)| kind == b"moof") {
        for traf in boxes(moof.1).filter(|(kind, _)| kind == b"traf") {
            let default = child(traf.1, b"tfhd")
                .and_then(tfhd_duration)
                .or(trex_duration);
            for trun in boxes(traf.1).filter(|(kind, _)| kind == b"trun") {
                let (n, duration) = trun_samples(trun.1, default)?;
                count += n;
                ticks += duration;
            }
        }
    }
    (count > 0 && timescale > 0).then(|| Samples {
        count,
        span_s: ticks as f64 / f64::from(timescale),
    })
}

/// The boxes in `data`, as (type, body); ends at the first malformed one.
fn boxes(data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut rest = data;
    std::iter::from_fn(move || {
        let size = u32_at(rest, 0)? as usize;
        let kind: [u8; 4] = rest.get(4..8)?.try_into().ok()?;
        let (start, end) = match size {
            0 => (8, rest.len()),
            1 => (16, usize::try_from(u64_at(rest, 8)?).ok()?),
            n => (8, n),
        };
        let body = rest.get(start..end)?;
        rest = rest.get(end..)?;
        Some((kind, body))
    })
}

/// The body of the first box of type `kind` in `data`.
fn child<'a>(data: &'a [u8], kind: &[u8]) -> Option<&'a [u8]> {
    boxes(data).find(|(k, _)| k == kind).map(|(_, body)| body)
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(data.get(at..at + 8)?.try_into().ok()?))
}

/// A full box's 24 flag bits.
fn flags(body: &[u8]) -> Option<u32> {
    Some(u32_at(body, 0)? & 0x00ff_ffff)
}

/// `mdhd`: the media timescale (ticks per second).
fn timescale(mdhd: &[u8]) -> Option<u32> {
    match mdhd.first()? {
        1 => u32_at(mdhd, 20),
        _ => u32_at(mdhd, 12),
    }
}

/// `tfhd`: the default sample duration, when it sets one.
fn tfhd_duration(tfhd: &[u8]) -> Option<u32> {
    let flags = flags(tfhd)?;
    if flags & 0x08 == 0 {
        return None;
    }
    // After the track id: base data offset (8), description index (4).
    let mut at = 8;
    if flags & 0x01 != 0 {
        at += 8;
    }
    if flags & 0x02 != 0 {
        at += 4;
    }
    u32_at(tfhd, at)
}

/// `trun`: its sample count and their total duration in ticks.
fn trun_samples(trun: &[u8], default: Option<u32>) -> Option<(u64, u64)> {
    let flags = flags(trun)?;
    let count = u32_at(trun, 4)?;
    let mut at = 8;
    if flags & 0x01 != 0 {
        at += 4; // data offset
    }
    if flags & 0x04 != 0 {
        at += 4; // first sample's flags
    }
    let per_sample = [0x100, 0x200, 0x400, 0x800]
        .iter()
        .filter(|&&bit| flags & bit != 0)
        .count()
        * 4;
    let duration = if flags & 0x100 != 0 {
        let mut total = 0u64;
        for i in 0..count as usize {
            total += u64::from(u32_at(trun, at + i * per_sample)?);
        }
        total
    } else {
        u64::from(count) * u64::from(default.unwrap_or(0))
    };
    Some((u64::from(count), duration))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    fn full(flags: u32, rest: &[u32]) -> Vec<u8> {
        let mut out = flags.to_be_bytes().to_vec();
        for v in rest {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out
    }

    /// A fragmented file: timescale 90000, trex default 3000, one fragment
    /// with per-sample durations and one using the default.
    fn fragmented() -> Vec<u8> {
        let mdhd = full(0, &[0, 0, 90_000, 0]);
        let trak = boxed(b"trak", &boxed(b"mdia", &boxed(b"mdhd", &mdhd)));
        let trex = boxed(b"trex", &full(0, &[1, 1, 3000, 0, 0]));
        let mut moov = trak;
        moov.extend(boxed(b"mvex", &trex));
        let mut file = boxed(b"ftyp", b"isom");
        file.extend(boxed(b"moov", &moov));
        // Durations and sizes per sample, with a data offset.
        let trun = full(0x301, &[3, 0, 3000, 10, 6000, 10, 3000, 10]);
        let traf = boxed(
            b"traf",
            &[boxed(b"tfhd", &full(0, &[1])), boxed(b"trun", &trun)].concat(),
        );
        file.extend(boxed(b"moof", &traf));
        file.extend(boxed(b"mdat", &[0; 30]));
        let trun = full(0x200, &[2, 10, 10]);
        let traf = boxed(
            b"traf",
            &[boxed(b"tfhd", &full(0, &[1])), boxed(b"trun", &trun)].concat(),
        );
        file.extend(boxed(b"moof", &traf));
        file
    }

    #[test]
    fn fragments_are_counted_with_their_durations() {
        let got = samples(&fragmented());
        // 3 + 2 samples over 12000 + 6000 ticks at 90 kHz.
        assert_eq!(
            got,
            Some(Samples {
                count: 5,
                span_s: 0.2
            })
        );
    }

    #[test]
    fn a_plain_sample_table_is_counted() {
        let mdhd = boxed(b"mdhd", &full(0, &[0, 0, 1000, 0]));
        let stts = boxed(b"stts", &full(0, &[2, 10, 33, 5, 34]));
        let stbl = boxed(b"stbl", &stts);
        let mdia = boxed(b"mdia", &[mdhd, boxed(b"minf", &stbl)].concat());
        let file = boxed(b"moov", &boxed(b"trak", &mdia));
        let got = samples(&file).map(|s| (s.count, (s.span_s * 1000.0).round()));
        assert_eq!(got, Some((15, 500.0)));
    }

    #[test]
    fn truncated_and_foreign_files_never_panic() {
        let file = fragmented();
        for len in 0..file.len() {
            let _ = samples(&file[..len]);
        }
        assert_eq!(samples(b"not an mp4 at all"), None);
    }
}
