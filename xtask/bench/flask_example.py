"""The Flask streaming example, the baseline of `cargo xtask bench`.

This is the classic way to stream a camera with Flask, the pattern of
Miguel Grinberg's "Video Streaming with Flask" articles that the original
camera app followed (written anew here, not copied): one Camera whose
background thread captures each frame and encodes it to JPEG once, however
many clients watch; a `/video_feed` route whose generator sends every new
JPEG to its client as one part of a `multipart/x-mixed-replace;
boundary=frame` response; and Flask's threaded development server, one
thread per client. As in the classic example, the camera thread starts
with the first client and stops when no client has asked for a frame for
10 seconds.

The camera is camrig's test source (`backend/src/camera/pipeline.rs`, the
raw test format) through GStreamer's Python bindings, with the same
stages, the same moving pattern and clock, the same blur of the simulated
lens at its default position (out of focus: camrig's `apply_look` scales
the picture down by 1 + 15 x 0.62 and back up) and the same JPEG quality
(80), so that the source costs what camrig's does, the JPEGs are as large,
and the bench compares the serving: `videotestsrc ! timeoverlay !
videobalance (idle) ! videoscale (down) ! videoscale (up) ! videoconvert !
videoflip ! queue ! (the view's balance and scale, idle) ! queue ! jpegenc
! appsink`. The two queues are named as camrig's first two are, so the
bench's CPU profile names the stages alike. Its JPEGs carry no capture
time (camrig's frame header has one), so the bench measures only frame
rate, gaps and bandwidth for it.

`cargo xtask bench --runs 1f,200f` starts it (xtask/src/bench/flask.rs)
with the Python of the virtual environment `cargo xtask setup` makes:
Debian's python3 with its python3-gi, and Flask from PyPI. By hand:

    ~/.local/share/camrig-tools/flask-venv/bin/python \
        xtask/bench/flask_example.py --port 5000 --width 1280 --height 720 --fps 30

then open http://127.0.0.1:5000/.
"""

import argparse
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
from gi.repository import GLib, Gst, GstApp  # noqa: E402,F401  (GstApp: try_pull_sample)

from flask import Flask, Response  # noqa: E402

#: JPEG quality of camrig's encoder (`camera.jpeg_quality`, default 80).
JPEG_QUALITY = 80
#: How far camrig's simulated lens starts from its sharpest position
#: (`Simulated::IN_FOCUS`, 0.62, with the lens at 0).
DEFOCUS = 0.62
#: Seconds without a client after which the camera thread stops.
IDLE_SECONDS = 10.0
#: Seconds a client waits for a frame before giving up.
FRAME_TIMEOUT = 5.0


def blurred(full):
    """The size camrig's simulated lens shrinks a side of `full` to."""
    factor = 1.0 + 15.0 * DEFOCUS
    return max(int(full / factor), 16) & ~1


def pipeline_description(width, height, fps):
    """camrig's test source and JPEG branch as a gst-launch description."""
    mode = f"video/x-raw,width={width},height={height},framerate={fps}/1"
    blur = f"video/x-raw,width={blurred(width)},height={blurred(height)},pixel-aspect-ratio=1/1"
    latest = "leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0"
    return " ! ".join(
        [
            "videotestsrc is-live=true pattern=smpte horizontal-speed=4",
            mode,
            'timeoverlay halignment=left valignment=top font-desc="Sans Bold 28"',
            # The simulated camera's picture controls (idle) and its lens,
            # out of focus: scaled down and back up.
            "videobalance",
            "videoscale add-borders=false",
            f'capsfilter caps="{blur}"',
            "videoscale add-borders=false",
            f"{mode},pixel-aspect-ratio=1/1",
            "videoconvert",
            "video/x-raw,format=I420",
            "videoflip video-direction=identity",
            # The view: its queue, balance and scale (idle at full size).
            f"queue name=queue0 {latest}",
            "videobalance",
            "videoscale",
            "capsfilter caps=video/x-raw caps-change-mode=delayed",
            # The JPEG branch.
            f"queue name=queue1 {latest}",
            f"jpegenc quality={JPEG_QUALITY}",
            "appsink name=sink max-buffers=1 drop=true sync=false",
        ]
    )


class Camera:
    """The camera, shared by every client: a background thread pulls each
    encoded frame from the pipeline and keeps the latest one."""

    def __init__(self, description):
        self.description = description
        self.changed = threading.Condition()
        self.frame = None
        self.number = 0
        self.thread = None
        self.last_access = 0.0

    def get_frame(self, after):
        """Waits for a frame newer than frame number `after`; returns
        (number, JPEG), or None when no frame comes in time."""
        with self.changed:
            self.last_access = time.monotonic()
            if self.thread is None:
                self.thread = threading.Thread(target=self._capture, daemon=True)
                self.thread.start()
            if not self.changed.wait_for(lambda: self.number > after, FRAME_TIMEOUT):
                return None
            return self.number, self.frame

    def _capture(self):
        pipeline = Gst.parse_launch(self.description)
        sink = pipeline.get_by_name("sink")
        bus = pipeline.get_bus()
        pipeline.set_state(Gst.State.PLAYING)
        try:
            while True:
                sample = sink.try_pull_sample(Gst.SECOND)
                if sample is None:
                    message = bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.EOS)
                    if message is not None:
                        print(f"camera: {describe(message)}", file=sys.stderr)
                        break
                    continue
                buffer = sample.get_buffer()
                jpeg = buffer.extract_dup(0, buffer.get_size())
                with self.changed:
                    self.frame = jpeg
                    self.number += 1
                    self.changed.notify_all()
                    if time.monotonic() - self.last_access > IDLE_SECONDS:
                        # Under the lock: the next client starts a new thread.
                        self.thread = None
                        break
        finally:
            with self.changed:
                if self.thread is threading.current_thread():
                    self.thread = None
            pipeline.set_state(Gst.State.NULL)


def describe(message):
    if message.type == Gst.MessageType.ERROR:
        error, debug = message.parse_error()
        return f"error: {error.message} ({debug})"
    return "end of stream"


def frames(camera):
    """Every new frame as one part of the multipart response."""
    number = 0
    while True:
        got = camera.get_frame(after=number)
        if got is None:
            return
        number, jpeg = got
        yield b"--frame\r\nContent-Type: image/jpeg\r\n\r\n" + jpeg + b"\r\n"


def create_app(camera):
    app = Flask(__name__)

    @app.route("/")
    def index():
        return '<html><body><img src="/video_feed"></body></html>'

    @app.route("/video_feed")
    def video_feed():
        return Response(frames(camera), mimetype="multipart/x-mixed-replace; boundary=frame")

    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--fps", type=int, default=30)
    args = parser.parse_args()
    Gst.init(None)
    description = pipeline_description(args.width, args.height, args.fps)
    try:
        # Fail at once, not at the first client, when an element is missing.
        Gst.parse_launch(description).set_state(Gst.State.NULL)
    except GLib.Error as error:
        sys.exit(f"flask_example: cannot build the camera pipeline: {error.message}")
    app = create_app(Camera(description))
    app.run(host=args.host, port=args.port, threaded=True)


if __name__ == "__main__":
    main()
