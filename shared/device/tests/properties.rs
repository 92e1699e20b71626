//! Property tests: arbitrary messages round trip, arbitrary bytes never
//! panic the decoder, and frames survive any garbage between them. Plus a
//! seeded statistical test of garbage landing inside frames.

mod common;

use common::*;
use proptest::prelude::*;
use rig_device_protocol::legacy;
use rig_device_protocol::*;

fn light() -> impl Strategy<Value = LightState> {
    (any::<[u8; 5]>(), any::<bool>()).prop_map(|([r, g, b, w, brightness], on)| LightState {
        r,
        g,
        b,
        w,
        brightness,
        on,
    })
}

fn host_message() -> impl Strategy<Value = HostMessage> {
    prop_oneof![
        any::<u8>().prop_map(|protocol| HostMessage::Hello { protocol }),
        light().prop_map(HostMessage::SetLight),
    ]
}

fn device_message() -> impl Strategy<Value = DeviceMessage> {
    let hello = (any::<[u8; 4]>(), any::<bool>(), any::<bool>()).prop_map(
        |([protocol, major, minor, patch], rgbw, pulse_sensor)| {
            DeviceMessage::Hello(DeviceHello {
                protocol,
                firmware: FirmwareVersion {
                    major,
                    minor,
                    patch,
                },
                light_channels: if rgbw {
                    LightChannels::Rgbw
                } else {
                    LightChannels::Rgb
                },
                pulse_sensor,
            })
        },
    );
    let heart_rate = (any::<u16>(), 0..=MAX_QUALITY, any::<u32>(), any::<u16>()).prop_map(
        |(bpm_tenths, quality, beat_ms, interval_ms)| {
            DeviceMessage::HeartRate(HeartRate {
                bpm_tenths,
                quality,
                beat_ms,
                interval_ms,
            })
        },
    );
    let pulse = (
        any::<u32>(),
        proptest::collection::vec(any::<u16>(), 0..=MAX_PULSE_SAMPLES),
    )
        .prop_map(|(first_ms, samples)| {
            DeviceMessage::Pulse(Pulse {
                first_ms,
                samples: Samples::from_slice(&samples),
            })
        });
    prop_oneof![
        hello,
        heart_rate,
        pulse,
        light().prop_map(DeviceMessage::Light),
        (0..6u8).prop_map(|code| DeviceMessage::NoSignal(PulseIssue::from_code(code))),
        any::<u8>().prop_map(|code| DeviceMessage::Error {
            code: ErrorCode::from_code(code)
        }),
    ]
}

/// Garbage that cannot contain a frame start.
fn dollar_free_garbage() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>().prop_filter("no $", |&b| b != b'$'), 0..120)
}

/// Arbitrary garbage, with `$`, `*`, `,`, digits and line ends made common
/// so that it looks like broken frames.
fn frame_like_garbage() -> impl Strategy<Value = Vec<u8>> {
    const COMMON: &[u8] = b"$$*,\n\r0123456789.ABCDEFHILNPRST";
    let byte = any::<(u8, u8)>().prop_map(|(kind, byte)| {
        if kind % 2 == 0 {
            byte
        } else {
            COMMON[usize::from(byte) % COMMON.len()]
        }
    });
    proptest::collection::vec(byte, 0..120)
}

