"""The document camera's figures: what the imaging cores cost per frame, and how long the real stack
takes from a page put down to the placed event and to the frame `capture` returns.

Run: `.venv/bin/python benchmarks/camera_bench.py [--runs N] [--fps F] [--size WxH]`.

* Cores (in-process, no I/O): per-frame cost of `DocumentWatch.feed` on 1280x960 (or --size) frames
  of the camera simulator's scene, split into an empty desk (presence only) and a placed page
  (presence + exposure + sharpness), next to the cost of the JPEG decode every frame needs anyway
  (the peer figure: the cores should cost less than decoding).
* Real stack: the MJPEG simulator on a loopback TCP port, OpenCV/FFmpeg reading it, the camera
  driver's thread. "placed" = `place` returned (page rendered) -> DocumentPlaced.at; "capture" ->
  the best frame's taken_at; frames to best = frames from the first frame showing the page to the
  chosen one, at --fps.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _ms(values: list[float]) -> str:
    lo, mid, hi = (x * 1000 for x in (min(values), statistics.median(values), max(values)))
    return f"median {mid:.1f} ms (min {lo:.1f}, max {hi:.1f})"


def bench_cores(width: int, height: int, spec) -> None:
    import cv2

    from gateway.imaging.document_watch import DocumentWatch
    from simulators.camera import Scene
    from simulators.camera.scene import FOCUS_FRAMES, SLIDE_FRAMES

    scene = Scene(width, height)
    jpegs = [cv2.imencode(".jpg", scene.next_frame(), [cv2.IMWRITE_JPEG_QUALITY, 90])[1] for _ in range(20)]
    scene.place(spec)
    jpegs += [cv2.imencode(".jpg", scene.next_frame(), [cv2.IMWRITE_JPEG_QUALITY, 90])[1] for _ in range(40)]
    t = time.perf_counter()
    frames = [cv2.imdecode(j, cv2.IMREAD_COLOR) for j in jpegs]
    decode = (time.perf_counter() - t) / len(jpegs)
    first = 20  # the first frame that shows the page
    for _ in range(3):
        watch = DocumentWatch()
        empty, placed = [], []
        placed_at = ready_at = chosen = None
        for i, f in enumerate(frames):
            t = time.perf_counter()
            events = watch.feed(f, float(i))
            (placed if watch.present else empty).append(time.perf_counter() - t)
            if events and placed_at is None:
                placed_at = i
            if watch.best is not None and ready_at is None:
                ready_at, chosen = i, int(watch.best.t)
    print(f"frames from the first showing the page (slide-in {SLIDE_FRAMES}, focus {FOCUS_FRAMES}): placed event "
          f"at +{placed_at - first}, best frame ready at +{ready_at - first}, chosen frame +{chosen - first}")
    print(f"cores at {width}x{height}: empty desk {statistics.median(empty) * 1000:.2f} ms/frame, "
          f"page placed {statistics.median(placed) * 1000:.2f} ms/frame; JPEG decode {decode * 1000:.2f} ms/frame "
          f"(cores/decode {statistics.median(placed) / decode:.2f})")


def bench_stack(runs: int, fps: float, width: int, height: int, spec) -> None:
    from gateway.drivers.camera import CameraReader
    from gateway.drivers.document_reader import DocumentPlaced, DocumentRemoved, Light
    from simulators.camera import CameraServer, Scene

    placed_lat, capture_lat = [], []
    with CameraServer(Scene(width, height), fps=fps) as cam, CameraReader(cam.url, timeout_s=3.0) as reader:
        reader.wait_event(1.0)
        for _ in range(runs):
            cam.place(spec)
            t0 = time.monotonic()
            event = reader.wait_event(5.0)
            assert isinstance(event, DocumentPlaced), event
            [shot] = reader.capture([Light.WHITE])
            placed_lat.append(event.at - t0)
            capture_lat.append(shot.taken_at - t0)
            cam.remove()
            while not isinstance(reader.wait_event(5.0), DocumentRemoved):
                pass
    print(f"real stack, {width}x{height} at {fps:g} fps, {runs} placements:")
    print(f"  page placed -> DocumentPlaced: {_ms(placed_lat)}")
    print(f"  page placed -> best frame taken: {_ms(capture_lat)} (frame interval {1000 / fps:.0f} ms)")
    st = reader.stats
    print(f"  frames {st.frames}, corrupt {st.corrupt_frames}, connections {st.connections}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--size", default="1280x960")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.lower().split("x"))
    from simulators.documents.profiles import spec_from_profile

    spec = spec_from_profile("td3-bac")
    bench_cores(width, height, spec)
    bench_stack(args.runs, args.fps, width, height, spec)


if __name__ == "__main__":
    main()
