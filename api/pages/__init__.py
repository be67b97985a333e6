"""The browser pages: sign-in, the clinician's chat with its live panel, the coordinator's
review queue and review page, user and token management.  Server-rendered Jinja2 templates and
one small script; they call the same services as the JSON API."""
