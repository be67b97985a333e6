"""The Teams app manifest fits its schema (kept in the repository), and the package command
writes the zip a Teams admin uploads: manifest.json and two PNG icons of the right kind."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib

import pytest

from api import cli
from api.teams import manifest as teams_manifest

APP_ID = "3f1a9c52-7d4e-4b8a-9e21-5c6d7e8f9a0b"


def png_info(data: bytes) -> tuple[int, int, int, list[tuple[int, int, int, int]]]:
    """Width, height, colour type and the RGBA pixels of an 8-bit RGBA, unfiltered PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour == 6
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    pixels = [
        tuple(raw[y * stride + 1 + 4 * x : y * stride + 5 + 4 * x])
        for y in range(height)
        for x in range(width)
    ]
    return width, height, colour, pixels


def test_the_committed_manifest_fits_the_schema():
    manifest = json.loads(teams_manifest.TEMPLATE.read_text())
    assert teams_manifest.schema_errors(manifest) == []
    assert manifest["manifestVersion"] == "1.25"
    assert manifest["$schema"].endswith("/v1.25/MicrosoftTeams.schema.json")


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda m: m.update(id="not-a-guid"), "id"),
        (lambda m: m["bots"][0].update(scopes=["everywhere"]), "bots/0/scopes/0"),
        (lambda m: m["developer"].update(websiteUrl="http://insecure.example"), "websiteUrl"),
        (lambda m: m["name"].update(short="x" * 31), "name/short"),
        (lambda m: m.pop("icons"), "(top)"),
        (lambda m: m.update(surprise=True), "(top)"),
        (lambda m: m.update(version="one"), "version"),
    ],
    ids=["id", "scope", "http-url", "long-name", "no-icons", "unknown-field", "version"],
)
def test_the_schema_catches_mistakes(change, where):
    manifest = json.loads(teams_manifest.TEMPLATE.read_text())
    change(manifest)
    problems = teams_manifest.schema_errors(manifest)
    assert problems and any(where in p for p in problems), problems


def test_the_package_command_writes_the_zip(tmp_path, capsys):
    out = tmp_path / "dist" / "screener.zip"
    code = cli.main(
        [
            "teams-package",
            "--out",
            str(out),
            "--app-id",
            APP_ID,
            "--host",
            "screener.hospital.example",
            "--version",
            "1.2.0",
        ]
    )
    assert code == 0, capsys.readouterr().err
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color = png_info(package.read("color.png"))
        outline = png_info(package.read("outline.png"))
    assert teams_manifest.schema_errors(manifest) == []
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["version"] == "1.2.0"
    assert manifest["validDomains"] == ["screener.hospital.example"]
    assert manifest["developer"]["privacyUrl"] == "https://screener.hospital.example/privacy"
    assert color[:2] == (192, 192) and outline[:2] == (32, 32)
    assert all(a == 255 for *_, a in color[3])  # full colour: no transparency
    # outline: only white or fully transparent pixels, and some of each
    assert {p for p in outline[3]} <= {(255, 255, 255, 255), (0, 0, 0, 0)}
    assert len(set(outline[3])) == 2


@pytest.mark.parametrize(
    "args",
    [
        ["--host", "screener.hospital.example"],
        ["--app-id", APP_ID],
        ["--app-id", APP_ID, "--host", "https://screener.hospital.example/api"],
        ["--app-id", "nope", "--host", "screener.hospital.example"],
    ],
    ids=["no-app-id", "no-host", "url-not-host", "bad-app-id"],
)
def test_the_package_command_refuses_what_teams_would(tmp_path, capsys, monkeypatch, args):
    monkeypatch.delenv("SCREENER_TEAMS_APP_ID", raising=False)
    monkeypatch.delenv("SCREENER_TEAMS_PUBLIC_HOST", raising=False)
    cli.get_settings.cache_clear()
    out = tmp_path / "x.zip"
    try:
        assert cli.main(["teams-package", "--out", str(out), *args]) == 1
    finally:
        cli.get_settings.cache_clear()
    assert capsys.readouterr().err.startswith("error: ")
    assert not out.exists()
