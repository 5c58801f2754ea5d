"""Numbers and redirect targets read from queries and forms: bounded, never an exception."""

from __future__ import annotations

import pytest

from florilege.lib.params import MAX_ID, bounded_int, local_path, positive_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), (" 7 ", 7), ("0", None), ("-1", None), ("²", None), ("١٢", None),
     ("9" * 40, None), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("1e3", None),
     ("", None), (None, None), (["1"], None)],
)  # fmt: skip
def test_positive_id(raw, expected) -> None:
    assert positive_id(raw) == expected


def test_bounded_int() -> None:
    assert bounded_int("5", 3, 1, 20) == 5
    assert bounded_int("999", 3, 1, 20) == 20 and bounded_int("-4", 3, 1, 20) == 1
    assert bounded_int("9" * 40, 3, 1, 20) == 3  # too long to be a number meant here
    assert bounded_int("²", 3, 1, 20) == 3 and bounded_int("9" * 5000, 3, 1, 20) == 3


@pytest.mark.parametrize(
    "raw",
    ["//evil.example/", "/\\evil.example", "https://evil.example/", "javascript:alert(1)",
     "/ok\r\nSet-Cookie: x=1", "a b", "view-name", "/x\x00", "/" + "a" * 3000],
)  # fmt: skip
def test_local_path_refuses_anything_but_a_path_here(raw) -> None:
    assert local_path(raw, "/fallback/") == "/fallback/"


def test_local_path_keeps_a_path_with_query_and_anchor() -> None:
    assert local_path("/t/x/?page=2#s-3", "/") == "/t/x/?page=2#s-3"
