"""The Gemini Live emulator's reading of a `setup` message: validated, then reduced to the
session settings the emulator acts on.

Why validate: the real service closes the websocket with 1007 (invalid payload) and a reason
when a setup carries an unknown field, a malformed model name or a malformed tool, and a
client that sends one never gets `setupComplete`. An emulator that accepts anything lets a
project ship a setup the real service refuses.

What "known" means here: the fields of BidiGenerateContentSetup and its messages as the
installed google-genai client models them (`types.LiveClientSetup`, `GenerationConfig`,
`FunctionDeclaration`, `Schema`, ...). The service parses protobuf JSON, which accepts a field's
lowerCamelCase JSON name and its original snake_case name, so both spellings are accepted
(google-genai itself sends nested objects in snake_case, e.g. `speech_config.voice_config`).
Reasons imitate the service's wording (`Unknown name "x" at 'setup.generation_config': Cannot
find field.`) and are cut to the 123 bytes a websocket close frame can carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_CLOSE_REASON_BYTES = 123

DEFAULT_SILENCE_MS = 600
"""End-of-speech silence when the setup does not set `silenceDurationMs`."""

DEFAULT_COMPRESSION_TRIGGER_TOKENS = 32_000
"""Sliding-window trigger when the setup sets none. An assumption: the service derives its
default from the model's context window; tests that exercise compression set `triggerTokens`."""

SETUP_FIELDS = frozenset(
    {
        "model", "generationConfig", "systemInstruction", "tools", "realtimeInputConfig",
        "sessionResumption", "contextWindowCompression", "inputAudioTranscription",
        "outputAudioTranscription", "proactivity", "historyConfig", "avatarConfig",
        "safetySettings", "explicitVadSignal", "labels",
    }
)  # fmt: skip
GENERATION_CONFIG_FIELDS = frozenset(
    {
        "candidateCount", "maxOutputTokens", "temperature", "topP", "topK", "presencePenalty",
        "frequencyPenalty", "responseModalities", "speechConfig", "mediaResolution", "seed",
        "thinkingConfig", "enableAffectiveDialog", "translationConfig", "audioTranscriptionConfig",
        "enableEnhancedCivicAnswers", "modelSelectionConfig",
        # GenerateContent fields the Live API documents as unsupported: known, but refused
        "responseLogprobs", "logprobs", "responseMimeType", "responseSchema",
        "responseJsonSchema", "responseFormat", "stopSequences", "routingConfig",
        "audioTimestamp",
    }
)  # fmt: skip
UNSUPPORTED_IN_LIVE = frozenset(
    {
        "responseLogprobs", "logprobs", "responseMimeType", "responseSchema",
        "responseJsonSchema", "responseFormat", "stopSequences", "routingConfig",
        "audioTimestamp",
    }
)  # fmt: skip
SPEECH_CONFIG_FIELDS = frozenset({"voiceConfig", "languageCode", "multiSpeakerVoiceConfig"})
VOICE_CONFIG_FIELDS = frozenset({"prebuiltVoiceConfig", "replicatedVoiceConfig", "voice"})
THINKING_CONFIG_FIELDS = frozenset({"includeThoughts", "thinkingBudget", "thinkingLevel"})
CONTENT_FIELDS = frozenset({"parts", "role"})
TOOL_FIELDS = frozenset(
    {
        "functionDeclarations", "googleSearch", "googleSearchRetrieval", "codeExecution",
        "urlContext", "computerUse", "fileSearch", "googleMaps", "mcpServers", "retrieval",
        "enterpriseWebSearch",
    }
)  # fmt: skip
FUNCTION_DECLARATION_FIELDS = frozenset(
    {"name", "description", "parameters", "parametersJsonSchema", "response",
     "responseJsonSchema", "behavior"}
)  # fmt: skip
SCHEMA_FIELDS = frozenset(
    {
        "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems",
        "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength",
        "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum",
        "maximum",
    }
)  # fmt: skip
SCHEMA_TYPES = frozenset(
    {"TYPE_UNSPECIFIED", "STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"}
)
REALTIME_INPUT_CONFIG_FIELDS = frozenset(
    {"automaticActivityDetection", "activityHandling", "turnCoverage",
     "interimTranscriptTimestampEnabled"}
)  # fmt: skip
ACTIVITY_DETECTION_FIELDS = frozenset(
    {"disabled", "startOfSpeechSensitivity", "endOfSpeechSensitivity", "prefixPaddingMs",
     "silenceDurationMs"}
)  # fmt: skip
ACTIVITY_HANDLING = frozenset(
    {"ACTIVITY_HANDLING_UNSPECIFIED", "START_OF_ACTIVITY_INTERRUPTS", "NO_INTERRUPTION"}
)
SESSION_RESUMPTION_FIELDS = frozenset({"handle", "transparent"})
COMPRESSION_FIELDS = frozenset({"triggerTokens", "slidingWindow"})
SLIDING_WINDOW_FIELDS = frozenset({"targetTokens"})
TRANSCRIPTION_FIELDS = frozenset(
    {"languageCodes", "languageHints", "languageAuto", "adaptationPhrases", "customVocabulary",
     "diarization", "mode", "sourceText", "wordTimestamp"}
)  # fmt: skip
RESPONSE_MODALITIES = frozenset({"TEXT", "AUDIO"})

