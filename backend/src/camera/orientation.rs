//! The camera's mounting correction: a rotation (`camera.rotate`, clockwise
//! in quarter turns) and then a mirror (`camera.flip`) of the rotated
//! picture, for a camera mounted upside down, sideways or behind a mirror.
//! The pair is one of the eight orientations of a rectangle, which
//! GStreamer's `videoflip` applies as one `video-direction` before the
//! pipeline's tee, so the live view, snapshots and recordings all show the
//! corrected picture. A quarter turn swaps the picture's width and height.

/// A mirror of the (rotated) picture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Flip {
    /// As it comes.
    #[default]
    None,
    /// Left and right swapped (a mirror image).
    Horizontal,
    /// Top and bottom swapped.
    Vertical,
    /// Both, the same as a half turn.
    Both,
}

/// A clockwise rotation in quarter turns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Rotation {
    /// Upright.
    #[default]
    None,
    /// A quarter turn clockwise.
    Clockwise90,
    /// Upside down.
    Half,
    /// A quarter turn counter-clockwise (three clockwise).
    Clockwise270,
}

/// The names `camera.flip` accepts.
pub const FLIPS: &[(&str, Flip)] = &[
    ("none", Flip::None),
    ("horizontal", Flip::Horizontal),
    ("vertical", Flip::Vertical),
    ("both", Flip::Both),
];

impl Rotation {
    /// Every rotation by its angle in degrees, as `camera.rotate` takes it.
    pub const ALL: [(u32, Rotation); 4] = [
        (0, Rotation::None),
        (90, Rotation::Clockwise90),
        (180, Rotation::Half),
        (270, Rotation::Clockwise270),
    ];

    /// The rotation by `degrees` (0, 90, 180 or 270).
    pub fn from_degrees(degrees: u32) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(d, _)| *d == degrees)
            .map(|(_, r)| *r)
    }

    /// The angle in degrees.
    pub fn degrees(self) -> u32 {
        Self::ALL
            .iter()
            .find(|(_, r)| *r == self)
            .map_or(0, |(d, _)| *d)
    }

    /// Whether it is a quarter turn, which swaps width and height.
    pub fn swaps_sides(self) -> bool {
        matches!(self, Rotation::Clockwise90 | Rotation::Clockwise270)
    }
}

/// The mounting correction: rotate, then mirror the rotated picture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Orientation {
    /// Applied first.
    pub rotate: Rotation,
    /// Applied to the rotated picture.
    pub flip: Flip,
}

