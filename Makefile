# billintake — everything a fresh Debian machine needs, set up by `make run` or `make test`.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages the project needs (OCR with English, German, French; OSD for page rotation;
# OpenCV's libraries for RapidOCR; Chromium and Firefox for the browser tests of the workspace;
# Dovecot for the IMAP intake tests).
APT_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra \
	tesseract-ocr-osd libgl1 libglib2.0-0 chromium firefox-esr python3-venv dovecot-imapd

.PHONY: run test setup system-deps venv migrate model lint bench clean

run: setup migrate ## run everything: API + web page on 127.0.0.1:8000, SMTP, folder, workers
	$(BIN)/billintake up

test: setup ## run the whole test suite
	$(BIN)/python -m pytest

setup: system-deps venv

system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml devkit/pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip "setuptools>=75"
	$(BIN)/python -m pip install -q -e '.[test]' -e ./devkit
	touch $@

migrate: venv ## create or upgrade the database schema
	$(BIN)/billintake migrate

model: venv ## rebuild models/: the spaCy pipeline (rule components), the ranker (real sets), the vendor-memory model
	$(BIN)/python scripts/build_pipeline.py
	$(BIN)/python scripts/train_ranker.py
	$(BIN)/python scripts/train_memory.py

lint: venv
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
