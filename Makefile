# labeld — two commands: `make run` (the main job) and `make test` (every test).
# Both install the Debian packages they need when missing (root, or sudo).

SWIFT ?= swift
SWIFT_FLAGS ?=
BUILD_PACKAGES = libcairo2-dev libpango1.0-dev libzint-dev libdeflate-dev libcups2-dev libsqlite3-dev pkg-config
TEST_PACKAGES = zbar-tools zxing-cpp-tools poppler-utils python3 cups cups-client cups-ipp-utils dbus-daemon
APT_STAMP = .build/.apt-$(shell echo $(BUILD_PACKAGES) $(TEST_PACKAGES) | md5sum | cut -c1-8)

.PHONY: run test build release deps bench bench-peers clean

run: deps release
	@mkdir -p out
	.build/release/labeld templates check
	@for f in templates/samples/*.json; do \
	  name=$$(basename $$f .json); \
	  .build/release/labeld render $$name --data $$f --format pdf -o out/$$name.pdf && \
	  .build/release/labeld render $$name --data $$f --format png -o out/$$name.png && \
	  .build/release/labeld render $$name --data $$f --format zpl -o out/$$name.zpl && \
	  echo "rendered out/$$name.{pdf,png,zpl}"; \
	done
	.build/release/labeld gallery -o out/gallery

test: deps
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

release: deps
	$(SWIFT) build -c release $(SWIFT_FLAGS)

bench: deps release
	.build/release/labeld bench render --labels 5000
	Scripts/bench-rss.sh
	.build/release/labeld bench import --lines 100000
	Scripts/bench-spool.sh

# Side-by-side with the peers in ../shared/bench/peers (installs glabels, reportlab, zint).
bench-peers: deps release
	Scripts/bench-peers.sh

deps: $(APT_STAMP)

$(APT_STAMP):
	@missing=""; for p in $(BUILD_PACKAGES) $(TEST_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@mkdir -p .build && touch $@

clean:
	rm -rf .build out
