"""Custom actions of the screening assistant, one module per concern.

`rasa run actions --actions bot.actions` imports every module of this package:

- `state`: the screening kept in the `screening` slot, and the structured message for the API
- `text`: what a message is (empty, too long, emoji, not English) and the wording of replies
- `start`: starting, restarting (asked back first) and choosing trials
- `form`: the screening form (required slots, validation, asking)
- `outside`: why / help / stop / which trials / messages outside the form
- `summary`: the summary at the end
- `restore`: a conversation Rasa has lost, rebuilt from the API's record
- `takeback`: "go back" / "undo", the last answer taken back and asked again
- `server_start`: when the action server starts, reading prepared and the loaded heap frozen
"""
