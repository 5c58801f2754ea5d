"""The subcommands of ``florilege``. Each handler runs after Django is set up and calls the
services the web pages call (forms, permission checks, audit included)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from florilege.cli import NOT_FOUND, REFUSED, CliError

MAX_INPUT = 100 * 1024 * 1024


def _read(path: str, limit: int = MAX_INPUT) -> bytes:
    if path == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        file = Path(path)
        if not file.is_file():
            raise CliError(f"no such file: {path}", NOT_FOUND)
        with file.open("rb") as stream:
            data = stream.read(limit + 1)
    if len(data) > limit:
        raise CliError(f"{path} is larger than {limit // (1024 * 1024)} MB")
    return data


def _write(path: str | None, data: bytes) -> None:
    if not path or path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(path).write_bytes(data)
        print(f"written: {path}", file=sys.stderr)


def _user(name: str):
    from django.contrib.auth import get_user_model

    try:
        return get_user_model().objects.get(username=name)
    except get_user_model().DoesNotExist:
        raise CliError(f"no user named {name!r}", NOT_FOUND) from None


def _topic(slug: str):
    from florilege.topics.models import Topic

    topic = Topic.objects.select_related("owner").filter(slug=slug).first()
    if topic is None:
        raise CliError(f"no topic with the address {slug!r}", NOT_FOUND)
    return topic


def _actor(args: argparse.Namespace, topic):
    """Who acts: ``--as USER``, else the topic's owner. The services check their role."""
    return _user(args.acting) if getattr(args, "acting", None) else topic.owner


def _now():
    from django.utils import timezone

    return timezone.now()


def _json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


# --- users ---------------------------------------------------------------------------


