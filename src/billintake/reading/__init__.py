"""Reading: any incoming bill file (PDF, PNG, JPEG, TIFF) → one `ReadDocument`.

    sniff.py       media type by content (once, when a file is received); the limits
    pdf_text.py    the PDF text layer (pdfplumber) and whether to trust it, page by page
    images.py      opening untrusted images behind Pillow's decompression-bomb guard
    preprocess.py  scan clean-up: resolution, skew, orientation check, lighting, grain
    ocr.py         rendering (pypdfium2) and Tesseract, pages in parallel worker processes
    engines.py     the OCR engine interface; `auto`'s choice of reading per page
    rapid.py       PP-OCRv4 through RapidOCR (ONNX Runtime; models inside the wheel)
    wordfix.py     repairs of OCR'd words (run together, look-alike characters, specks)
    layout.py      words → lines in reading order (columns apart, table rows together)
    readers.py     the readers: a PDF (text layer, else OCR) and an image (OCR)
    registry.py    media type → reader (XML has no pages: the extractor parses it)
    reader.py      `read()`: the stage itself, with the reader of the file's media type

Words from the text layer and from OCR share one coordinate system (PDF points, origin at
the page's top-left), so later stages never care where a word came from.
"""
