//! Which live picture to ask the server for: H.264 when this browser can
//! decode it with WebCodecs and the server can encode it, JPEG otherwise,
//! with the reason, which the status bar shows.

use shared::VideoFormat;

/// The codec string the browser is asked about before H.264 is chosen
/// (constrained baseline, level 3.1: what the server's encoders send).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // Host builds have no WebCodecs.
pub const PROBE_CODEC: &str = "avc1.42c01f";

/// What this browser can do with H.264.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// WebCodecs decodes H.264 here.
    Yes,
    /// No WebCodecs because the page is not a secure context (plain HTTP
    /// to anything but localhost): browsers offer it over HTTPS only.
    NotSecure,
    /// The browser has no WebCodecs at all.
    NoWebCodecs,
    /// WebCodecs without an H.264 decoder for the stream's profile.
    NoH264,
}

impl Support {
    /// What the page found: whether `VideoDecoder` exists, whether the page
    /// is a secure context, and whether the decoder takes [`PROBE_CODEC`].
    pub fn from_probe(has_decoder: bool, secure: bool, h264: bool) -> Support {
        match (has_decoder, secure, h264) {
            (true, _, true) => Support::Yes,
            (true, _, false) => Support::NoH264,
            (false, false, _) => Support::NotSecure,
            (false, true, _) => Support::NoWebCodecs,
        }
    }
}

/// Why the live view shows JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// See [`Support::NotSecure`].
    NotSecure,
    /// See [`Support::NoWebCodecs`].
    NoWebCodecs,
    /// See [`Support::NoH264`].
    NoH264,
    /// The server has no H.264 encoder (or refused H.264).
    Server,
    /// Decoding failed again and again.
    DecodeFailed,
}

impl Fallback {
    /// The reason, for people.
    pub fn reason(self) -> &'static str {
        match self {
            Fallback::NotSecure => "WebCodecs needs HTTPS",
            Fallback::NoWebCodecs => "browser has no WebCodecs",
            Fallback::NoH264 => "browser cannot decode H.264",
            Fallback::Server => "server has no H.264",
            Fallback::DecodeFailed => "H.264 decoding failed",
        }
    }
}

/// The codec the live view uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// H.264, decoded with WebCodecs.
    H264,
    /// JPEG, and why not H.264.
    Jpeg(Fallback),
}

impl Codec {
    /// The format to watch.
    pub fn format(self) -> VideoFormat {
        match self {
            Codec::H264 => VideoFormat::H264,
            Codec::Jpeg(_) => VideoFormat::Jpeg,
        }
    }

    /// Lower-case name, for test and CSS attributes: `h264` or `jpeg`.
    pub fn as_str(self) -> &'static str {
        self.format().as_str()
    }

    /// What the status bar says.
    pub fn label(self) -> String {
        match self {
            Codec::H264 => "H.264".to_owned(),
            Codec::Jpeg(why) => format!("JPEG ({})", why.reason()),
        }
    }
}

/// The codec to use: the browser's limits first (they hold on every
/// server), then the server's, then a decoder that kept failing.
pub fn choose(support: Support, server_offers: bool, decode_failed: bool) -> Codec {
    match support {
        Support::NotSecure => Codec::Jpeg(Fallback::NotSecure),
        Support::NoWebCodecs => Codec::Jpeg(Fallback::NoWebCodecs),
        Support::NoH264 => Codec::Jpeg(Fallback::NoH264),
        Support::Yes if !server_offers => Codec::Jpeg(Fallback::Server),
        Support::Yes if decode_failed => Codec::Jpeg(Fallback::DecodeFailed),
        Support::Yes => Codec::H264,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capable_browser_and_server_get_h264() {
        assert_eq!(choose(Support::Yes, true, false), Codec::H264);
        assert_eq!(Codec::H264.as_str(), "h264");
        assert_eq!(Codec::H264.label(), "H.264");
    }

    #[test]
    fn plain_http_on_a_phone_says_https_is_needed() {
        let support = Support::from_probe(false, false, false);
        assert_eq!(support, Support::NotSecure);
        let codec = choose(support, true, false);
        assert_eq!(codec.format(), VideoFormat::Jpeg);
        assert_eq!(codec.label(), "JPEG (WebCodecs needs HTTPS)");
    }

    #[test]
    fn every_fallback_has_its_reason() {
        assert_eq!(
            choose(Support::from_probe(false, true, false), true, false),
            Codec::Jpeg(Fallback::NoWebCodecs)
        );
        assert_eq!(
            choose(Support::from_probe(true, true, false), true, false),
            Codec::Jpeg(Fallback::NoH264)
        );
        assert_eq!(
            choose(Support::Yes, false, false),
            Codec::Jpeg(Fallback::Server)
        );
        assert_eq!(
            choose(Support::Yes, true, true),
            Codec::Jpeg(Fallback::DecodeFailed)
        );
        // The browser's reason wins over the server's.
        assert_eq!(
            choose(Support::NoWebCodecs, false, true),
            Codec::Jpeg(Fallback::NoWebCodecs)
        );
    }
}
