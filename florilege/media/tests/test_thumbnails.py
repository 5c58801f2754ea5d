"""Making thumbnails (lib/images.make_thumbnails): upright, without metadata, at the sizes
the pages use, never enlarged; and the refusals, checked before any pixel is decoded."""

from __future__ import annotations

import io
import math
import struct
import zlib

import pytest
from PIL import Image, ImageChops

from florilege.lib import images
from florilege.media.templatetags.pictures import placeholder_class


def jpeg_with_metadata(size: tuple[int, int], orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "Camera maker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPSInfo: a position
    out = io.BytesIO()
    # Left half red, right half blue: which side ends on top says how it was turned.
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    image.save(out, format="JPEG", exif=exif, comment=b"a comment")
    return out.getvalue()


def png_announcing(width: int, height: int) -> bytes:
    """A valid, tiny PNG whose header announces ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))  # fmt: skip


def test_thumbnails_are_upright_and_carry_no_metadata() -> None:
    thumbs = images.make_thumbnails(jpeg_with_metadata((400, 200), orientation=6))
    # Orientation 6: the camera was turned; upright, the picture is tall.
    assert (thumbs.width, thumbs.height) == (200, 400)
    for rendition in thumbs.renditions:
        for data, kind in ((rendition.jpeg, "JPEG"), (rendition.webp, "WEBP")):
            if not data and rendition.name.startswith("square"):
                continue  # the squares are WebP only
            opened = Image.open(io.BytesIO(data))
            assert opened.format == kind
            assert not opened.getexif(), "EXIF (orientation, camera, GPS) must be gone"
            assert "exif" not in opened.info and "comment" not in opened.info
            assert "icc_profile" not in opened.info
            assert opened.size == (rendition.width, rendition.height)
            # Turned clockwise: the red left half is now on top.
            top = opened.convert("RGB").getpixel((opened.width // 2, opened.height // 10))
            assert isinstance(top, tuple) and top[0] > 150 and top[2] < 100


def test_sizes_follow_their_use_and_never_enlarge() -> None:
    big = io.BytesIO()
    Image.new("RGB", (2400, 1260), (10, 200, 30)).save(big, format="PNG")
    thumbs = images.make_thumbnails(big.getvalue())
    sizes = {r.name: (r.width, r.height) for r in thumbs.renditions}
    assert sizes == {
        "small": (160, 84), "medium": (320, 168), "card": (640, 336), "large": (1200, 630),
        "square": (160, 160), "square-large": (240, 240),
    }  # fmt: skip
    assert thumbs.color == "#0ac81e"
    small = io.BytesIO()
    Image.new("RGB", (300, 150), (0, 0, 0)).save(small, format="GIF")
    widths = {r.name: r.width for r in images.make_thumbnails(small.getvalue()).renditions}
    assert widths == {
        "small": 160, "medium": 300, "card": 300, "large": 300,
        "square": 150, "square-large": 150,  # the shorter side
    }  # fmt: skip


def test_squares_are_the_middle_of_the_picture_in_webp_only() -> None:
    # Three bands, left to right: a square of the middle shows only the middle one, as
    # the list's 4.75rem square (object-fit: cover) does on a phone.
    wide = Image.new("RGB", (1200, 630), (220, 20, 20))
    wide.paste((20, 200, 20), (285, 0, 915, 630))
    wide.paste((20, 20, 220), (915, 0, 1200, 630))
    out = io.BytesIO()
    wide.save(out, format="PNG")
    squares = [r for r in images.make_thumbnails(out.getvalue()).renditions
               if r.name.startswith("square")]  # fmt: skip
    assert [(r.name, r.width, r.height, r.jpeg) for r in squares] == [
        ("square", 160, 160, b""), ("square-large", 240, 240, b""),
    ]  # fmt: skip
    for r in squares:
        opened = Image.open(io.BytesIO(r.webp)).convert("RGB")
        assert opened.size == (r.width, r.width)
        for x in (2, r.width // 2, r.width - 3):
            pixel = opened.getpixel((x, r.width // 2))
            assert isinstance(pixel, tuple) and pixel[1] > 150 and pixel[0] < 80, (x, pixel)
    # A tall picture's square is cut from the top part its other thumbnails show.
    tall = Image.new("RGB", (400, 4000), (20, 20, 220))
    tall.paste((220, 20, 20), (0, 0, 400, 800))
    out = io.BytesIO()
    tall.save(out, format="PNG")
    square = {r.name: r for r in images.make_thumbnails(out.getvalue()).renditions}["square"]
    pixel = Image.open(io.BytesIO(square.webp)).convert("RGB").getpixel((80, 80))
    assert isinstance(pixel, tuple) and pixel[0] > 150


def photograph() -> Image.Image:
    """A real photograph (one of those scikit-learn ships), as a 1200 x 630 article cover."""
    from sklearn.datasets import load_sample_image

    china = Image.fromarray(load_sample_image("china.jpg"))  # 640 x 427
    return china.crop((0, 40, 640, 376)).resize((1200, 630), Image.Resampling.LANCZOS)


def psnr(a: Image.Image, b: Image.Image) -> float:
    """Peak signal-to-noise ratio of two pictures of one size, in dB."""
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    # The histogram lists 256 counts per band, one band after another.
    squares = sum(count * (i % 256) ** 2 for i, count in enumerate(diff.histogram()))
    mse = squares / (a.width * a.height * 3)
    return 99.0 if mse == 0 else 10 * math.log10(255**2 / mse)


def test_page_thumbnails_are_lighter_and_still_faithful() -> None:
    # The thumbnails a page shows small are encoded at quality 70 with WebP's slowest
    # search; those shown wide keep 80.
    assert images.webp_options(160) == images.webp_options(320) == {"quality": 70, "method": 6}
    assert images.webp_options(640) == images.webp_options(1200) == {"quality": 80, "method": 4}
    photo = photograph()
    out = io.BytesIO()
    photo.save(out, format="PNG")
    thumbs = {r.name: r for r in images.make_thumbnails(out.getvalue()).renditions}
    medium = thumbs["medium"]
    pixels = photo.resize((medium.width, medium.height), Image.Resampling.LANCZOS)
    at_80 = io.BytesIO()
    pixels.save(at_80, format="WEBP", quality=80, method=4)
    assert len(medium.webp) < 0.85 * len(at_80.getvalue())
    # Still close to the pixels it was made from: here 32.4 dB at 80, 31.0 at 70, 30.3 at 60.
    assert psnr(Image.open(io.BytesIO(medium.webp)), pixels) > 30.5


def test_a_tall_picture_is_cut_from_its_top() -> None:
    tall = io.BytesIO()
    Image.new("RGB", (600, 6000), (90, 90, 90)).save(tall, format="PNG")
    card = {r.name: r for r in images.make_thumbnails(tall.getvalue()).renditions}["card"]
    assert (card.width, card.height) == (600, 1200)


def test_transparency_is_flattened_on_white() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (200, 200), (0, 0, 0, 0)).save(out, format="PNG")
    thumbs = images.make_thumbnails(out.getvalue())
    assert thumbs.color == "#ffffff"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (png_announcing(100_000, 100_000), "pixels"),  # 10 gigapixels in a 60-byte file
        (png_announcing(9000, 5000), "pixels"),  # past our cap, under Pillow's own
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>', "svg"),
        (b"<html><body>Not found</body></html>", "svg"),
        (b"%PDF-1.4 not a picture at all", "unreadable"),
        (jpeg_with_metadata((400, 300), 1)[:600], "unreadable"),  # cut short
        (b"", "empty"),
    ],
    ids=["bomb", "over-cap", "svg", "html", "pdf", "truncated", "empty"],
)
def test_hostile_files_are_refused_with_a_reason(data: bytes, code: str) -> None:
    with pytest.raises(images.ImageRejected) as refused:
        images.make_thumbnails(data)
    assert refused.value.code == code


def test_the_size_cap_is_checked_first() -> None:
    with pytest.raises(images.ImageRejected) as refused:
        images.make_thumbnails(b"\xff\xd8" + b"x" * 2000, max_bytes=1000)
    assert refused.value.code == "too_big"


def test_pillow_itself_refuses_bombs_beyond_our_cap() -> None:
    # Any other code in the process that opens a picture meets the same limit.
    assert Image.MAX_IMAGE_PIXELS == images.MAX_PIXELS
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(png_announcing(100_000, 100_000)))


@pytest.mark.parametrize(
    ("color", "shade"),
    [("#000000", "pc-000"), ("#ffffff", "pc-333"), ("#0ac81e", "pc-020"), ("#7f8081", "pc-122"),
     ("red", ""), ("#zzzzzz", "")],
)  # fmt: skip
def test_placeholder_shades(color: str, shade: str) -> None:
    assert placeholder_class(color) == shade


def test_pictures_made_before_the_squares_are_offered_by_width_only() -> None:
    from types import SimpleNamespace

    from florilege.media.models import Picture
    from florilege.media.templatetags.pictures import scoop_picture

    def entry(width: int, height: int) -> dict[str, object]:
        name = f"images/ab/{'a' * 32}-{width}x{height}"
        return {"width": width, "height": height, "webp": name + ".webp", "jpeg": name + ".jpg"}

    old = {"small": entry(160, 84), "medium": entry(320, 168), "card": entry(640, 336)}
    picture = Picture(status=Picture.Status.READY, renditions=old, color="#0ac81e")
    html = str(scoop_picture(SimpleNamespace(picture=picture), "card", slot="list"))
    assert "media=" not in html and html.startswith('<picture><source type="image/webp" srcset=')
    square = {"width": 160, "height": 160, "webp": f"images/cd/{'c' * 32}-160x160.webp"}
    picture.renditions = {**old, "square": square}
    listed = str(scoop_picture(SimpleNamespace(picture=picture), "card", slot="list"))
    assert f'media="(max-width: 39.99rem)" srcset="/media/{square["webp"]} 160w"' in listed
    # A scoop's own card shows the whole picture.
    assert "media=" not in str(scoop_picture(SimpleNamespace(picture=picture), "card", "card"))
