//! The board logic end to end on protocol messages: handshake, light
//! commands, decimated pulse stream, heart rate and no-signal reports.

use rig_device_protocol::*;
use rig_firmware_core::light::Pixel;
use rig_firmware_core::synth::{Ppg, PpgConfig};
use rig_firmware_core::{Device, DeviceConfig};

const CONFIG: DeviceConfig = DeviceConfig {
    firmware: FirmwareVersion {
        major: 1,
        minor: 2,
        patch: 3,
    },
    light_channels: LightChannels::Rgbw,
    pulse_sensor: true,
};

#[test]
fn hello_answers_with_identity_and_light() {
    let mut device = Device::new(CONFIG);
    let replies: Vec<_> = device.handle(&HostMessage::hello()).collect();
    let DeviceMessage::Hello(hello) = replies[0] else {
        panic!("{replies:?}");
    };
    assert_eq!(hello.protocol, PROTOCOL_VERSION);
    assert_eq!(hello.firmware, CONFIG.firmware);
    assert_eq!(hello.light_channels, LightChannels::Rgbw);
    assert!(hello.pulse_sensor);
    assert_eq!(hello.check_version(), Ok(()));
    assert_eq!(replies[1], DeviceMessage::Light(device.light()));
    assert_eq!(replies.len(), 2);
}

#[test]
fn hello_of_another_version_is_flagged() {
    let mut device = Device::new(CONFIG);
    let replies: Vec<_> = device.handle(&HostMessage::Hello { protocol: 2 }).collect();
    assert_eq!(replies.len(), 3);
    assert_eq!(
        replies[2],
        DeviceMessage::Error {
            code: ErrorCode::UnsupportedVersion
        }
    );
}

#[test]
fn set_light_changes_the_pixel_and_is_acknowledged() {
    let mut device = Device::new(DeviceConfig {
        light_channels: LightChannels::Rgb,
        ..CONFIG
    });
    assert_eq!(device.pixel(), Pixel::default());
    let state = LightState {
        r: 255,
        g: 0,
        b: 0,
        w: 100,
        brightness: 51,
        on: true,
    };
    let replies: Vec<_> = device.handle(&HostMessage::SetLight(state)).collect();
    assert_eq!(replies, vec![DeviceMessage::Light(state)]);
    assert_eq!(
        device.pixel(),
        Pixel {
            r: 51,
            g: 20,
            b: 20,
            w: 0
        }
    );
    let off = LightState { on: false, ..state };
    let _ = device.handle(&HostMessage::SetLight(off));
    assert_eq!(device.pixel(), Pixel::default());
    assert_eq!(device.light(), off);
}

#[test]
fn frames_in_replies_out() {
    // The whole board loop as the firmware runs it: bytes to decoder to
    // device to encoded replies.
    let mut device = Device::new(CONFIG);
    let mut decoder = Decoder::<HostMessage>::new();
    let input = b"noise$HI,1*52\r\n$SL,255,120,0,0,200,1*B7\r\n$SL,1*00\r\n";
    let mut output = Vec::new();
    for frame in decoder.feed(input) {
        match frame {
            Ok(message) => {
                for reply in device.handle(&message) {
                    output.extend_from_slice(reply.encode().as_bytes());
                }
            }
            Err(error) => output.extend_from_slice(device.bad_frame(error).encode().as_bytes()),
        }
    }
    let text = String::from_utf8(output).unwrap_or_default();
    assert_eq!(
        text,
        "$HI,1,1.2.3,4,1*B4\r\n$LT,0,0,0,255,128,0*56\r\n$LT,255,120,0,0,200,1*3B\r\n$ER,1*E2\r\n",
    );
}

