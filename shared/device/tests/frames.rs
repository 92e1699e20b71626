//! Deterministic tests of the frame format and the streaming decoder:
//! round trips, the documented examples, corruption, truncation, over-long
//! lines, resynchronisation and version detection.

mod common;

use common::*;
use rig_device_protocol::*;

fn assert_round_trip<M: Message + PartialEq + core::fmt::Debug + Copy>(message: M) {
    let line = message.encode();
    assert!(line.len() <= MAX_LINE, "{line:?} is {} bytes", line.len());
    assert!(line.as_str().starts_with('$') && line.as_str().ends_with("\r\n"));
    assert_eq!(M::decode(line.as_bytes()), Ok(message), "{line:?}");
    // Without the line end, and with `\n` only.
    let text = line.as_str().trim_end();
    assert_eq!(M::decode(text.as_bytes()), Ok(message));
    assert_eq!(M::decode(format!("{text}\n").as_bytes()), Ok(message));
    // Streaming, byte by byte and as one slice.
    assert_eq!(decode_all::<M>(line.as_bytes()), vec![Ok(message)]);
    let mut decoder = Decoder::<M>::new();
    let fed: Vec<_> = decoder.feed(line.as_bytes()).collect();
    assert_eq!(fed, vec![Ok(message)]);
    // Into a caller's buffer, exact size and too small.
    let mut buf = [0u8; MAX_LINE];
    assert_eq!(message.encode_into(&mut buf), Ok(line.len()));
    assert_eq!(&buf[..line.len()], line.as_bytes());
    assert_eq!(
        message.encode_into(&mut buf[..line.len() - 1]),
        Err(BufferTooSmall { needed: line.len() })
    );
}

#[test]
fn every_message_round_trips() {
    for message in host_messages() {
        assert_round_trip(message);
    }
    for message in device_messages() {
        assert_round_trip(message);
    }
}

#[test]
fn largest_frame_fits_the_limit() {
    let longest = device_messages()
        .iter()
        .map(|m| m.encode().len())
        .max()
        .unwrap_or(0);
    assert_eq!(longest, 79, "a full Pulse with maximal values");
}

#[test]
fn documented_examples_decode() {
    let light = LightState {
        r: 255,
        g: 120,
        b: 0,
        w: 0,
        brightness: 200,
        on: true,
    };
    let host = [
        ("$HI,1*52", HostMessage::Hello { protocol: 1 }),
        ("$SL,255,120,0,0,200,1*B7", HostMessage::SetLight(light)),
    ];
    for (text, message) in host {
        assert_eq!(HostMessage::decode(text.as_bytes()), Ok(message), "{text}");
        assert_eq!(message.encode().as_str(), format!("{text}\r\n"));
    }
    let device = [
        (
            "$HI,1,0.1.0,4,1*0D",
            DeviceMessage::Hello(DeviceHello {
                protocol: 1,
                firmware: FirmwareVersion {
                    major: 0,
                    minor: 1,
                    patch: 0,
                },
                light_channels: LightChannels::Rgbw,
                pulse_sensor: true,
            }),
        ),
        (
            "$HR,72.4,93,123456,830*5A",
            DeviceMessage::HeartRate(HeartRate {
                bpm_tenths: 724,
                quality: 93,
                beat_ms: 123_456,
                interval_ms: 830,
            }),
        ),
        (
            "$PL,123400,512,530,601,688,702,650,590,545,520,511*56",
            DeviceMessage::Pulse(Pulse {
                first_ms: 123_400,
                samples: Samples::from_slice(&[512, 530, 601, 688, 702, 650, 590, 545, 520, 511]),
            }),
        ),
        ("$LT,255,120,0,0,200,1*3B", DeviceMessage::Light(light)),
        ("$NS,1*03", DeviceMessage::NoSignal(PulseIssue::NoFinger)),
        (
            "$ER,1*E2",
            DeviceMessage::Error {
                code: ErrorCode::BadFrame,
            },
        ),
    ];
    for (text, message) in device {
        assert_eq!(
            DeviceMessage::decode(text.as_bytes()),
            Ok(message),
            "{text}"
        );
        assert_eq!(message.encode().as_str(), format!("{text}\r\n"));
    }
}

