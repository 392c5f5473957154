"""Whole slips through the extractor: the fields a till slip from an unseen country must give."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ._bills import Text, block, extract, row


def _lr(y: float, left: str, right: str) -> list[Text]:
    return row(y, (40, left), (230, right))


def test_a_malaysian_slip_with_rounding_a_spaced_colon_and_a_gst_summary() -> None:
    head = [*block(70, 20, ["SIN HOCK RESTAURANT SDN BHD"], size=12),
            *block(110, 38, ["(402537-M)", "GST REG NO : 001234567890", "NO 99, JALAN AMPANG,",
                             "50450 KUALA LUMPUR"])]
    ident = [*row(100, (40, "DATE : 31/08/2024"), (150, "TIME : 07:05:04")),
             *row(114, (40, "INV NO"), (90, ":"), (110, "CS9668227"))]
    body = [*_lr(140, "MINERAL WATER 1.5L", "126.24"), *_lr(154, "KUEY TEOW", "242.69"),
            *_lr(175, "TOTAL QTY:", "5"),
            *_lr(189, "TOTAL SALES (EXCLUDING GST)", "368.93"), *_lr(203, "GST @6%", "22.14"),
            *_lr(217, "TOTAL (RM)", "391.07"), *_lr(231, "ROUNDING ADJ", "-0.02"),
            *_lr(245, "TOTAL AMOUNT", "391.05"), *_lr(259, "CASH", "400.00"),
            *_lr(273, "CHANGE", "8.95"),
            *row(295, (40, "GST SUMMARY"), (150, "AMOUNT(RM)"), (230, "TAX(RM)")),
            *row(309, (40, "SR @ 6%"), (150, "368.93"), (230, "22.14"))]
    bill = extract([*head, *ident, *body])
    assert bill.value("vendor_name") == "SIN HOCK RESTAURANT SDN BHD"
    assert bill.value("bill_date") == date(2024, 8, 31)
    assert bill.value("bill_number") == "CS9668227"
    assert bill.value("currency") == "MYR"
    assert bill.value("total") == Decimal("391.05")
    assert bill.value("subtotal") == Decimal("368.93")
    assert bill.value("tax") == Decimal("22.14")


def test_an_indian_bill_adds_cgst_and_sgst_and_reads_lakh_grouping() -> None:
    head = [*block(90, 20, ["Hotel Udupi Residency"], size=13),
            *block(80, 40, ["GSTIN: 29ABCDE1234F1Z5", "12, MG Road, Bengaluru"]),
            *row(75, (40, "Bill No: 4471"), (150, "Dt: 25/12/18 14:22"))]
    body = [*_lr(100, "Paneer Tikka", "1,10,250.00"), *_lr(114, "Masala Dosa", "1,000.00"),
            *_lr(135, "Sub Total", "1,11,250.00"), *_lr(149, "CGST @2.5%", "2,781.25"),
            *_lr(163, "SGST @2.5%", "2,781.25"), *_lr(177, "Round Off", "-0.50"),
            *_lr(191, "Grand Total", "1,16,812.00"), *_lr(205, "Total Qty: 2", "Items: 2")]
    bill = extract([*head, *body])
    assert bill.value("vendor_name") == "Hotel Udupi Residency"
    assert bill.value("bill_date") == date(2018, 12, 25)
    assert bill.value("currency") == "INR"
    assert bill.value("subtotal") == Decimal("111250.00")
    assert bill.value("tax") == Decimal("5562.50")
    assert bill.value("total") == Decimal("116812.00")


def test_a_us_slip_with_an_apostrophe_year_savings_and_change_larger_than_the_total() -> None:
    lines = [*block(90, 20, ["MAPLE MARKET"], size=14),
             *block(80, 40, ["120 Main St", "Austin, TX 78701"]),
             *row(75, (40, "Dec 25 '17"), (150, "Order #618926")),
             *_lr(100, "BANANAS", "1.99"), *_lr(114, "COFFEE BEANS", "12.49"),
             *_lr(135, "SUBTOTAL", "14.48"), *_lr(149, "TAX", "0.90"),
             *_lr(163, "TOTAL", "$15.38"), *_lr(177, "CASH", "100.00"),
             *_lr(191, "CHANGE DUE", "84.62"),
             *block(60, 215, ["YOU SAVED $3.20 TODAY!", "TOTAL NUMBER OF ITEMS SOLD = 2"])]
    bill = extract(lines)
    assert bill.value("vendor_name") == "MAPLE MARKET"
    assert bill.value("bill_date") == date(2017, 12, 25)
    assert bill.value("total") == Decimal("15.38")
    assert bill.value("currency") == "USD"
