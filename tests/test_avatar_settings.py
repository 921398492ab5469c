"""`AVATAR` configuration: a provider without its credentials is refused at start (a worker
that would discover it mid-interview is worse), and the options the avatar starts with come
from the settings unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from agent.avatar import AvatarOptions, AvatarProvider
from agent.settings import AgentSettings

REQUIRED: dict[str, Any] = {
    "livekit_url": "ws://127.0.0.1:7880",
    "livekit_api_key": "key",
    "livekit_api_secret": "secret-" + "x" * 32,
    "google_api_key": "dummy",
}


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The values below only: nothing from the developer's environment."""
    for name in AgentSettings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def settings(**values: Any) -> AgentSettings:
    given: dict[str, Any] = {**REQUIRED, **values}
    return AgentSettings(_env_file=None, **given)


def test_no_avatar_by_default() -> None:
    assert AvatarOptions.from_settings(settings()) is None


def test_tavus_without_api_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="TAVUS_API_KEY"):
        settings(avatar="tavus")


def test_unknown_provider_is_refused() -> None:
    with pytest.raises(ValidationError, match="avatar"):
        settings(avatar="hedra")


def test_tavus_options_come_from_settings() -> None:
    options = AvatarOptions.from_settings(
        settings(
            avatar="tavus",
            tavus_api_key="tk",
            tavus_replica_id="r1",
            tavus_persona_id="p1",
            tavus_api_url="http://127.0.0.1:9/v2",
            avatar_livekit_url="wss://public.example/lk",
            avatar_price_per_minute_usd=0.25,
        )
    )
    assert options is not None
    assert options.provider is AvatarProvider.TAVUS
    assert (options.tavus_api_key, options.tavus_replica_id, options.tavus_persona_id) == (
        "tk",
        "r1",
        "p1",
    )
    assert options.tavus_api_url == "http://127.0.0.1:9/v2"
    # the provider's worker joins through the public URL; the agent keeps its own
    assert options.livekit_url == "wss://public.example/lk"
    assert options.price_per_minute_usd == 0.25
    assert options.start_timeout_s == 20.0


def test_avatar_livekit_url_defaults_to_livekit_url() -> None:
    options = AvatarOptions.from_settings(settings(avatar="tavus", tavus_api_key="tk"))
    assert options is not None and options.livekit_url == REQUIRED["livekit_url"]
