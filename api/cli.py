"""Set-up and user management: `python -m api.cli <command>`.

migrate                      create / upgrade the database (DATABASE_URL; SQLite default)
create-admin                 the first admin, once (SCREENER_ADMIN_EMAIL / _PASSWORD, or a
                             generated password printed once); does nothing if one exists
create-user EMAIL ROLE       a user (--password, or SCREENER_USER_PASSWORD, or token-only)
create-token EMAIL NAME      an API token for a user, printed once
teams-link EMAIL AAD_ID      let this Teams user (Entra ID object id) screen as EMAIL
teams-unlink AAD_ID          remove a Teams user's link (their next message is refused)
teams-links                  list the Teams links
teams-package                the Teams app zip a Teams admin uploads (see README)
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
    link = sub.add_parser("teams-link", help="link a Teams user to a screener account")
    link.add_argument("email")
    link.add_argument("aad_object_id", help="the Teams user's Entra ID object id (a GUID)")
    unlink = sub.add_parser("teams-unlink", help="remove a Teams user's link")
    unlink.add_argument("aad_object_id")
    sub.add_parser("teams-links", help="list the Teams links")
    package = sub.add_parser("teams-package", help="build the Teams app package (zip)")
    package.add_argument("--out", default="dist/trial-screener-teams.zip")
    package.add_argument("--app-id", help="default: SCREENER_TEAMS_APP_ID")
    package.add_argument(
        "--host", help="public host of the API; default: SCREENER_TEAMS_PUBLIC_HOST"
    )
    package.add_argument("--version", default=None, help="app version (semver); default 1.0.0")
    args = parser.parse_args(argv)

    settings = get_settings()
    if args.command == "teams-package":
        return _teams_package(args, settings)
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
        if args.command.startswith("teams-"):
            return _teams_links(db, args)
    return 2


def _teams_links(db, args: argparse.Namespace) -> int:
    """The admin's Teams links: who in Teams is which screener account."""
    from api.teams import service as teams
    from api.users import service as users

    if args.command == "teams-links":
        for link in teams.list_links(db):
            print(f"{link.aad_object_id}  {link.user.email}  ({link.user.role})")
        return 0
    if args.command == "teams-unlink":
        if not teams.unlink_user(db, aad_object_id=args.aad_object_id):
            print(f"error: no link for {args.aad_object_id}", file=sys.stderr)
            return 1
        db.commit()
        print(f"unlinked {args.aad_object_id}")
        return 0
    owner = users.get_user_by_email(db, email=args.email)
    if owner is None:
        print(f"error: no user {args.email}", file=sys.stderr)
        return 1
    try:
        link = teams.link_user(db, aad_object_id=args.aad_object_id, user=owner)
    except teams.LinkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    db.commit()
    print(f"linked Teams user {link.aad_object_id} to {owner.email} ({owner.role})")
    return 0


def _teams_package(args: argparse.Namespace, settings) -> int:
    from api.teams.manifest import ManifestError, build_package

    try:
        path = build_package(
            Path(args.out),
            app_id=args.app_id or settings.teams_app_id,
            host=args.host or settings.teams_public_host,
            version=args.version,
        )
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path} (upload it in the Teams admin center: Manage apps > Upload)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
