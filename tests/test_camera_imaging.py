"""The camera's sans-IO cores on rendered frames: sharpness, motion, exposure, presence with
debounce, best-frame selection. Frames come from the document renderer and the camera simulator's
scene (no stream, no thread): the same pictures the MJPEG simulator serves."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from gateway.imaging.best_frame import BestFrameSelector, BestFrameSettings
from gateway.imaging.document_watch import DocumentWatch
from gateway.imaging.frame_measures import ExposureLimits, exposure, grey, motion, motion_grey, sharpness
from gateway.imaging.presence import Placed, PresenceDetector, PresenceSettings, Removed, State
from simulators.camera.scene import FOCUS_FRAMES, SLIDE_FRAMES, Scene
from simulators.documents import Degradation, render
from simulators.documents.profiles import spec_from_profile


@pytest.fixture(scope="module")
def spec():
    return spec_from_profile("td3-bac")


def _jpeg(frame: np.ndarray) -> np.ndarray:
    """What the frame looks like after the stream's JPEG (quality 90), as the reader sees it."""
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


@pytest.fixture(scope="module")
def page_hi(spec) -> np.ndarray:
    """The page photographed at 300 dpi (grey, with sensor noise and a desk around it)."""
    d = render(spec, degradation=Degradation(scene="none", dpi=300, noise=2))
    return grey(cv2.cvtColor(d.image, cv2.COLOR_RGB2BGR))


@pytest.fixture(scope="module")
def page(page_hi) -> np.ndarray:
    """The same picture from a camera with half the resolution (150 dpi on the page)."""
    return cv2.resize(page_hi, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


def _focus_blur(img: np.ndarray, sigma_px: float) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), sigma_px)


def _motion_blur(img: np.ndarray, length_px: int) -> np.ndarray:
    return cv2.filter2D(img, -1, np.full((1, length_px), 1.0 / length_px, np.float32))


@pytest.fixture(scope="module")
def sequence(spec):
    """40 frames: 5 empty, page placed (slide-in, focus settling, still) until 25, then empty."""
    scene = Scene(seed=3)
    frames = []
    for i in range(40):
        if i == 5:
            scene.place(spec)
        if i == 25:
            scene.remove()
        frames.append(_jpeg(scene.next_frame()))
    return frames


# --- per-frame measures ------------------------------------------------------------------------


def test_sharpness_orders_focus_and_ignores_gain(page) -> None:
    sharp, soft, softer = page, _focus_blur(page, 0.8), _focus_blur(page, 1.6)
    assert sharpness(sharp) > 1.5 * sharpness(soft) > 1.5 * sharpness(softer)
    assert sharpness(_motion_blur(page, 6)) < 0.5 * sharpness(sharp)
    dim = (sharp * 0.5).astype(np.uint8)  # half the exposure: the same focus
    assert sharpness(dim) == pytest.approx(sharpness(sharp), rel=0.05)
    assert sharpness(np.full((480, 640), 128, np.uint8)) == 0.0


def test_sharpness_is_scale_aware(page, page_hi) -> None:
    """The same focus blur on the document (in mm) scores alike from a camera with twice the
    resolution, so the thresholds hold for every camera; either resolution's sharp frame scores
    above either's blurred one."""
    for mm in (0.1, 0.2):
        low = sharpness(_focus_blur(page, mm * 150 / 25.4))
        high = sharpness(_focus_blur(page_hi, mm * 300 / 25.4))
        assert high == pytest.approx(low, rel=0.25), mm
    assert min(sharpness(page), sharpness(page_hi)) > 1.4 * max(
        sharpness(_focus_blur(page, 0.1 * 150 / 25.4)), sharpness(_focus_blur(page_hi, 0.1 * 300 / 25.4)))


def test_motion_separates_noise_from_movement(sequence) -> None:
    empty = [motion_grey(grey(f)) for f in sequence[:5]]
    assert max(motion(a, b) for a, b in itertools.pairwise(empty)) < 0.5
    sliding = [motion_grey(grey(f)) for f in sequence[4:5 + SLIDE_FRAMES]]
    assert min(motion(a, b) for a, b in itertools.pairwise(sliding)) > 10
    with pytest.raises(ValueError, match="different sizes"):
        motion(empty[0], empty[0][:-1])


def test_exposure_problems(sequence) -> None:
    limits = ExposureLimits()
    still = grey(sequence[20])
    assert exposure(still).problem(limits) is None
    blown = cv2.convertScaleAbs(still, alpha=1.9, beta=40)
    assert exposure(blown).problem(limits) == "overexposed"
    dark = cv2.convertScaleAbs(still, alpha=0.15)
    assert exposure(dark).problem(limits) == "underexposed"


