"""A small drawing surface over reportlab: y measured from the top, fonts by role."""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

_TTF_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
# family → (regular file, bold file, fallback regular, fallback bold)
_FAMILIES = {
    "sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "Helvetica", "Helvetica-Bold"),
    "serif": ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "Times-Roman",
              "Times-Bold"),
    "narrow": ("LiberationSansNarrow-Regular.ttf", "LiberationSansNarrow-Bold.ttf",
               "Helvetica", "Helvetica-Bold"),
    "mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "Courier", "Courier-Bold"),
    "helvetica": ("", "", "Helvetica", "Helvetica-Bold"),
}
_REGISTERED: dict[str, tuple[str, str]] = {}


def font_names(family: str) -> tuple[str, str]:
    """(regular, bold) reportlab font names of a family; built-in fonts when TTFs are absent."""
    if family in _REGISTERED:
        return _REGISTERED[family]
    regular_file, bold_file, fallback, fallback_bold = _FAMILIES[family]
    names = (fallback, fallback_bold)
    for directory in _TTF_DIRS:
        regular, bold = directory / regular_file, directory / bold_file
        if regular_file and regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont(f"H-{family}", str(regular)))
            pdfmetrics.registerFont(TTFont(f"H-{family}-B", str(bold)))
            names = (f"H-{family}", f"H-{family}-B")
            break
    _REGISTERED[family] = names
    return names


class Sheet:
    """Pages to draw on; `pdf()` returns the document."""

    def __init__(self, size: tuple[float, float], family: str = "sans") -> None:
        self.width, self.height = size
        self._buffer = io.BytesIO()
        self._canvas = canvas.Canvas(self._buffer, pagesize=size)
        self.regular, self.bold = font_names(family)

    def text(self, x: float, y: float, text: str, size: float = 9.0, *, bold: bool = False,
             align: str = "left", font: str | None = None) -> None:
        """Text whose top is at y points from the top of the page."""
        name = font or (self.bold if bold else self.regular)
        self._canvas.setFont(name, size)
        baseline = self.height - y - 0.8 * size
        if align == "right":
            self._canvas.drawRightString(x, baseline, text)
        elif align == "center":
            self._canvas.drawCentredString(x, baseline, text)
        else:
            self._canvas.drawString(x, baseline, text)

    def lines(self, x: float, y: float, texts: list[str], size: float = 9.0, *,
              leading: float | None = None, bold_first: bool = False, align: str = "left"
              ) -> float:
        """Stacked lines; returns the y below the last one."""
        step = leading or size * 1.35
        for i, line in enumerate(texts):
            self.text(x, y + i * step, line, size, bold=bold_first and i == 0, align=align)
        return y + len(texts) * step

    def rule(self, x0: float, y: float, x1: float, *, width: float = 0.6,
             dashed: bool = False) -> None:
        self._canvas.setLineWidth(width)
        self._canvas.setDash(3, 3) if dashed else self._canvas.setDash()
        self._canvas.line(x0, self.height - y, x1, self.height - y)
        self._canvas.setDash()

    def box(self, x: float, y: float, w: float, h: float, *, fill: float | None = None) -> None:
        self._canvas.setLineWidth(0.7)
        if fill is not None:
            self._canvas.setFillGray(fill)
        self._canvas.rect(x, self.height - y - h, w, h, stroke=1, fill=int(fill is not None))
        self._canvas.setFillGray(0)

    def new_page(self) -> None:
        self._canvas.showPage()

    def pdf(self) -> bytes:
        self._canvas.showPage()
        self._canvas.save()
        return self._buffer.getvalue()
