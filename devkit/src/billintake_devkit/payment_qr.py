"""Bills with payment QR codes, for tests and bench/qr.py: the payloads of the EPC QR code's and
the Swiss QR-bill's own specification examples, drawn (with segno, error correction M as both
specifications ask) onto a small bill as vector modules, then made to look scanned (`synth.scan`)
or photographed (a perspective, blur, uneven light and JPEG).
"""

from __future__ import annotations

import io
import random

import numpy as np
import segno
from PIL import Image, ImageFilter
from reportlab.lib.pagesizes import A4, A5
from reportlab.pdfgen import canvas

from billintake_devkit.synth.scan import ScanQuality, degrade_page, render_pages

# EPC069-12 (Quick Response Code guidelines), the example of its annex: version 001 with BIC.
EPC_EXAMPLE = "\n".join([
    "BCD", "001", "1", "SCT", "BPOTBEB1", "Red Cross of Belgium", "BE72000000001616",
    "EUR1", "CHAR", "", "Urgency fund", "Sample EPC QR code"])
# Version 002 (BIC optional) with a structured creditor reference (ISO 11649).
EPC_002_RF = "\n".join([
    "BCD", "002", "1", "SCT", "", "Wikimedia Foerdergesellschaft",
    "DE33100205000001194700", "EUR123.45", "", "RF18539007547034"])
_SPC_NO_ULTIMATE_CREDITOR = [""] * 7
# Swiss Implementation Guidelines for the QR-bill, the examples of its annex: a QR-IBAN with a
# QR reference, structured addresses.
SPC_QRR = "\n".join([
    "SPC", "0200", "1", "CH4431999123000889012",
    "S", "Robert Schneider AG", "Rue du Lac", "1268", "2501", "Biel", "CH",
    *_SPC_NO_ULTIMATE_CREDITOR, "1949.75", "CHF",
    "S", "Pia-Maria Rutschmann-Schnyder", "Grosse Marktgasse", "28", "9400", "Rorschach", "CH",
    "QRR", "210000000003139471430009017", "Order of 15 June 2020", "EPD",
    "//S1/10/10201409/11/200701/20/140.000-53/30/102673831/31/200615/32/7.7/33/7.7:50/40/0:30"])
# An ordinary IBAN with a creditor reference (SCOR), the debtor's address combined (K).
SPC_SCOR = "\n".join([
    "SPC", "0200", "1", "CH5800791123000889012",
    "S", "Robert Schneider AG", "Rue du Lac", "1268", "2501", "Biel", "CH",
    *_SPC_NO_ULTIMATE_CREDITOR, "199.95", "CHF",
    "K", "Pia-Maria Rutschmann-Schnyder", "Grosse Marktgasse 28", "9400 Rorschach", "", "",
    "CH", "SCOR", "RF18539007547034", "", "EPD"])
# No reference (NON), no amount (the payer fills it in), the creditor's address combined (K).
SPC_NON = "\n".join([
    "SPC", "0200", "1", "CH3709000000304442225",
    "K", "Salvation Army Foundation Switzerland", "", "3000 Bern", "", "", "CH",
    *_SPC_NO_ULTIMATE_CREDITOR, "", "CHF", "", "", "", "", "", "", "",
    "NON", "", "Donation to the Winterfest campaign", "EPD"])
PAYLOADS = {"epc_001": EPC_EXAMPLE, "epc_002_rf": EPC_002_RF, "spc_qrr": SPC_QRR,
            "spc_scor": SPC_SCOR, "spc_non": SPC_NON}

QR_SIZE_PT = 46 / 25.4 * 72  # the Swiss QR code is 46 × 46 mm


def bill_pdf(payload: str, *, lines: list[str] | None = None, qr_size: float = QR_SIZE_PT,
             at: tuple[float, float] = (60, 200), small: bool = False) -> bytes:
    """A one-page bill (A4; A5 when `small`, quicker to degrade) with the payment code drawn
    as vector modules at `at` (points from the top-left) and `lines` printed above it."""
    pagesize = A5 if small else A4
    height = pagesize[1]
    lines = lines if lines is not None else [
        "Robert Schneider AG", "Rue du Lac 1268, 2501 Biel", "", "Invoice No: 2020-0615",
        "Invoice Date: 15.06.2020", "Total: CHF 1949.75"]
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=pagesize)
    pdf.setFont("Helvetica", 10)
    for i, line in enumerate(lines):
        pdf.drawString(60, height - 50 - 14 * i, line)
    code = segno.make(payload, error="m", encoding="utf-8", micro=False)
    matrix = [list(row) for row in code.matrix] if qr_size > 0 else []  # 0: no code
    module = qr_size / max(1, len(matrix))
    x0, top = at
    pdf.setFillGray(0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x0 + c * module, height - top - (r + 1) * module, module, module,
                         stroke=0, fill=1)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def scanned_png(pdf: bytes, seed: int, quality: ScanQuality | None = None) -> bytes:
    """The bill's page scanned: tilted up to 1.5°, blurred, noisy, JPEG'd, as a PNG."""
    quality = quality or ScanQuality.random(random.Random(seed))
    page = degrade_page(render_pages(pdf, quality.dpi)[0], quality, seed)
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(quality.dpi, quality.dpi), compress_level=1)
    return out.getvalue()


def photographed_jpeg(pdf: bytes, seed: int, *, dpi: int = 150, tilt: float = 0.08,
                      blur: float = 0.8) -> bytes:
    """The bill's page photographed: seen at a slant (a perspective whose corners move by up
    to `tilt` of the page), turned a little, blurred, unevenly lit, on a grey desk, JPEG'd."""
    rng = random.Random(seed)
    page = render_pages(pdf, dpi)[0].convert("L")
    w, h = page.size
    canvas_img = Image.new("L", (int(w * 1.2), int(h * 1.2)), 90)
    canvas_img.paste(page, (int(w * 0.1), int(h * 0.1)))
    cw, ch = canvas_img.size

    def jitter(x: float, y: float) -> tuple[float, float]:
        return x + rng.uniform(-tilt, tilt) * w, y + rng.uniform(-tilt, tilt) * h

    corners = [jitter(0, 0), jitter(cw, 0), jitter(cw, ch), jitter(0, ch)]
    coeffs = _perspective(corners, [(0, 0), (cw, 0), (cw, ch), (0, ch)])
    warped = canvas_img.transform((cw, ch), Image.Transform.PERSPECTIVE, coeffs,
                                  Image.Resampling.BILINEAR, fillcolor=90)
    warped = warped.rotate(rng.uniform(-4, 4), resample=Image.Resampling.BILINEAR, fillcolor=90)
    warped = warped.filter(ImageFilter.GaussianBlur(blur))
    light = np.linspace(rng.uniform(0.7, 0.85), 1.0, cw, dtype=np.float32)[None, :]
    pixels = np.asarray(warped, dtype=np.float32) * light
    pixels += np.random.default_rng(seed).normal(0, 6, pixels.shape)
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=70)
    return out.getvalue()


def _perspective(source: list[tuple[float, float]], target: list[tuple[float, float]]
                 ) -> list[float]:
    """PIL's perspective coefficients mapping `target` corners onto `source` corners."""
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=np.float64)
    b = np.array([c for point in source for c in point], dtype=np.float64)
    return list(np.linalg.solve(a, b))
