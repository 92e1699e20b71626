//! Camera controls (brightness, exposure, focus, ...) and the focus model on
//! top of them. A camera offers a list of [`CameraControl`]s; V4L2 cameras
//! through `v4l2-ctl` (see [`super::v4l2ctl`]), the test source through
//! [`Simulated`], which also imitates a liquid lens. Focus is not a
//! separate mechanism: it is read from and written to the standard V4L2
//! controls `focus_absolute` (mapped to 0.0-1.0 over its range) and
//! `focus_automatic_continuous` (or the older `focus_auto`), so the same
//! code drives a real lens and the simulated one.

pub use shared::protocol::{FOCUS_ABSOLUTE, FOCUS_AUTO};
use shared::{CameraControl, ControlKind, FocusState};

/// Why a control could not be read or set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// The camera has no focus controls.
    #[error("this camera has no adjustable focus")]
    NoFocus,
    /// No control with this name.
    #[error("this camera has no control named {name:?}; it has: {known}")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The names it has, comma-separated.
        known: String,
    },
    /// The value is outside the control's range or not one of its choices.
    #[error("{name} must be {allowed}; got {value}")]
    OutOfRange {
        /// Control name.
        name: String,
        /// What is accepted.
        allowed: String,
        /// What was asked.
        value: i64,
    },
    /// A focus position that is not a number.
    #[error("focus position must be a number from 0.0 to 1.0")]
    NotANumber,
    /// The camera is offline, so its controls cannot be reached.
    #[error("the camera is offline; its controls come back when it does")]
    Offline,
    /// The device refused or the tool failed.
    #[error("the camera refused: {0}")]
    Device(String),
}

pub use shared::commands::FocusRequest;

/// The focus as clients see it, derived from the control list; `None`
/// when the camera has no `focus_absolute` control.
pub fn focus_state(controls: &[CameraControl]) -> Option<FocusState> {
    let lens = find(controls, FOCUS_ABSOLUTE)?;
    let auto = FOCUS_AUTO
        .iter()
        .find_map(|name| find(controls, name))
        .map(|c| c.value != 0);
    Some(FocusState {
        auto,
        position: to_unit(lens, lens.value),
    })
}

/// The control changes, in order, that carry out `request`. Moving the
/// lens switches autofocus off first, as a manual focus ring would.
pub fn focus_changes(
    controls: &[CameraControl],
    request: FocusRequest,
) -> Result<Vec<(String, i64)>, ControlError> {
    let lens = find(controls, FOCUS_ABSOLUTE).ok_or(ControlError::NoFocus)?;
    let auto = FOCUS_AUTO.iter().find_map(|name| find(controls, name));
    let moves = request.position.is_some() || request.step.is_some();
    let mut target = to_unit(lens, lens.value);
    if let Some(position) = request.position {
        target = position;
    }
    if let Some(step) = request.step {
        target += step;
    }
    if !target.is_finite() {
        return Err(ControlError::NotANumber);
    }
    let mut changes = Vec::new();
    let auto_wish = match request.auto {
        Some(on) => Some(on),
        None if moves => Some(false),
        None => None,
    };
    if let Some(on) = auto_wish {
        match auto {
            // An explicit wish is always sent; an implied one only when it
            // changes something.
            Some(control) if (control.value != 0) != on || request.auto.is_some() => {
                changes.push((control.name.clone(), i64::from(on)));
            }
            Some(_) => {}
            None if on => {
                return Err(ControlError::Device(
                    "this camera has no autofocus; set the focus by hand".into(),
                ));
            }
            None => {}
        }
    }
    if moves {
        changes.push((lens.name.clone(), from_unit(lens, target.clamp(0.0, 1.0))));
    }
    Ok(changes)
}

/// Checks `value` against the control called `name`.
pub fn validate(controls: &[CameraControl], name: &str, value: i64) -> Result<(), ControlError> {
    let Some(control) = find(controls, name) else {
        let known: Vec<&str> = controls.iter().map(|c| c.name.as_str()).collect();
        return Err(ControlError::Unknown {
            name: name.to_owned(),
            known: if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            },
        });
    };
    let allowed = match control.kind {
        ControlKind::Menu if !control.options.is_empty() => {
            if control.options.iter().any(|o| o.value == value) {
                return Ok(());
            }
            let values: Vec<String> = control
                .options
                .iter()
                .map(|o| format!("{} ({})", o.value, o.label))
                .collect();
            format!("one of {}", values.join(", "))
        }
        _ if (control.min..=control.max).contains(&value) => return Ok(()),
        _ => format!("from {} to {}", control.min, control.max),
    };
    Err(ControlError::OutOfRange {
        name: name.to_owned(),
        allowed,
        value,
    })
}

