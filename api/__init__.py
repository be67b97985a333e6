"""The screening API: gateway to the Rasa assistant and system of record.

One package per concern (core, users, screenings, review, exports), each with models.py,
service.py (keyword-only functions taking the session) and routes.py.  `api.main:app` is the
ASGI app; `python -m api.cli` migrates the database and manages users and tokens.
"""
