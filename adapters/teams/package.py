"""The Teams app package (``pilot-coach teams-package``): ``manifest/manifest.json`` with the
Microsoft App ID filled in, zipped with its German localisation (``de.json``, named in the
manifest's ``localizationInfo``) and the two icons at the archive root, as Teams expects."""

from __future__ import annotations

import json
import re
import zipfile
from importlib import resources
from pathlib import Path

PLACEHOLDER = "${{MICROSOFT_APP_ID}}"
#: de.json: the German texts the manifest names in ``localizationInfo``
FILES = ("manifest.json", "de.json", "color.png", "outline.png")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_EPOCH = (2024, 1, 1, 0, 0, 0)  # fixed timestamps: the same app id gives the same zip


class PackageError(ValueError):
    """The package cannot be built with these settings (one line for the user)."""


def _source(name: str) -> bytes:
    return resources.files("adapters.teams").joinpath("manifest", name).read_bytes()


def manifest_for(app_id: str) -> dict[str, object]:
    """The manifest with ``app_id`` as the Teams app id and the bot id."""
    if not app_id.strip():
        raise PackageError("MICROSOFT_APP_ID is empty: set it to the bot's Microsoft App ID")
    if not _GUID.match(app_id.strip()):
        raise PackageError(f"MICROSOFT_APP_ID {app_id!r} is not a GUID (xxxxxxxx-xxxx-…)")
    text = _source("manifest.json").decode("utf-8").replace(PLACEHOLDER, app_id.strip())
    manifest: dict[str, object] = json.loads(text)
    return manifest


def write_package(app_id: str, out: Path) -> Path:
    """Write the zip to ``out``; returns its path."""
    manifest = manifest_for(app_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in FILES:
            data = (
                json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
                if name == "manifest.json"
                else _source(name)
            )
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out