_MODEL_NAME = re.compile(r"^models/[a-z0-9](?:[a-z0-9.\-]*[a-z0-9])?$")
_FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:\-]{0,127}$")


class SetupRejected(ValueError):
    """The setup is invalid: the emulator closes the connection with 1007 and `reason`."""

    @property
    def reason(self) -> str:
        return close_reason(str(self))


def close_reason(text: str) -> str:
    """`text` cut to what a websocket close frame carries (123 bytes of UTF-8)."""
    data = text.encode()
    if len(data) <= MAX_CLOSE_REASON_BYTES:
        return text
    return data[: MAX_CLOSE_REASON_BYTES - 3].decode(errors="ignore") + "..."


@dataclass(frozen=True)
class SessionConfig:
    """What a validated setup asks of the session, in the emulator's terms."""

    model: str
    input_transcription: bool
    output_transcription: bool
    resumption: bool
    """The setup carried `sessionResumption`: the service hands out resumption handles."""
    resume_handle: str | None
    silence_ms: int | None
    automatic_activity_detection: bool
    """False: the client marks speech with `activityStart`/`activityEnd` itself."""
    barge_in: bool
    """Speech while the model answers interrupts it (False for `NO_INTERRUPTION`)."""
    compression_trigger_tokens: int | None
    """Set when the setup enables sliding-window compression."""
    compression_target_tokens: int | None
    system_text: str
    tools_text: str


def _snake_to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _fields(obj: Any, where: str, known: frozenset[str]) -> dict[str, Any]:
    """One message's fields by their camelCase names; unknown names rejected as the service
    does. `where` is the snake_case path the service's messages use."""
    if not isinstance(obj, dict):
        raise SetupRejected(f"Invalid value at '{where}': expected an object")
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = _snake_to_camel(key) if "_" in key else key
        if name not in known:
            raise SetupRejected(
                f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': "
                "Cannot find field."
            )
        if name in out:
            raise SetupRejected(f"Invalid JSON payload received. Field '{where}.{key}' set twice")
        out[name] = value
    return out


