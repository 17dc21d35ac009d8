# SPDX-License-Identifier: GPL-2.0
#
# The engine library's objects and their FP build flags, kept in one place:
# included by lib/Makefile (built into a kernel tree) and by ../Kbuild
# (llamux.ko, built out of tree against any kernel's build directory).

# x86_64: CC_FLAGS_FPU (-msse -msse2 ...) minus CC_FLAGS_NO_FPU.
# UML: arch/x86/Makefile.um turns SSE off and CC_FLAGS_FPU is only a define,
# so add SSE back ourselves and drop the -mno-* flags.
# Before 6.10 x86 has no CC_FLAGS_FPU: the same flags as 6.12's.
# -D_LINUX_FPU_COMPILATION_UNIT (6.10+ CC_FLAGS_FPU has it, 6.1's not):
# an FP object cannot include <linux/fpu.h> or open an FP section
# (include/llamux/compat.h).
ifeq ($(CONFIG_X86_64)$(CC_FLAGS_FPU),y)
CC_FLAGS_FPU := -msse -msse2 -mhard-float \
		$(call cc-option,-msse -mpreferred-stack-boundary=3,-mpreferred-stack-boundary=4)
endif
llx-fpu-cflags := $(filter-out -D_LINUX_FPU_COMPILATION_UNIT,$(CC_FLAGS_FPU)) \
		  -D_LINUX_FPU_COMPILATION_UNIT -ffp-contract=off -fno-math-errno
llx-fpu-remove := $(CC_FLAGS_NO_FPU)
# A frame over 2 KiB (x86_64's CONFIG_FRAME_WARN) fails the build instead of
# warning: tiles whose accumulators spill grow past it unnoticed (an AVX-512
# Q5_1 tile did, 2.3 KiB, while make test passed).  Not in instrumented
# builds (KASAN, UBSAN, KCSAN, gcov), whose frames grow by design: the
# sanitizer build's reach 5.9 KiB.
ifeq ($(CONFIG_KASAN)$(CONFIG_UBSAN)$(CONFIG_KCSAN)$(CONFIG_GCOV_KERNEL),)
llx-fpu-cflags += -Werror=frame-larger-than=2048
endif
ifdef CONFIG_UML
llx-fpu-cflags += -msse -msse2
llx-fpu-remove += -mno-sse -mno-mmx -mno-sse2 -mno-3dnow -mno-avx
endif
# AVX2/FMA objects: intrinsics need the compiler's own headers (-nostdinc).
llx-avx2-cflags := $(llx-fpu-cflags) -mavx2 -mfma -mf16c \
		   -isystem $(shell $(CC) -print-file-name=include)
# AVX-512 objects: F, BW, VL and VNNI on top of AVX2 (lib/tensor.c runs
# them only where the CPU has all four).
llx-avx512-cflags := $(llx-avx2-cflags) -mavx512f -mavx512bw -mavx512vl \
		     -mavx512vnni

llx-int-objs  := gguf.o schema.o tokenizer.o unicode.o mock.o llama_glue.o fpu.o \
		 sampler_glue.o par.o chat.o repack.o
llx-fpu-objs  := tensor.o llama.o sampler.o
llx-avx2-objs := tensor_avx2.o
llx-avx512-objs := tensor_avx512.o tensor_avx512_k.o tensor_avx512_f.o

# llx_fp_flags PREFIX, OBJS, CFLAGS: the FP flags for PREFIX/OBJS.
llx_fp_flags = $(foreach o,$(2),\
	$(eval CFLAGS_$(1)$(o) += $(3))\
	$(eval CFLAGS_REMOVE_$(1)$(o) += $(llx-fpu-remove)))
