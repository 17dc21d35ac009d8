// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: llx_gguf_parse() + the getters + llx_llama_check(), the
 * very lib/ sources the kernel runs, built through the userspace shim.
 *
 * Each input is parsed three ways: as a whole file; as the header-only
 * prefix of a much larger file (so tensor data checks pass and the schema
 * check runs on truncated real models); and as a too-short prefix of
 * itself (the -ENODATA path).
 */
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/llama.h>

/* Keeps the element reads from being optimized away. */
u64 fuzz_sink;

static void exercise(const struct gguf_ctx *g)
{
	char name[GGUF_MAX_KEY_LEN + 1];
	struct llx_hparams hp;
	struct gguf_str s;
	char why[128];
	const void *data;
	u64 i, j, n;
	u32 u;
	s32 i32;
	u64 u64v;
	bool b;

	for (i = 0; i < g->n_kv; i++) {
		const struct gguf_kv *kv = &g->kv[i];

		memcpy(name, kv->key.s, kv->key.len);
		name[kv->key.len] = '\0';
		if (llx_gguf_get_kv(g, name) != kv)
			__builtin_trap();
		llx_gguf_get_u32(g, name, &u);
		llx_gguf_get_i32(g, name, &i32);
		llx_gguf_get_u64(g, name, &u64v);
		llx_gguf_get_bool(g, name, &b);
		llx_gguf_get_f32_bits(g, name, &u);
		if (!llx_gguf_get_str(g, name, &s) && s.len > GGUF_MAX_STRING_LEN)
			__builtin_trap();
		if (!llx_gguf_get_arr(g, name, GGUF_TYPE_STRING, &n, &data)) {
			/* touch every byte of every element */
			for (j = 0; j < n; j++) {
				if (llx_gguf_arr_str(kv, j, &s))
					__builtin_trap();
				if (s.len)
					fuzz_sink += (u8)s.s[s.len - 1];
			}
			if (llx_gguf_arr_str(kv, n, &s) != -ERANGE)
				__builtin_trap();
		}
	}
	for (i = 0; i < g->n_tensors; i++) {
		const struct gguf_tensor *t = &g->tensors[i];

		memcpy(name, t->name.s, t->name.len);
		name[t->name.len] = '\0';
		if (llx_gguf_find_tensor(g, name) != t)
			__builtin_trap();
		if (llx_row_size(t->type, t->ne[0]) == 0)
			__builtin_trap();
	}
	llx_llama_check(g, &hp, why, sizeof(why));
}

/* FUZZ_ENTRY is libFuzzer's entry point name, set by tools/fuzz/run. */
int FUZZ_ENTRY(const u8 *data, size_t size);

int FUZZ_ENTRY(const u8 *data, size_t size)
{
	struct gguf_ctx *g;

	llx_shim_quiet = 1;
	if (!llx_gguf_parse(data, size, size, &g)) {
		exercise(g);
		llx_gguf_free(g);
	}
	if (!llx_gguf_parse(data, size, size + (1ull << 30), &g)) {
		exercise(g);
		llx_gguf_free(g);
	}
	/* An exact-size copy of the prefix, so ASan sees any over-read. */
	if (size > 1) {
		u8 *half = malloc(size / 2);

		if (!half)
			return 0;
		memcpy(half, data, size / 2);
		if (!llx_gguf_parse(half, size / 2, size, &g))
			llx_gguf_free(g);
		free(half);
	}
	return 0;
}
