"""Trials are data: one YAML file per trial, validated when loaded.

Adding a trial whose facts already exist is a new file in `criteria/trials/`, no code.  A file
that is wrong fails loudly, naming the file, the criterion and the field.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from criteria.errors import DefinitionError
from criteria.facts import FACTS_FILE, PACKAGE_DIR, Fact, Site, load_facts, load_site, site_file
from criteria.rules import Rule, RuleError, parse_rule

TRIALS_DIR = PACKAGE_DIR / "trials"
TYPES = ("inclusion", "exclusion")
_TRIAL_KEYS = {"slug", "title", "short_title", "protocol", "criteria"}
_CRITERION_KEYS = {
    "id", "type", "text", "heading", "rule", "enrollment", "correction", "note", "reason",
    "unknown",
}  # fmt: skip


class TrialFileError(DefinitionError):
    """A trial file is malformed."""


@dataclass(frozen=True)
class Criterion:
    """One protocol line: its verbatim text, and either a rule, an enrollment check, or both."""

    id: str
    type: str
    text: str
    rule: Rule | None
    enrollment: str | None = None
    heading: str | None = None
    correction: str | None = None
    note: str | None = None
    reason: str | None = None  # why the line is asked, derived or left to enrollment
    # "enrollment": asked at prescreening, but an unknown answer is confirmed at enrollment
    # rather than holding the verdict
    unknown: str | None = None

    @property
    def facts(self) -> set[str]:
        return self.rule.facts() if self.rule else set()


@dataclass(frozen=True)
class Trial:
    slug: str
    title: str
    short_title: str
    protocol: str | None
    criteria: tuple[Criterion, ...]
    version: str  # sha256 of the trial file's bytes, stored with every verdict
    path: Path

    @property
    def facts(self) -> set[str]:
        return set().union(*(c.facts for c in self.criteria))

    def summary(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "short_title": self.short_title,
            "criteria_count": len(self.criteria),
            "version": self.version,
        }


def load_trial(
    path: str | Path, facts: dict[str, Fact] | None = None, site: Site | None = None
) -> Trial:
    """Load and validate one trial file; raises TrialFileError naming file, criterion, field."""
    path = Path(path)
    facts = facts or load_facts()
    site = site or load_site()
    name = path.name
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise TrialFileError(name, f"cannot read: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(raw_bytes.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TrialFileError(name, f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise TrialFileError(name, "must be a mapping with slug, title and criteria")
    extra = set(data) - _TRIAL_KEYS
    if extra:
        raise TrialFileError(name, f"unknown field(s) {sorted(extra)}")
    for key in ("slug", "title"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise TrialFileError(name, f"field '{key}' is required")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", data["slug"]):
        raise TrialFileError(name, "field 'slug' must be lower-case letters, digits and dashes")
    raw_criteria = data.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        raise TrialFileError(name, "field 'criteria' must be a non-empty list")
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_criteria):
        criterion = _criterion(raw, index, name, facts, site)
        if criterion.id in seen:
            raise TrialFileError(f"{name}: criterion {criterion.id}", "duplicate id")
        seen.add(criterion.id)
        criteria.append(criterion)
    return Trial(
        slug=data["slug"],
        title=data["title"],
        short_title=data.get("short_title") or data["title"],
        protocol=data.get("protocol"),
        criteria=tuple(criteria),
        version=_version(raw_bytes),
        path=path,
    )


def _criterion(raw: Any, index: int, name: str, facts: dict[str, Fact], site: Site) -> Criterion:
    if not isinstance(raw, dict):
        raise TrialFileError(f"{name}: criterion #{index + 1}", "must be a mapping")
    cid = raw.get("id")
    where = f"{name}: criterion {cid if isinstance(cid, str) else '#' + str(index + 1)}"
    if not isinstance(cid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", cid):
        raise TrialFileError(where, "field 'id' must be lower-case letters, digits and dashes")
    extra = set(raw) - _CRITERION_KEYS
    if extra:
        raise TrialFileError(where, f"unknown field(s) {sorted(extra)}")
    if raw.get("type") not in TYPES:
        raise TrialFileError(where, f"field 'type' must be one of {TYPES}, not {raw.get('type')!r}")
    if not isinstance(raw.get("text"), str) or not raw["text"].strip():
        raise TrialFileError(where, "field 'text' (the protocol's words) is required")
    for key in ("enrollment", "heading", "correction", "note", "reason"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise TrialFileError(where, f"field '{key}' must be text")
    rule = None
    if raw.get("rule") is not None:
        try:
            rule = parse_rule(raw["rule"], facts, site)
        except RuleError as exc:
            raise TrialFileError(where, f"field '{exc.field}': {exc.problem}") from exc
    if rule is None and not raw.get("enrollment"):
        raise TrialFileError(where, "needs a 'rule', or an 'enrollment' check to confirm later")
    if raw.get("unknown") not in (None, "enrollment"):
        raise TrialFileError(where, "field 'unknown' can only be 'enrollment'")
    if raw.get("unknown") and not (rule and raw.get("enrollment")):
        raise TrialFileError(where, "'unknown: enrollment' needs a 'rule' and an 'enrollment' text")
    return Criterion(
        id=cid,
        type=raw["type"],
        text=raw["text"],
        rule=rule,
        enrollment=raw.get("enrollment"),
        heading=raw.get("heading"),
        correction=raw.get("correction"),
        note=raw.get("note"),
        reason=raw.get("reason"),
        unknown=raw.get("unknown"),
    )


def _version(trial_bytes: bytes) -> str:
    """What a verdict was evaluated with: the trial file, the fact registry and the site's
    laboratory values (any of them can change a verdict), as one sha256."""
    digest = hashlib.sha256(trial_bytes)
    for path in (FACTS_FILE, site_file()):
        digest.update(b"\0" + Path(path).read_bytes())
    return digest.hexdigest()


def trials_dir() -> Path:
    """Where trial files live: `SCREENER_TRIALS_DIR` lets a site keep its own."""
    return Path(os.environ.get("SCREENER_TRIALS_DIR", TRIALS_DIR))


def load_trials(directory: str | Path | None = None) -> dict[str, Trial]:
    """Every trial file in the directory, by slug, in file-name order."""
    directory = Path(directory) if directory else trials_dir()
    trials: dict[str, Trial] = {}
    for path in sorted(directory.glob("*.yaml")):
        trial = load_trial(path)
        if trial.slug in trials:
            raise TrialFileError(path.name, f"slug {trial.slug!r} is already used by another file")
        trials[trial.slug] = trial
    if not trials:
        raise TrialFileError(str(directory), "no trial files (*.yaml) found")
    return trials