/// True when `wanted` appears in `got` in order (other items may sit
/// between them).
fn is_subsequence<T: PartialEq>(wanted: &[T], got: &[T]) -> bool {
    let mut got = got.iter();
    wanted.iter().all(|w| got.any(|g| g == w))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        // Integration tests have no lib.rs for proptest's regression files;
        // a failure prints its minimal input instead.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn host_messages_round_trip(message in host_message()) {
        let line = message.encode();
        prop_assert!(line.len() <= MAX_LINE);
        prop_assert_eq!(HostMessage::decode(line.as_bytes()), Ok(message));
    }

    #[test]
    fn device_messages_round_trip(message in device_message()) {
        let line = message.encode();
        prop_assert!(line.len() <= MAX_LINE);
        prop_assert_eq!(DeviceMessage::decode(line.as_bytes()), Ok(message));
        prop_assert_eq!(messages::<DeviceMessage>(line.as_bytes()), vec![message]);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut device = Decoder::<DeviceMessage>::new();
        let results = device.feed(&bytes).count() as u32;
        let stats = device.stats();
        prop_assert_eq!(stats.frames + stats.rejected, results);
        let mut host = Decoder::<HostMessage>::new();
        let _ = host.feed(&bytes).count();
        let _ = DeviceMessage::decode(&bytes);
        let _ = HostMessage::decode(&bytes);
        let _ = legacy::parse_bpm_line(&bytes);
        let _ = legacy::parse_light_line(&bytes);
    }

    #[test]
    fn frame_like_bytes_never_panic(bytes in frame_like_garbage()) {
        let _ = decode_all::<DeviceMessage>(&bytes);
        let _ = decode_all::<HostMessage>(&bytes);
        let _ = legacy::parse_bpm_line(&bytes);
    }

    /// `$`-free garbage between frames: every frame comes out, in order,
    /// and nothing else does.
    #[test]
    fn frames_between_dollar_free_garbage_all_decode(
        parts in proptest::collection::vec((dollar_free_garbage(), device_message()), 1..12),
        tail in dollar_free_garbage(),
    ) {
        let (stream, sent) = interleave(&parts, &tail);
        prop_assert_eq!(messages::<DeviceMessage>(&stream), sent);
    }

    /// Any garbage between frames, including broken frames: a frame's own
    /// `$` restarts the decoder, so every intact frame still comes out, in
    /// order. (The garbage could in principle hold a valid frame of its own,
    /// hence "subsequence".)
    #[test]
    fn frames_between_any_garbage_all_decode(
        parts in proptest::collection::vec((frame_like_garbage(), device_message()), 1..12),
        tail in frame_like_garbage(),
    ) {
        let (stream, sent) = interleave(&parts, &tail);
        let got = messages::<DeviceMessage>(&stream);
        prop_assert!(is_subsequence(&sent, &got), "sent {:?}\ngot {:?}", sent, got);
    }
}

/// xorshift32, so the statistical test is the same on every run.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        self.next() as usize % n
    }
}

/// Garbage bursts (1-8 random bytes) land inside 10% of 20 000 frames, at a
/// random place, inserted or overwriting. Every untouched frame must come
/// out; a hit frame may only come out unchanged (the burst fell where it is
/// harmless) or not at all, except at the CRC-8's 1-in-256 odds of missing a
/// multi-byte change that also happens to leave a well-formed frame.
#[test]
fn garbage_inside_frames_is_caught() {
    let samples = device_messages();
    let mut rng = Rng(0x9E37_79B9);
    let (mut intact, mut intact_decoded, mut hit, mut hit_wrong) = (0u32, 0u32, 0u32, 0u32);
    let mut decoder = Decoder::<DeviceMessage>::new();
    for _ in 0..20_000 {
        let message = samples[rng.below(samples.len())];
        let mut bytes = message.encode().as_bytes().to_vec();
        let corrupt = rng.below(10) == 0;
        if corrupt {
            let at = rng.below(bytes.len());
            let burst: Vec<u8> = (0..1 + rng.below(8)).map(|_| rng.next() as u8).collect();
            if rng.below(2) == 0 {
                bytes.splice(at..at, burst);
            } else {
                let end = (at + burst.len()).min(bytes.len());
                bytes.splice(at..end, burst);
            }
        }
        let got: Vec<_> = decoder.feed(&bytes).filter_map(Result::ok).collect();
        if corrupt {
            hit += 1;
            if got.iter().any(|m| *m != message) {
                hit_wrong += 1;
            }
        } else {
            intact += 1;
            if got.contains(&message) {
                intact_decoded += 1;
            }
        }
        // A burst can leave a frame open; the next frame's `$` closes it.
    }
    println!(
        "intact frames decoded: {intact_decoded}/{intact}; \
         hit frames decoded as something else: {hit_wrong}/{hit}"
    );
    // A burst may swallow the next frame's leading bytes only within its own
    // frame, so every untouched frame decodes.
    assert_eq!(intact_decoded, intact);
    assert!(
        f64::from(hit_wrong) / f64::from(hit) < 0.01,
        "{hit_wrong} of {hit} corrupted frames accepted as a different message"
    );
}

/// The garbage and frames of `parts` in order, then `tail`; and the
/// messages sent.
fn interleave(parts: &[(Vec<u8>, DeviceMessage)], tail: &[u8]) -> (Vec<u8>, Vec<DeviceMessage>) {
    let mut stream = Vec::new();
    for (garbage, message) in parts {
        stream.extend_from_slice(garbage);
        stream.extend_from_slice(message.encode().as_bytes());
    }
    stream.extend_from_slice(tail);
    (stream, parts.iter().map(|(_, m)| *m).collect())
}
