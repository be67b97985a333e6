"""Set-up and user management: `python -m api.cli <command>`.

migrate                      create / upgrade the database (DATABASE_URL; SQLite default)
create-admin                 the first admin, once (SCREENER_ADMIN_EMAIL / _PASSWORD, or a
                             generated password printed once); does nothing if one exists
create-user EMAIL ROLE       a user (--password, or SCREENER_USER_PASSWORD, or token-only)
create-token EMAIL NAME      an API token for a user, printed once
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from api.core.config import get_settings
from api.core.db import make_engine, make_sessionmaker

ALEMBIC_INI = Path(__file__).parent / "alembic.ini"


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.attributes["url"] = url or get_settings().database_url
    config.attributes["configure_logger"] = False
    return config


def migrate(url: str | None = None, revision: str = "head") -> None:
    url = url or get_settings().database_url
    make_engine(url).dispose()  # creates the SQLite file's directory
    command.upgrade(alembic_config(url), revision)


def _session():
    return make_sessionmaker(make_engine(get_settings().database_url))()


def main(argv: list[str] | None = None) -> int:
    from api.users import service

    parser = argparse.ArgumentParser(
        prog="python -m api.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the database schema")
    admin = sub.add_parser("create-admin", help="the first admin (idempotent)")
    admin.add_argument("--email")
    user = sub.add_parser("create-user", help="create a user")
    user.add_argument("email")
    user.add_argument("role", choices=["clinician", "coordinator", "admin"])
    user.add_argument("--name", default="")
    user.add_argument("--password", help="else $SCREENER_USER_PASSWORD; none = token-only")
    token = sub.add_parser("create-token", help="create an API token for a user")
    token.add_argument("email")
    token.add_argument("name")
    args = parser.parse_args(argv)

    settings = get_settings()
    if args.command == "migrate":
        migrate()
        print(f"database at {settings.database_url.split('@')[-1]} is at the latest revision")
        return 0
    with _session() as db:
        if args.command == "create-admin":
            email = args.email or settings.admin_email or "admin@localhost"
            created, generated = service.ensure_admin(
                db, email=email, password=settings.admin_password
            )
            db.commit()
            if created is None:
                print("an admin exists already; nothing done")
            elif generated:
                print(f"created admin {created.email} with password: {generated}")
                print("(shown once; store it now)")
            else:
                print(f"created admin {created.email} (password from SCREENER_ADMIN_PASSWORD)")
            return 0
        if args.command == "create-user":
            password = args.password or os.environ.get("SCREENER_USER_PASSWORD")
            try:
                created = service.create_user(
                    db, email=args.email, role=args.role, password=password, name=args.name
                )
            except service.UserError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            db.commit()
            print(f"created {created.role} {created.email} (id {created.id})")
            return 0
        if args.command == "create-token":
            owner = service.get_user_by_email(db, email=args.email)
            if owner is None:
                print(f"error: no user {args.email}", file=sys.stderr)
                return 1
            _, secret = service.create_token(db, user=owner, name=args.name, settings=settings)
            db.commit()
            print(secret)
            return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
