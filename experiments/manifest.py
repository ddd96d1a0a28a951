"""Provenance written next to every result: spec, seeds, code and package versions, timings."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

TRACKED_PACKAGES: tuple[str, ...] = (
    "mesa", "numpy", "scipy", "pandas", "matplotlib", "SALib", "pyarrow", "dask",
    "distributed", "pydantic", "PyYAML", "networkx",
)
"""Packages whose versions can change results, recorded in every manifest."""

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def code_version() -> dict[str, Any]:
    """Package version plus the git commit and whether the work tree had local changes."""
    info: dict[str, Any] = {"xbsim": _installed_version("xbsim")}
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True,
            check=True, timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()
        info.update(git_commit=commit, git_dirty=bool(dirty))
    except (OSError, subprocess.SubprocessError):
        info.update(git_commit=None, git_dirty=None)
    return info


def _installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def package_versions() -> dict[str, str | None]:
    """Versions of the packages in :data:`TRACKED_PACKAGES` and of Python itself."""
    versions = {name: _installed_version(name) for name in TRACKED_PACKAGES}
    versions["python"] = platform.python_version()
    return versions


def spec_hash(spec_json: str) -> str:
    """Short SHA-256 of a canonical JSON spec: the identity of what was run."""
    return hashlib.sha256(spec_json.encode()).hexdigest()[:16]


def build_manifest(spec: Any, seeds: list[int], timings: dict[str, float], **extra: Any
                   ) -> dict[str, Any]:
    """The manifest for one result folder."""
    spec_json = spec.model_dump_json() if hasattr(spec, "model_dump_json") else json.dumps(spec)
    return {
        "spec": json.loads(spec_json),
        "spec_hash": spec_hash(spec_json),
        "seeds": [int(s) for s in seeds],
        "code": code_version(),
        "packages": package_versions(),
        "platform": {"system": platform.platform(), "machine": platform.machine(),
                     "cpus": os.cpu_count(), "python_executable": sys.executable},
        "timings_s": {k: round(float(v), 3) for k, v in timings.items()},
        **extra,
    }


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new content, never a partial one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest.json`` into ``folder`` atomically."""
    path = Path(folder) / "manifest.json"
    atomic_write_text(path, json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    return path
