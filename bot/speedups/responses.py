"""The action server's answers, validated as Rasa does, at a fraction of the cost.

Rasa 3.6 calls `jsonschema.validate(answer, schema)` on every answer.  That call first checks
the schema itself against the JSON Schema meta-schema, which alone was about two thirds of
Rasa's CPU per turn on this screener.  The schema's events are a `oneOf` over 23 event types:
validating one event against it tries every type and builds an error for each of the 22 it is
not, the next largest cost.

Here the schema is checked once.  An answer is accepted when every event is valid for the one
type its `event` field names (the common part of the schema plus that type's part): the other
22 types all require a different `event` value, so `oneOf` holds exactly then.  Anything else
goes through the full compiled validator, which raises the same `ValidationError`, with Rasa's
message, as before.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import exceptions
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def response_validator() -> Validator:
    """The validator of Rasa's own action response schema, its schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@lru_cache(maxsize=1)
def event_validators() -> dict[str, Validator]:
    """For each event type: a validator of the common event schema and that type's part."""
    schema = RemoteAction.action_response_format_spec()
    event_schema = schema["properties"]["events"]["items"]
    common = {key: value for key, value in event_schema.items() if key != "oneOf"}
    cls = validator_for(schema)
    validators = {}
    for part in event_schema["oneOf"]:
        combined = {"allOf": [common, part]}
        cls.check_schema(combined)
        validators[part["properties"]["event"]["const"]] = cls(combined)
    return validators


def is_plainly_valid(result: Any) -> bool:
    """True only when the full schema would accept `result` (see the module docstring)."""
    if not isinstance(result, dict):
        return False
    responses = result.get("responses", [])
    if not isinstance(responses, list) or not all(isinstance(r, dict) for r in responses):
        return False
    events = result.get("events", [])
    if not isinstance(events, list):
        return False
    validators = event_validators()
    for event in events:
        kind = event.get("event") if isinstance(event, dict) else None
        validator = validators.get(kind) if isinstance(kind, str) else None
        if validator is None or not validator.is_valid(event):
            return False
    return True


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """What `RemoteAction._validate_action_result` does: True, or Rasa's `ValidationError`."""
    if is_plainly_valid(result):
        return True
    error = exceptions.best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