def test_grey_refuses_what_is_no_frame() -> None:
    with pytest.raises(ValueError, match="grey or BGR"):
        grey(np.zeros((4, 4, 2), np.uint8))


# --- presence ----------------------------------------------------------------------------------


def test_presence_reports_placed_and_removed_after_debounce(sequence) -> None:
    detector = PresenceDetector()
    events = [(i, e) for i, f in enumerate(sequence) for e in detector.feed(f, float(i))]
    debounce = detector.settings.debounce
    # the first document frame is 5; the event comes with the debounce-th frame that shows it
    assert events == [(5 + debounce - 1, Placed(float(5 + debounce - 1))),
                      (25 + debounce - 1, Removed(float(25 + debounce - 1)))]
    assert detector.state is State.ABSENT


def test_presence_ignores_a_passing_hand(sequence) -> None:
    """Two frames of something in view (fewer than the debounce) are no placement."""
    detector = PresenceDetector(PresenceSettings(debounce=3))
    frames = sequence[:5] + sequence[20:22] + sequence[:5]
    assert [e for i, f in enumerate(frames) for e in detector.feed(f, i)] == []


def test_presence_learns_only_a_still_background(sequence) -> None:
    """Frames that move while the empty scene is being learnt restart the learning, so a document
    sliding in at start-up is not taken for the desk."""
    detector = PresenceDetector()
    for i, f in enumerate(sequence[5:5 + SLIDE_FRAMES]):
        assert detector.feed(f, i) == []
        assert detector.state is State.LEARNING


def test_presence_refuses_a_changed_frame_size(sequence) -> None:
    detector = PresenceDetector()
    detector.feed(sequence[0], 0)
    with pytest.raises(ValueError, match="frame size changed"):
        detector.feed(cv2.resize(sequence[0], (640, 360)), 1)


def test_presence_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="remove_fraction < place_fraction"):
        PresenceSettings(place_fraction=0.02, remove_fraction=0.05)


# --- best frame --------------------------------------------------------------------------------


def test_best_frame_is_the_sharp_still_one(sequence) -> None:
    watch = DocumentWatch()
    ready_at = None
    for i, f in enumerate(sequence[:25]):
        watch.feed(f, float(i))
        if ready_at is None and watch.best is not None:
            ready_at = i
    first_sharp = 5 + SLIDE_FRAMES + FOCUS_FRAMES
    assert ready_at is not None and ready_at >= first_sharp
    best = watch.best
    assert best is not None and best.t >= first_sharp  # never a sliding or focusing frame
    sharp_scores = [sharpness(grey(f)) for f in sequence[first_sharp:25]]
    assert best.sharpness == pytest.approx(max(sharp_scores), rel=1e-6)
    focusing = [sharpness(grey(f)) for f in sequence[5 + SLIDE_FRAMES:first_sharp]]
    assert best.sharpness > 1.3 * max(focusing)
    watch.feed(sequence[25], 25.0)
    assert watch.best is None  # the page is lifted: nothing to capture


def test_best_frame_waits_for_the_focus_to_settle(page) -> None:
    """A run of still frames that get sharper each time is not ready; the plateau is."""
    base = page
    selector = BestFrameSelector(BestFrameSettings(settle_frames=3))
    for k, sigma in enumerate((3.0, 2.2, 1.6, 1.1, 0.7)):
        selector.feed(base, cv2.GaussianBlur(base, (0, 0), sigma), 0.1, float(k))
        assert not selector.ready
    for k in range(2):
        selector.feed(base, base, 0.1, 5.0 + k)
    assert selector.ready and selector.best is not None and selector.best.t >= 5.0


def test_best_frame_rejects_moving_and_badly_exposed_frames(page) -> None:
    base = page
    selector = BestFrameSelector(BestFrameSettings(settle_frames=2))
    selector.feed(base, base, 0.1, 0.0)
    selector.feed(base, base, 0.1, 1.0)
    assert selector.ready
    selector.feed(base, base, 12.0, 2.0)
    assert not selector.ready and selector.last_rejection == "moving"
    blown = cv2.convertScaleAbs(base, alpha=1.9, beta=40)
    for k in range(3):
        selector.feed(blown, blown, 0.1, 3.0 + k)
    assert not selector.ready and selector.best is None
    assert selector.rejections.overexposed == 3 and selector.rejections.moving == 1
