# billintake service image: the API and web page, SMTP intake and the workers (`billintake up`),
# or a Celery worker (`billintake worker`, see compose.yaml). Tesseract is in the image; the
# trained extraction models are copied to /app/models and named by BILLINTAKE_MODELS_DIR, the
# one setting the code reads for them.
FROM python:3.11-slim

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-osd \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY models ./models
RUN pip install --no-cache-dir .

ENV BILLINTAKE_DATA_DIR=/data \
    BILLINTAKE_HOST=0.0.0.0 \
    BILLINTAKE_SMTP_HOST=0.0.0.0 \
    BILLINTAKE_SMTP_PORT=2525 \
    BILLINTAKE_MODELS_DIR=/app/models
VOLUME ["/data"]
EXPOSE 8000 2525
RUN useradd --system --home /data billintake && mkdir -p /data && chown billintake /data
USER billintake
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
CMD ["sh", "-c", "billintake migrate && exec billintake up"]
