"""QR codes decoded from page images: payment codes drawn onto a digital bill, the same page
scanned (tilt, blur, noise, JPEG) and photographed (perspective, blur, uneven light)."""

from __future__ import annotations

import pytest
from billintake_devkit.payment_qr import (
    PAYLOADS,
    QR_SIZE_PT,
    bill_pdf,
    photographed_jpeg,
    scanned_png,
)

from billintake.reading.qr import find_codes
from billintake.reading.sniff import JPEG, PDF, PNG

MAX_PIXELS = 60_000_000


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_payment_codes_are_decoded_exactly_clean_scanned_and_photographed(name: str) -> None:
    payload = PAYLOADS[name]
    pdf = bill_pdf(payload, small=True)
    for data, media_type in [(pdf, PDF), (scanned_png(pdf, seed=7), PNG),
                             (photographed_jpeg(pdf, seed=3), JPEG)]:
        codes = find_codes(data, media_type, max_pixels=MAX_PIXELS)
        assert [code.text for code in codes] == [payload], media_type


def test_the_code_box_is_in_points_where_it_was_drawn() -> None:
    codes = find_codes(bill_pdf(PAYLOADS["spc_qrr"], at=(300, 500)), PDF, max_pixels=MAX_PIXELS)
    assert len(codes) == 1 and codes[0].page == 1
    x0, top, x1, bottom = codes[0].bbox
    assert abs(x0 - 300) < 3 and abs(top - 500) < 3
    assert abs((x1 - x0) - QR_SIZE_PT) < 4 and abs((bottom - top) - QR_SIZE_PT) < 4


def test_a_page_without_a_code_and_a_broken_file_give_none() -> None:
    assert find_codes(bill_pdf(PAYLOADS["epc_001"], qr_size=0.0), PDF,
                      max_pixels=MAX_PIXELS) == []
    assert find_codes(b"%PDF-1.4 broken", PDF, max_pixels=MAX_PIXELS) == []
