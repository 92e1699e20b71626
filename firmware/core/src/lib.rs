//! The light + heart-rate board's logic, apart from its hardware: the pulse
//! detector, the light's colour maths and the board's behaviour on the
//! serial protocol ([`rig_device_protocol`]). `no_std`, no allocation, float
//! maths through `libm`. The ItsyBitsy M4 firmware runs this on the board
//! (ADC samples and serial bytes in, NeoPixel values and serial frames out);
//! the host's device simulator runs the same code against [`synth`]'s
//! synthetic pulse signal.

#![no_std]
#![forbid(unsafe_code)]

pub mod device;
pub mod light;
pub mod pulse;
pub mod synth;

pub use device::{Device, DeviceConfig, Outbox};
pub use light::{Light, Pixel};
pub use pulse::{Beat, PulseDetector};