impl Orientation {
    /// The size of the corrected picture for a capture of `width` x
    /// `height`.
    pub fn output_size(self, width: u32, height: u32) -> (u32, u32) {
        if self.rotate.swaps_sides() {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// The `videoflip` `video-direction` (a `GstVideoOrientationMethod`
    /// nick) that does the same in one step: `90r` is a clockwise quarter
    /// turn, `ul-lr` the mirror across the upper-left to lower-right
    /// diagonal (a transpose), `ur-ll` across the other one.
    pub fn video_direction(self) -> &'static str {
        use Flip as F;
        use Rotation as R;
        match (self.rotate, self.flip) {
            (R::None, F::None) | (R::Half, F::Both) => "identity",
            (R::None, F::Horizontal) | (R::Half, F::Vertical) => "horiz",
            (R::None, F::Vertical) | (R::Half, F::Horizontal) => "vert",
            (R::None, F::Both) | (R::Half, F::None) => "180",
            (R::Clockwise90, F::None) | (R::Clockwise270, F::Both) => "90r",
            (R::Clockwise270, F::None) | (R::Clockwise90, F::Both) => "90l",
            (R::Clockwise90, F::Horizontal) | (R::Clockwise270, F::Vertical) => "ul-lr",
            (R::Clockwise90, F::Vertical) | (R::Clockwise270, F::Horizontal) => "ur-ll",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gstreamer as gst;
    use gstreamer::prelude::*;
    use gstreamer_app as gst_app;

    /// A small picture, one byte a pixel, every pixel different.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Grid {
        width: usize,
        height: usize,
        pixels: Vec<u8>,
    }

    impl Grid {
        fn at(&self, x: usize, y: usize) -> u8 {
            self.pixels[y * self.width + x]
        }

        /// The picture `width` x `height` whose pixel (x, y) is `pick(x, y)`.
        fn from_fn(width: usize, height: usize, pick: impl Fn(usize, usize) -> u8) -> Grid {
            let pixels = (0..height)
                .flat_map(|y| (0..width).map(move |x| (x, y)))
                .map(|(x, y)| pick(x, y))
                .collect();
            Grid {
                width,
                height,
                pixels,
            }
        }

        /// Turned a quarter clockwise: the left column becomes the top row.
        fn clockwise(&self) -> Grid {
            Grid::from_fn(self.height, self.width, |x, y| {
                self.at(y, self.height - 1 - x)
            })
        }

        fn mirror_left_right(&self) -> Grid {
            Grid::from_fn(self.width, self.height, |x, y| {
                self.at(self.width - 1 - x, y)
            })
        }

        fn mirror_top_bottom(&self) -> Grid {
            Grid::from_fn(self.width, self.height, |x, y| {
                self.at(x, self.height - 1 - y)
            })
        }

        /// What the settings say, step by step: rotate, then mirror.
        fn corrected(&self, orientation: Orientation) -> Grid {
            let mut out = self.clone();
            for _ in 0..orientation.rotate.degrees() / 90 {
                out = out.clockwise();
            }
            match orientation.flip {
                Flip::None => out,
                Flip::Horizontal => out.mirror_left_right(),
                Flip::Vertical => out.mirror_top_bottom(),
                Flip::Both => out.mirror_left_right().mirror_top_bottom(),
            }
        }
    }

    /// `grid` through a real `videoflip` with `direction`, as GRAY8.
    fn through_videoflip(grid: &Grid, direction: &str) -> Grid {
        let caps = |w: usize, h: usize| {
            gst::Caps::builder("video/x-raw")
                .field("format", "GRAY8")
                .field("width", w as i32)
                .field("height", h as i32)
                .field("framerate", gst::Fraction::new(1, 1))
                .build()
        };
        let pipeline = gst::Pipeline::new();
        let src = gst_app::AppSrc::builder()
            .caps(&caps(grid.width, grid.height))
            .format(gst::Format::Time)
            .build();
        let flip = crate::elements::make("videoflip").unwrap();
        flip.set_property_from_str("video-direction", direction);
        let sink = gst_app::AppSink::builder().sync(false).build();
        pipeline
            .add_many([src.upcast_ref(), &flip, sink.upcast_ref()])
            .unwrap();
        gst::Element::link_many([src.upcast_ref(), &flip, sink.upcast_ref()]).unwrap();
        pipeline.set_state(gst::State::Playing).unwrap();
        // GRAY8 rows are padded to four bytes; these widths need none.
        assert_eq!(grid.width % 4, 0);
        assert_eq!(grid.height % 4, 0);
        let mut buffer = gst::Buffer::from_slice(grid.pixels.clone());
        buffer.get_mut().unwrap().set_pts(gst::ClockTime::ZERO);
        src.push_buffer(buffer).unwrap();
        src.end_of_stream().unwrap();
        let sample = sink
            .try_pull_sample(gst::ClockTime::from_seconds(5))
            .expect("no frame came out of videoflip");
        pipeline.set_state(gst::State::Null).unwrap();
        let s = sample.caps().unwrap().structure(0).unwrap().to_owned();
        let (width, height) = (
            s.get::<i32>("width").unwrap() as usize,
            s.get::<i32>("height").unwrap() as usize,
        );
        let map = sample.buffer().unwrap().map_readable().unwrap();
        Grid {
            width,
            height,
            pixels: map.as_slice()[..width * height].to_vec(),
        }
    }

    /// Each of the 16 settings, through the real element, gives exactly
    /// the picture the two steps describe, and the size `output_size` says.
    #[test]
    fn every_setting_matches_rotate_then_mirror_in_gstreamer() {
        gst::init().unwrap();
        let grid = Grid::from_fn(8, 4, |x, y| (y * 8 + x) as u8 * 7);
        for (_, rotate) in Rotation::ALL {
            for (_, flip) in FLIPS {
                let orientation = Orientation {
                    rotate,
                    flip: *flip,
                };
                let want = grid.corrected(orientation);
                let got = through_videoflip(&grid, orientation.video_direction());
                assert_eq!(got, want, "{orientation:?}");
                assert_eq!(
                    orientation.output_size(8, 4),
                    (got.width as u32, got.height as u32)
                );
            }
        }
    }

    #[test]
    fn degrees_round_trip() {
        for (degrees, rotation) in Rotation::ALL {
            assert_eq!(Rotation::from_degrees(degrees), Some(rotation));
            assert_eq!(rotation.degrees(), degrees);
        }
        assert_eq!(Rotation::from_degrees(45), None);
    }
}
