# SPDX-License-Identifier: GPL-2.0
#
# Llamux top-level Makefile.  The kernel build itself is Kbuild (./Kbuild,
# lib/Makefile, drivers/llamux/Makefile) entered from the kernel tree that
# `make setup` prepares; this file drives setup, tests and userspace tools.
#
#   make setup      install packages, unpack + hook the kernel tree (idempotent)
#   make test       every KUnit suite under UML          (runs setup first)
#   make test-x86   the same suites on x86_64 under QEMU (runs setup first)
#   make test-sanitize the same suites under UML with KASAN + UBSAN
#   make test-modules  build every KUnit suite as a module (=m), build only
#   make e2e        boot UML with the driver and use it  (runs setup first)
#   make demo       stream a story from the kernel       (runs setup first)
#   make try        a shell inside the booted kernel, a model loaded, llamux on PATH
#   make tools      userspace tools from the same lib/ sources [SANITIZE=1]
#   make fpu-guard  an FP object that opens an FP section does not compile
#   make fuzz       libFuzzer over the GGUF parser + schema [FUZZ_SECONDS=60]
#   make bench      tokens/s benchmarks
#   make coverage   gcov of the KUnit run under UML
#   make checkpatch checkpatch.pl --no-tree --strict on our sources
#   make module     llamux.ko for a kernel's build dir [KDIR=...]
#   make vm-test    boot Debian's stock 6.1 and 6.12 in QEMU with llamux.ko
#                   [DEBUG=1: the project's 6.12 debug kernel instead]
#   make dkms-install / dkms-remove   register llamux with DKMS
#   make install    the llamux command to $(DESTDIR)$(PREFIX)/bin [PREFIX=/usr/local]

LLAMUX_CACHE ?= /var/cache/llamux
LLAMUX_KSRC  ?= $(LLAMUX_CACHE)/linux-source-6.12
export LLAMUX_CACHE LLAMUX_KSRC

CC      ?= cc
O       := build$(if $(SANITIZE),/san)
TOOLDIR := $(O)/tools
OBJDIR  := $(O)/obj

USER_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
	       -Wno-sign-compare -Wno-missing-field-initializers \
	       -Iinclude -Itools/shim -D_GNU_SOURCE \
	       -ffp-contract=off -fno-math-errno \
	       -fno-strict-aliasing -fno-strict-overflow
ifdef SANITIZE
USER_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	       -fno-sanitize-recover=undefined
USER_LDFLAGS += -fsanitize=address,undefined
endif
AVX2_CFLAGS := -mavx2 -mfma -mf16c
AVX512_CFLAGS := $(AVX2_CFLAGS) -mavx512f -mavx512bw -mavx512vl -mavx512vnni

# The kernel's object lists (lib/objs.mk); tools/shim/par.c stands in for
# lib/par.c (kthreads), the shim's FP sections for lib/fpu.c (per-CPU
# clocks).  FP objects build with -D_LINUX_FPU_COMPILATION_UNIT as in the
# kernel: the shim hides the FP-section API from them too.
include lib/objs.mk
LIB_SRCS := $(filter-out lib/par.c lib/fpu.c,$(patsubst %.o,lib/%.c,$(llx-int-objs))) \
	    tools/shim/shim.c tools/shim/par.c
LIB_FPU  := $(patsubst %.o,lib/%.c,$(llx-fpu-objs))
LIB_AVX2 := $(patsubst %.o,lib/%.c,$(llx-avx2-objs))
LIB_AVX512 := $(patsubst %.o,lib/%.c,$(llx-avx512-objs))
LIB_OBJS := $(patsubst %.c,$(OBJDIR)/%.o,$(LIB_SRCS) $(LIB_FPU) $(LIB_AVX2) \
	      $(LIB_AVX512))
FPU_DEFS := -D_LINUX_FPU_COMPILATION_UNIT
TOOLS    := gguf-info llamux-run tok-check ref-check tensor-check tensor-bench \
	    fpu-sections chat-check