/// Every possible value of every single byte of every sample frame, followed
/// by an intact frame: the corrupted frame is refused (its message never
/// comes out, and no other message does), except where the change is
/// harmless (`\r` turned into `\n`: the same frame, then an empty line),
/// and the intact frame after it always decodes.
fn check_single_byte_corruptions<M>(messages: &[M]) -> (usize, usize)
where
    M: Message + PartialEq + core::fmt::Debug + Copy,
{
    let (mut refused, mut harmless) = (0, 0);
    for (index, &message) in messages.iter().enumerate() {
        let sentinel = messages[(index + 1) % messages.len()];
        let line = message.encode();
        let original = line.as_bytes();
        for position in 0..original.len() {
            for value in 0..=255u8 {
                if value == original[position] {
                    continue;
                }
                let mut stream = original.to_vec();
                stream[position] = value;
                let alone = M::decode(&stream);
                stream.extend_from_slice(sentinel.encode().as_bytes());
                let got = messages_of::<M>(&stream);
                assert_eq!(got.last(), Some(&sentinel), "sentinel lost: {stream:?}");
                let before = &got[..got.len() - 1];
                if before.is_empty() {
                    refused += 1;
                    assert!(alone.is_err() || value == b'\n', "{stream:?}: {alone:?}");
                } else {
                    assert_eq!(before, &[message], "{stream:?}");
                    assert_eq!((original[position], value), (b'\r', b'\n'));
                    harmless += 1;
                }
            }
        }
    }
    (refused, harmless)
}

fn messages_of<M: Message>(bytes: &[u8]) -> Vec<M> {
    messages(bytes)
}

#[test]
fn every_single_byte_corruption_is_refused_or_harmless() {
    fn variants<M: Message>(messages: &[M]) -> usize {
        messages.iter().map(|m| m.encode().len() * 255).sum()
    }
    let hosts = host_messages();
    let (refused, harmless) = check_single_byte_corruptions(&hosts);
    assert_eq!(harmless, hosts.len());
    assert_eq!(refused + harmless, variants(&hosts));
    let devices = device_messages();
    let (refused, harmless) = check_single_byte_corruptions(&devices);
    assert_eq!(harmless, devices.len());
    assert_eq!(refused + harmless, variants(&devices));
    println!("{refused} corrupted device frames refused, {harmless} harmless");
}

#[test]
fn truncated_frames_are_refused() {
    for message in device_messages() {
        let line = message.encode();
        let bytes = line.as_bytes();
        let next = DeviceMessage::NoSignal(PulseIssue::Movement).encode();
        // Cut before the `\r\n`: a line end right after the cut, or the next
        // frame's `$`, ends it.
        for cut in 0..bytes.len() - 2 {
            let mut with_line_end = bytes[..cut].to_vec();
            with_line_end.push(b'\n');
            assert!(
                DeviceMessage::decode(&with_line_end).is_err(),
                "{with_line_end:?}"
            );
            assert!(messages::<DeviceMessage>(&with_line_end).is_empty());

            let mut with_next = bytes[..cut].to_vec();
            with_next.extend_from_slice(next.as_bytes());
            let decoded = decode_all::<DeviceMessage>(&with_next);
            let expected_error = cut > 0; // an empty cut leaves no partial frame
            assert_eq!(
                decoded,
                if expected_error {
                    vec![
                        Err(DecodeError::Interrupted),
                        Ok(DeviceMessage::NoSignal(PulseIssue::Movement)),
                    ]
                } else {
                    vec![Ok(DeviceMessage::NoSignal(PulseIssue::Movement))]
                },
                "{with_next:?}"
            );
        }
    }
}

#[test]
fn line_length_limit_is_exact() {
    // A host Hello may carry extra fields: pad one to an exact length.
    let padded = |total: usize, line_end: &str| {
        let fixed = "$HI,1,".len() + "*CC".len() + line_end.len();
        let payload = format!("HI,1,{}", "7".repeat(total - fixed));
        let mut line = format!("${payload}*{:02X}{line_end}", crc8(payload.as_bytes()));
        assert_eq!(line.len(), total);
        line.truncate(total);
        line.into_bytes()
    };
    let hello = HostMessage::Hello { protocol: 1 };
    for end in ["\n", "\r\n"] {
        let fits = padded(MAX_LINE, end);
        assert_eq!(HostMessage::decode(&fits), Ok(hello));
        assert_eq!(decode_all::<HostMessage>(&fits), vec![Ok(hello)]);
        let long = padded(MAX_LINE + 1, end);
        assert_eq!(HostMessage::decode(&long), Err(DecodeError::TooLong));
        assert_eq!(
            decode_all::<HostMessage>(&long),
            vec![Err(DecodeError::TooLong)]
        );
    }
}

