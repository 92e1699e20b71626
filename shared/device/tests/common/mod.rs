//! Helpers shared by the integration tests: sample messages and a frame
//! builder for hand-made (possibly invalid) payloads.
#![allow(dead_code)]

use rig_device_protocol::*;

pub const LIGHT: LightState = LightState {
    r: 255,
    g: 120,
    b: 0,
    w: 7,
    brightness: 200,
    on: true,
};

/// One of every host message, with ordinary and extreme values.
pub fn host_messages() -> Vec<HostMessage> {
    vec![
        HostMessage::hello(),
        HostMessage::Hello { protocol: 255 },
        HostMessage::SetLight(LIGHT),
        HostMessage::SetLight(LightState::default()),
        HostMessage::SetLight(LightState {
            r: 255,
            g: 255,
            b: 255,
            w: 255,
            brightness: 255,
            on: true,
        }),
    ]
}

/// One of every device message, with ordinary and extreme values.
pub fn device_messages() -> Vec<DeviceMessage> {
    let hello = DeviceHello {
        protocol: PROTOCOL_VERSION,
        firmware: FirmwareVersion {
            major: 0,
            minor: 1,
            patch: 0,
        },
        light_channels: LightChannels::Rgbw,
        pulse_sensor: true,
    };
    vec![
        DeviceMessage::Hello(hello),
        DeviceMessage::Hello(DeviceHello {
            protocol: 255,
            firmware: FirmwareVersion {
                major: 255,
                minor: 255,
                patch: 255,
            },
            light_channels: LightChannels::Rgb,
            pulse_sensor: false,
        }),
        DeviceMessage::HeartRate(HeartRate {
            bpm_tenths: 724,
            quality: 93,
            beat_ms: 123_456,
            interval_ms: 830,
        }),
        DeviceMessage::HeartRate(HeartRate {
            bpm_tenths: 0,
            quality: 0,
            beat_ms: 0,
            interval_ms: 0,
        }),
        DeviceMessage::HeartRate(HeartRate {
            bpm_tenths: u16::MAX,
            quality: 100,
            beat_ms: u32::MAX,
            interval_ms: u16::MAX,
        }),
        DeviceMessage::Pulse(Pulse {
            first_ms: 123_400,
            samples: Samples::from_slice(&[512, 530, 601, 688, 702, 650, 590, 545, 520, 511]),
        }),
        DeviceMessage::Pulse(Pulse {
            first_ms: u32::MAX,
            samples: Samples::from_slice(&[u16::MAX; MAX_PULSE_SAMPLES]),
        }),
        DeviceMessage::Pulse(Pulse {
            first_ms: 5,
            samples: Samples::from_slice(&[0]),
        }),
        DeviceMessage::Pulse(Pulse {
            first_ms: 5,
            samples: Samples::new(),
        }),
        DeviceMessage::Light(LIGHT),
        DeviceMessage::Light(LightState::default()),
        DeviceMessage::NoSignal(PulseIssue::Lost),
        DeviceMessage::NoSignal(PulseIssue::Saturated),
        DeviceMessage::Error {
            code: ErrorCode::BadFrame,
        },
        DeviceMessage::Error {
            code: ErrorCode::UnsupportedVersion,
        },
        DeviceMessage::Error {
            code: ErrorCode::SensorFault,
        },
        DeviceMessage::Error {
            code: ErrorCode::Other(200),
        },
    ]
}

/// `$payload*CC\r\n` with the right checksum, whatever the payload says.
pub fn frame(payload: &str) -> Vec<u8> {
    format!("${payload}*{:02X}\r\n", crc8(payload.as_bytes())).into_bytes()
}

/// Everything a decoder makes of `bytes`, fed one byte at a time.
pub fn decode_all<M: Message>(bytes: &[u8]) -> Vec<Result<M, DecodeError>> {
    let mut decoder = Decoder::<M>::new();
    bytes.iter().filter_map(|&b| decoder.push(b)).collect()
}

/// Only the messages a decoder makes of `bytes`.
pub fn messages<M: Message>(bytes: &[u8]) -> Vec<M> {
    decode_all(bytes)
        .into_iter()
        .filter_map(Result::ok)
        .collect()
}
