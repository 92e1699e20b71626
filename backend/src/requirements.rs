//! What each server feature needs from the system, in one table: every
//! GStreamer element any pipeline makes (live view, the cameras, recording,
//! thumbnails, probing) and every helper program, each with the Debian
//! package that provides it. The server checks this table at start-up and
//! reports what cannot work in its state (see `elements.rs`); the project's
//! setup (`cargo xtask setup`) includes this same file and checks the same
//! table after installing, so the two can never disagree. Plain data and
//! std only: the setup compiles it before GStreamer is installed.

use shared::{Feature, Unavailable};

/// A GStreamer element and who needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element {
    /// The element factory name, as given to `ElementFactory::make`.
    pub name: &'static str,
    /// The Debian 12 package that installs it.
    pub package: &'static str,
    /// The features that cannot work without it.
    pub features: &'static [Feature],
}

/// A helper program run by the server and who needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Program {
    /// The command name, looked up on PATH.
    pub name: &'static str,
    /// The Debian 12 package that installs it.
    pub package: &'static str,
    /// The feature that cannot work without it.
    pub feature: Feature,
}

use Feature::{
    CameraControls, LibcameraCamera, LiveH264, LiveView, Probing, Recording, Restream, TestCamera,
    Thumbnails, V4l2Camera,
};

/// GStreamer's core library (queue, tee, capsfilter, valve, file elements).
const CORE: &str = "libgstreamer1.0-0";
const BASE: &str = "gstreamer1.0-plugins-base";
const GOOD: &str = "gstreamer1.0-plugins-good";
const BAD: &str = "gstreamer1.0-plugins-bad";
const UGLY: &str = "gstreamer1.0-plugins-ugly";
const LIBAV: &str = "gstreamer1.0-libav";

/// One row of [`ELEMENTS`].
const fn el(name: &'static str, package: &'static str, features: &'static [Feature]) -> Element {
    Element {
        name,
        package,
        features,
    }
}

/// Every GStreamer element the server uses. Elements that `decodebin`
/// plugs by itself (JPEG and H.264 decoders) are listed too: without them
/// thumbnails and MJPEG cameras fail although every named element exists.
pub const ELEMENTS: &[Element] = &[
    // Live view: source -> videoconvert -> I420 -> videoflip -> tee -> view transforms
    // -> tee -> valve -> jpegenc -> appsink, and valve -> x264enc -> h264parse ->
    // appsink for H.264 viewers, plus the tap queue feeding recordings.
    el("videoconvert", BASE, &[LiveView, Thumbnails]),
    el("capsfilter", CORE, &[LiveView, Recording, Thumbnails]),
    // videoflip: the camera's rotation and mirror (camera.rotate, camera.flip).
    el("videoflip", GOOD, &[LiveView]),
    el("tee", CORE, &[LiveView]),
    el("queue", CORE, &[LiveView, Recording]),
    el("videobalance", GOOD, &[LiveView, TestCamera]),
    el("videoscale", BASE, &[LiveView, TestCamera, Thumbnails]),
    el("jpegenc", GOOD, &[LiveView, Thumbnails]),
    el("appsink", BASE, &[LiveView, LiveH264, Thumbnails]),
    // The simulated camera.
    el("videotestsrc", BASE, &[TestCamera]),
    el("timeoverlay", "gstreamer1.0-x", &[TestCamera]),
    el("valve", CORE, &[LiveView, LiveH264, TestCamera]),
    // Real cameras.
    el("v4l2src", GOOD, &[V4l2Camera]),
    el("decodebin", BASE, &[V4l2Camera, Thumbnails, Probing]),
    el("jpegdec", GOOD, &[V4l2Camera, Thumbnails]),
    el("libcamerasrc", "gstreamer1.0-libcamera", &[LibcameraCamera]),
    // Recording: appsrc -> queue -> x264enc -> caps -> h264parse -> mp4mux
    // -> filesink; qtdemux measures what an interrupted one kept.
    el("appsrc", BASE, &[Recording, Restream]),
    el("x264enc", UGLY, &[Recording, LiveH264]),
    el("h264parse", BAD, &[Recording, LiveH264, Restream]),
    el("mp4mux", GOOD, &[Recording]),
    el("filesink", CORE, &[Recording]),
    el("qtdemux", GOOD, &[Recording, Thumbnails, Probing]),
    // Reading media files back.
    el("filesrc", CORE, &[Thumbnails, Probing]),
    el("avdec_h264", LIBAV, &[Thumbnails, Probing]),
    // The original app's AVI recordings (decodebin plugs it; jpegdec
    // decodes their Motion JPEG); `import-legacy --convert` re-encodes them.
    el("avidemux", GOOD, &[Thumbnails, Probing]),
    el("fakesink", CORE, &[Probing]),
    // The restream: appsrc -> h264parse -> flvmux -> rtmp2sink (RTMP),
    // mpegtsmux -> srtsink (SRT), or rtspclientsink (RTSP).
    el("flvmux", GOOD, &[Restream]),
    el("rtmp2sink", BAD, &[Restream]),
    el("mpegtsmux", BAD, &[Restream]),
    el("srtsink", BAD, &[Restream]),
    el("rtspclientsink", "gstreamer1.0-rtsp", &[Restream]),
];

/// Every helper program the server runs.
pub const PROGRAMS: &[Program] = &[Program {
    name: "v4l2-ctl",
    package: "v4l-utils",
    feature: CameraControls,
}];