TOOL_BINS := $(addprefix $(TOOLDIR)/,$(TOOLS))
HDRS     := $(wildcard include/llamux/*.h tools/shim/*.h tools/*.h lib/*.h) \
	    lib/chat_cases.h tools/llamux/line.h

.PHONY: all setup test test-x86 test-sanitize test-modules e2e demo try tools \
	fpu-guard fuzz bench coverage checkpatch clean help module vm-test \
	dkms-install dkms-remove install

all: tools

# Keep the objects the tool binaries are linked from.
.SECONDARY:

help:
	@sed -n '3,25p' Makefile

setup:
	@scripts/setup

test: setup
	@kunit/run um $(SUITE)

test-x86: setup
	@kunit/run x86_64 $(SUITE)

test-sanitize: setup
	@kunit/run um-san $(SUITE)

test-modules: setup
	@kunit/modules um

e2e: setup tools
	@scripts/e2e

demo: setup
	@scripts/demo

try: setup
	@scripts/try

bench: setup tools
	@scripts/bench

coverage: setup
	@coverage/run

module:
	@scripts/module $(KDIR)

vm-test: setup tools
	@scripts/vm-test $(if $(DEBUG),debug)

dkms-install:
	@scripts/dkms install

dkms-remove:
	@scripts/dkms remove

fuzz:
	@tools/fuzz/run $(or $(FUZZ_SECONDS),60)


# The FP split is the compiler's: an FP object (FPU_DEFS, as lib/objs.mk
# builds them in the kernel) that opens an FP section must not compile,
# through the same include/llamux/compat.h guard the kernel build uses.
FPU_PROBE = printf '\#include <llamux/compat.h>\nvoid p(void) { %s(); }\n' $(1) | \
	$(CC) $(USER_CFLAGS) $(2) -Werror -fsyntax-only -x c - 2>/dev/null
fpu-guard:
	@p=0; f=0; \
	chk() { if [ "$$1" = "$$2" ]; then echo "ok - $$3"; p=$$((p + 1)); \
		else echo "not ok - $$3"; f=$$((f + 1)); fi; }; \
	$(call FPU_PROBE,llx_fpu_begin,); chk $$? 0 "integer object: llx_fpu_begin builds"; \
	$(call FPU_PROBE,llx_fpu_begin,$(FPU_DEFS)); chk $$? 1 "FP object: llx_fpu_begin is an error"; \
	$(call FPU_PROBE,llx_fpu_end,$(FPU_DEFS)); chk $$? 1 "FP object: llx_fpu_end is an error"; \
	$(call FPU_PROBE,llx_shim_fpu_begin,$(FPU_DEFS)); chk $$? 1 "FP object: llx_shim_fpu_begin is an error"; \
	echo "fpu-guard: $$p passed, $$f failed"; [ $$f = 0 ]

tools: fpu-guard $(TOOL_BINS) $(TOOLDIR)/llamux $(TOOLDIR)/llamux-check

# llamux(1) (tools/llamux, docs/llamux.md): libc only, on the uapi header.
# llamux-static is the one the e2e guest runs (scripts/mkinitramfs).
PREFIX ?= /usr/local
comma := ,
LLAMUX_SRCS := $(wildcard tools/llamux/*.c) lib/chat.c
LLAMUX_HDRS := $(wildcard tools/llamux/*.h) include/uapi/linux/llamux.h \
	       include/llamux/chat.h include/llamux/compat.h \
	       tools/shim/llamux_shim.h
LLAMUX_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
		 -Wno-sign-compare -Iinclude/uapi -Iinclude -Itools/shim \
		 -D_GNU_SOURCE \
		 $(if $(SANITIZE),-fsanitize=address$(comma)undefined -fno-omit-frame-pointer)

$(TOOLDIR)/llamux: $(LLAMUX_SRCS) $(LLAMUX_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LLAMUX_CFLAGS) -o $@ $(LLAMUX_SRCS)

$(TOOLDIR)/llamux-static: $(LLAMUX_SRCS) $(LLAMUX_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -fsanitize%,$(LLAMUX_CFLAGS)) -static -o $@ $(LLAMUX_SRCS)

# llamux-check: the command's helpers (tools/llamux/cli.c) in userspace.
$(TOOLDIR)/llamux-check: tools/llamux-check.c tools/llamux/cli.c $(LLAMUX_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LLAMUX_CFLAGS) -Itools -o $@ tools/llamux-check.c tools/llamux/cli.c

install: $(TOOLDIR)/llamux
	install -D -m 0755 $(TOOLDIR)/llamux $(DESTDIR)$(PREFIX)/bin/llamux

$(OBJDIR)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c -o $@ $<

$(patsubst %.c,$(OBJDIR)/%.o,$(LIB_FPU)): $(OBJDIR)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(FPU_DEFS) -c -o $@ $<

$(patsubst %.c,$(OBJDIR)/%.o,$(LIB_AVX2)): $(OBJDIR)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(FPU_DEFS) $(AVX2_CFLAGS) -c -o $@ $<

$(patsubst %.c,$(OBJDIR)/%.o,$(LIB_AVX512)): $(OBJDIR)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(FPU_DEFS) $(AVX512_CFLAGS) -c -o $@ $<

# chat-check also tests the line editor of llamux chat/shell.
$(TOOLDIR)/chat-check: $(OBJDIR)/tools/chat-check.o \
		       $(OBJDIR)/tools/llamux/line.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_LDFLAGS) -o $@ $^ -lm -pthread

$(TOOLDIR)/%: $(OBJDIR)/tools/%.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_LDFLAGS) -o $@ $^ -lm -pthread

# Our sources: everything C under lib/, include/, drivers/, tools/.
OWN_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^lib/unicode_data\.h$$')

# Fails on ERROR and WARNING; --strict CHECKs are printed and counted (some
# are false positives on float literals such as 1e-5).  The userspace shim
# re-defines kernel macros and types on purpose: the rules that forbid
# exactly that are ignored for that one file.  include/llamux/compat.h is
# the one place that tests the kernel version (llamux.ko builds for
# 6.1 .. 6.12+), so the version-test rules are off for it alone.
SHIM_IGNORE := NEW_TYPEDEFS,MACRO_ARG_UNUSED,PREFER_DEFINED_ATTRIBUTE_MACRO,$\
	VOLATILE,IS_ENABLED_CONFIG,EXPORT_SYMBOL,COMPLEX_MACRO,$\
	MACRO_WITH_FLOW_CONTROL,SPACING,MULTISTATEMENT_MACRO_USE_DO_WHILE,CAMELCASE
COMPAT_IGNORE := LINUX_VERSION_CODE,CONSTANT_COMPARISON
checkpatch:
	@test -x $(LLAMUX_KSRC)/scripts/checkpatch.pl || scripts/setup
	@err=0; chk=0; for f in $(OWN_SRCS); do \
		out=$$($(LLAMUX_KSRC)/scripts/checkpatch.pl --no-tree --strict \
			--quiet --show-types $$(case $$f in tools/shim/llamux_shim.h) \
			echo --ignore $(SHIM_IGNORE);; include/llamux/compat.h) \
			echo --ignore $(COMPAT_IGNORE);; esac) -f $$f 2>&1); \
		[ -n "$$out" ] && echo "$$out"; \
		n=$$(echo "$$out" | grep -cE '^(ERROR|WARNING):'); \
		c=$$(echo "$$out" | grep -cE '^CHECK:'); \
		err=$$((err + n)); chk=$$((chk + c)); \
	done; \
	echo "checkpatch: $(words $(OWN_SRCS)) files, $$err errors/warnings, $$chk checks"; \
	[ $$err = 0 ]

clean:
	rm -rf build
