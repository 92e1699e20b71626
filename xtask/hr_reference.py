"""Reference data for `cargo xtask hr-eval`: real finger PPG recordings
from PyPI packages and neurokit2's simulated PPG, each with the beats that
neurokit2's own detection finds in it (its `ppg_process` steps: clean,
find peaks, template-match quality).

Usage: hr_reference.py OUT_DIR

Writes one JSON file per recording to OUT_DIR:
  {"name", "kind": "real" | "synthetic", "source", "rate_hz", "reference",
   "target": whether the accuracy targets apply,
   "samples": [10-bit ADC counts], "peaks": [sample index, ...],
   "quality": [neurokit2's template-match quality per second, 0-1]}

The recordings are fetched with `pip download` (PyPI is the only source),
never committed. Fails with a clear message when PyPI cannot be reached.
"""

import csv
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from datetime import datetime

import numpy as np
import neurokit2 as nk

SYSTOLE = "systole==0.3.1"
HEARTPY = "heartpy==1.2.7"

# neurokit2 simulations: (heart rate, seconds). Sampled at the board's rate.
SIMULATED_RATES = [40, 55, 70, 90, 110, 140, 170, 200]
SIMULATED_SECONDS = 120
BOARD_RATE = 500


def pip_download(requirement, binary, folder):
    """Downloads one package file from PyPI into `folder`, returns its path."""
    kind = "--only-binary" if binary else "--no-binary"
    command = [sys.executable, "-m", "pip", "download", "--quiet",
               "--disable-pip-version-check", "--no-deps", kind, ":all:",
               requirement, "-d", folder]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"hr_reference: cannot download {requirement} from PyPI "
                 f"(is the registry reachable?):\n{result.stderr.strip()}")
    name = requirement.split("==")[0]
    for file in os.listdir(folder):
        if file.lower().startswith(name):
            return os.path.join(folder, file)
    sys.exit(f"hr_reference: pip saved no file for {requirement}")


def reference(samples, rate, method):
    """neurokit2's beats and per-second quality for `samples` at `rate` Hz.

    `method` is the peak detector: "elgendi" is `ppg_process`'s default and
    is used on the real recordings; it averages over a 0.667 s beat window
    and finds only every other beat above about 160 BPM (measured: 100 BPM
    on a 200 BPM simulation), so the simulations use "charlton" (MSPTDfast),
    which follows them from 40 to 200 BPM. Charlton is no reference on real
    finger recordings: it counts their second (diastolic) wave as a beat
    (measured: 171 BPM where elgendi and the eye see 64).
    """
    cleaned = nk.ppg_clean(np.asarray(samples, dtype=float),
                           sampling_rate=rate)
    peaks = nk.ppg_findpeaks(cleaned, sampling_rate=rate,
                             method=method)["PPG_Peaks"]
    quality = nk.ppg_quality(cleaned, peaks=peaks, sampling_rate=rate)
    per_second = [float(np.nanmean(quality[i:i + rate]))
                  for i in range(0, len(quality) - rate + 1, rate)]
    return [int(p) for p in peaks], per_second


def write(out, name, kind, source, rate, counts, target=True):
    """Writes one recording; `counts` are 10-bit ADC counts (0-1023).
    `target`: whether the accuracy targets apply (the recordings the issue
    names); the others are scored and shown all the same."""
    method = "elgendi" if kind == "real" else "charlton"
    peaks, quality = reference(counts, rate, method)
    record = {"name": name, "kind": kind, "source": source, "rate_hz": rate,
              "reference": f"neurokit2 {nk.__version__} ppg_clean + "
                           f"ppg_findpeaks(method={method!r})",
              "target": target,
              "samples": [round(float(s), 2) for s in counts],
              "peaks": peaks, "quality": [round(q, 3) for q in quality]}
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(record, f)
    print(f"hr_reference: {name}: {len(counts) / rate:.0f} s at {rate} Hz, "
          f"{len(peaks)} reference beats")


def systole(out, folder):
    archive = pip_download(SYSTOLE, False, folder)
    with tarfile.open(archive) as tar:
        member = tar.getmember("systole-0.3.1/src/systole/datasets/ppg.npy")
        data = np.load(io.BytesIO(tar.extractfile(member).read()))
    # A Nonin finger oximeter's pleth output: 8 bits at 75 Hz, as 10 bits.
    write(out, "systole-finger", "real",
          f"PyPI {SYSTOLE} sdist, src/systole/datasets/ppg.npy", 75,
          data.astype(float) * 4)


def heartpy(out, folder):
    """heartpy's two longer example recordings: 10-bit pulse-sensor
    readings with a time per sample at an uneven rate, interpolated onto an
    even 100 Hz grid. (Its third, data.csv, is 25 s: too short for a 20 s
    window after the detector has settled.)
    """
    wheel = pip_download(HEARTPY, True, folder)
    with zipfile.ZipFile(wheel) as z:
        timed = {n: list(csv.DictReader(io.StringIO(
                     z.read(f"heartpy/data/{n}.csv").decode())))
                 for n in ("data2", "data3")}
    source = f"PyPI {HEARTPY} wheel, heartpy/data/"
    ms = [float(r["timer"]) for r in timed["data2"]]
    values = [float(r["hr"]) for r in timed["data2"]]
    write(out, "heartpy-data2", "real", source + "data2.csv", 100,
          even(ms, values), target=False)
    ms = [datetime.fromisoformat(r["datetime"]).timestamp() * 1000
          for r in timed["data3"]]
    values = [float(r["hr"]) for r in timed["data3"]]
    write(out, "heartpy-data3", "real", source + "data3.csv", 100,
          even(ms, values), target=False)


def even(ms, values):
    """Samples at uneven times (ms) interpolated to 100 Hz."""
    grid = np.arange(ms[0], ms[-1], 10.0)
    return np.interp(grid, np.asarray(ms), np.asarray(values))


def simulated(out):
    for rate in SIMULATED_RATES:
        signal = nk.ppg_simulate(duration=SIMULATED_SECONDS,
                                 sampling_rate=BOARD_RATE, heart_rate=rate,
                                 random_state=rate)
        # Arbitrary units to a 400-count pulse around mid-scale.
        span = np.ptp(signal) or 1.0
        counts = 512 + 400 * (signal - np.mean(signal)) / span
        write(out, f"neurokit2-{rate}bpm", "synthetic",
              f"neurokit2 {nk.__version__} ppg_simulate(heart_rate={rate}, "
              f"random_state={rate})", BOARD_RATE, counts)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: hr_reference.py OUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        systole(out, folder)
        heartpy(out, folder)
    simulated(out)


if __name__ == "__main__":
    main()
