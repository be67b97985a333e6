"""The Rasa screening assistant: domain, data and custom actions driven by `criteria`."""
