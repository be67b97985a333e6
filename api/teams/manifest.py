"""The Teams app package a Teams admin uploads: manifest.json (from teams/manifest/, with this
deployment's bot id and host), the colour and outline icons, zipped flat.

The manifest is checked against the schema kept beside it before anything is written, so a
package that Teams would refuse is never produced.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import jsonschema

from api.teams.icons import color_icon, outline_icon

MANIFEST_DIR = Path(__file__).resolve().parents[2] / "teams" / "manifest"
TEMPLATE = MANIFEST_DIR / "manifest.json"
SCHEMA = MANIFEST_DIR / "MicrosoftTeams.schema.json"
HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d+)?$")


class ManifestError(ValueError):
    pass


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    """Every way the manifest breaks the schema, as 'path: message'."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
        for e in sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path))
    ]


def build_manifest(*, app_id: str, host: str, version: str | None = None) -> dict[str, Any]:
    """The template with this deployment's ids and host filled in."""
    if not host or not HOST.match(host):
        raise ManifestError(
            "the public host (e.g. screener.hospital.example) is needed: --host or "
            "SCREENER_TEAMS_PUBLIC_HOST, without https:// or a path"
        )
    manifest = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    manifest["id"] = app_id
    manifest["bots"][0]["botId"] = app_id
    if version:
        manifest["version"] = version
    base = f"https://{host}"
    manifest["developer"].update(
        websiteUrl=f"{base}/", privacyUrl=f"{base}/privacy", termsOfUseUrl=f"{base}/terms"
    )
    manifest["validDomains"] = [host]
    return manifest


def build_package(
    out: Path, *, app_id: str | None, host: str | None, version: str | None = None
) -> Path:
    if not app_id:
        raise ManifestError("the bot's app id is needed: --app-id or SCREENER_TEAMS_APP_ID")
    manifest = build_manifest(app_id=app_id, host=host or "", version=version)
    problems = schema_errors(manifest)
    if problems:
        raise ManifestError("the manifest does not fit its schema: " + "; ".join(problems))
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        package.writestr(manifest["icons"]["color"], color_icon())
        package.writestr(manifest["icons"]["outline"], outline_icon())
    return out
