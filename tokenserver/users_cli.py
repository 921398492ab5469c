"""`python -m tokenserver users add|list|disable|enable|reset-password`: recruiter accounts
from the shell, for the first admin and for operators locked out of the web.

Passwords are read from standard input when it is not a terminal (`--password-stdin`,
one line) and otherwise generated and printed once; they never appear in arguments (which
other users of the machine can read in the process list) or in logs. Only the store settings
are needed (DATABASE_URL, STORAGE_DIR).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from interview_store import InterviewStore, SettingsError, StoreSettings, load_settings
from interview_store.account_store import AccountStore, DuplicateEmail
from interview_store.accounts import Role

from .passwords import WeakPassword, generate_password, hash_password


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tokenserver users", description="Manage recruiter accounts."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create an account")
    add.add_argument("email")
    add.add_argument("--name", help="display name (default: the part of the email before @)")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.RECRUITER.value)
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.add_argument(
        "--if-no-admin",
        action="store_true",
        help="do nothing (exit 0) when an active admin exists (for first-run scripts)",
    )
    sub.add_parser("list", help="list accounts")
    for name, text in (("disable", "disable an account"), ("enable", "re-enable an account")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("email")
    reset = sub.add_parser("reset-password", help="set a new password (ends its sessions)")
    reset.add_argument("email")
    reset.add_argument("--password-stdin", action="store_true")
    return parser


def _password(from_stdin: bool, stdin: TextIO) -> tuple[str, bool]:
    """(password, generated?)"""
    if from_stdin:
        return stdin.readline().rstrip("\r\n"), False
    return generate_password(), True


async def run(
    args: argparse.Namespace, store: InterviewStore, *, stdin: TextIO, out: TextIO
) -> int:
    accounts = AccountStore(store.engine)
    if args.command == "list":
        for u in await accounts.list_users():
            state = "disabled" if u.disabled else "active"
            last = u.last_login_at.isoformat(timespec="seconds") if u.last_login_at else "never"
            print(f"{u.email}\t{u.role.value}\t{state}\tlast sign-in {last}", file=out)
        return 0
    if args.command == "add":
        if args.if_no_admin and await accounts.count_active_admins() > 0:
            return 0
        password, generated = _password(args.password_stdin, stdin)
        try:
            user = await accounts.create_user(
                email=args.email,
                display_name=args.name or args.email.split("@")[0],
                role=Role(args.role),
                password_hash=await hash_password(password),
            )
        except (DuplicateEmail, WeakPassword) as e:
            print(f"users add: {e}", file=sys.stderr)
            return 1
        print(f"created {user.email} ({user.role.value})", file=out)
        if generated:
            print(f"password (shown once): {password}", file=out)
        return 0
    found = await accounts.user_by_email(args.email)
    if found is None:
        print(f"users {args.command}: no account {args.email}", file=sys.stderr)
        return 1
    user = found[0]
    if args.command in ("disable", "enable"):
        await accounts.update_user(user.id, disabled=args.command == "disable")
        print(f"{args.command}d {user.email}", file=out)
        return 0
    password, generated = _password(args.password_stdin, stdin)
    try:
        await accounts.set_password_hash(user.id, await hash_password(password))
    except WeakPassword as e:
        print(f"users reset-password: {e}", file=sys.stderr)
        return 1
    print(f"new password set for {user.email}; its sessions were ended", file=out)
    if generated:
        print(f"password (shown once): {password}", file=out)
    return 0


async def _main(args: argparse.Namespace, settings: StoreSettings) -> int:
    store = InterviewStore.from_settings(settings)
    try:
        await store.migrate()
        return await run(args, store, stdin=sys.stdin, out=sys.stdout)
    finally:
        await store.aclose()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(StoreSettings)
    except SettingsError as e:
        print(e, file=sys.stderr)
        return 2
    return asyncio.run(_main(args, settings))
