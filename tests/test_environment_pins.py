"""environment.yml, the lock files and pyproject.toml must not drift apart."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONDA_ONLY = {"python", "pip"}  # not pip packages of ours; checked separately
SPEC = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(==|=)\s*([A-Za-z0-9.+!_-]+)$")
REQ_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def norm(name: str) -> str:
    """Normalise a package name the way both lists are compared (PEP 503-ish)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        assert not line.startswith("-"), f"{path.name}: unexpected option line {line!r}"
        name, sep, version = line.partition("==")
        assert sep, f"{path.name}: not an exact pin: {line!r}"
        pins[norm(name.strip())] = version.split(";", 1)[0].strip()
    return pins


@pytest.fixture(scope="module")
def env() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


@pytest.fixture(scope="module")
def conda_pins(env) -> dict[str, str]:
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            continue
        m = SPEC.match(dep.strip())
        name = norm(m.group(1) if m else dep.strip())
        if name in CONDA_ONLY:
            continue
        assert m, f"environment.yml: {dep!r} is not pinned to one version (name=version)"
        assert name not in pins, f"environment.yml: {name} listed twice"
        pins[name] = m.group(3)
    return pins


@pytest.fixture(scope="module")
def dev_lock() -> dict[str, str]:
    return read_lock(ROOT / "requirements" / "dev.txt")


@pytest.fixture(scope="module")
def runtime_lock() -> dict[str, str]:
    return read_lock(ROOT / "requirements" / "runtime.txt")


def test_conda_pins_match_dev_lock(conda_pins, dev_lock):
    assert len(conda_pins) >= 20
    missing = sorted(set(conda_pins) - set(dev_lock))
    assert not missing, f"pinned in environment.yml but absent from requirements/dev.txt: {missing}"
    drift = {
        name: (version, dev_lock[name])
        for name, version in conda_pins.items()
        if version != dev_lock[name]
    }
    assert not drift, f"environment.yml vs requirements/dev.txt (conda, lock): {drift}"


def test_conda_env_covers_every_direct_dependency(conda_pins):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in ("notebooks", "dev"):
        reqs += project["optional-dependencies"][extra]
    direct = {norm(REQ_NAME.match(r).group(1)) for r in reqs}
    missing = sorted(direct - set(conda_pins))
    assert not missing, f"direct dependencies missing from environment.yml: {missing}"


def test_conda_env_python_and_editable_install(env):
    deps = env["dependencies"]
    assert env["name"] == "xbsim"
    assert "conda-forge" in env["channels"]
    assert "python=3.12" in deps
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert pip_sections == [["-e ."]]


def test_runtime_lock_is_consistent_subset_of_dev_lock(runtime_lock, dev_lock):
    assert {"mesa", "numpy", "pandas"} <= set(runtime_lock)
    assert not {"pytest", "jupyterlab"} & set(runtime_lock)
    missing = sorted(set(runtime_lock) - set(dev_lock))
    assert not missing, f"in runtime.txt but not dev.txt: {missing}"
    drift = {n: (v, dev_lock[n]) for n, v in runtime_lock.items() if v != dev_lock[n]}
    assert not drift, f"runtime.txt vs dev.txt (runtime, dev): {drift}"
