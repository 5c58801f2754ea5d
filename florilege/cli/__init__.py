"""``florilege``: the command line for administrators and scripts.

A thin entry point: it reads the command line (argparse, ``--help`` at every level), sets
``DJANGO_SETTINGS_MODULE`` when the environment does not, starts Django and hands over to
:mod:`florilege.cli.commands`, which calls the same services as the web pages. Exit codes:
0 done, 1 refused (a check failed: the message says why), 2 wrong usage, 3 not found
(a user, a topic, a file), 4 the database cannot be reached.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

OK, REFUSED, USAGE, NOT_FOUND, UNAVAILABLE = 0, 1, 2, 3, 4


class CliError(Exception):
    def __init__(self, message: str, code: int = REFUSED) -> None:
        super().__init__(message)
        self.code = code


def _parser() -> argparse.ArgumentParser:
    from florilege.cli import commands

    parser = argparse.ArgumentParser(
        prog="florilege",
        description="Administer a Florilège instance: users, topics, sources, imports and "
        "exports, the background worker. Uses the instance's settings (FLORILEGE_* "
        "variables, as manage.py does).",
        epilog="Exit codes: 0 done, 1 refused, 2 wrong usage, 3 not found, 4 database down.",
    )
    commands.add_commands(parser.add_subparsers(title="commands", metavar="COMMAND"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        # A group without its subcommand ("florilege topic"): show what it offers.
        (getattr(args, "group_parser", None) or parser).print_help(sys.stderr)
        return USAGE
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "florilege.settings")
    import django
    from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
    from django.db import DatabaseError, OperationalError

    django.setup()
    try:
        return int(handler(args) or OK)
    except CliError as exc:
        print(f"florilege: {exc}", file=sys.stderr)
        return exc.code
    except ValidationError as exc:
        for message in exc.messages:
            print(f"florilege: {message}", file=sys.stderr)
        return REFUSED
    except PermissionDenied as exc:
        print(f"florilege: not allowed: {exc}", file=sys.stderr)
        return REFUSED
    except ObjectDoesNotExist as exc:
        print(f"florilege: not found: {exc}", file=sys.stderr)
        return NOT_FOUND
    except OperationalError as exc:
        print(f"florilege: the database cannot be reached: {exc}", file=sys.stderr)
        return UNAVAILABLE
    except DatabaseError as exc:
        print(f"florilege: database error: {exc}", file=sys.stderr)
        return REFUSED
