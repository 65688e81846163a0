# SPDX-License-Identifier: Apache-2.0
# ordex build. Plain make with pkg-config; see README.md.
#   make            build build/ordex
#   make run        install what is missing, build, init on first start, serve
#   make test       install what is missing, build, run every test
#   make SANITIZE=address,undefined test
#   make format / format-check, make fuzz (clang, libFuzzer)
#   make bench      ratios against this machine's own limits (BENCH_QUICK=1: a smoke run)

PKGS      := libmicrohttpd sqlite3 libsodium libcrypto libcurl
TEST_PKGS := cmocka
CC        ?= cc
BUILD     ?= build
OPT       ?= -O2
CFLAGS_W  := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wno-unused-parameter
CPPFLAGS  += -D_GNU_SOURCE -Isrc
CFLAGS    += $(OPT) -g $(CFLAGS_W) -pthread
LDLIBS    += -pthread -lm -lunistring

ifneq ($(SANITIZE),)
  CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=$(SANITIZE)
  BUILD   := build-san
endif

PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TPKG_CFLAGS = $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TPKG_LIBS   = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

SRCS      := $(shell find src -name '*.c' | sort)
MIGRATIONS:= $(sort $(wildcard src/store/migrations/*.sql))
LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
INT_SRCS  := $(sort $(wildcard tests/integration/test_*.c))
INT_BINS  := $(INT_SRCS:tests/integration/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/replay_%)

# quiet by default; V=1 shows the commands
ifeq ($(V),1)
  Q :=
  say = @true
else
  Q := @
  say = @printf '  %-6s %s\n' $(1) $(2)
endif

.PHONY: all deps run test unit integration fuzz-replay fuzz format format-check clean bench
all: $(BUILD)/ordex

deps:
	@scripts/deps.sh

$(BUILD)/ordex: $(BUILD)/src/main.o $(BUILD)/libordex.a
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/libordex.a: $(LIB_OBJS)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

# Numbered migrations are compiled into the binary as strings.
$(BUILD)/gen/migrations.c: $(MIGRATIONS) scripts/embed-sql.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/embed-sql.sh $(MIGRATIONS) > $@

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libordex.a tests/testutil.h $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(call say,TEST,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(TPKG_CFLAGS) -Itests -o $@ $< \
		$(BUILD)/libordex.a $(LDFLAGS) $(PKG_LIBS) $(TPKG_LIBS) $(LDLIBS)

$(BUILD)/tests/%: tests/integration/%.c tests/integration/harness.c tests/integration/harness.h $(BUILD)/libordex.a $(BUILD)/ordex
	@mkdir -p $(dir $@)
	$(call say,TEST,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(TPKG_CFLAGS) -Itests -o $@ $< tests/integration/harness.c \
		$(BUILD)/libordex.a $(LDFLAGS) $(PKG_LIBS) $(TPKG_LIBS) $(LDLIBS)

$(BUILD)/tests/replay_%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libordex.a
	@mkdir -p $(dir $@)
	$(call say,TEST,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< tests/fuzz/replay.c \
		$(BUILD)/libordex.a $(LDFLAGS) $(PKG_LIBS) $(LDLIBS)

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run.sh $(BUILD)/ordex

test: deps
	@$(MAKE) --no-print-directory all unit-bins
	@scripts/run-tests.sh $(BUILD)

unit-bins: $(UNIT_BINS) $(INT_BINS) $(FUZZ_REPLAY)

unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do $$t || exit 1; done

fuzz:
	@scripts/fuzz.sh

# The bench driver links libordex (parser, validation) and talks raw HTTP.
bench: deps
	@$(MAKE) --no-print-directory all
	$(call say,CC,bench/bench.c)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -o $(BUILD)/bench bench/bench.c bench/rows.c \
		$(BUILD)/libordex.a $(LDFLAGS) $(PKG_LIBS) $(LDLIBS)
	@scripts/bench.sh $(BUILD)

format:
	clang-format -i $(SRCS) $(shell find src tests -name '*.h') $(UNIT_SRCS) $(INT_SRCS) $(FUZZ_SRCS) bench/*.c bench/*.h

format-check:
	@clang-format --dry-run -Werror $(SRCS) $(shell find src tests -name '*.h') \
		$(UNIT_SRCS) $(INT_SRCS) $(FUZZ_SRCS) tests/integration/harness.c tests/fuzz/replay.c \
		bench/bench.c bench/rows.c bench/rows.h \
		&& echo "format-check: clean"

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
