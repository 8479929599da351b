# Rongmei: two commands. `make run` starts the platform with demo data; `make test` runs
# the whole suite. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
SUDO   := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: run test test-pg test-sqlite install install-test media-tools chromium services check clean

$(VENV)/.runtime: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.test: $(VENV)/.runtime requirements-test.txt
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-test.txt
	touch $@

install: $(VENV)/.runtime
install-test: $(VENV)/.test

## Debian packages the platform itself uses: ffmpeg (video versions, probing, poster frames)
## and the Noto CJK fonts (text burned into videos, PDF reports).
media-tools:
	@if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
	  echo "installing Debian's ffmpeg and fonts-noto-cjk ..."; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq ffmpeg fonts-noto-cjk >/dev/null; \
	fi

## Start the platform with demo data on http://127.0.0.1:$(PORT) (SQLite, embedded worker).
run: $(VENV)/.runtime media-tools
	RONGMEI_DEMO=1 $(BIN)/rongmei migrate --noinput -v 0
	RONGMEI_DEMO=1 $(BIN)/rongmei static
	RONGMEI_DEMO=1 $(BIN)/rongmei demo
	RONGMEI_DEMO=1 RONGMEI_SANDBOX=1 PORT=$(PORT) $(BIN)/rongmei serve

## Debian packages the tests use: chromium (never a downloaded browser), CJK fonts for
## screenshots, ffmpeg for audio/video probing and poster frames, nginx for the public
## site's sample configuration and wrk for bench/read.py.
chromium:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' \
	  || ! { command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 || ! command -v wrk >/dev/null 2>&1; then \
	  echo "installing Debian's chromium, fonts-noto-cjk, ffmpeg, nginx and wrk ..."; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk ffmpeg nginx wrk >/dev/null; \
	fi

## The whole suite on SQLite (the embedded mode).
test: $(VENV)/.test chromium
	$(BIN)/pytest

test-sqlite: test

## PostgreSQL and Redis, installed and started if needed.
services:
	bash scripts/services.sh

## The whole suite on PostgreSQL and Redis.
test-pg: $(VENV)/.test chromium services
	DATABASE_URL=postgresql://rongmei:rongmei@127.0.0.1:5432/rongmei REDIS_URL=redis://127.0.0.1:6379/0 $(BIN)/pytest

check: $(VENV)/.runtime
	$(BIN)/rongmei check

clean:
	rm -rf $(VENV) var test-artifacts
