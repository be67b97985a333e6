"""Microsoft Teams: the screener in a Teams chat, through the Bot Framework messaging endpoint.

auth.py checks the Bot Connector's tokens; connector.py sends replies; cards.py turns turns into
Teams activities; service.py maps Teams users and conversations onto the screening service;
routes.py is `POST /api/messages` and the admin's account links; manifest.py packages the app.
"""