#[test]
fn samples_become_pulses_heart_rates_and_no_signal() {
    let mut device = Device::new(CONFIG);
    let mut ppg = Ppg::new(PpgConfig::at_bpm(72.0), 5);
    let mut pulses = Vec::new();
    let mut rates = Vec::new();
    let mut no_signal = Vec::new();
    let mut raw_sum = 0u32;
    for i in 0..30 * 500u32 {
        let now = ppg.now_ms();
        let raw = ppg.next_sample();
        if i < 10 {
            raw_sum += u32::from(raw);
        }
        for message in device.sample(raw, now) {
            match message {
                DeviceMessage::Pulse(pulse) => pulses.push(pulse),
                DeviceMessage::HeartRate(rate) => rates.push(rate),
                DeviceMessage::NoSignal(issue) => no_signal.push((now, issue)),
                other => panic!("{other:?}"),
            }
        }
    }
    // 50 plot samples a second, ten to a message, 200 ms apart.
    assert_eq!(pulses.len(), 30 * 5);
    assert!(pulses.iter().all(|p| p.samples.len() == MAX_PULSE_SAMPLES));
    for (i, pulse) in pulses.iter().enumerate() {
        assert_eq!(pulse.first_ms, i as u32 * 10 * PULSE_SAMPLE_PERIOD_MS);
    }
    assert_eq!(
        u32::from(pulses[0].samples.as_slice()[0]),
        (raw_sum + 5) / 10
    );
    // A heart rate per beat once locked, close to 72.
    assert!(rates.len() >= 30, "{}", rates.len());
    let last = rates[rates.len() - 1];
    assert!((last.bpm() - 72.0).abs() <= 2.0, "{last:?}");
    assert!(last.quality >= 50, "{last:?}");
    // Reasons only while locking on, none once rates flow.
    let first_rate = rates[0].beat_ms;
    assert!(
        no_signal.iter().all(|(at, _)| *at <= first_rate + 1000),
        "{no_signal:?}"
    );
    assert!(!device.no_signal());

    // Finger off: no more rates, and the reason ends as "no finger".
    let start = ppg.now_ms();
    let mut after = Vec::new();
    for i in 0..5 * 500u32 {
        after.extend(device.sample(0, start + i * 2));
    }
    let lost: Vec<_> = after
        .iter()
        // Beats before the finger left may still be decided just after.
        .filter(|m| match m {
            DeviceMessage::Pulse(_) => false,
            DeviceMessage::HeartRate(rate) => rate.beat_ms >= start,
            _ => true,
        })
        .collect();
    assert!(
        lost.iter().all(|m| matches!(m, DeviceMessage::NoSignal(_))),
        "{lost:?}"
    );
    assert_eq!(
        lost.last(),
        Some(&&DeviceMessage::NoSignal(PulseIssue::NoFinger))
    );
    assert_eq!(device.issue(), Some(PulseIssue::NoFinger));
}

#[test]
fn no_signal_reasons_do_not_flicker() {
    // A finger put on, held, taken off, put on again: the reasons sent
    // change at most once a second (the first after a rate stops comes at
    // once).
    let mut device = Device::new(CONFIG);
    let mut ppg = Ppg::new(PpgConfig::at_bpm(80.0), 9);
    let mut sent = Vec::new();
    let mut rates = 0;
    for i in 0..60 * 500u32 {
        let now = i * 2;
        let second = now / 1000;
        let raw = match second {
            0..5 | 30..40 => 20,
            _ => ppg.next_sample(),
        };
        for message in device.sample(raw, now) {
            match message {
                DeviceMessage::NoSignal(issue) => sent.push((now, issue, rates)),
                DeviceMessage::HeartRate(_) => rates += 1,
                _ => {}
            }
        }
    }
    assert!(rates > 40, "{rates} rates");
    for pair in sent.windows(2) {
        let ((a, _, rates_a), (b, _, rates_b)) = (pair[0], pair[1]);
        assert!(
            b - a >= rig_firmware_core::device::SETTLE_MS || rates_b > rates_a,
            "reasons {} ms apart: {sent:?}",
            b - a
        );
    }
    assert_eq!(device.issue(), None);
    println!("{sent:?}");
}
