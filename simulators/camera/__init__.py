"""A simulated document camera: an MJPEG-over-HTTP stream of a desk on which a rendered document
page is placed and removed on command (`gateway-sim camera`), with stream faults."""

from .scene import Scene, desk_background
from .server import BOUNDARY, STREAM_PATH, CameraServer, Faults

__all__ = ["BOUNDARY", "STREAM_PATH", "CameraServer", "Faults", "Scene", "desk_background"]
