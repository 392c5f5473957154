"""Reading: any incoming bill file (PDF, PNG, JPEG, TIFF) → one `ReadDocument`.

    sniff.py       media type by content; size, page and pixel limits
    pdf_text.py    the PDF text layer (pdfplumber) and whether to trust it, page by page
    images.py      opening untrusted images behind Pillow's decompression-bomb guard
    preprocess.py  scan clean-up: resolution, skew, orientation check, lighting, grain
    ocr.py         rendering (pypdfium2) and Tesseract, pages in parallel worker processes
    layout.py      words → lines in reading order (columns apart, table rows together)
    reader.py      `read()`: the stage itself

Words from the text layer and from OCR share one coordinate system (PDF points, origin at
the page's top-left), so later stages never care where a word came from.
"""
