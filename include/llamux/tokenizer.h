/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tokenizer read from a GGUF vocabulary: SentencePiece ("llama"), GPT-2
 * style byte-level BPE ("gpt2") and WordPiece ("bert").  Integer-only;
 * not an FP object.
 *
 * Lifetime: a struct llx_vocab copies what it needs out of the gguf_ctx;
 * the gguf_ctx and its buffer may be freed after llx_vocab_load().
 */
#ifndef _LLAMUX_TOKENIZER_H
#define _LLAMUX_TOKENIZER_H

#include <llamux/compat.h>

struct gguf_ctx;
struct llx_vocab;

/* The vocabulary-size limit of the schema check, tokenizer and sampler. */
#define LLX_MAX_VOCAB		262144u	/* 2^18 tokens: Gemma's 262,144 */
#define LLX_MAX_PIECE_LEN	1024u	/* bytes of a token's text and piece */
#define LLX_MAX_INPUT_LEN	1048576u	/* bytes of text per call */
/* Most bytes one llx_detok_push() or llx_detok_flush() writes. */
#define LLX_MAX_DETOK_OUT	(LLX_MAX_PIECE_LEN + 3)

enum llx_vocab_kind { LLX_VOCAB_SPM = 1, LLX_VOCAB_BPE = 2, LLX_VOCAB_WPM = 3 };

int llx_vocab_load(const struct gguf_ctx *g, struct llx_vocab **out);
void llx_vocab_free(struct llx_vocab *v);

u32 llx_vocab_size(const struct llx_vocab *v);
enum llx_vocab_kind llx_vocab_kind(const struct llx_vocab *v);
s32 llx_vocab_bos(const struct llx_vocab *v);	/* -1 when none */
s32 llx_vocab_eos(const struct llx_vocab *v);
bool llx_vocab_add_bos(const struct llx_vocab *v);
bool llx_vocab_is_eog(const struct llx_vocab *v, u32 id);

/*
 * Tokenize @len bytes of @text into @ids (room for @max_ids), exactly as
 * llama_tokenize() does.  Returns the number of ids, -E2BIG when they do
 * not fit (or @len is over LLX_MAX_INPUT_LEN), -EINVAL on bad arguments,
 * -ENOMEM.  @add_bos is llama.cpp's add_special: BOS/EOS are added when
 * the vocabulary asks for them (tokenizer.ggml.add_bos_token/add_eos_token,
 * default BOS for SPM, nothing for GPT-2).  @parse_special matches control
 * token text such as "<s>"; user-defined tokens always match.  Any bytes
 * are accepted: invalid UTF-8 is handled as llama.cpp handles it.
 */
int llx_tokenize(const struct llx_vocab *v, const char *text, size_t len,
		 bool add_bos, bool parse_special, u32 *ids, u32 max_ids);

/*
 * The bytes of one token (llama.cpp's token_to_piece, special=false):
 * writes up to @size bytes to @buf and returns the length (at most
 * LLX_MAX_PIECE_LEN), -E2BIG, or -EINVAL for an id outside the vocabulary.
 */
int llx_token_to_piece(const struct llx_vocab *v, u32 id, char *buf,
		       size_t size);

/*
 * Streaming detokenizer: feed one token at a time and get back the bytes of
 * its piece (llx_token_to_piece), which is what llama.cpp prints while it
 * generates, with an unfinished multi-byte UTF-8 sequence held back until
 * it completes.  Control tokens (BOS, EOS, ...) print nothing, and no space
 * is stripped: generated ids alone give the reference generated_bytes, and
 * BOS + prompt + generated give llama_detokenize()'s full_bytes with SPM's
 * prefix space (" Once upon a time...").  (llx_detokenize() differs only
 * for a sequence that starts without BOS, where llama_detokenize() drops
 * one leading space, and by GPT-2's space clean-up.)
 */
struct llx_detok {
	const struct llx_vocab *v;
	u8 held[8];
	u32 n_held;
};

void llx_detok_init(struct llx_detok *d, const struct llx_vocab *v);
/*
 * Returns the number of bytes written to @buf (at most LLX_MAX_DETOK_OUT),
 * -E2BIG when @size is too small (nothing consumed), -EINVAL for a bad id.
 */
int llx_detok_push(struct llx_detok *d, u32 id, char *buf, size_t size);
/*
 * End of stream: write what is held back, as the raw bytes (an unfinished
 * sequence is invalid UTF-8; the bytes are what llama.cpp prints too).
 */
int llx_detok_flush(struct llx_detok *d, char *buf, size_t size);

/*
 * Whole-sequence llama_detokenize(remove_special=true, unparse_special=
 * false), including GPT-2's space clean-up.  Returns the length, -E2BIG or
 * -EINVAL (an id outside the vocabulary).
 */
int llx_detokenize(const struct llx_vocab *v, const u32 *ids, u32 n,
		   char *buf, size_t size);

#endif /* _LLAMUX_TOKENIZER_H */
