"""`rasa`, with changes that cut the CPU cost of a turn (bot/speedups); otherwise unchanged.

    .venv-bot/bin/python -m bot.serve run --model models/screener.tar.gz ...   (as `rasa ...`)

supervisord.conf, the tests' stacks, the benchmark and the deployment files start Rasa so.
"""

from __future__ import annotations

from bot import speedups


def main() -> None:
    speedups.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
