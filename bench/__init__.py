"""The screener's benchmark: per-turn latency, load, memory, training and start-up time.

.venv-app/bin/python -m bench            # a few minutes; bench/README.md says what it does
.venv-app/bin/python -m bench --quick    # a smoke run, about a minute
"""
