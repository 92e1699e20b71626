//! Choosing the camera: resolves `camera.source = "auto"` to the first
//! V4L2 capture device or, when there is none, the test source. A device
//! node counts as a camera only if GStreamer's `v4l2src` can open it as a
//! video capture device (metadata and output nodes are skipped). The test
//! source can imitate a Raspberry Pi camera (raw frames) or a USB webcam
//! (MJPEG, [`TestFormat`]).

use std::path::{Path, PathBuf};

use gstreamer as gst;
use gstreamer::prelude::*;
use shared::CameraSource;

use crate::config::{CameraConfig, SourceSetting};

/// A camera source with the device it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSource {
    /// The kind of source.
    pub kind: CameraSource,
    /// Device path (V4L2) or camera name (libcamera), if any.
    pub device: Option<String>,
}

/// What the test source delivers (`camera.test_format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TestFormat {
    /// Raw frames, like a Raspberry Pi camera.
    #[default]
    Raw,
    /// JPEG frames from the camera's own encoder, like a USB webcam's
    /// MJPEG mode.
    Mjpeg,
}

/// Every test format by its name in the configuration.
pub const TEST_FORMATS: &[(&str, TestFormat)] =
    &[("raw", TestFormat::Raw), ("mjpeg", TestFormat::Mjpeg)];

/// Resolves the configured source; blocking (it probes devices), so call it
/// from a blocking thread. `gst::init` must have run.
pub fn resolve(camera: &CameraConfig) -> ResolvedSource {
    match camera.source {
        SourceSetting::Fixed(kind) => ResolvedSource {
            kind,
            device: camera.device_for(kind),
        },
        SourceSetting::Auto => match first_capture_device(Path::new("/dev")) {
            Some(path) => {
                tracing::info!(device = %path.display(), "camera source auto: using the first V4L2 capture device");
                ResolvedSource {
                    kind: CameraSource::V4l2,
                    device: Some(path.display().to_string()),
                }
            }
            None => {
                tracing::info!(
                    "camera source auto: no V4L2 capture device found, using the test source"
                );
                ResolvedSource {
                    kind: CameraSource::Test,
                    device: None,
                }
            }
        },
    }
}

/// `/dev/videoN` nodes in numeric order.
fn video_nodes(dev: &Path) -> Vec<PathBuf> {
    let mut nodes: Vec<(u32, PathBuf)> = std::fs::read_dir(dev)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let n = name.strip_prefix("video")?.parse().ok()?;
            Some((n, entry.path()))
        })
        .collect();
    nodes.sort();
    nodes.into_iter().map(|(_, p)| p).collect()
}

/// The first node that `v4l2src` accepts as a capture device.
fn first_capture_device(dev: &Path) -> Option<PathBuf> {
    let factory = gst::ElementFactory::find("v4l2src")?;
    video_nodes(dev).into_iter().find(|path| {
        let Ok(element) = factory
            .create()
            .property("device", path.display().to_string())
            .build()
        else {
            return false;
        };
        let ok = element.set_state(gst::State::Ready).is_ok();
        let _ = element.set_state(gst::State::Null);
        ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_nodes_are_sorted_numerically_and_others_ignored() {
        let dir = std::env::temp_dir().join(format!("camrig-nodes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["video10", "video2", "video0", "videox", "media0"] {
            std::fs::write(dir.join(name), b"").unwrap();
        }
        let names: Vec<String> = video_nodes(&dir)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["video0", "video2", "video10"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn fixed_sources_are_kept() {
        let camera = CameraConfig {
            source: SourceSetting::Fixed(CameraSource::V4l2),
            device: Some("/dev/video7".into()),
            ..crate::Config::default().camera
        };
        assert_eq!(
            resolve(&camera),
            ResolvedSource {
                kind: CameraSource::V4l2,
                device: Some("/dev/video7".into())
            }
        );
    }
}
