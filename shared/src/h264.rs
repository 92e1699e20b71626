//! Just enough of H.264's Annex B byte stream for the live view: split an
//! access unit into its NAL units, tell key frames, and read the codec
//! string (`avc1.PPCCLL`) a WebCodecs decoder is configured with from the
//! sequence parameter set that every key frame carries in-band. Never
//! panics on foreign input.

/// NAL unit type of an IDR (key frame) slice.
pub const NAL_IDR: u8 = 5;
/// NAL unit type of a sequence parameter set.
pub const NAL_SPS: u8 = 7;

/// The NAL units of an Annex B access unit, without their start codes.
pub fn nal_units(access_unit: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = access_unit;
    // Skip to the first start code.
    match find_start(rest) {
        Some((at, len)) => rest = &rest[at + len..],
        None => rest = &[],
    }
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (unit, next) = match find_start(rest) {
            Some((at, len)) => (&rest[..at], &rest[at + len..]),
            None => (rest, &[][..]),
        };
        rest = next;
        Some(unit)
    })
    .filter(|unit| !unit.is_empty())
}

/// Where the next start code (`00 00 01` or `00 00 00 01`) begins, and its
/// length.
fn find_start(bytes: &[u8]) -> Option<(usize, usize)> {
    let at = bytes.windows(3).position(|w| w == [0, 0, 1])?;
    if at > 0 && bytes[at - 1] == 0 {
        Some((at - 1, 4))
    } else {
        Some((at, 3))
    }
}

/// The type of a NAL unit (its low five bits).
pub fn nal_type(unit: &[u8]) -> Option<u8> {
    unit.first().map(|b| b & 0x1f)
}

/// Whether the access unit holds a picture (a coded slice, NAL types 1
/// to 5), not only parameter sets or other headers.
pub fn has_picture(access_unit: &[u8]) -> bool {
    nal_units(access_unit).any(|unit| nal_type(unit).is_some_and(|t| (1..=5).contains(&t)))
}

/// Whether the access unit holds an IDR slice (decodes on its own).
pub fn is_key_frame(access_unit: &[u8]) -> bool {
    nal_units(access_unit).any(|unit| nal_type(unit) == Some(NAL_IDR))
}

/// The WebCodecs codec string (`avc1.` then profile, constraint flags and
/// level as six hex digits) from the access unit's sequence parameter
/// set; `None` when it carries none.
pub fn codec_string(access_unit: &[u8]) -> Option<String> {
    let sps = nal_units(access_unit).find(|unit| nal_type(unit) == Some(NAL_SPS))?;
    let [profile, constraints, level] = *sps.get(1..4)? else {
        return None;
    };
    Some(format!("avc1.{profile:02x}{constraints:02x}{level:02x}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A constrained-baseline level 3.1 key frame's head: SPS, PPS, IDR.
    const KEY: &[u8] = &[
        0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0xda, // SPS
        0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80, // PPS
        0, 0, 1, 0x65, 0x88, 0x84, // IDR slice
    ];

    #[test]
    fn units_types_and_codec_of_a_key_frame() {
        let types: Vec<u8> = nal_units(KEY).filter_map(nal_type).collect();
        assert_eq!(types, vec![7, 8, 5]);
        assert!(is_key_frame(KEY));
        assert!(has_picture(KEY));
        assert!(!has_picture(&KEY[..17]), "parameter sets alone");
        assert_eq!(codec_string(KEY).as_deref(), Some("avc1.42c01f"));
    }

    #[test]
    fn a_delta_frame_has_no_codec_and_is_no_key() {
        let delta = [0, 0, 0, 1, 0x41, 0x9a, 0x02];
        assert!(!is_key_frame(&delta));
        assert_eq!(codec_string(&delta), None);
    }

    #[test]
    fn garbage_never_panics() {
        let mut state = 7u32;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    // Plenty of zeros, so start codes turn up.
                    if state >> 30 == 0 {
                        0
                    } else {
                        (state >> 23) as u8
                    }
                })
                .collect();
            let _ = codec_string(&bytes);
            let _ = is_key_frame(&bytes);
            let _: Vec<_> = nal_units(&bytes).collect();
        }
        assert_eq!(codec_string(&[0, 0, 1, 0x67]), None);
    }
}