/// The control called `name`.
pub fn find<'a>(controls: &'a [CameraControl], name: &str) -> Option<&'a CameraControl> {
    controls.iter().find(|c| c.name == name)
}

fn to_unit(control: &CameraControl, value: i64) -> f64 {
    let span = (control.max - control.min) as f64;
    if span <= 0.0 {
        return 0.0;
    }
    ((value - control.min) as f64 / span).clamp(0.0, 1.0)
}

fn from_unit(control: &CameraControl, unit: f64) -> i64 {
    let span = (control.max - control.min) as f64;
    let raw = control.min as f64 + unit * span;
    let step = control.step.max(1) as f64;
    let snapped = control.min as f64 + ((raw - control.min as f64) / step).round() * step;
    (snapped as i64).clamp(control.min, control.max)
}

/// A label from a V4L2 control name: `white_balance_automatic` becomes
/// `White balance automatic`.
pub fn label_of(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An integer control.
pub fn integer(name: &str, min: i64, max: i64, default: i64) -> CameraControl {
    CameraControl {
        name: name.to_owned(),
        label: label_of(name),
        kind: ControlKind::Integer,
        min,
        max,
        step: 1,
        default,
        value: default,
        options: Vec::new(),
        inactive: false,
    }
}

/// An on/off control.
pub fn boolean(name: &str, default: bool) -> CameraControl {
    CameraControl {
        kind: ControlKind::Boolean,
        max: 1,
        ..integer(name, 0, 1, i64::from(default))
    }
}

/// The test source's controls: a liquid lens whose sharpest position is
/// [`Simulated::IN_FOCUS`], autofocus that finds it, and picture controls
/// acting on the image before it is shared by viewers and recordings.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulated {
    controls: Vec<CameraControl>,
}

/// What the simulated controls do to the picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulatedLook {
    /// `videobalance` brightness, -1.0 to 1.0.
    pub brightness: f64,
    /// `videobalance` contrast, 0.0 to 2.0.
    pub contrast: f64,
    /// `videobalance` saturation, 0.0 to 2.0.
    pub saturation: f64,
    /// Blur: distance of the lens from its sharpest position, 0.0 to 1.0.
    pub defocus: f64,
}

impl Default for Simulated {
    fn default() -> Self {
        Self::new()
    }
}

impl Simulated {
    /// Lens position (0.0-1.0) at which the simulated picture is sharpest.
    pub const IN_FOCUS: f64 = 0.62;
    /// Steps of the simulated `focus_absolute` control.
    const LENS_STEPS: i64 = 1000;

    /// The controls at their defaults: the lens starts in focus (a
    /// newcomer's first picture is sharp), with autofocus off.
    pub fn new() -> Self {
        let mut lens = integer(FOCUS_ABSOLUTE, 0, Self::LENS_STEPS, Self::in_focus_step());
        lens.step = 1;
        Simulated {
            controls: vec![
                integer("brightness", -100, 100, 0),
                integer("contrast", 0, 200, 100),
                integer("saturation", 0, 200, 100),
                boolean(FOCUS_AUTO[0], false),
                lens,
            ],
        }
    }

    /// The controls with their current values.
    pub fn controls(&self) -> Vec<CameraControl> {
        self.controls.clone()
    }

    /// Sets one control (validated first). Switching autofocus on moves the
    /// lens to its sharpest position and marks manual focus inactive; a
    /// manual move while autofocus is on is refused, like a real camera.
    pub fn set(&mut self, name: &str, value: i64) -> Result<(), ControlError> {
        validate(&self.controls, name, value)?;
        let autofocus = find(&self.controls, FOCUS_AUTO[0]).is_some_and(|c| c.value != 0);
        if name == FOCUS_ABSOLUTE && autofocus {
            return Err(ControlError::Device(
                "focus_absolute is inactive while autofocus is on".into(),
            ));
        }
        for control in &mut self.controls {
            if control.name == name {
                control.value = value;
            }
        }
        if name == FOCUS_AUTO[0] {
            let in_focus = Self::in_focus_step();
            for control in &mut self.controls {
                if control.name == FOCUS_ABSOLUTE {
                    control.inactive = value != 0;
                    if value != 0 {
                        control.value = in_focus;
                    }
                }
            }
        }
        Ok(())
    }

    /// The lens control's step at [`Simulated::IN_FOCUS`].
    fn in_focus_step() -> i64 {
        (Self::IN_FOCUS * Self::LENS_STEPS as f64).round() as i64
    }

