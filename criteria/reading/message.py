"""What a message is before it is read: nothing, too long, emoji, another language, "skip".

The screener classifies a message here, in `criteria`, so that the bot, the terminal and any
other client treat the same message the same way; the bot only words the replies.
"""

from __future__ import annotations

import re
import unicodedata

from criteria.reading.extraction import UNKNOWN
from criteria.reading.text import normalise

MAX_LENGTH = 1000  # characters; a longer message is not an answer to one question

_SKIP = re.compile(
    r"^\W*(?:skip|next|pass|move on|next question|skip (?:it|this|that)(?: one| question)?)"
    r"(?: please| pls)?\W*$",
    re.I,
)
# Frequent words of languages a clinician might write in by mistake.
_FOREIGN = re.compile(
    r"\b(?:el|la|los|las|es|est|años|tiene|paciente|con|pero|une|les|des|est|avec|pour|"
    r"der|die|das|und|ist|nicht|mit|jahre|patientin|il|della|anni|não|uma|com|anos)\b",
    re.I,
)
_NOT_LATIN = re.compile(
    r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0900-\u097f\u3040-\u30ff"
    r"\u4e00-\u9fff\uac00-\ud7af]"
)


def kind_of(text: str | None) -> str | None:
    """'empty', 'long', 'emoji', 'foreign' for messages that cannot be answers, else None."""
    text = text or ""
    if not text.strip():
        return "empty"
    if len(text) > MAX_LENGTH:
        return "long"
    if not any(unicodedata.category(c)[0] in "LN" for c in text):
        return "emoji"
    if _NOT_LATIN.search(text) or len(_FOREIGN.findall(text)) >= 2 or re.search(r"[¿¡ñßçãõ]", text):
        return "foreign"
    return None


def is_skip(text: str) -> bool:
    return bool(_SKIP.search(text or ""))


def is_unknown(text: str) -> bool:
    """Does the message say the clinician does not know ("pending", "not done yet")?"""
    return bool(UNKNOWN.search(normalise(text or "")))


_NONE_OF_THESE = re.compile(
    r"^\W*(?:none|no|nil|nope|nothing|negative|neither|no to all|all no|none of (?:these|them|"
    r"the above|those)|none of these apply|nothing of (?:the sort|that kind)|not any of (?:these|"
    r"them))(?:\W+(?:of (?:these|them|the above))?)?\W*(?:thanks?(?: you)?)?\W*$",
    re.I,
)


def is_none_of_these(text: str) -> bool:
    """Is the message a plain "none of these" (to a checklist)?"""
    return bool(_NONE_OF_THESE.search(normalise(text or "")))
