# Personal Budgets Service — one non-recursive Makefile.
#   make            build bin/pbd
#   make run        install deps if missing, private PostgreSQL, migrate, seed, serve on 127.0.0.1:8080
#   make test       unit + integration + API tests (starts its own PostgreSQL)
#   make check      the same tests built with AddressSanitizer + UBSan, plus lint
#   make fuzz       libFuzzer harnesses (FUZZ_SECONDS each)
#   make clean

SAN ?=
BUILD := build/$(if $(SAN),san,rel)
BIN := $(if $(SAN),$(BUILD)/pbd,bin/pbd)

PKGS := libevent libevent_pthreads libpq libcjson libjwt libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CC ?= cc
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wformat=2 -Wno-format-nonliteral -fno-common
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT := $(if $(SAN),-O1 -g $(SANFLAGS),-O2 -g -D_FORTIFY_SOURCE=2)
CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(OPT) -fstack-protector-strong -I. -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
LDFLAGS := $(if $(SAN),$(SANFLAGS))
LDLIBS := $(PKG_LIBS) -lpthread -lm

LIB_SRC := $(sort $(wildcard internal/*/*.c api/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o $(BUILD)/gen/openapi.o $(BUILD)/gen/seed_demo.o \
           $(BUILD)/gen/seed_bench.o
MIGRATIONS := $(sort $(wildcard internal/db/migrations/*.sql))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all run test check unit lint fuzz bench clean deps test-deps valgrind test-faults
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

$(BUILD)/gen/seed_demo.c: internal/db/seed_demo.sql deploy/embed-file.sh
	@mkdir -p $(dir $@)
	sh deploy/embed-file.sh pb_seed_demo_sql internal/db/seed_demo.sql > $@

$(BUILD)/gen/seed_bench.c: internal/db/seed_bench.sql deploy/embed-file.sh
	@mkdir -p $(dir $@)
	sh deploy/embed-file.sh pb_seed_bench_sql internal/db/seed_bench.sql > $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(CFLAGS) -Wno-missing-variable-declarations -c $< -o $@

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

unit: $(UNIT_BIN)

deps:
	@sh deploy/install-deps.sh

test-deps:
	@sh deploy/install-deps.sh test

run: deps
	@$(MAKE) --no-print-directory all
	@sh deploy/run-local.sh

test: test-deps
	@$(MAKE) --no-print-directory all unit
	@sh tests/run.sh $(BUILD) $(BIN)

check: test-deps lint
	@$(MAKE) --no-print-directory SAN=1 all unit
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 sh tests/run.sh build/san build/san/pbd

lint:
	@sh tests/lint.sh

# The API suites against pbd running under valgrind: any invalid access or
# definite leak makes pbd exit 99 at shutdown, which fails the suite.
VALGRIND_SUITES ?= test_smoke test_records test_eligibility test_budgets test_owasp
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

# Container image with podman (root; not part of `make test`): see deploy/README.md.
.PHONY: image test-image
image:
	@sh deploy/image.sh

test-image:
	@sh deploy/test-image.sh

clean:
	rm -rf build bin

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
