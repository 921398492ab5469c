"""The one place an interview's AgentSession and its models are built.

`build_session` is what the worker calls and what helpers hook into: pass `video_sampler`
(the vision helper) or extra `session_options` here instead of building another session.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

from google.genai import types
from livekit.agents import AgentSession, llm, vad
from livekit.agents.llm.realtime_fallback_adapter import (
    RealtimeModelFallbackAdapter,
    _FallbackRealtimeSession,
)
from livekit.agents.types import NOT_GIVEN, NotGivenOr
from livekit.agents.utils import is_given
from livekit.plugins import google, silero

from .interview_context import InterviewContext
from .settings import AgentSettings

logger = logging.getLogger("agent.session")

RECONNECT_PROMPT = (
    "The connection was briefly interrupted. If the candidate's last answer is complete, "
    "respond to it; otherwise ask them to continue. Do not repeat your previous turn."
)


def load_vad(settings: AgentSettings) -> vad.VAD:
    """Silero VAD tuned for interviews: ~0.4 s of silence ends a speech segment, activation
    0.5, and a buffer long enough for answers well over 30 s. Blocking; call in prewarm."""
    return silero.VAD.load(
        min_speech_duration=settings.vad_min_speech_s,
        min_silence_duration=settings.vad_min_silence_s,
        activation_threshold=settings.vad_activation_threshold,
        max_buffered_speech=settings.vad_max_buffered_speech_s,
    )


def build_realtime_model(
    settings: AgentSettings, *, model: str | None = None
) -> google.realtime.RealtimeModel:
    """Gemini Live with transcription both ways, session resumption (reconnects continue the
    same conversation) and sliding-window context compression (audio+video sessions end after
    ~2 minutes without it). `model` overrides `gemini_live_model` (the failover's fallback)."""
    http_options: NotGivenOr[types.HttpOptions] = NOT_GIVEN
    if settings.gemini_base_url or settings.gemini_ca_file:
        ssl_context = (
            ssl.create_default_context(cafile=str(settings.gemini_ca_file))
            if settings.gemini_ca_file
            else None
        )
        http_options = types.HttpOptions(
            base_url=settings.gemini_base_url,
            async_client_args={"ssl": ssl_context} if ssl_context is not None else None,
        )
    return google.realtime.RealtimeModel(
        api_key=settings.google_api_key.get_secret_value(),
        model=model or settings.gemini_live_model,
        voice=settings.gemini_voice,
        temperature=settings.gemini_temperature,
        input_audio_transcription=types.AudioTranscriptionConfig(),
        output_audio_transcription=types.AudioTranscriptionConfig(),
        session_resumption=types.SessionResumptionConfig(),
        context_window_compression=types.ContextWindowCompressionConfig(
            sliding_window=types.SlidingWindow()
        ),
        realtime_input_config=types.RealtimeInputConfig(
            automatic_activity_detection=types.AutomaticActivityDetection(
                silence_duration_ms=settings.gemini_silence_ms
            )
        ),
        http_options=http_options,
    )


def build_session(
    ictx: InterviewContext,
    *,
    llm_model: llm.LLM[Any] | llm.RealtimeModel,
    vad_model: vad.VAD | None,
    video_sampler: NotGivenOr[Any] = NOT_GIVEN,
    **session_options: Any,
) -> AgentSession[InterviewContext]:
    """The interview's AgentSession. With a realtime model Gemini detects turns (barge-in is
    on: its `interrupted` stops our playout); the local VAD drives user state (silence
    patience, latency). `user_away_timeout` is off: the pacer owns silence handling because
    its patience depends on the phase."""
    realtime = isinstance(llm_model, llm.RealtimeModel)
    options: dict[str, Any] = {
        "turn_handling": {"turn_detection": "realtime_llm" if realtime else None},
        "user_away_timeout": None,
    }
    if not realtime and vad_model is not None:
        options["turn_handling"] = {"turn_detection": "vad"}
    options.update(session_options)
    return AgentSession[InterviewContext](
        llm=llm_model,
        vad=vad_model,
        userdata=ictx,
        video_sampler=video_sampler,
        **options,
    )


def force_reconnect(session: AgentSession[Any], *, voice: str) -> bool:
    """Make the Gemini plugin drop a stalled Live connection and reconnect with its session
    resumption handle. The plugin has no public "reconnect": changing a connection option
    (the voice) is its documented restart path, so we change it and immediately restore it;
    the new connection is built with the restored value. Returns False for other models."""
    try:
        rt: Any = session.current_agent.realtime_llm_session
    except RuntimeError:
        return False
    if isinstance(rt, _FallbackRealtimeSession):
        # the failover adapter's wrapper (agent/model_failover.py): restart the model that is
        # serving now; the adapter has no public accessor for it
        rt = rt._active
    if not isinstance(rt.realtime_model, google.realtime.RealtimeModel):
        return False
    restart: Any = rt.update_options  # the Gemini session's, which takes `voice`
    restart(voice=voice + "-reconnect")
    restart(voice=voice)
    return True


def set_end_of_speech_silence(session: AgentSession[Any], *, silence_ms: int, voice: str) -> bool:
    """Change Gemini's server-side end-of-speech silence. The Live API reads
    `realtime_input_config` only in the connection's setup and the plugin's `update_options`
    does not take it, so the model's options are changed and the connection restarted with
    its resumption handle (the conversation continues). Returns False for other models."""
    models = gemini_models(session.llm)
    if not models:
        return False
    for model in models:  # primary and fallback alike: a later failover keeps the setting
        opts = model._opts  # the plugin's options object, shared with its sessions; no setter
        current = (
            opts.realtime_input_config
            if is_given(opts.realtime_input_config)
            else types.RealtimeInputConfig()
        )
        detection = current.automatic_activity_detection or types.AutomaticActivityDetection()
        opts.realtime_input_config = current.model_copy(
            update={
                "automatic_activity_detection": detection.model_copy(
                    update={"silence_duration_ms": silence_ms}
                )
            }
        )
    return force_reconnect(session, voice=voice)


def gemini_models(model: Any) -> list[google.realtime.RealtimeModel]:
    """The Gemini models behind a session's model: itself, or those of the failover adapter
    (`RealtimeModelFallbackAdapter` keeps them in `_models`, with no public accessor)."""
    if isinstance(model, google.realtime.RealtimeModel):
        return [model]
    if isinstance(model, RealtimeModelFallbackAdapter):
        return [m for m in model._models if isinstance(m, google.realtime.RealtimeModel)]
    return []
