"""OpenAPI describes every request and response."""

from __future__ import annotations

from api.core.config import Settings
from api.main import create_app


def test_every_operation_has_typed_request_and_response():
    spec = create_app(Settings(database_url="sqlite://"), bot=object()).openapi()
    problems = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            ok = [c for c, r in op["responses"].items() if c.startswith("2")]
            if not ok:
                problems.append(f"{method} {path}: no 2xx response")
            for code in ok:
                content = op["responses"][code].get("content", {})
                if not any(c.get("schema") for c in content.values()):
                    problems.append(f"{method} {path} {code}: no response schema")
            if method in ("post", "put", "patch") and "requestBody" in op:
                schema = op["requestBody"]["content"]["application/json"]["schema"]
                assert schema.get("$ref"), (method, path)
            if "/messages" in path or "/retry" in path:
                assert "503" in op["responses"], path
            if path.startswith("/api/"):
                missing = {"401", "403", "404", "413", "415", "422"} - set(op["responses"])
                if missing:
                    problems.append(f"{method} {path}: error answers not described {missing}")
    assert not problems, problems
    names = set(spec["components"]["schemas"])
    assert {
        "TurnRead",
        "ScreeningRead",
        "VerdictRead",
        "MessageCreate",
        "ScreeningCreate",
        "QueuePage",
        "ReviewCreate",
        "BotUnavailableRead",
        "AuditPage",
    } <= names
