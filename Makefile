# Personal Budgets Service — one non-recursive Makefile.
#   make            build bin/pbd
#   make run        install deps if missing, private PostgreSQL, migrate, seed, serve on 127.0.0.1:8080
#   make test       unit + integration + API tests (starts its own PostgreSQL)
#   make check      the same tests built with AddressSanitizer + UBSan, plus lint
#   make fuzz       libFuzzer harnesses (FUZZ_SECONDS each)
#   make test-docs  the /docs page in headless Chromium (installs chromium and swagger-ui-dist)
#   make test-family-page  the /family page in headless Chromium: figures, axe-core, screenshots
#   make clean

SAN ?=
BUILD := build/$(if $(SAN),san,rel)
BIN := $(if $(SAN),$(BUILD)/pbd,bin/pbd)

PKGS := libevent libevent_pthreads libpq libcjson libjwt libcrypto libpng libjpeg libqpdf
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CC ?= cc
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wformat=2 -Wno-format-nonliteral -fno-common
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT := $(if $(SAN),-O1 -g $(SANFLAGS),-O2 -g -D_FORTIFY_SOURCE=2)
# llhttp (the HTTP/1.1 parser Node.js uses) is packaged in Debian 12 as C sources
# (node-llhttp); they are compiled here with the build's options but without our warnings.
LLHTTP_DIR ?= /usr/share/llhttp
LLHTTP_INC ?= /usr/share/include/llhttp
CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(OPT) -fstack-protector-strong -I. -I$(BUILD)/gen -I$(LLHTTP_INC) $(PKG_CFLAGS) -MMD -MP
LDFLAGS := $(if $(SAN),$(SANFLAGS))
LDLIBS := $(PKG_LIBS) -lpthread -lm

