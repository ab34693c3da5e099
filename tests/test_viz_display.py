"""What a stepper (and a still) hands to Jupyter: every viewer finds a picture it may show.

JupyterLab refuses ``image/svg+xml`` in an untrusted notebook (a cloned one, before it is run)
and then shows the next *safe* format; the widget itself is never shown there. So after the
widget come the SVG (GitHub, nbconvert, trusted Lab) and a PNG of the same frame (untrusted
Lab), then words. The JupyterLab test (test_lab_browser.py) checks the same in a browser.
"""

from __future__ import annotations

import base64
import struct
import sys
import zlib

import pytest
from graphs import tanh_neuron

pytest.importorskip("ipywidgets")
pytest.importorskip("resvg_py")

from viz import display, step_through

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
ORANGE = (0xEA, 0x58, 0x0C)  # the current node's outline (layout.STYLE)
BLUE = (0x25, 0x63, 0xEB)  # the outline of the nodes receiving a contribution


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGBA bytes) of an 8-bit RGB/RGBA PNG (stdlib only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6)
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(
            bytes(line)
            if channels == 3
            else bytes(v for j in range(0, stride, 4) for v in line[j : j + 3])
        )
        previous = line
    return width, height, rows


def colours(png_b64: str) -> set[tuple[int, int, int]]:
    _w, _h, rows = decode_png(base64.b64decode(png_b64))
    return {tuple(row[i : i + 3]) for row in rows for i in range(0, len(row), 3)}


@pytest.fixture(scope="module")
def stepper():
    return step_through(tanh_neuron()[0])


def test_the_stepper_offers_widget_then_svg_then_png_then_words(stepper) -> None:
    data, metadata = stepper._repr_mimebundle_()
    assert list(data) == [WIDGET_MIME, "image/svg+xml", "image/png", "text/plain"]
    assert data["image/svg+xml"] == stepper.svg
    width, height = struct.unpack(">II", base64.b64decode(data["image/png"])[16:24])  # IHDR
    css = display.css_size(stepper.svg)
    # drawn at PNG_SCALE pixels per CSS pixel, shown at the SVG's size
    scale = display.PNG_SCALE
    assert (width, height) == (round(css[0] * scale), round(css[1] * scale))
    assert metadata["image/png"] == {
        "width": round(css[0]),
        "height": round(css[1]),
        "unconfined": True,  # JupyterLab: natural size, never shrunk to the cell's width
    }
    assert metadata["image/svg+xml"] == {"unconfined": True}
    assert "an interactive stepper" in data["text/plain"]


def test_the_png_is_the_displayed_frame(stepper, monkeypatch) -> None:
    """Frame 0 (forward, first leaf current) and the first backward frame (the root hands
    gradients to its parents: blue targets) look different, and each PNG is its frame."""
    monkeypatch.setattr(display, "PNG_SCALE", 0.75)  # fewer pixels to decode here
    stepper.show(0)
    first = stepper._repr_mimebundle_()[0]["image/png"]
    backward = next(k for k, f in enumerate(stepper.frames) if f.phase == "backward")
    stepper.show(backward)
    later = stepper._repr_mimebundle_()[0]["image/png"]
    stepper.show(0)
    assert first != later
    near = lambda cs, c: any(max(abs(a - b) for a, b in zip(x, c)) < 8 for x in cs)
    assert near(colours(first), ORANGE)
    assert not near(colours(first), BLUE)
    assert near(colours(later), ORANGE) and near(colours(later), BLUE)


def test_a_still_is_a_picture_not_an_object_repr(stepper) -> None:
    data, _ = display.Picture(stepper.still(3), "frame 3")._repr_mimebundle_()
    assert data["image/svg+xml"] == stepper.still(3)
    assert base64.b64decode(data["image/png"])[:4] == b"\x89PNG"
    assert data["text/plain"] == "frame 3"
    assert "object" not in data["text/plain"]
    assert stepper.slider.value == 0  # a still does not move the stepper


def test_without_resvg_the_svg_and_words_remain(stepper, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "resvg_py", None)  # import fails
    data, metadata = stepper._repr_mimebundle_()
    assert list(data) == [WIDGET_MIME, "image/svg+xml", "text/plain"]
    assert "image/png" not in metadata


def test_a_huge_picture_gets_no_png() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="9000pt" height="9000pt"></svg>'
    assert display.png(svg) is None
    assert display.png("") is None
    assert display.png("<svg></svg>") is None  # no size


def test_picture_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match="svg must be a str, got bytes"):
        display.Picture(b"<svg/>")
    with pytest.raises(TypeError, match="text must be a str, got int"):
        display.Picture("<svg/>", 5)


def test_draw_graph_carries_a_png_too() -> None:
    """draw_graph in a notebook: SVG for GitHub/nbconvert/trusted Lab, PNG for an untrusted
    Lab (before: '<viz.render.Digraph at 0x...>' as text there)."""
    from viz import draw_graph

    data = draw_graph(tanh_neuron()[0])._repr_mimebundle_()
    assert "<svg" in data["image/svg+xml"]
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
