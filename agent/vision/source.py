"""Which of the candidate's video tracks feeds the session: camera, or screen share when coding.

How livekit-agents 1.8.9 picks the track: RoomIO's video input accepts both camera and
screen-share publications of the linked participant and follows the one subscribed LAST
(each new track replaces the stream; when it goes away, the first remaining one is taken).
So without help, a screen share would replace the camera in every phase. The input exposes
`set_track_sid(sid)` to pin one publication (None restores the default), which is all we need:
this selector pins the screen share in the screen phases (when one is published) and the
camera otherwise, and re-decides when tracks come and go or the phase changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from livekit import rtc

logger = logging.getLogger("agent.vision")

_TRACK_EVENTS: tuple[rtc.room.EventTypes, ...] = (
    "track_published",
    "track_unpublished",
    "track_subscribed",
    "track_unsubscribed",
)


class PinnableVideoInput(Protocol):
    def set_track_sid(self, track_sid: str | None) -> None: ...


class VideoSourceSelector:
    def __init__(
        self,
        *,
        room: rtc.Room,
        video_input: PinnableVideoInput,
        participant_identity: Callable[[], str | None],
        prefer_screen: Callable[[], bool],
    ) -> None:
        self._room = room
        self._input = video_input
        self._identity = participant_identity
        self._prefer_screen = prefer_screen
        self._pinned: str | None = None
        self._listening = False

    @classmethod
    def for_session(
        cls, session: Any, *, room: rtc.Room, prefer_screen: Callable[[], bool]
    ) -> VideoSourceSelector | None:
        """From a session started with a room and `RoomOptions(video_input=True)`; None when
        the session has no RoomIO video input that can be pinned."""
        try:
            room_io = session.room_io
        except RuntimeError:
            return None
        video_input = room_io.video_input
        if video_input is None or not hasattr(video_input, "set_track_sid"):
            return None

        def identity() -> str | None:
            linked = room_io.linked_participant
            return linked.identity if linked is not None else None

        return cls(
            room=room,
            video_input=video_input,
            participant_identity=identity,
            prefer_screen=prefer_screen,
        )

    def start(self) -> None:
        if not self._listening:
            for event in _TRACK_EVENTS:
                self._room.on(event, self._on_track_event)
            self._listening = True
        self.refresh()

    def close(self) -> None:
        if self._listening:
            for event in _TRACK_EVENTS:
                self._room.off(event, self._on_track_event)
            self._listening = False

    def refresh(self) -> None:
        """Re-decide now (call on phase changes; track events call it themselves)."""
        camera = screen = None
        identity = self._identity()
        participant = self._room.remote_participants.get(identity) if identity else None
        if participant is not None:
            for pub in participant.track_publications.values():
                if pub.kind != rtc.TrackKind.KIND_VIDEO:
                    continue
                if pub.source == rtc.TrackSource.SOURCE_CAMERA and camera is None:
                    camera = pub.sid
                elif pub.source == rtc.TrackSource.SOURCE_SCREENSHARE and screen is None:
                    screen = pub.sid
        wanted = (screen or camera) if self._prefer_screen() else (camera or screen)
        if wanted != self._pinned:
            self._pinned = wanted
            is_screen = wanted is not None and wanted == screen
            logger.debug("video source pinned", extra={"screen": is_screen})
            self._input.set_track_sid(wanted)

    def _on_track_event(self, *_: Any) -> None:
        self.refresh()