/// The listing of `element`, if the table has it.
pub fn element(name: &str) -> Option<&'static Element> {
    ELEMENTS.iter().find(|e| e.name == name)
}

/// The message for a missing element, naming the package to install.
pub fn missing_element(name: &str) -> String {
    match element(name) {
        Some(e) => format!(
            "GStreamer element '{name}' is missing; install the Debian package {}",
            e.package
        ),
        None => format!("GStreamer element '{name}' is missing"),
    }
}

/// The message for a missing program, naming the package to install.
pub fn missing_program(program: &Program) -> String {
    format!(
        "the program '{}' is missing; install the Debian package {}",
        program.name, program.package
    )
}

/// The features that cannot work, given which elements and programs exist,
/// each with every missing piece in its reason; in [`Feature::ALL`] order.
pub fn unavailable(
    has_element: impl Fn(&str) -> bool,
    has_program: impl Fn(&str) -> bool,
) -> Vec<Unavailable> {
    let missing_elements: Vec<&Element> =
        ELEMENTS.iter().filter(|e| !has_element(e.name)).collect();
    let missing_programs: Vec<&Program> =
        PROGRAMS.iter().filter(|p| !has_program(p.name)).collect();
    Feature::ALL
        .iter()
        .filter_map(|&feature| {
            let reasons: Vec<String> = missing_elements
                .iter()
                .filter(|e| e.features.contains(&feature))
                .map(|e| missing_element(e.name))
                .chain(
                    missing_programs
                        .iter()
                        .filter(|p| p.feature == feature)
                        .map(|p| missing_program(p)),
                )
                .collect();
            (!reasons.is_empty()).then(|| Unavailable {
                feature,
                reason: reasons.join("; "),
            })
        })
        .collect()
}

/// Whether `program` is an executable file in one of PATH's folders.
pub fn on_path(program: &str) -> bool {
    on_path_in(program, &std::env::var_os("PATH").unwrap_or_default())
}

/// Whether `program` is an executable file in one of the folders of the
/// PATH-style list `path`.
pub fn on_path_in(program: &str, path: &std::ffi::OsStr) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(path).any(|dir| {
        std::fs::metadata(dir.join(program))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_present_means_every_feature_works() {
        assert_eq!(unavailable(|_| true, |_| true), []);
    }

    #[test]
    fn a_missing_parser_disables_h264_only_and_names_its_package() {
        let out = unavailable(|e| e != "h264parse", |_| true);
        let features: Vec<Feature> = out.iter().map(|u| u.feature).collect();
        assert_eq!(features, [LiveH264, Recording, Restream]);
        for missing in out {
            assert_eq!(
                missing.reason,
                "GStreamer element 'h264parse' is missing; \
                 install the Debian package gstreamer1.0-plugins-bad"
            );
        }
    }

    #[test]
    fn every_missing_piece_is_named_and_features_keep_their_order() {
        let out = unavailable(|e| !matches!(e, "x264enc" | "jpegenc"), |_| false);
        let features: Vec<Feature> = out.iter().map(|u| u.feature).collect();
        assert_eq!(
            features,
            [LiveView, LiveH264, CameraControls, Recording, Thumbnails],
            "{out:#?}"
        );
        let recording = &out[3].reason;
        assert!(recording.contains("'x264enc'"), "{recording}");
        assert!(
            recording.contains("gstreamer1.0-plugins-ugly"),
            "{recording}"
        );
        assert_eq!(
            out[2].reason,
            "the program 'v4l2-ctl' is missing; install the Debian package v4l-utils"
        );
    }

    #[test]
    fn names_are_unique_and_every_feature_needs_something() {
        for (i, e) in ELEMENTS.iter().enumerate() {
            assert!(
                ELEMENTS[..i].iter().all(|o| o.name != e.name),
                "{} twice",
                e.name
            );
            assert!(!e.features.is_empty(), "{} is needed by nothing", e.name);
        }
        for feature in Feature::ALL {
            let needed = ELEMENTS.iter().any(|e| e.features.contains(&feature))
                || PROGRAMS.iter().any(|p| p.feature == feature);
            assert!(needed, "{feature:?} needs nothing");
        }
    }

    /// Every element name the backend's code makes is in the table, so a
    /// new pipeline stage cannot be forgotten here (and so in the setup's
    /// check and the start-up report).
    #[test]
    fn every_element_the_code_makes_is_listed() {
        // This file is compiled into the setup too; find the backend's
        // sources from where this file is, whichever crate includes it.
        let this = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(file!());
        let src = this.parent().unwrap().to_path_buf();
        let mut files = vec![src];
        let mut made = Vec::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                for entry in std::fs::read_dir(&path).unwrap() {
                    files.push(entry.unwrap().path());
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("requirements.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for call in ["make(\"", "element(\"", "ElementFactory::find(\""] {
                for piece in text.split(call).skip(1) {
                    let name = piece.split('"').next().unwrap();
                    made.push((name.to_owned(), path.display().to_string()));
                }
            }
        }
        assert!(made.len() > 20, "found only {made:?}");
        for (name, file) in made {
            assert!(
                element(&name).is_some(),
                "{file} makes '{name}', not listed"
            );
        }
    }

    #[test]
    fn on_path_finds_sh_and_not_nonsense() {
        assert!(on_path("sh"));
        assert!(!on_path("no-such-program-camrig"));
    }
}
