import dataclasses
import typing
from pathlib import Path

import pytest

from florilege import config

REPO = Path(__file__).resolve().parents[3]
# Like what `make run` writes (secrets.token_urlsafe(50)): long, many different characters.
STRONG = "pT3v9QeXr2LkWm8sYc1ZbN4uHd7oJf6gAi0qEy5xKw2RtVn8MzCb1LsDp4Gh7Je9Ux"


def test_defaults_in_debug(tmp_path: Path) -> None:
    cfg = config.load({"FLORILEGE_DEBUG": "1", "FLORILEGE_DATA_DIR": str(tmp_path)})
    assert cfg.DEBUG is True
    assert cfg.PORT == 8000
    assert cfg.SECRET_KEY.startswith(config.INSECURE_SECRET_PREFIX)
    assert cfg.ALLOW_NETWORKS == ()


@pytest.mark.parametrize("secret", ["", "insecure-dev-key-only-for-debug", "short"])
def test_refuses_missing_default_or_short_secret_outside_debug(secret: str, tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError):
        config.load({"FLORILEGE_SECRET_KEY": secret, "FLORILEGE_DATA_DIR": str(tmp_path)})


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("x" * 40, "40 characters"),
        ("k" * 50, "1 different characters"),
        ("abab" * 20, "2 different characters"),
        ("abcdefg" * 8, "pattern repeated"),
        (STRONG[:49], "49 characters"),
    ],
)
def test_refuses_a_weak_secret_key_at_start(secret: str, reason: str, tmp_path: Path) -> None:
    environ = {"FLORILEGE_SECRET_KEY": secret, "FLORILEGE_DATA_DIR": str(tmp_path)}
    with pytest.raises(config.ConfigError, match=f"too weak: .*{reason}"):
        config.load(environ)
    # Debug mode takes any key: a developer's machine signs nothing that matters.
    debug = config.load({**environ, "FLORILEGE_DEBUG": "1"})
    assert secret == debug.SECRET_KEY


def test_a_weak_secret_key_in_a_file_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("a" * 64 + "\n")
    with pytest.raises(config.ConfigError, match="too weak"):
        config.load({"FLORILEGE_DATA_DIR": str(tmp_path)})


def test_secret_key_fallbacks_are_a_list(tmp_path: Path) -> None:
    cfg = config.load(
        {
            "FLORILEGE_SECRET_KEY": STRONG,
            "FLORILEGE_SECRET_KEY_FALLBACKS": "old-one, older-one",
            "FLORILEGE_DATA_DIR": str(tmp_path),
        }
    )
    assert cfg.SECRET_KEY_FALLBACKS == ("old-one", "older-one")


def test_reads_typed_values_and_database_url() -> None:
    cfg = config.load(
        {
            "FLORILEGE_SECRET_KEY": STRONG,
            "FLORILEGE_PORT": "9000",
            "FLORILEGE_ALLOW_NETWORKS": "127.0.0.0/8, 10.1.0.0/16",
            "DATABASE_URL": "postgres://u@h/db",
            "FLORILEGE_BASE_URL": "https://curate.example/",
        }
    )
    assert cfg.PORT == 9000
    assert [str(n) for n in cfg.ALLOW_NETWORKS] == ["127.0.0.0/8", "10.1.0.0/16"]
    assert cfg.DATABASE_URL == "postgres://u@h/db"
    assert cfg.BASE_URL == "https://curate.example"


def test_malformed_value_names_the_variable() -> None:
    with pytest.raises(config.ConfigError, match="FLORILEGE_PORT"):
        config.load({"FLORILEGE_DEBUG": "1", "FLORILEGE_PORT": "eighty"})


def test_every_option_is_documented_with_its_default() -> None:
    page = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    rows: dict[str, str] = {}
    for line in page.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`FLORILEGE_"):
            rows[cells[0].strip("`")] = cells[1].strip("`")
    expected = {f"FLORILEGE_{o.name}": o.default or "(empty)" for o in config.OPTIONS}
    missing = sorted(expected.keys() - rows.keys())
    assert not missing, f"options missing from docs/configuration.md: {missing}"
    unknown = sorted(rows.keys() - expected.keys())
    assert not unknown, f"docs/configuration.md lists options config.py lacks: {unknown}"
    wrong = {name: rows[name] for name, default in expected.items() if rows[name] != default}
    assert not wrong, f"defaults in docs/configuration.md differ from config.py: {wrong}"


def test_every_option_is_a_typed_attribute_of_its_parsed_type(tmp_path: Path) -> None:
    # The table drives parsing and the attributes drive type checking: they must agree.
    assert [f.name for f in dataclasses.fields(config.Config)] == [o.name for o in config.OPTIONS]
    environ = {"FLORILEGE_DEBUG": "1", "FLORILEGE_DATA_DIR": str(tmp_path)}
    cfg = config.load({**environ, "FLORILEGE_ALLOW_NETWORKS": "::1"})
    hints = typing.get_type_hints(config.Config)
    for name, hint in hints.items():
        value = getattr(cfg, name)
        expected = typing.get_origin(hint) or hint
        assert isinstance(value, expected), f"{name}: {value!r} is not {hint}"
        if expected is tuple:
            item = typing.get_args(hint)[0]
            assert all(isinstance(v, item) for v in value), f"{name}: {value!r} is not {hint}"


def test_secret_read_from_data_dir_file(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text(STRONG + "\n")
    cfg = config.load({"FLORILEGE_DATA_DIR": str(tmp_path)})
    assert cfg.SECRET_KEY == STRONG


def test_named_secret_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="no such file"):
        config.load({"FLORILEGE_SECRET_KEY_FILE": str(tmp_path / "missing")})


def test_missing_secret_outside_debug_with_empty_data_dir(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.load({"FLORILEGE_DATA_DIR": str(tmp_path)})
