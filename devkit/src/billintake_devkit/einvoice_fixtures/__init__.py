"""Generated e-invoices for tests and benchmarks: built by code, never copied.

PDFs are drawn with reportlab and made Factur-X with the factur-x library; CII (ZUGFeRD 1.0
and 2.x / Factur-X / XRechnung) and UBL (Peppol BIS Billing 3.0) documents are written with
lxml from one `InvoiceSpec`, so the truth of every field is known.
"""
