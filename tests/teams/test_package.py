"""``pilot-coach teams-package``: the manifest with the app id filled in, and the two icons."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from bot.cli import cli

APP_ID = "0d6b1f2e-7c3a-4b5d-8e9f-1a2b3c4d5e6f"
ROOT = Path(__file__).parents[2]
MANIFEST_DIR = ROOT / "adapters" / "teams" / "manifest"
README = ROOT / "README.md"


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
        assert sorted(archive.namelist()) == ["color.png", "de.json", "manifest.json",
                                              "outline.png"]  # fmt: skip
        manifest = json.loads(archive.read("manifest.json"))
        german = json.loads(archive.read("de.json"))
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))
    assert manifest["manifestVersion"] == "1.30"  # the newest generally available (Aug 2026)
    assert manifest["$schema"].endswith("/teams/v1.30/MicrosoftTeams.schema.json")
    assert manifest["localizationInfo"] == {
        "defaultLanguageTag": "en",
        "additionalLanguages": [{"languageTag": "de", "file": "de.json"}],
    }
    assert german["$schema"].endswith("/teams/v1.30/MicrosoftTeams.Localization.schema.json")
    assert len(german["name.short"]) <= 30 and len(german["description.short"]) <= 80
    assert len(german["name.full"]) <= 100 and len(german["description.full"]) <= 4000
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


def _at(manifest: object, path: str) -> object:
    """``bots[0].commandLists[1].commands[2].title`` in the manifest."""
    node = manifest
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            assert isinstance(node, list)
            node = node[int(part[1:-1])]
        else:
            assert isinstance(node, dict)
            node = node[part]
    return node


def test_the_german_file_translates_what_the_manifest_has() -> None:
    manifest = json.loads((MANIFEST_DIR / "manifest.json").read_text("utf-8"))
    german = json.loads((MANIFEST_DIR / "de.json").read_text("utf-8"))
    keys = [k for k in german if k != "$schema"]
    commands = sum(len(c["commands"]) for c in manifest["bots"][0]["commandLists"])
    assert len(keys) == 4 + 2 * commands  # names, descriptions, each command's title and text
    for key in keys:
        original = _at(manifest, key)
        assert isinstance(original, str) and german[key]
    titles = [german[k] for k in keys if k.endswith(".title")]
    assert {"stand", "zuweisen", "meldung", "erledigt", "hilfe"} <= set(titles)


def test_privacy_and_terms_urls_point_at_readme_sections() -> None:
    manifest = json.loads((MANIFEST_DIR / "manifest.json").read_text("utf-8"))
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line[3:].strip().lower()).replace(" ", "-")
        for line in README.read_text("utf-8").splitlines()
        if line.startswith("## ")
    }  # GitHub's anchors of the README's sections
    for key in ("privacyUrl", "termsOfUseUrl"):
        url = manifest["developer"][key]
        assert url.startswith(manifest["developer"]["websiteUrl"] + "#")
        assert url.partition("#")[2] in headings
