// SPDX-License-Identifier: GPL-2.0
/*
 * gguf-info FILE: print a GGUF file's metadata and tensor table (like
 * ggml's gguf-dump) and the llama schema verdict, using the very lib/
 * parser the kernel runs.
 *
 * Exit status: 0 when FILE is a valid, runnable llama model; 1 otherwise,
 * with one error line on stderr.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/llama.h>

#define SHOW_STR	60	/* string bytes shown */
#define SHOW_ELEMS	5	/* array elements shown */

static void print_str(const char *s, u64 len)
{
	u64 i;

	putchar('"');
	for (i = 0; i < len && i < SHOW_STR; i++) {
		unsigned char ch = s[i];

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch >= 0x20 && ch < 0x7f)
			putchar(ch);
		else
			printf("\\x%02x", ch);
	}
	putchar('"');
	if (len > SHOW_STR)
		printf("...(%llu bytes)", len);
}

static void print_scalar(u32 type, const u8 *p)
{
	union { u32 u; float f; } f32;
	union { u64 u; double d; } f64;

	switch (type) {
	case GGUF_TYPE_UINT8:
		printf("%u", p[0]);
		break;
	case GGUF_TYPE_INT8:
		printf("%d", (s8)p[0]);
		break;
	case GGUF_TYPE_UINT16:
		printf("%u", get_unaligned_le16(p));
		break;
	case GGUF_TYPE_INT16:
		printf("%d", (s16)get_unaligned_le16(p));
		break;
	case GGUF_TYPE_UINT32:
		printf("%u", get_unaligned_le32(p));
		break;
	case GGUF_TYPE_INT32:
		printf("%d", (s32)get_unaligned_le32(p));
		break;
	case GGUF_TYPE_FLOAT32:
		f32.u = get_unaligned_le32(p);
		printf("%g", f32.f);
		break;
	case GGUF_TYPE_BOOL:
		printf("%s", p[0] ? "true" : "false");
		break;
	case GGUF_TYPE_UINT64:
		printf("%llu", get_unaligned_le64(p));
		break;
	case GGUF_TYPE_INT64:
		printf("%lld", (s64)get_unaligned_le64(p));
		break;
	case GGUF_TYPE_FLOAT64:
		f64.u = get_unaligned_le64(p);
		printf("%g", f64.d);
		break;
	default:
		printf("?");
	}
}

/* Bytes of one scalar element (arrays of non-strings are packed). */
static u32 scalar_size(u32 type)
{
	static const u8 size[GGUF_TYPE_COUNT] = {
		1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8,
	};

	return type < GGUF_TYPE_COUNT ? size[type] : 0;
}

static void print_kv(const struct gguf_kv *kv)
{
	struct gguf_str s;
	u64 i;

	if (kv->type == GGUF_TYPE_STRING) {
		printf("str = ");
		print_str((const char *)kv->data + 8,
			  get_unaligned_le64(kv->data));
	} else if (kv->type == GGUF_TYPE_ARRAY) {
		printf("arr[%s,%llu] = [", llx_gguf_value_type_name(kv->arr_type),
		       kv->n);
		for (i = 0; i < kv->n && i < SHOW_ELEMS; i++) {
			if (i)
				printf(", ");
			if (kv->arr_type == GGUF_TYPE_STRING) {
				if (!llx_gguf_arr_str(kv, i, &s))
					print_str(s.s, s.len);
			} else {
				print_scalar(kv->arr_type, kv->data +
					     i * scalar_size(kv->arr_type));
			}
		}
		printf("%s]", kv->n > SHOW_ELEMS ? ", ..." : "");
	} else {
		printf("%s = ", llx_gguf_value_type_name(kv->type));
		print_scalar(kv->type, kv->data);
	}
	putchar('\n');
}

static void print_tensor(u64 i, const struct gguf_tensor *t)
{
	char shape[96];
	int n = 0;
	u32 d;

	for (d = 0; d < t->n_dims; d++)
		n += snprintf(shape + n, sizeof(shape) - n, "%s%llu",
			      d ? ", " : "", t->ne[d]);
	printf("%5llu  %-7s  %-22s  %12llu  %10llu  %.*s\n", i,
	       llx_type_name(t->type), shape, t->offset, t->size,
	       (int)t->name.len, t->name.s);
}

static void print_file(const struct gguf_ctx *g, u64 file_size)
{
	u64 i;

	printf("GGUF v%u: %llu key/value pairs, %llu tensors, alignment %u\n",
	       g->version, g->n_kv, g->n_tensors, g->alignment);
	printf("header %llu bytes, data at %llu, data %llu bytes, file %llu bytes\n",
	       g->header_size, g->data_offset, g->data_size, file_size);
	printf("\nmetadata:\n");
	for (i = 0; i < g->n_kv; i++) {
		const struct gguf_kv *kv = &g->kv[i];

		printf("%5llu: %.*s: ", i + 1, (int)kv->key.len, kv->key.s);
		print_kv(kv);
	}
	printf("\ntensors:\n%5s  %-7s  %-22s  %12s  %10s  %s\n", "#", "type",
	       "shape (ne0 first)", "offset", "bytes", "name");
	for (i = 0; i < g->n_tensors; i++)
		print_tensor(i, &g->tensors[i]);
}

static void print_hparams(const struct llx_hparams *hp)
{
	union { u32 u; float f; } base, eps;

	base.u = hp->rope_freq_base_bits;
	eps.u = hp->rms_eps_bits;
	printf("llama: n_vocab %u, n_ctx_train %u, n_embd %u, n_layer %u, n_ff %u,\n"
	       "       n_head %u, n_head_kv %u, head_dim %u, n_rot %u, rope base %g, rms eps %g\n",
	       hp->n_vocab, hp->n_ctx_train, hp->n_embd, hp->n_layer,
	       hp->n_ff, hp->n_head, hp->n_head_kv, hp->head_dim, hp->n_rot,
	       base.f, eps.f);
}

static const char *errname(int err)
{
	switch (-err) {
	case EINVAL: return "EINVAL";
	case EOVERFLOW: return "EOVERFLOW";
	case E2BIG: return "E2BIG";
	case ENOMEM: return "ENOMEM";
	case ENODATA: return "ENODATA";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return "error";
	}
}

int main(int argc, char **argv)
{
	static const u8 empty[1];
	struct llx_hparams hp;
	struct gguf_ctx *g;
	struct stat st;
	const void *buf = empty;
	char why[160];
	int fd, ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE.gguf\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (st.st_size > 0) {
		buf = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (buf == MAP_FAILED) {
			fprintf(stderr, "%s: mmap: %s\n", argv[1],
				strerror(errno));
			return 1;
		}
	}
	close(fd);

	llx_shim_quiet = 1;
	ret = llx_gguf_parse(buf, st.st_size, st.st_size, &g);
	if (ret) {
		fprintf(stderr, "%s: invalid GGUF (%s): %s", argv[1],
			errname(ret), llx_shim_last_msg[0] ?
			llx_shim_last_msg : "no detail\n");
		return 1;
	}
	print_file(g, st.st_size);
	ret = llx_llama_check(g, &hp, why, sizeof(why));
	if (ret) {
		printf("\nllama schema: FAIL\n");
		fprintf(stderr, "%s: not a runnable llama model (%s): %s\n",
			argv[1], errname(ret), why);
	} else {
		printf("\nllama schema: OK \"%s\"\n", hp.name);
		print_hparams(&hp);
	}
	llx_gguf_free(g);
	return ret ? 1 : 0;
}