LIB_SRC := $(sort $(wildcard internal/*/*.c api/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o $(BUILD)/gen/openapi.o $(BUILD)/gen/seed_demo.o \
           $(BUILD)/gen/seed_bench.o $(BUILD)/gen/docs_index.o $(BUILD)/gen/docs_init.o \
           $(BUILD)/gen/family_index.o $(BUILD)/gen/family_js.o $(BUILD)/gen/family_css.o \
           $(BUILD)/llhttp/api.o $(BUILD)/llhttp/http.o $(BUILD)/llhttp/llhttp.o
MIGRATIONS := $(sort $(wildcard internal/db/migrations/*.sql))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# programs the integration suites run (tests/helpers/*.c → BUILD/helpers/)
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/helpers/%)

.PHONY: all run test check unit lint fuzz bench clean deps test-deps valgrind test-faults test-docs test-family-page test-ha
all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/migrations.c: $(MIGRATIONS) deploy/embed-migrations.sh
	@mkdir -p $(dir $@)
	sh deploy/embed-migrations.sh $(MIGRATIONS) > $@

$(BUILD)/gen/openapi.c: openapi.yaml deploy/embed-file.sh
	@mkdir -p $(dir $@)
	sh deploy/embed-file.sh pb_openapi_yaml openapi.yaml > $@

# /docs: the page and the script that point Swagger UI at /openapi.yaml (api/docs.c)
$(BUILD)/gen/docs_index.c: api/docs/index.html deploy/embed-file.sh
	@mkdir -p $(dir $@)
	sh deploy/embed-file.sh pb_docs_index_html api/docs/index.html > $@

$(BUILD)/gen/docs_init.c: api/docs/pb-docs.js deploy/embed-file.sh
	@mkdir -p $(dir $@)
	sh deploy/embed-file.sh pb_docs_init_js api/docs/pb-docs.js > $@

# /family: the family page's own files (api/family.c); GOV.UK Frontend comes from PB_FAMILY_DIR
$(BUILD)/gen/family_index.c: api/family/index.html deploy/embed-file.sh
	@mkdir -p $(dir $@)
	sh deploy/embed-file.sh pb_family_index_html api/family/index.html > $@

$(BUILD)/gen/family_js.c: api/family/pb-family.js deploy/embed-file.sh
	@mkdir -p $(dir $@)
	sh deploy/embed-file.sh pb_family_js api/family/pb-family.js > $@

$(BUILD)/gen/family_css.c: api/family/pb-family.css deploy/embed-file.sh
	@mkdir -p $(dir $@)
	sh deploy/embed-file.sh pb_family_css api/family/pb-family.css > $@

$(BUILD)/gen/seed_demo.c: internal/db/seed_demo.sql deploy/embed-file.sh
	@mkdir -p $(dir $@)
	sh deploy/embed-file.sh pb_seed_demo_sql internal/db/seed_demo.sql > $@

$(BUILD)/gen/seed_bench.c: internal/db/seed_bench.sql deploy/embed-file.sh
	@mkdir -p $(dir $@)
	sh deploy/embed-file.sh pb_seed_bench_sql internal/db/seed_bench.sql > $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(CFLAGS) -Wno-missing-variable-declarations -c $< -o $@

$(BUILD)/llhttp/%.o: $(LLHTTP_DIR)/%.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) -std=c11 $(OPT) -fstack-protector-strong -I$(LLHTTP_INC) -w -c $< -o $@

$(BUILD)/libpb.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BIN): $(BUILD)/cmd/pbd/main.o $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libpb.a $(LDLIBS) -lcmocka

$(BUILD)/helpers/%: tests/helpers/%.c $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libpb.a $(LDLIBS)

unit: $(UNIT_BIN) $(HELPER_BIN)

deps:
	@sh deploy/install-deps.sh

# npm tools live in build/npm/<name> (git-ignored), installed only when missing
# (deploy/npm-install.sh): make test lints openapi.yaml with @redocly/cli.
test-deps:
	@sh deploy/install-deps.sh test
	@sh deploy/npm-install.sh lint || echo "test-deps: @redocly/cli not installed: test_openapi_lint will fail" >&2

# make run also installs swagger-ui-dist for GET /docs and govuk-frontend for GET /family
# (npm, once; skipped with a note if npm fails)
run: deps
	@$(MAKE) --no-print-directory all
	@sh deploy/npm-install.sh docs || echo "make run: no API reference page at /docs (npm install failed)" >&2
	@sh deploy/npm-install.sh family || echo "make run: no family page at /family (npm install failed)" >&2
	@sh deploy/run-local.sh

test: test-deps
	@$(MAKE) --no-print-directory all unit
	@sh tests/run.sh $(BUILD) $(BIN)

check: test-deps lint
	@$(MAKE) --no-print-directory SAN=1 all unit
	@PB_TEST_STRICT_EXIT=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 sh tests/run.sh build/san build/san/pbd

lint:
	@sh tests/lint.sh

# The API suites against pbd running under valgrind: any invalid access or
# definite leak makes pbd exit 99 at shutdown, which fails the suite.
VALGRIND_SUITES ?= test_smoke test_records test_eligibility test_budgets test_owasp test_spend_returns
valgrind: test-deps
	@command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
	@$(MAKE) --no-print-directory all
	@PBD_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	  PB_TEST_STRICT_EXIT=1 PB_TEST_SUITES="$(VALGRIND_SUITES)" sh tests/run.sh $(BUILD) $(BIN)

fuzz: test-deps
	@$(MAKE) --no-print-directory all
	@sh tests/fuzz/run.sh $${FUZZ_SECONDS:-30}

bench: deps
	@$(MAKE) --no-print-directory all
	@sh tests/bench/run.sh

# Fault tests: kill -9 under payment load, PostgreSQL stopped under load,
# slow clients and connection floods (tests/faults/, each with its own
# PostgreSQL; not part of make test).
test-faults: test-deps
	@$(MAKE) --no-print-directory all
	@sh tests/faults/run.sh $(BUILD) $(BIN)

# Failover (issue 19): pg_auto_failover's monitor, primary and synchronous secondary on this
# machine, pbd on the multi-host URL, the primary SIGKILLed under payment load
# (tests/ha/test_ha.py; about a minute; not part of make test or CI).
test-ha: test-deps
	@sh deploy/install-deps.sh ha
	@$(MAKE) --no-print-directory all
	@PBD_BIN=$(BIN) PB_FAULT_BUILD=$(CURDIR)/$(BUILD) python3 tests/ha/test_ha.py

# The /docs page in headless Chromium against a running pbd (tests/docs/; no database):
# lists every path of openapi.yaml, writes build/docs/screenshot.png.  Not part of make test.
test-docs:
	@sh deploy/install-deps.sh docs
	@sh deploy/npm-install.sh docs
	@$(MAKE) --no-print-directory all
	@PBD_BIN=$(BIN) python3 tests/docs/test_docs_page.py

# The /family page in headless Chromium with the demo parent's token (tests/family/, its own
# PostgreSQL): every figure against the API, axe-core (WCAG 2.2 AA), a spend return sent with
# a receipt photo; screenshots in build/family-screenshots/.  In .ci/run.
test-family-page:
	@sh deploy/install-deps.sh family
	@sh deploy/npm-install.sh family
	@sh deploy/npm-install.sh a11y
	@$(MAKE) --no-print-directory all
	@sh tests/family/run.sh $(BUILD) $(BIN)

# Container image with podman (root; not part of `make test`): see deploy/README.md.
.PHONY: image test-image
image:
	@sh deploy/image.sh

test-image:
	@sh deploy/test-image.sh

clean:
	rm -rf build bin

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
