"""Reproducible installs: the lock files pin every dependency of pyproject.toml (at a version
its floor allows) with hashes, and make, CI and the Dockerfile install from them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)")


def pins(lock: str) -> dict[str, list[str]]:
    text = (ROOT / lock).read_text("utf-8")
    found: dict[str, list[str]] = {}
    for block in re.split(r"\n(?=\S)", text):
        match = PIN.match(block)
        if match:
            assert "--hash=sha256:" in block, f"{lock}: {match.group(1)} has no hash"
            found.setdefault(canonicalize_name(match.group(1)), []).append(match.group(2))
    return found


def test_lock_files_pin_every_dependency_within_its_floor() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    runtime = [Requirement(r) for r in project["dependencies"]]
    dev = [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    for lock, wanted in (("requirements.lock", runtime), ("requirements-dev.lock", runtime + dev)):
        pinned = pins(lock)
        for req in wanted:
            versions = pinned.get(canonicalize_name(req.name))
            assert versions, f"{lock} misses {req.name}"
            assert all(req.specifier.contains(v, prereleases=True) for v in versions), (
                req,
                versions,
            )


def test_make_ci_and_docker_install_from_the_locks() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert (
        "--require-hashes -r $(DEV_LOCK)" in makefile and "--require-hashes -r $(LOCK)" in makefile
    )
    assert "\nlock:" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text("utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile
