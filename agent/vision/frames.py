"""What flows from the sampler to the analysis: a sampled frame with its time, phase and source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from livekit import rtc

FrameSource = Literal["camera", "screen", "unknown"]
RGBImage = npt.NDArray[np.uint8]

_ALPHA_ORDERS = {
    rtc.VideoBufferType.RGBA: (0, 1, 2),
    rtc.VideoBufferType.BGRA: (2, 1, 0),
    rtc.VideoBufferType.ARGB: (1, 2, 3),
    rtc.VideoBufferType.ABGR: (3, 2, 1),
}


@dataclass(frozen=True)
class SampledFrame:
    frame: rtc.VideoFrame
    at: float
    """Epoch seconds when the sampler accepted it."""
    phase: str | None
    source: FrameSource


def to_rgb(frame: rtc.VideoFrame) -> RGBImage:
    """H×W×3 uint8 RGB. Runs on the analysis thread: conversion is not free at 30 fps."""
    order = _ALPHA_ORDERS.get(frame.type)
    if order is not None:
        rgba = np.frombuffer(frame.data, dtype=np.uint8).reshape(frame.height, frame.width, 4)
        return np.ascontiguousarray(rgba[:, :, list(order)])
    if frame.type != rtc.VideoBufferType.RGB24:
        frame = frame.convert(rtc.VideoBufferType.RGB24)  # I420, NV12, ... (native, fast)
    return np.frombuffer(frame.data, dtype=np.uint8).reshape(frame.height, frame.width, 3).copy()


def source_of(video_input: Any) -> FrameSource:
    """Which kind of track feeds the session's video input right now.

    RoomIO's participant video stream accepts camera and screen-share tracks and exposes the
    current one as `publication_source`; custom inputs may set the same attribute (or wrap a
    source that does). Anything else is "unknown", analysed as if it were a camera.
    """
    seen = 0
    while video_input is not None and seen < 8:
        source = getattr(video_input, "publication_source", None)
        if source == rtc.TrackSource.SOURCE_SCREENSHARE:
            return "screen"
        if source == rtc.TrackSource.SOURCE_CAMERA:
            return "camera"
        video_input = getattr(video_input, "source", None)
        seen += 1
    return "unknown"
