"""What the agent container grants sandbox/ (bubblewrap), and what the image must carry for it.

No Docker engine runs here, so these tests pin the configuration: the seccomp profile refuses
what Docker's default refuses except the calls bwrap needs, compose applies it with no
capabilities, and the image ships every package the wheel lists plus the candidates' toolchains.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from sandbox.settings import SandboxSettings

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "deploy" / "seccomp-sandbox.json"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"

BWRAP_NEEDS = {"clone", "clone3", "unshare", "mount", "umount2", "pivot_root", "prctl"}
"""What bwrap calls to build the sandbox inside an unprivileged user namespace."""

NEVER_IN_AN_INTERVIEW = {
    "ptrace",
    "process_vm_readv",
    "bpf",
    "keyctl",
    "kexec_load",
    "init_module",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "open_by_handle_at",
    "setns",
    "reboot",
}


def _denied(profile: dict[str, Any]) -> set[str]:
    return {
        name
        for rule in profile["syscalls"]
        if rule["action"] == "SCMP_ACT_ERRNO"
        for name in rule["names"]
    }


def test_seccomp_profile_allows_bwrap_and_refuses_kernel_attack_surface() -> None:
    profile = json.loads(PROFILE.read_text())
    assert profile["defaultAction"] == "SCMP_ACT_ALLOW"
    assert "SCMP_ARCH_X86_64" in profile["architectures"]
    denied = _denied(profile)
    assert not denied & BWRAP_NEEDS
    assert denied >= NEVER_IN_AN_INTERVIEW


def test_compose_runs_the_agent_with_the_profile_and_no_capabilities() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    agent = compose["services"]["agent"]
    seccomp = [o for o in agent["security_opt"] if o.startswith("seccomp=")]
    assert seccomp == ["seccomp=./deploy/seccomp-sandbox.json"]
    assert (ROOT / seccomp[0].removeprefix("seccomp=")).is_file()
    assert agent["cap_drop"] == ["ALL"]
    assert not agent.get("privileged") and not agent.get("cap_add")
    # Docker masks /proc: the sandbox must not try to mount a fresh one there
    assert agent["environment"]["SANDBOX_MOUNT_PROC"] == "false"
    assert "mount_proc" in SandboxSettings.model_fields


def test_the_image_copies_every_package_the_wheel_builds() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    text = DOCKERFILE.read_text()
    missing = [p for p in packages if f"COPY {p}/ {p}/" not in text]
    assert not missing, f"uv sync in the image fails without these sources: {missing}"


def test_the_agent_image_carries_the_candidates_toolchains() -> None:
    text = DOCKERFILE.read_text()
    agent_stage = re.split(r"^FROM \S+ AS agent$", text, flags=re.MULTILINE)[1]
    agent_stage = re.split(r"^FROM ", agent_stage, flags=re.MULTILINE)[0]
    for package in ("bubblewrap", "g++", "nodejs", "python3-minimal"):
        assert re.search(rf"apt-get install [^\n]*\b{re.escape(package)}(\s|$)", agent_stage), (
            package
        )
