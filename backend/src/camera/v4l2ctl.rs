//! The controls of a V4L2 camera, through the `v4l2-ctl` tool (Debian
//! package `v4l-utils`): `--list-ctrls-menus` lists them and
//! `--set-ctrl name=value` sets one while the camera streams. Running the
//! tool keeps this server free of ioctl code (the workspace forbids
//! `unsafe`), and its output format has been stable for a decade. The
//! parser is pure and tested against real output.

use std::time::Duration;

use shared::{CameraControl, ControlKind, MenuOption};

use super::controls::{ControlError, label_of};

/// How long one `v4l2-ctl` call may take.
const TOOL_TIMEOUT: Duration = Duration::from_secs(3);

/// Lists the controls of `device`.
pub async fn list(device: &str) -> Result<Vec<CameraControl>, ControlError> {
    let out = run(&["-d", device, "--list-ctrls-menus"]).await?;
    Ok(parse(&out))
}

/// Sets control `name` of `device` to `value`.
pub async fn set(device: &str, name: &str, value: i64) -> Result<(), ControlError> {
    run(&["-d", device, &format!("--set-ctrl={name}={value}")])
        .await
        .map(|_| ())
}

async fn run(args: &[&str]) -> Result<String, ControlError> {
    let output = tokio::time::timeout(
        TOOL_TIMEOUT,
        tokio::process::Command::new("v4l2-ctl")
            .args(args)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .map_err(|_| ControlError::Device("v4l2-ctl did not answer within 3 s".into()))?
    .map_err(|e| {
        ControlError::Device(format!(
            "cannot run v4l2-ctl ({e}); install the Debian package v4l-utils"
        ))
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(ControlError::Device(stderr.trim().to_owned()));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Parses `v4l2-ctl --list-ctrls-menus` output. Lines look like
/// `  brightness 0x00980900 (int) : min=-64 max=64 step=1 default=0 value=0`;
/// menu entries follow their control as `  1: 50 Hz`. Class headings,
/// buttons, strings and 64-bit controls are skipped.
pub fn parse(text: &str) -> Vec<CameraControl> {
    let mut controls: Vec<CameraControl> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(option) = parse_menu_entry(trimmed) {
            if let Some(last) = controls.last_mut()
                && last.kind == ControlKind::Menu
            {
                last.options.push(option);
            }
            continue;
        }
        if let Some(control) = parse_control(trimmed) {
            controls.push(control);
        }
    }
    controls
}

fn parse_menu_entry(line: &str) -> Option<MenuOption> {
    let (number, label) = line.split_once(": ")?;
    let value = number.trim().parse().ok()?;
    Some(MenuOption {
        value,
        label: label.trim().to_owned(),
    })
}

fn parse_control(line: &str) -> Option<CameraControl> {
    let (head, fields) = line.split_once(" : ")?;
    let mut words = head.split_whitespace();
    let name = words.next()?;
    let _id = words.next().filter(|w| w.starts_with("0x"))?;
    let kind = match words.next()?.trim_matches(|c| c == '(' || c == ')') {
        "int" => ControlKind::Integer,
        "bool" => ControlKind::Boolean,
        "menu" | "intmenu" => ControlKind::Menu,
        _ => return None,
    };
    let field = |key: &str| {
        fields
            .split_whitespace()
            .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
            .and_then(|v| v.parse::<i64>().ok())
    };
    let value = field("value")?;
    let default = field("default").unwrap_or(value);
    let (min, max) = match kind {
        ControlKind::Boolean => (0, 1),
        _ => (field("min")?, field("max")?),
    };
    let inactive = fields
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix("flags="))
        .is_some_and(|flags| flags.split(',').any(|f| f == "inactive"));
    Some(CameraControl {
        name: name.to_owned(),
        label: label_of(name),
        kind,
        min,
        max,
        step: field("step").unwrap_or(1),
        default,
        value,
        options: Vec::new(),
        inactive,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Output of `v4l2-ctl --list-ctrls-menus` for a USB camera with a
    /// motorised lens (v4l-utils 1.22).
    const SAMPLE: &str = "
User Controls

                     brightness 0x00980900 (int)    : min=-64 max=64 step=1 default=0 value=12
                       contrast 0x00980901 (int)    : min=0 max=95 step=1 default=0 value=0
        white_balance_automatic 0x0098090c (bool)   : default=1 value=1
           power_line_frequency 0x00980918 (menu)   : min=0 max=2 default=1 value=1 (50 Hz)
				0: Disabled
				1: 50 Hz
				2: 60 Hz
      white_balance_temperature 0x0098091a (int)    : min=2800 max=6500 step=1 default=4600 value=4600 flags=inactive

Camera Controls

                  auto_exposure 0x009a0901 (menu)   : min=0 max=3 default=3 value=3 (Aperture Priority Mode)
				1: Manual Mode
				3: Aperture Priority Mode
         exposure_time_absolute 0x009a0902 (int)    : min=3 max=2047 step=1 default=250 value=250 flags=inactive
                 focus_absolute 0x009a090a (int)    : min=0 max=250 step=5 default=0 value=35 flags=inactive
     focus_automatic_continuous 0x009a090c (bool)   : default=1 value=1
                       trigger 0x009a0910 (button) : value=0 flags=write-only
";

    #[test]
    fn parses_integers_booleans_menus_and_flags() {
        let controls = parse(SAMPLE);
        let names: Vec<&str> = controls.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "brightness",
                "contrast",
                "white_balance_automatic",
                "power_line_frequency",
                "white_balance_temperature",
                "auto_exposure",
                "exposure_time_absolute",
                "focus_absolute",
                "focus_automatic_continuous",
            ]
        );
        let brightness = &controls[0];
        assert_eq!(
            (brightness.min, brightness.max, brightness.value),
            (-64, 64, 12)
        );
        assert_eq!(brightness.label, "Brightness");
        let plf = &controls[3];
        assert_eq!(plf.kind, ControlKind::Menu);
        assert_eq!(plf.options.len(), 3);
        assert_eq!(plf.options[2].label, "60 Hz");
        assert_eq!(controls[5].options.len(), 2);
        assert!(controls[4].inactive);
        let lens = &controls[7];
        assert_eq!((lens.step, lens.value, lens.inactive), (5, 35, true));
        assert_eq!(controls[8].kind, ControlKind::Boolean);
        let focus = super::super::controls::focus_state(&controls).unwrap();
        assert_eq!(focus.auto, Some(true));
        assert!((focus.position - 0.14).abs() < 1e-9);
    }

    #[test]
    fn garbage_yields_nothing() {
        assert!(parse("").is_empty());
        assert!(parse("Failed to open /dev/video9: No such file").is_empty());
        assert!(parse("x 0x1 (int) : min=a max=b value=c").is_empty());
    }
}