def user_create(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model, password_validation
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    model = get_user_model()
    field = model._meta.get_field("username")
    username = args.username.strip()
    for validator in field.validators:
        validator(username)
    if model.objects.filter(username__iexact=username).exists():
        raise CliError(f"a user named {username!r} already exists")
    if args.email:
        validate_email(args.email)
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif args.password_prompt:
        password = getpass.getpass("Password: ")
    user = model(username=username, email=args.email or "")
    if password is not None:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise CliError(" ".join(exc.messages)) from None
    user = model.objects.create_user(username, email=args.email or "", password=password)
    if args.superuser:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    note = "" if password is not None else " (no password: set one with a password reset)"
    print(f"created user {username}{note}")
    return 0


def user_list(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model

    rows = [
        {"username": u.username, "email": u.email, "admin": u.is_superuser, "active": u.is_active}
        for u in get_user_model().objects.order_by("username")
    ]
    if args.json:
        _json(rows)
    else:
        for row in rows:
            flags = " (admin)" if row["admin"] else ""
            print(f"{row['username']}\t{row['email']}{flags}")
    return 0


# --- topics --------------------------------------------------------------------------


def topic_create(args: argparse.Namespace) -> int:
    from florilege.curation.forms.topics import TopicForm

    owner = _user(args.owner)
    form = TopicForm(
        {
            "title": args.title,
            "slug": args.slug or "",
            "description": args.description or "",
            "languages": args.language or [],
            "keywords": args.keywords or "",
            "visibility": "private" if args.private else "public",
            "use_default_accent": "on",
        }
    )
    if not form.is_valid():
        problems = [
            f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
        ]
        raise CliError("; ".join(problems))
    topic = form.save(commit=False)
    topic.owner = owner
    topic.save()
    print(topic.slug)
    return 0


def topic_list(args: argparse.Namespace) -> int:
    from django.db.models import Count

    from florilege.topics.models import Topic

    topics = Topic.objects.select_related("owner").annotate(n=Count("scoops")).order_by("slug")
    rows = [
        {"slug": t.slug, "title": t.title, "owner": t.owner.get_username(), "scoops": t.n,
         "public": t.is_public}
        for t in topics
    ]  # fmt: skip
    if args.json:
        _json(rows)
    else:
        for row in rows:
            print(f"{row['slug']}\t{row['title']}\t{row['owner']}\t{row['scoops']} scoops")
    return 0


def topic_export(args: argparse.Namespace) -> int:
    from florilege.curation.services.topics import export_topic

    topic = _topic(args.slug)
    data = export_topic(topic, _actor(args, topic), _now(), with_pictures=not args.no_pictures)
    _write(args.output, json.dumps(data, ensure_ascii=False, indent=2).encode() + b"\n")
    return 0


def topic_import(args: argparse.Namespace) -> int:
    from florilege.curation.services.topic_import import import_topic

    try:
        data = json.loads(_read(args.file))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CliError(f"{args.file} is not JSON: {exc}") from None
    owner = _user(args.owner)
    result = import_topic(data, owner, _now(), slug=args.slug)
    print(f"imported topic {result.topic.slug}: {result.sources} sources, "
          f"{result.scoops} scoops, {result.rules} rules, {result.pictures} pictures")  # fmt: skip
    for line in result.skipped:
        print(f"skipped {line}", file=sys.stderr)
    return 0


# --- sources and OPML ----------------------------------------------------------------


def source_add(args: argparse.Namespace) -> int:
    from florilege.curation.services.sources import add_source

    topic = _topic(args.slug)
    source = add_source(topic, args.url, _actor(args, topic), _now())
    print(f"following {source.url}")
    return 0


def source_list(args: argparse.Namespace) -> int:
    from florilege.topics.models import TopicSource

    links = TopicSource.objects.filter(topic=_topic(args.slug)).select_related("source")
    rows = [
        {"id": link.source_id, "url": link.source.url, "title": link.source.title,
         "enabled": link.source.enabled, "last_error": link.source.last_error}
        for link in links.order_by("pk")
    ]  # fmt: skip
    if args.json:
        _json(rows)
    else:
        for row in rows:
            state = "" if row["enabled"] else "\t(disabled)"
            print(f"{row['id']}\t{row['url']}{state}")
    return 0


def opml_import(args: argparse.Namespace) -> int:
    from florilege.curation.services.opml import import_opml
    from florilege.sources.opml import MAX_OPML_BYTES

    topic = _topic(args.slug)
    report = import_opml(topic, _read(args.file, MAX_OPML_BYTES), _actor(args, topic), _now())
    print(f"{len(report.added)} added, {len(report.already_followed)} already followed, "
          f"{len(report.invalid)} skipped")  # fmt: skip
    for reject in report.invalid:
        print(f"skipped {reject.url}: {reject.reason}", file=sys.stderr)
    return 0


def opml_export(args: argparse.Namespace) -> int:
    from florilege.curation.services.opml import export_opml

    topic = _topic(args.slug)
    _write(args.output, export_opml(topic, _actor(args, topic), _now()))
    return 0


def scoopit_import(args: argparse.Namespace) -> int:
    from florilege.curation.scoopit import MAX_BYTES
    from florilege.curation.services import scoopit

    topic = _topic(args.slug)
    is_url = args.source.startswith(("http://", "https://"))
    data = scoopit.fetch_feed(args.source) if is_url else _read(args.source, MAX_BYTES)
    url = args.source if is_url else ""
    report = scoopit.import_topic(topic, _actor(args, topic), data, _now(), url)
    print(f"{report.added} scoops added, {report.already} already in the topic"
          + (f", {len(report.skipped)} skipped" if report.skipped else ""))  # fmt: skip
    for line in report.skipped:
        print(f"skipped {line}", file=sys.stderr)
    return 0


# --- the worker ----------------------------------------------------------------------


def worker_once(args: argparse.Namespace) -> int:
    from florilege.jobs import registry
    from florilege.jobs.worker import run_cycle

    names = [n.strip() for n in (args.stages or "").split(",") if n.strip()] or None
    try:
        registry.select(names)
    except registry.UnknownStage as exc:
        raise CliError(str(exc)) from None
    report = run_cycle(stages=names)
    for name, done in report.done.items():
        print(f"{name}\t{done}")
    for name, error in report.failed.items():
        print(f"{name} failed: {error}", file=sys.stderr)
    return REFUSED if report.failed or report.database_error else 0


def status(args: argparse.Namespace) -> int:
    from florilege.jobs import registry
    from florilege.jobs.models import StageState

    now = _now()
    stages = registry.all_stages()
    states = StageState.objects.in_bulk([s.name for s in stages])
    rows = []
    for stage in stages:
        backlog = stage.backlog(now)
        state = states.get(stage.name)
        rows.append({
            "stage": stage.name,
            "app": stage.app,
            "due": backlog.due,
            "oldest_due": backlog.oldest.isoformat() if backlog.oldest else None,
            "last_run": state.last_run_at.isoformat() if state and state.last_run_at else None,
            "failures": state.failures if state else 0,
            "last_error": (state.last_error.splitlines() or [""])[0][:200]
            if state and state.failures else "",
        })  # fmt: skip
    if args.json:
        _json(rows)
        return 0
    header = ("stage", "app", "due", "oldest due", "failures", "last error")
    table: list[tuple[str, ...]] = [header]
    table += [
        tuple(str(r[k] if r[k] is not None else "-") for k in
              ("stage", "app", "due", "oldest_due", "failures", "last_error"))
        for r in rows
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return 0


# --- the parser ----------------------------------------------------------------------


def _group(sub, name: str, help_text: str) -> Any:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(group_parser=parser)
    return parser.add_subparsers(title="commands", metavar="COMMAND")


def _cmd(sub, name: str, handler, help_text: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=handler)
    return parser


def _acting(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="acting", metavar="USER",
                        help="act as this user (default: the topic's owner); "
                             "their role in the topic is checked")  # fmt: skip


def add_commands(sub) -> None:
    users = _group(sub, "user", "Create and list user accounts.")
    p = _cmd(users, "create", user_create, "Create a user account.")
    p.add_argument("username")
    p.add_argument("--email", default="")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input")  # fmt: skip
    how.add_argument("--password-prompt", action="store_true", help="ask for the password")
    p.add_argument("--superuser", action="store_true", help="site administrator (staff)")
    p = _cmd(users, "list", user_list, "List user accounts.")
    p.add_argument("--json", action="store_true")

    topics = _group(sub, "topic", "Create, list, export and import topics.")
    p = _cmd(topics, "create", topic_create, "Create a topic (checked as the web form does).")
    p.add_argument("title")
    p.add_argument("--owner", required=True, metavar="USER")
    p.add_argument("--slug", help="its address (default: made from the title)")
    p.add_argument("--description")
    p.add_argument("--language", action="append", metavar="CODE",
                   help="a language of the items wanted (repeat for several)")  # fmt: skip
    p.add_argument("--keywords", help="comma-separated keywords")
    p.add_argument("--private", action="store_true", help="only the team sees it")
    p = _cmd(topics, "list", topic_list, "List the topics.")
    p.add_argument("--json", action="store_true")
    p = _cmd(topics, "export", topic_export,
             "Export a topic as JSON (format florilege-topic/2, see docs/cli.md).")  # fmt: skip
    p.add_argument("slug")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--no-pictures", action="store_true",
                   help="pictures by address only, not their files (smaller)")  # fmt: skip
    _acting(p)
    p = _cmd(topics, "import", topic_import, "Create a topic from a JSON export.")
    p.add_argument("file", help="the export ('-' for standard input)")
    p.add_argument("--owner", required=True, metavar="USER")
    p.add_argument("--slug", help="another address than the exported one")

    sources = _group(sub, "source", "Add and list a topic's sources.")
    p = _cmd(sources, "add", source_add,
             "Follow a feed, or the feed a site or profile advertises, in a topic.")  # fmt: skip
    p.add_argument("slug")
    p.add_argument("url")
    _acting(p)
    p = _cmd(sources, "list", source_list, "List a topic's sources.")
    p.add_argument("slug")
    p.add_argument("--json", action="store_true")

    opml = _group(sub, "opml", "Import or export a topic's sources as OPML.")
    p = _cmd(opml, "import", opml_import, "Follow every feed of an OPML file in a topic.")
    p.add_argument("slug")
    p.add_argument("file", help="the OPML file ('-' for standard input)")
    _acting(p)
    p = _cmd(opml, "export", opml_export, "Write a topic's sources as OPML.")
    p.add_argument("slug")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    _acting(p)

    scoopit = _group(sub, "scoopit", "Bring a Scoop.it topic's scoops into a topic.")
    about = "Import a saved Scoop.it topic page (HTML) or its RSS feed (file or address)."
    p = _cmd(scoopit, "import", scoopit_import, about)
    p.add_argument("slug")
    p.add_argument("source", help="a file, '-' for standard input, or the feed's http(s) address")
    _acting(p)

    worker = _group(sub, "worker", "Run the background stages.")
    p = _cmd(worker, "once", worker_once, "Run one cycle of the background stages and exit.")
    p.add_argument("--stages", help="comma-separated stages (default: all; see 'status')")

    p = _cmd(sub, "status", status, "Show each background stage: backlog and last error.")
    p.add_argument("--json", action="store_true")