#[test]
fn over_long_lines_are_refused_and_the_next_frame_decodes() {
    let mut stream = b"$HR,".to_vec();
    stream.extend(std::iter::repeat_n(b'7', 500));
    stream.extend_from_slice(b"\r\n");
    stream.extend_from_slice(
        DeviceMessage::NoSignal(PulseIssue::Movement)
            .encode()
            .as_bytes(),
    );
    let mut decoder = Decoder::<DeviceMessage>::new();
    let got: Vec<_> = decoder.feed(&stream).collect();
    assert_eq!(
        got,
        vec![
            Err(DecodeError::TooLong),
            Ok(DeviceMessage::NoSignal(PulseIssue::Movement))
        ]
    );
    let stats = decoder.stats();
    assert_eq!((stats.frames, stats.rejected), (1, 1));
    // `$`, 78 bytes kept, the one too many; the rest is skipped.
    assert_eq!(stats.skipped_bytes as usize, 500 + 4 + 2 - MAX_LINE);
}

#[test]
fn resynchronises_after_garbage() {
    let mut rng = 0x1234_5678_u32;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        rng
    };
    let frames = device_messages();
    let mut stream = Vec::new();
    for message in &frames {
        for _ in 0..next() % 200 {
            stream.push(next() as u8);
        }
        // A newline ends any frame the garbage may have opened with a `$`
        // in it... or not: the frame's own `$` restarts the decoder anyway.
        stream.extend_from_slice(message.encode().as_bytes());
    }
    let mut decoder = Decoder::<DeviceMessage>::new();
    let got: Vec<_> = decoder.feed(&stream).filter_map(Result::ok).collect();
    assert_eq!(got, frames);
    assert_eq!(decoder.stats().frames as usize, frames.len());
}

#[test]
fn garbage_and_legacy_lines_are_skipped_and_counted() {
    let mut stream = b"72\r\n73\r\nHeart-Beat Found\r\n".to_vec();
    stream.extend_from_slice(
        DeviceMessage::NoSignal(PulseIssue::Movement)
            .encode()
            .as_bytes(),
    );
    stream.extend_from_slice(b"$$HR,1*00\r\n$HR,\x00\r\n");
    let mut decoder = Decoder::<DeviceMessage>::new();
    let got: Vec<_> = decoder.feed(&stream).collect();
    assert_eq!(
        got,
        vec![
            Ok(DeviceMessage::NoSignal(PulseIssue::Movement)),
            Err(DecodeError::Interrupted),
            Err(DecodeError::BadChecksum {
                expected: crc8(b"HR,1"),
                found: 0
            }),
            Err(DecodeError::InvalidByte),
        ]
    );
    assert_eq!(
        decoder.stats(),
        Stats {
            frames: 1,
            rejected: 3,
            skipped_bytes: 26 + 2, // the legacy lines, then "\r\n" after the NUL
        }
    );
}

#[test]
fn typed_errors_for_bad_fields_and_tags() {
    use DecodeError::*;
    let cases: &[(&str, DecodeError)] = &[
        ("XX", UnknownTag),
        ("", UnknownTag),
        ("SL,1,2,3,4,5,1", UnknownTag), // a host tag in the device direction
        ("NS,", BadField { index: 0 }),
        ("NS,1,2", WrongFieldCount),
        ("HR,72.4,93,1,65536", BadField { index: 3 }),
        ("ER", WrongFieldCount),
        ("ER,1,2", WrongFieldCount),
        ("ER,256", BadField { index: 0 }),
        ("HR,72.4,93", WrongFieldCount),
        ("HR,72.45,93,1", BadField { index: 0 }),
        ("HR,72.,93,1", BadField { index: 0 }),
        ("HR,-72.4,93,1", BadField { index: 0 }),
        ("HR,72.4,101,1", BadField { index: 1 }),
        ("HR,72.4,93,4294967296", BadField { index: 2 }),
        ("HR,72.4, 93,1", BadField { index: 1 }),
        ("HR,72.4,+93,1", BadField { index: 1 }),
        ("LT,1,2,3,4,5,2", BadField { index: 5 }),
        ("LT,1,2,3,4,256,1", BadField { index: 4 }),
        ("LT,1,2,3,4,5", WrongFieldCount),
        ("HI,1,0.1,4,1", BadField { index: 1 }),
        ("HI,1,0.1.0.0,4,1", BadField { index: 1 }),
        ("HI,1,0.1.0,5,1", BadField { index: 2 }),
        ("HI,1,0.1.0,4", WrongFieldCount),
        ("PL,1,2,3,4,5,6,7,8,9,10,11,12", WrongFieldCount),
        ("PL,1,65536", BadField { index: 1 }),
        ("PL,1,", BadField { index: 1 }),
        ("PL", WrongFieldCount),
    ];
    for (payload, error) in cases {
        let line = frame(payload);
        assert_eq!(DeviceMessage::decode(&line), Err(*error), "{payload}");
        assert_eq!(decode_all::<DeviceMessage>(&line), vec![Err(*error)]);
    }
    assert_eq!(HostMessage::decode(&frame("HR,72.4,93,1")), Err(UnknownTag));
    assert_eq!(
        HostMessage::decode(&frame("SL,1,2,3,4,5,1,0")),
        Err(WrongFieldCount)
    );
    // Checksum spelling: upper-case hex only, right where the frame ends.
    assert_eq!(HostMessage::decode(b"$HI,1*52"), Ok(HostMessage::hello()));
    assert_eq!(HostMessage::decode(b"$HI,1*5"), Err(MissingChecksum));
    assert_eq!(HostMessage::decode(b"$HI,1"), Err(MissingChecksum));
    assert_eq!(HostMessage::decode(b"$HI,1*5G"), Err(MalformedChecksum));
    assert_eq!(
        HostMessage::decode(b"$HI,1*53"),
        Err(BadChecksum {
            expected: 0x52,
            found: 0x53
        })
    );
    assert_eq!(HostMessage::decode(b"$HI,1*52 "), Err(MissingChecksum));
    assert_eq!(HostMessage::decode(b"HI,1*52"), Err(NoStart));
    assert_eq!(HostMessage::decode(b"$HI,\x801*52"), Err(InvalidByte));
    assert_eq!(HostMessage::decode(b"$HI,$1*52"), Err(Interrupted));
}

