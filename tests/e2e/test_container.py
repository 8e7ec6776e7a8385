"""The container, checked without Docker: Dockerfile and compose rules, the wheel carries every
data file, and the image's start command serves /healthz, /metrics and stops cleanly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text("utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dockerfile_rules() -> None:
    steps = instructions()
    bases = [arg.split()[0] for op, arg in steps if op == "FROM"]
    assert bases and all(b.startswith("python:") and b.endswith("-slim") for b in bases)
    assert not any(op == "ADD" for op, _ in steps)  # COPY only, nothing fetched
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM") :]
    users = [arg for op, arg in final if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    health = next(arg for op, arg in final if op == "HEALTHCHECK")
    assert "/healthz" in health
    cmd = json.loads(next(arg for op, arg in final if op == "CMD"))
    assert "pilot-coach db upgrade" in cmd[-1] and "exec pilot-coach serve" in cmd[-1]
    copied = {arg.split()[0] for op, arg in steps if op == "COPY" and "--from" not in arg}
    for package in ("bot", "adapters", "playbook", "storage", "migrations"):
        assert package in copied


def test_compose_runs_the_app_against_postgres() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8"))
    db, coach = compose["services"]["db"], compose["services"]["coach"]
    assert db["image"].startswith("postgres:") and "healthcheck" in db
    assert coach["depends_on"]["db"]["condition"] == "service_healthy"
    assert coach["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])


def test_wheel_carries_every_data_file(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy, so the build leaves no build/ folder in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "*.db", "build"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    wheel = next(tmp_path.glob("pilot_coach-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "bot/catalog/de.toml", "bot/catalog/en.toml", "playbook/roadmap/de.toml",
        "bot/templates/summary.html.j2", "bot/demo/script.de.txt", "migrations/env.py",
        "migrations/script.py.mako", "migrations/versions/0001_initial_schema.py",
    ):  # fmt: skip
        assert needed in names


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_command(env: dict[str, str]) -> subprocess.Popen[str]:
    cmd = json.loads(next(arg for op, arg in instructions()[::-1] if op == "CMD"))
    full = {k: v for k, v in os.environ.items() if not k.startswith(("PILOT_", "SLACK_"))}
    full.update(env, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    return subprocess.Popen(cmd, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_healthy(proc: subprocess.Popen[str], port: int) -> tuple[int, bytes]:
    """``/healthz`` of the started server, once it answers (within a minute)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return get(f"http://127.0.0.1:{port}/healthz")
        except OSError:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.3)


def test_image_start_command_serves_and_stops(tmp_path: Path) -> None:
    port = free_port()
    db = f"sqlite:///{tmp_path / 'c.db'}"
    env = {"DATABASE_URL": db, "HOST": "127.0.0.1", "PORT": str(port), "LOG_FORMAT": "json"}
    proc = start_command(env)
    try:
        status, body = wait_healthy(proc, port)
        assert status == 200 and json.loads(body)["db"] == "ok"
        status, body = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and b"pilot_coach_http_request_seconds" in body
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/hooks/metrics/1", data=b"{}", method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(request, timeout=2)
        assert denied.value.code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    for line in err.splitlines():  # LOG_FORMAT=json: every log line is one JSON object
        assert isinstance(json.loads(line), dict)


def test_the_teams_emulator_mode_is_refused_on_a_public_host(tmp_path: Path) -> None:
    proc = start_command({"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", "HOST": "0.0.0.0",
                          "PORT": str(free_port()), "MICROSOFT_APP_ID": "",
                          "PILOT_TEAMS_EMULATOR": "1"})  # fmt: skip
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err.strip().splitlines()[-1].startswith("error: PILOT_TEAMS_EMULATOR=1 accepts")


def test_a_slack_only_container_serves_on_a_public_host_without_a_teams_route(
    tmp_path: Path,
) -> None:
    port = free_port()
    proc = start_command({"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", "HOST": "0.0.0.0",
                          "PORT": str(port), "MICROSOFT_APP_ID": "",
                          "SLACK_BOT_TOKEN": "xoxb-1-2-compose",
                          "SLACK_SIGNING_SECRET": "compose-secret",
                          "SLACK_API_URL": "http://127.0.0.1:9/api/"})  # fmt: skip
    try:
        assert wait_healthy(proc, port)[0] == 200
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/messages", data=b"{}", method="POST",
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(request, timeout=5)
        assert missing.value.code == 404
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
