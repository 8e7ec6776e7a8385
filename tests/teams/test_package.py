"""``pilot-coach teams-package``: the manifest with the app id filled in, and the two icons."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from bot.cli import cli

APP_ID = "0d6b1f2e-7c3a-4b5d-8e9f-1a2b3c4d5e6f"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def test_the_package_has_the_app_id_and_both_icons(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "dist" / "teams.zip"
    result = runner.invoke(cli, ["teams-package", "--out", str(out)],
                           env={"MICROSOFT_APP_ID": APP_ID})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {out}"
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))
    assert manifest["manifestVersion"] == "1.22"
    assert manifest["$schema"].endswith("/teams/v1.22/MicrosoftTeams.schema.json")
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert "${{" not in json.dumps(manifest)
    assert set(manifest["bots"][0]["scopes"]) == {"team", "personal", "groupChat"}
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    assert color.size == (192, 192)
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    pixels = [outline.getpixel((x, y)) for x in range(32) for y in range(32)]
    colours = {p[:3] for p in pixels if isinstance(p, tuple) and p[3]}  # white on transparent
    assert colours == {(255, 255, 255)}


def test_without_an_app_id_it_refuses_with_one_line(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["teams-package"], env={"MICROSOFT_APP_ID": ""})
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: MICROSOFT_APP_ID is empty: set it to the bot's Microsoft App ID"
    ]
    assert not (tmp_path / "pilot-coach-teams.zip").exists()
    bad = runner.invoke(cli, ["teams-package"], env={"MICROSOFT_APP_ID": "my-bot"})
    assert bad.exit_code == 1 and "is not a GUID" in bad.output
