"""The terminal view of the process logs: important lines shown, third-party noise not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from follow_logs import follow

RASA_LOG = """\
/x/pkg_resources/__init__.py:3117: DeprecationWarning: Deprecated call to `declare_namespace('a')`.
Implementing implicit namespace packages (as specified in PEP 420) is preferred.
  declare_namespace(pkg)
2026-12-01 18:46:15 INFO     root  - Starting Rasa server
2026-12-01 18:49:52 ERROR    rasa.core.processor  - An exception
Traceback (most recent call last):
  File "/x/aiohttp/connector.py", line 980, in _wrap_create_connection
    return await self._loop.create_connection(*args, **kwargs)
ConnectionRefusedError: [Errno 111] Connection refused

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/x/rasa/core/actions/action.py", line 750, in run
rasa.shared.exceptions.RasaException: Failed to execute an action.
2026-12-01 18:49:53 INFO     rasa.core.processor  - Loading model
"""


def test_the_terminal_shows_the_important_lines(tmp_path, capsys):
    (tmp_path / "rasa.log").write_text(RASA_LOG)
    (tmp_path / "actions.log").write_text(
        "2026-12-01 18:45:58 INFO     rasa_sdk.executor  - Registered function for 'action_why'.\n"
        "2026-12-01 18:45:58 INFO     rasa_sdk.endpoint  - Action endpoint is up\n"
        "partial line without its end"
    )
    gone = subprocess.Popen(["true"])
    gone.wait()
    follow(tmp_path, gone.pid, poll=0.01, from_start=True)
    shown = capsys.readouterr().out.splitlines()
    assert shown == [
        "    actions | 2026-12-01 18:45:58 INFO     rasa_sdk.endpoint  - Action endpoint is up",
        "       rasa | 2026-12-01 18:46:15 INFO     root  - Starting Rasa server",
        "       rasa | 2026-12-01 18:49:52 ERROR    rasa.core.processor  - An exception",
        f"       rasa | (traceback in {tmp_path / 'rasa.log'})",
        "       rasa | ConnectionRefusedError: [Errno 111] Connection refused",
        "       rasa | rasa.shared.exceptions.RasaException: Failed to execute an action.",
        "       rasa | 2026-12-01 18:49:53 INFO     rasa.core.processor  - Loading model",
    ]  # fmt: skip
