# labeld — two commands: `make run` (the main job) and `make test` (every test).
# Both install the Debian packages they need when missing (root, or sudo).

SWIFT ?= swift
SWIFT_FLAGS ?=
BUILD_PACKAGES = libcairo2-dev libpango1.0-dev libzint-dev libdeflate-dev libcups2-dev libsqlite3-dev libzxing-dev pkg-config
TEST_PACKAGES = zbar-tools zxing-cpp-tools poppler-utils python3 python3-venv cups cups-client cups-ipp-utils dbus-daemon chromium wrk libreoffice-calc-nogui curl postgresql
BUILD_STAMP = .build/.apt-$(shell echo $(BUILD_PACKAGES) | md5sum | cut -c1-8)
TEST_STAMP = .build/.apt-$(shell echo $(BUILD_PACKAGES) $(TEST_PACKAGES) | md5sum | cut -c1-8)

.PHONY: run samples test build release deps deps-test bench bench-peers bench-http bench-cluster screenshots clean

# The main job: the HTTP service on 127.0.0.1:8080 (database, labels and backups under ./var/).
# On the first start it makes an owner token and writes it to ./var/owner-token.
run: deps release
	.build/release/labeld templates check
	.build/release/labeld serve

# Every sample rendered to ./out/ as PDF, 1-bit PNG and ZPL, and a gallery page.
samples: deps release
	@mkdir -p out
	@for f in templates/samples/*.json; do \
	  name=$$(basename $$f .json); \
	  .build/release/labeld render $$name --data $$f --format pdf -o out/$$name.pdf && \
	  .build/release/labeld render $$name --data $$f --format png -o out/$$name.png && \
	  .build/release/labeld render $$name --data $$f --format zpl -o out/$$name.zpl && \
	  echo "rendered out/$$name.{pdf,png,zpl}"; \
	done
	.build/release/labeld gallery -o out/gallery

SCHEMATHESIS = .build/schemathesis/bin/schemathesis
# Workbooks for the import tests are made by the format's own tools (openpyxl, XlsxWriter,
# msoffcrypto-tool for encrypted ones), never by labeld.
FIXTURE_PYTHON = .build/pyfixtures/bin/python

# Every test on SQLite; then the suites that go through the database again on a PostgreSQL of
# their own (Scripts/with-postgres.sh: initdb in a temp folder, pg_ctl on a loopback port).
PG_SUITES = StorageTests|FulfillmentTests|PrintSpoolTests|PrintingTests|CarrierLinkTests|LabelServerTests|DbCopyTests|ClusterTests
test: deps-test $(SCHEMATHESIS) $(FIXTURE_PYTHON)
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build
	Scripts/with-postgres.sh $(SWIFT) test $(SWIFT_FLAGS) --skip-build --filter '$(PG_SUITES)'

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

release: deps
	$(SWIFT) build -c release $(SWIFT_FLAGS)

bench: deps-test release $(FIXTURE_PYTHON)
	.build/release/labeld bench render --labels 5000
	Scripts/bench-rss.sh
	.build/release/labeld bench import --lines 100000
	Scripts/bench-xlsx.sh
	Scripts/bench-spool.sh
	Scripts/bench-http.sh

# wrk against POST /v1/print (file printer, 50 connections).
bench-http: deps-test release
	Scripts/bench-http.sh

# Two nodes on PostgreSQL against one on SQLite (wrk), allocation on both, failover with the default lease.
bench-cluster: deps-test release
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	Scripts/bench-cluster.sh

# The README's pictures of the designer and the packing-station page (headless Chromium, 1400×1000).
screenshots: deps-test release
	Scripts/screenshots.sh

# Side-by-side with the peers in ../shared/bench/peers (installs glabels, reportlab, zint).
bench-peers: deps release
	Scripts/bench-peers.sh

deps: $(BUILD_STAMP)
deps-test: $(TEST_STAMP)

# schemathesis (PyPI) for the OpenAPI conformance test, in a venv of its own.
$(SCHEMATHESIS): $(TEST_STAMP)
	python3 -m venv .build/schemathesis
	.build/schemathesis/bin/pip install -q schemathesis==4.32.5

$(FIXTURE_PYTHON): $(TEST_STAMP)
	python3 -m venv .build/pyfixtures
	.build/pyfixtures/bin/pip install -q openpyxl==3.1.5 XlsxWriter==3.2.0 msoffcrypto-tool==5.4.2
	.build/pyfixtures/bin/python -c 'import openpyxl, xlsxwriter, msoffcrypto'

# Installs the missing Debian packages of a list (root, or sudo).
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@mkdir -p .build && touch $@
endef

$(BUILD_STAMP):
	$(call apt_install,$(BUILD_PACKAGES))

$(TEST_STAMP):
	$(call apt_install,$(BUILD_PACKAGES) $(TEST_PACKAGES))

clean:
	rm -rf .build out