def _number(value: Any, where: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SetupRejected(f"Invalid value at '{where}' (TYPE_FLOAT), {value!r}")
    if not low <= value <= high:
        raise SetupRejected(f"{where} must be between {low:g} and {high:g}, got {value:g}")
    return float(value)


def _int(value: Any, where: str, *, low: int = 0) -> int:
    """proto int32/int64: a JSON number, or (int64) a decimal string."""
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SetupRejected(f"Invalid value at '{where}' (TYPE_INT64), {value!r}")
    if value < low:
        raise SetupRejected(f"{where} must be at least {low}, got {value}")
    return value


def _content_text(obj: Any, where: str) -> str:
    content = _fields(obj, where, CONTENT_FIELDS)
    parts = content.get("parts") or []
    if not isinstance(parts, list):
        raise SetupRejected(f"Invalid value at '{where}.parts': expected a list")
    texts = []
    for i, part in enumerate(parts):
        if not isinstance(part, dict):
            raise SetupRejected(f"Invalid value at '{where}.parts[{i}]': expected an object")
        text = part.get("text")
        if text is not None:
            if not isinstance(text, str):
                raise SetupRejected(f"Invalid value at '{where}.parts[{i}].text'")
            texts.append(text)
    return "".join(texts)


def _schema(obj: Any, where: str) -> None:
    schema = _fields(obj, where, SCHEMA_FIELDS)
    kind = schema.get("type")
    if kind is not None and kind not in SCHEMA_TYPES:
        raise SetupRejected(f"Invalid value at '{where}.type' (Type), \"{kind}\"")
    properties = schema.get("properties") or {}
    if not isinstance(properties, dict):
        raise SetupRejected(f"Invalid value at '{where}.properties': expected an object")
    for name, sub in properties.items():
        _schema(sub, f"{where}.properties[{name}]")
    if "items" in schema:
        _schema(schema["items"], f"{where}.items")
    for i, sub in enumerate(schema.get("anyOf") or []):
        _schema(sub, f"{where}.any_of[{i}]")
    required = schema.get("required") or []
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise SetupRejected(f"Invalid value at '{where}.required': expected a list of names")
    missing = [r for r in required if r not in properties]
    if missing:
        raise SetupRejected(f"{where}.required names {missing[0]!r}, which is not a property")
    enum = schema.get("enum")
    if enum is not None and (
        not isinstance(enum, list) or not all(isinstance(e, str) for e in enum)
    ):
        raise SetupRejected(f"Invalid value at '{where}.enum': expected a list of strings")


def _tools(obj: Any) -> str:
    """Validate the tools; a text standing for them in the context (they cost prompt tokens)."""
    if not isinstance(obj, list):
        raise SetupRejected("Invalid value at 'setup.tools': expected a list")
    names: list[str] = []
    text: list[str] = []
    for t, tool in enumerate(obj):
        where = f"setup.tools[{t}]"
        fields = _fields(tool, where, TOOL_FIELDS)
        if not fields:
            raise SetupRejected(f"{where} declares no tool")
        decls = fields.get("functionDeclarations", [])
        if not isinstance(decls, list):
            raise SetupRejected(f"Invalid value at '{where}.function_declarations'")
        for d, decl in enumerate(decls):
            dwhere = f"{where}.function_declarations[{d}]"
            fd = _fields(decl, dwhere, FUNCTION_DECLARATION_FIELDS)
            name = fd.get("name")
            if not isinstance(name, str) or not _FUNCTION_NAME.match(name):
                raise SetupRejected(f"{dwhere}.name: invalid function name {name!r}")
            if name in names:
                raise SetupRejected(f"Duplicate function declaration: {name}")
            if "parameters" in fd and "parametersJsonSchema" in fd:
                raise SetupRejected(f"{dwhere}: set parameters or parameters_json_schema, not both")
            if "parameters" in fd:
                _schema(fd["parameters"], f"{dwhere}.parameters")
            if "parametersJsonSchema" in fd and not isinstance(fd["parametersJsonSchema"], dict):
                raise SetupRejected(f"Invalid value at '{dwhere}.parameters_json_schema'")
            names.append(name)
            text.append(f"{name}: {fd.get('description', '')} {fd.get('parameters', '')}")
    return "\n".join(text)


def _generation_config(obj: Any) -> None:
    where = "setup.generation_config"
    gc = _fields(obj, where, GENERATION_CONFIG_FIELDS)
    for name in gc.keys() & UNSUPPORTED_IN_LIVE:
        raise SetupRejected(f"{_camel_to_snake(name)} is not supported in the Live API")
    if "temperature" in gc:
        _number(gc["temperature"], f"{where}.temperature", low=0.0, high=2.0)
    if "topP" in gc:
        _number(gc["topP"], f"{where}.top_p", low=0.0, high=1.0)
    if "topK" in gc:
        _int(gc["topK"], f"{where}.top_k", low=1)
    if "candidateCount" in gc and _int(gc["candidateCount"], f"{where}.candidate_count") != 1:
        raise SetupRejected("Only one candidate is supported in the Live API")
    if "maxOutputTokens" in gc:
        _int(gc["maxOutputTokens"], f"{where}.max_output_tokens", low=1)
    modalities = gc.get("responseModalities", ["AUDIO"])
    if (
        not isinstance(modalities, list)
        or len(modalities) != 1
        or modalities[0] not in RESPONSE_MODALITIES
    ):
        raise SetupRejected(
            f"{where}.response_modalities must be exactly one of TEXT or AUDIO, got {modalities}"
        )
    if "speechConfig" in gc:
        speech = _fields(gc["speechConfig"], f"{where}.speech_config", SPEECH_CONFIG_FIELDS)
        if "voiceConfig" in speech:
            _fields(
                speech["voiceConfig"], f"{where}.speech_config.voice_config", VOICE_CONFIG_FIELDS
            )
    if "thinkingConfig" in gc:
        _fields(gc["thinkingConfig"], f"{where}.thinking_config", THINKING_CONFIG_FIELDS)


def parse_setup(message: Any) -> SessionConfig:
    """Validate a client's `setup` and return what it asks for; `SetupRejected` if invalid."""
    setup = _fields(message, "setup", SETUP_FIELDS)
    model = setup.get("model")
    if not model:
        raise SetupRejected("setup.model is required")
    if not isinstance(model, str) or not _MODEL_NAME.match(model):
        raise SetupRejected(f"setup.model: invalid model name {model!r}, expected models/<id>")
    _generation_config(setup.get("generationConfig", {}))

    system_text = ""
    if "systemInstruction" in setup:
        system_text = _content_text(setup["systemInstruction"], "setup.system_instruction")
    tools_text = _tools(setup.get("tools", []))

    ric = _fields(
        setup.get("realtimeInputConfig", {}),
        "setup.realtime_input_config",
        REALTIME_INPUT_CONFIG_FIELDS,
    )
    handling = ric.get("activityHandling", "ACTIVITY_HANDLING_UNSPECIFIED")
    if handling not in ACTIVITY_HANDLING:
        raise SetupRejected(
            f"Invalid value at 'setup.realtime_input_config.activity_handling', {handling!r}"
        )
    aad = _fields(
        ric.get("automaticActivityDetection", {}),
        "setup.realtime_input_config.automatic_activity_detection",
        ACTIVITY_DETECTION_FIELDS,
    )
    silence_ms = None
    if "silenceDurationMs" in aad:
        silence_ms = _int(
            aad["silenceDurationMs"],
            "setup.realtime_input_config.automatic_activity_detection.silence_duration_ms",
        )

    resumption = "sessionResumption" in setup
    sr = _fields(
        setup.get("sessionResumption", {}), "setup.session_resumption", SESSION_RESUMPTION_FIELDS
    )
    if sr.get("transparent"):
        raise SetupRejected("transparent session resumption is not supported in the Gemini API")
    handle = sr.get("handle")
    if handle is not None and not isinstance(handle, str):
        raise SetupRejected("Invalid value at 'setup.session_resumption.handle'")

    trigger = target = None
    if "contextWindowCompression" in setup:
        cwc = _fields(
            setup["contextWindowCompression"],
            "setup.context_window_compression",
            COMPRESSION_FIELDS,
        )
        if "slidingWindow" not in cwc:
            raise SetupRejected("setup.context_window_compression needs a compression mechanism")
        sw = _fields(
            cwc["slidingWindow"],
            "setup.context_window_compression.sliding_window",
            SLIDING_WINDOW_FIELDS,
        )
        if "triggerTokens" in cwc:
            trigger = _int(
                cwc["triggerTokens"], "setup.context_window_compression.trigger_tokens", low=1
            )
        if "targetTokens" in sw:
            target = _int(
                sw["targetTokens"],
                "setup.context_window_compression.sliding_window.target_tokens",
                low=0,
            )
        trigger = trigger or DEFAULT_COMPRESSION_TRIGGER_TOKENS
        target = target if target is not None else trigger // 2
        if target >= trigger:
            raise SetupRejected("sliding_window.target_tokens must be below trigger_tokens")

    for name in ("inputAudioTranscription", "outputAudioTranscription"):
        if name in setup:
            _fields(setup[name], f"setup.{_camel_to_snake(name)}", TRANSCRIPTION_FIELDS)

    return SessionConfig(
        model=model,
        input_transcription="inputAudioTranscription" in setup,
        output_transcription="outputAudioTranscription" in setup,
        resumption=resumption,
        resume_handle=handle or None,
        silence_ms=silence_ms,
        automatic_activity_detection=not aad.get("disabled", False),
        barge_in=handling != "NO_INTERRUPTION",
        compression_trigger_tokens=trigger,
        compression_target_tokens=target,
        system_text=system_text,
        tools_text=tools_text,
    )
