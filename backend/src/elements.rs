//! Making GStreamer elements by name, with one typed error that names the
//! Debian package to install (from the requirements table), and the
//! start-up check of every feature's needs: the server logs each feature
//! that cannot work and why, and puts it in the state, so the page can
//! disable Record (for example) with the reason instead of failing only
//! when someone presses the button.

use gstreamer as gst;
use shared::Unavailable;

use crate::requirements;

/// A GStreamer element that is not installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", requirements::missing_element(self.0))]
pub struct MissingElement(pub &'static str);

/// Makes the element `name` (listed in the requirements table).
pub fn make(name: &'static str) -> Result<gst::Element, MissingElement> {
    gst::ElementFactory::make(name)
        .build()
        .map_err(|_| MissingElement(name))
}

/// The features that cannot work on this machine, each logged as a
/// warning. `gst::init` must have run.
pub fn check() -> Vec<Unavailable> {
    let unavailable = requirements::unavailable(
        |name| gst::ElementFactory::find(name).is_some(),
        requirements::on_path,
    );
    for item in &unavailable {
        tracing::warn!(
            feature = item.feature.label(),
            reason = %item.reason,
            "feature unavailable"
        );
    }
    unavailable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_element_names_its_package() {
        let err = MissingElement("x264enc");
        assert_eq!(
            err.to_string(),
            "GStreamer element 'x264enc' is missing; install the Debian package gstreamer1.0-plugins-ugly"
        );
    }

    /// The table's package of each element is the one dpkg says installed
    /// its plugin file, so the setup installs and the messages name the
    /// right package.
    #[test]
    fn every_element_comes_from_the_listed_package() {
        use gstreamer::prelude::*;
        gst::init().unwrap();
        for element in requirements::ELEMENTS {
            let factory = gst::ElementFactory::find(element.name)
                .unwrap_or_else(|| panic!("{} is not installed", element.name));
            let plugin = factory.plugin().unwrap();
            let file = plugin.filename().unwrap();
            let base = file.file_name().unwrap().to_string_lossy().into_owned();
            let out = std::process::Command::new("dpkg")
                .args(["-S", &base])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let package = text
                .lines()
                .find(|l| l.ends_with(&format!("gstreamer-1.0/{base}")))
                .and_then(|l| l.split(':').next())
                .unwrap_or_else(|| panic!("dpkg knows no package of {base}: {text}"));
            assert_eq!(package, element.package, "{} ({base})", element.name);
        }
    }

    #[test]
    fn this_machine_has_everything() {
        gst::init().unwrap();
        assert_eq!(check(), []);
        assert!(make("videotestsrc").is_ok());
    }
}
