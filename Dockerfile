# billintake service image: the same steps as the Makefile's `run` target.
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
    BILLINTAKE_MODELS_DIR=/app/models
VOLUME ["/data"]
EXPOSE 8000
RUN useradd --system --home /data billintake && mkdir -p /data && chown billintake /data
USER billintake
CMD ["sh", "-c", "billintake migrate && billintake serve"]
