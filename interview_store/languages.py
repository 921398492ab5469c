"""The languages an interview can be held in, and how each is named for people and models.

The list is Gemini Live's documented one (the "supported languages" table of Google's Live
API "configure language and voice" page: 24 languages with BCP-47 codes), plus Mandarin
Chinese, which the older edition of that page listed as `cmn-CN` and the issue requires.
Native-audio Live models ignore `speech_config.language_code` and follow the language named
in the system instructions (same page), so the interviewer's instructions always name the
language; `live_code` is only handed to models that take it.

One place for the list: the token server validates `language` against it, the planner and
the evaluator name the language from it, the browser's form gets it from the JSON Schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Language:
    code: str
    """What the API takes and the record stores (ISO 639-1, lower case)."""
    english_name: str
    native_name: str
    live_code: str
    """BCP-47 code in Gemini Live's table."""


LANGUAGES: Final[dict[str, Language]] = {
    lang.code: lang
    for lang in (
        Language("en", "English", "English", "en-US"),
        Language("es", "Spanish", "Español", "es-US"),
        Language("fr", "French", "Français", "fr-FR"),
        Language("de", "German", "Deutsch", "de-DE"),
        Language("pt", "Portuguese", "Português", "pt-BR"),
        Language("hi", "Hindi", "हिन्दी", "hi-IN"),
        Language("ja", "Japanese", "日本語", "ja-JP"),
        Language("zh", "Chinese (Mandarin)", "中文", "cmn-CN"),
        Language("ar", "Arabic", "العربية", "ar-EG"),
        Language("bn", "Bengali", "বাংলা", "bn-BD"),
        Language("id", "Indonesian", "Bahasa Indonesia", "id-ID"),
        Language("it", "Italian", "Italiano", "it-IT"),
        Language("ko", "Korean", "한국어", "ko-KR"),
        Language("mr", "Marathi", "मराठी", "mr-IN"),
        Language("nl", "Dutch", "Nederlands", "nl-NL"),
        Language("pl", "Polish", "Polski", "pl-PL"),
        Language("ro", "Romanian", "Română", "ro-RO"),
        Language("ru", "Russian", "Русский", "ru-RU"),
        Language("ta", "Tamil", "தமிழ்", "ta-IN"),
        Language("te", "Telugu", "తెలుగు", "te-IN"),
        Language("th", "Thai", "ไทย", "th-TH"),
        Language("tr", "Turkish", "Türkçe", "tr-TR"),
        Language("uk", "Ukrainian", "Українська", "uk-UA"),
        Language("vi", "Vietnamese", "Tiếng Việt", "vi-VN"),
    )
}

DEFAULT_LANGUAGE: Final = "en"
DURATION_MINUTES: Final[tuple[int, ...]] = (15, 30, 45, 60)
"""The lengths the form offers; pacing and the number of planned questions scale with it."""


def language_name(code: str) -> str:
    """'Spanish (Español)' for 'es'; the code itself for anything unknown."""
    lang = LANGUAGES.get(code)
    if lang is None:
        return code
    if lang.native_name == lang.english_name:
        return lang.english_name
    return f"{lang.english_name} ({lang.native_name})"