#[test]
fn lower_case_checksum_is_refused() {
    let line = DeviceMessage::HeartRate(HeartRate {
        bpm_tenths: 724,
        quality: 93,
        beat_ms: 123_456,
        interval_ms: 830,
    })
    .encode();
    assert_eq!(line.as_str(), "$HR,72.4,93,123456,830*5A\r\n");
    assert_eq!(
        DeviceMessage::decode(b"$HR,72.4,93,123456,830*5a"),
        Err(DecodeError::MalformedChecksum)
    );
}

#[test]
fn whole_bpm_is_accepted_from_a_hand_typed_frame() {
    assert_eq!(
        DeviceMessage::decode(&frame("HR,72,93,1")),
        Ok(DeviceMessage::HeartRate(HeartRate {
            bpm_tenths: 720,
            quality: 93,
            beat_ms: 1,
            interval_ms: 0,
        }))
    );
}

#[test]
fn frames_of_the_first_boards_still_decode() {
    // Before beat intervals and no-signal reasons were sent.
    assert_eq!(
        DeviceMessage::decode(b"$HR,72.4,93,123456*ED"),
        Ok(DeviceMessage::HeartRate(HeartRate {
            bpm_tenths: 724,
            quality: 93,
            beat_ms: 123_456,
            interval_ms: 0,
        }))
    );
    assert_eq!(
        DeviceMessage::decode(b"$NS*33"),
        Ok(DeviceMessage::NoSignal(PulseIssue::Lost))
    );
    // A reason from a newer board that this one does not know.
    assert_eq!(
        DeviceMessage::decode(&frame("NS,99")),
        Ok(DeviceMessage::NoSignal(PulseIssue::Lost))
    );
    assert_eq!(
        DeviceMessage::decode(&frame("HR,72.4,93,1,830,5")),
        Err(DecodeError::WrongFieldCount)
    );
}

#[test]
fn version_mismatch_is_detected_on_both_sides() {
    assert_eq!(check_version(PROTOCOL_VERSION), Ok(()));
    assert_eq!(
        check_version(2),
        Err(VersionMismatch {
            ours: PROTOCOL_VERSION,
            theirs: 2
        })
    );
    // A board of a later version, whose Hello has grown a field, is still
    // identified as that version.
    let Ok(DeviceMessage::Hello(hello)) = DeviceMessage::decode(&frame("HI,2,1.0.0,4,1,57600"))
    else {
        panic!("a newer Hello must decode");
    };
    assert_eq!(hello.protocol, 2);
    assert!(hello.check_version().is_err());
    assert_eq!(
        HostMessage::decode(&frame("HI,2,extra")),
        Ok(HostMessage::Hello { protocol: 2 })
    );
}

#[test]
fn error_codes_round_trip() {
    for code in 0..=255u8 {
        assert_eq!(ErrorCode::from_code(code).code(), code);
    }
}

#[test]
fn samples_hold_at_most_ten() {
    let mut samples = Samples::new();
    for value in 0..MAX_PULSE_SAMPLES as u16 {
        assert_eq!(samples.push(value), Ok(()));
    }
    assert!(samples.is_full());
    assert_eq!(samples.push(99), Err(99));
    assert_eq!(Samples::from_slice(&[1; 20]).len(), MAX_PULSE_SAMPLES);
    let mut a = Samples::from_slice(&[1, 2, 3]);
    let b = Samples::from_slice(&[1, 2]);
    assert_ne!(a, b);
    a.clear();
    assert!(a.is_empty());
}
