"""The screening log sponsors ask for: one row per screening and trial."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.orm import Session

from api.review.service import queue_query

COLUMNS = [
    "date_screened",
    "screening_id",
    "trial",
    "eligible",
    "reason_for_screen_fail",
    "verdict",
    "clinician",
    "review_state",
    "reviewed_by",
    "review_reason",
]


def _reason(verdict: Any) -> str:
    status = verdict.effective_status
    if status == "eligible":
        return ""
    if verdict.review_state == "overruled":
        return f"Overruled by coordinator: {verdict.review_reason}"
    if status == "incomplete":
        return "Prescreening incomplete; still unknown: " + ", ".join(verdict.unknown_facts or [])
    texts = {c.get("id"): c.get("text") for c in verdict.criteria or []}
    return "; ".join(f"{r}: {texts.get(r) or ''}".strip() for r in verdict.reasons or [])


def _cell(value: str) -> str:
    # Spreadsheet formula injection: a cell starting with = + - @ is text, not a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def screening_log_csv(db: Session, **filters: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for verdict, screening, clinician in db.execute(queue_query(**filters)).all():
        row = [
            screening.created_at.date().isoformat(),
            screening.id,
            verdict.trial,
            "Y" if verdict.effective_status == "eligible" else "N",
            _reason(verdict),
            verdict.effective_status,
            clinician.email,
            verdict.review_state,
            verdict.reviewed_by.email if verdict.reviewed_by else "",
            verdict.review_reason or "",
        ]
        writer.writerow([_cell(str(c)) for c in row])
    return out.getvalue()
