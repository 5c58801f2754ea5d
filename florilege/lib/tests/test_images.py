"""Checking pictures handed to us, with real small images made by Pillow: the formats
that pass, SVG and decompression bombs refused, metadata stripped; and the pictures a
page offers."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from florilege.lib.images import (
    MAX_PIXELS,
    Candidate,
    ImageRejected,
    check_image,
    clean_image,
    page_images,
)


def picture(fmt: str, size: tuple[int, int] = (40, 30), mode: str = "RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 60) if mode == "RGB" else None).save(out, format=fmt, **save)
    return out.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny, valid-looking PNG whose header announces ``width`` by ``height`` pixels: what
    a decompression bomb looks like before its pixels are inflated."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp"), ("GIF", "png")]
)
def test_accepted_formats_are_re_encoded(fmt: str, extension: str) -> None:
    clean = clean_image(picture(fmt))
    assert (clean.extension, clean.width, clean.height) == (extension, 40, 30)
    assert Image.open(io.BytesIO(clean.data)).size == (40, 30)


def test_metadata_is_stripped() -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS latitude
    data = picture("JPEG", exif=exif.tobytes())
    assert b"SecretCam" in data
    clean = clean_image(data)
    assert b"SecretCam" not in clean.data
    assert not Image.open(io.BytesIO(clean.data)).getexif()


def test_png_text_chunks_are_dropped() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "where I live")
    clean = clean_image(picture("PNG", pnginfo=info))
    assert b"where I live" not in clean.data


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90°: the upright picture is 30 wide, 40 high
    clean = clean_image(picture("JPEG", (40, 30), exif=exif.tobytes()))
    assert (clean.width, clean.height) == (30, 40)


def test_decompression_bomb_header_is_refused_before_decoding() -> None:
    bomb = png_header_claiming(50_000, 50_000)
    assert len(bomb) < 200
    with pytest.raises(ImageRejected) as caught:
        check_image(bomb)
    assert caught.value.code == "pixels"
    # Just over our own limit, far under Pillow's: refused by ours, by the header alone.
    with pytest.raises(ImageRejected) as caught:
        clean_image(png_header_claiming(MAX_PIXELS // 1000 + 1, 1000))
    assert caught.value.code == "pixels"


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10"/>',
        b"  \n<!DOCTYPE svg><svg/>",
    ],
)
def test_svg_is_refused(svg: bytes) -> None:
    with pytest.raises(ImageRejected) as caught:
        clean_image(svg)
    assert caught.value.code == "svg"


def test_other_files_are_refused() -> None:
    for data, code in [
        (b"", "empty"),
        (b"%PDF-1.7 not a picture", "unreadable"),
        (picture("BMP"), "format"),
        (picture("TIFF"), "format"),
        (picture("PNG")[:40], "unreadable"),
    ]:
        with pytest.raises(ImageRejected) as caught:
            clean_image(data)
        assert caught.value.code == code, data[:10]


def test_size_limit() -> None:
    with pytest.raises(ImageRejected) as caught:
        clean_image(picture("PNG"), max_bytes=10)
    assert caught.value.code == "too_big"


PAGE = """<html><head>
<meta property="og:image" content="/cover.jpg">
<meta name="twitter:image" content="https://cdn.example/card.png">
<meta property="og:image" content="https://cdn.example/logo.svg">
</head><body><nav><img src="/nav.png" width="400" height="300"></nav>
<article><img src="/pixel.gif" width="1" height="1"><img src="/icon.png" width="32">
<img src="photo.webp" width="800" height="450"><img src="data:image/png;base64,AAAA">
<img src="/cover.jpg"></article></body></html>"""


def test_page_images_best_first_without_icons_svg_or_duplicates() -> None:
    found = page_images(PAGE, "https://news.example/a/b", first="https://feed.example/f.jpg")
    assert found == [
        Candidate("https://feed.example/f.jpg"),
        Candidate("https://news.example/cover.jpg"),
        Candidate("https://cdn.example/card.png"),
        Candidate("https://news.example/a/photo.webp", 800, 450),
    ]


def test_page_images_of_nothing() -> None:
    assert page_images("", "https://news.example/") == []
    assert page_images("<p>no pictures</p>", "https://news.example/") == []