    /// What the current values do to the picture.
    pub fn look(&self) -> SimulatedLook {
        let value = |name| find(&self.controls, name).map_or(0, |c| c.value) as f64;
        let lens = find(&self.controls, FOCUS_ABSOLUTE).map_or(0.0, |c| to_unit(c, c.value));
        SimulatedLook {
            brightness: value("brightness") / 100.0,
            contrast: value("contrast") / 100.0,
            saturation: value("saturation") / 100.0,
            defocus: (lens - Self::IN_FOCUS).abs(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lens_camera() -> Vec<CameraControl> {
        let mut lens = integer(FOCUS_ABSOLUTE, 0, 250, 0);
        lens.step = 5;
        vec![boolean("focus_automatic_continuous", true), lens]
    }

    #[test]
    fn focus_maps_the_control_range_to_zero_one() {
        let mut controls = lens_camera();
        controls[1].value = 125;
        let focus = focus_state(&controls).unwrap();
        assert_eq!(focus.auto, Some(true));
        assert!((focus.position - 0.5).abs() < 1e-9);
        assert_eq!(focus_state(&[integer("brightness", 0, 10, 5)]), None);
    }

    #[test]
    fn moving_the_lens_switches_autofocus_off_and_clamps_and_snaps() {
        let controls = lens_camera();
        let changes = focus_changes(
            &controls,
            FocusRequest {
                position: Some(1.7),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            changes,
            vec![
                ("focus_automatic_continuous".to_owned(), 0),
                (FOCUS_ABSOLUTE.to_owned(), 250)
            ]
        );
        let changes = focus_changes(
            &controls,
            FocusRequest {
                position: Some(0.5),
                step: Some(0.05),
                auto: Some(false),
            },
        )
        .unwrap();
        // 0.55 * 250 = 137.5, snapped to the step of 5.
        assert_eq!(changes[1], (FOCUS_ABSOLUTE.to_owned(), 140));
        let down = focus_changes(
            &controls,
            FocusRequest {
                step: Some(-0.05),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(down[1], (FOCUS_ABSOLUTE.to_owned(), 0));
    }

    #[test]
    fn bad_focus_requests_are_refused() {
        assert_eq!(
            focus_changes(&[], FocusRequest::default()),
            Err(ControlError::NoFocus)
        );
        assert_eq!(
            focus_changes(
                &lens_camera(),
                FocusRequest {
                    position: Some(f64::NAN),
                    ..Default::default()
                }
            ),
            Err(ControlError::NotANumber)
        );
        let manual_only = vec![integer(FOCUS_ABSOLUTE, 0, 10, 0)];
        assert!(matches!(
            focus_changes(
                &manual_only,
                FocusRequest {
                    auto: Some(true),
                    ..Default::default()
                }
            ),
            Err(ControlError::Device(_))
        ));
    }

    #[test]
    fn values_are_checked_against_range_and_menu() {
        let mut menu = integer("power_line_frequency", 0, 2, 1);
        menu.kind = ControlKind::Menu;
        menu.options = vec![
            shared::MenuOption {
                value: 0,
                label: "Disabled".into(),
            },
            shared::MenuOption {
                value: 2,
                label: "60 Hz".into(),
            },
        ];
        let controls = vec![integer("brightness", -64, 64, 0), menu];
        assert_eq!(validate(&controls, "brightness", 64), Ok(()));
        let err = validate(&controls, "brightness", 65).unwrap_err();
        assert_eq!(err.to_string(), "brightness must be from -64 to 64; got 65");
        assert!(validate(&controls, "power_line_frequency", 1).is_err());
        assert_eq!(validate(&controls, "power_line_frequency", 2), Ok(()));
        let err = validate(&controls, "zoom", 1).unwrap_err();
        assert!(err.to_string().contains("brightness, power_line_frequency"));
    }

    #[test]
    fn simulated_autofocus_finds_the_sharp_position() {
        let mut sim = Simulated::new();
        assert!(sim.look().defocus < 1e-3, "starts sharp");
        sim.set(FOCUS_ABSOLUTE, 0).unwrap();
        assert!(sim.look().defocus > 0.5);
        sim.set("focus_automatic_continuous", 1).unwrap();
        assert!(sim.look().defocus < 1e-3);
        assert!(sim.set(FOCUS_ABSOLUTE, 10).is_err());
        sim.set("focus_automatic_continuous", 0).unwrap();
        sim.set(FOCUS_ABSOLUTE, 100).unwrap();
        assert!((sim.look().defocus - 0.52).abs() < 1e-9);
        assert!(sim.set("brightness", 101).is_err());
        sim.set("brightness", -50).unwrap();
        assert!((sim.look().brightness + 0.5).abs() < 1e-9);
    }

    #[test]
    fn labels_read_like_words() {
        assert_eq!(
            label_of("white_balance_automatic"),
            "White balance automatic"
        );
    }
}
