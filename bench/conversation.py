"""The scripted screening for the per-turn latency part: bench/conversation.yaml.

The file lists the clinician's messages in order (`messages:`, each `{kind, text}`); `turns:`
must equal their count.  A malformed file raises ConversationError naming the file and field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).parent / "conversation.yaml"
KINDS = frozenset(
    {"answer", "why", "help", "correction", "go_back", "dont_know", "referral", "after_complete"}
)


class ConversationError(ValueError):
    """The conversation file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class ScriptMessage:
    kind: str
    text: str


@dataclass(frozen=True)
class Conversation:
    source: str
    messages: tuple[ScriptMessage, ...]

    def __len__(self) -> int:
        return len(self.messages)


def parse_conversation(data: Any, source: str) -> Conversation:
    def fail(field: str, problem: str) -> ConversationError:
        return ConversationError(f"{source}: {field}: {problem}")

    if not isinstance(data, dict):
        raise fail("(top level)", "must be a mapping with `turns` and `messages`")
    unknown = sorted(set(data) - {"turns", "messages", "note"})
    if unknown:
        raise fail(unknown[0], "unknown field (expected turns, messages, note)")
    raw = data.get("messages")
    if not isinstance(raw, list) or not raw:
        raise fail("messages", "must be a non-empty list of {kind, text}")
    messages = []
    for i, item in enumerate(raw):
        where = f"messages[{i}]"
        if not isinstance(item, dict):
            raise fail(where, "must be a mapping with `kind` and `text`")
        extra = sorted(set(item) - {"kind", "text"})
        if extra:
            raise fail(f"{where}.{extra[0]}", "unknown field (expected kind, text)")
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            raise fail(f"{where}.text", "must be a non-empty string")
        kind = item.get("kind")
        if kind not in KINDS:
            raise fail(f"{where}.kind", f"must be one of {', '.join(sorted(KINDS))}, got {kind!r}")
        messages.append(ScriptMessage(kind=kind, text=text.strip()))
    turns = data.get("turns")
    if not isinstance(turns, int) or isinstance(turns, bool) or turns != len(messages):
        raise fail("turns", f"must be the number of messages ({len(messages)}), got {turns!r}")
    return Conversation(source=source, messages=tuple(messages))


def load_conversation(path: Path = DEFAULT_PATH) -> Conversation:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConversationError(f"{path}: cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConversationError(f"{path}: (file): not valid YAML: {exc}") from exc
    return parse_conversation(data, str(path))
