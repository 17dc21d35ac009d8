#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write a seed corpus for the GGUF fuzzer.

usage: mkseeds.py OUTDIR [SHARED]

Generated: a tiny valid llama model (v2 and v3, tied and untied output),
a file with one key of every value type and arrays of every element type,
and a few small near-misses.  From SHARED (when given): the header region
(magic .. data offset) of every model, and the vocab files under 1 MiB.
"""
import os
import struct
import sys

U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
FMT = {U8: "B", I8: "b", U16: "H", I16: "h", U32: "I", I32: "i", F32: "f",
       BOOL: "B", U64: "Q", I64: "q", F64: "d"}


def gstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def gval(t, v):
    if t == STR:
        return gstr(v)
    if t == ARR:
        et, items = v
        out = struct.pack("<IQ", et, len(items))
        for it in items:
            out += gval(et, it)
        return out
    return struct.pack("<" + FMT[t], v)


def gguf(kvs, tensors, version=3, align=32):
    """tensors: (name, dims, type, nbytes)"""
    out = struct.pack("<IIQQ", 0x46554747, version, len(tensors), len(kvs))
    for k, t, v in kvs:
        out += gstr(k) + struct.pack("<I", t) + gval(t, v)
    off = 0
    data = b""
    for name, dims, ty, nbytes in tensors:
        out += gstr(name) + struct.pack("<I", len(dims))
        out += b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", ty, off)
        pad = (-nbytes) % align
        data += bytes(nbytes) + bytes(pad)
        off += nbytes + pad
    out += bytes((-len(out)) % align)
    return out + data


def tiny_llama(version=3, tied=False, embd=8, head=2, head_kv=1, ff=16,
               vocab=8):
    kvs = [("general.architecture", STR, "llama"),
           ("general.name", STR, "tiny"),
           ("llama.context_length", U32, 64),
           ("llama.embedding_length", U32, embd),
           ("llama.block_count", U32, 1),
           ("llama.feed_forward_length", U32, ff),
           ("llama.attention.head_count", U32, head),
           ("llama.attention.head_count_kv", U32, head_kv),
           ("llama.rope.freq_base", F32, 10000.0),
           ("llama.attention.layer_norm_rms_epsilon", F32, 1e-5),
           ("tokenizer.ggml.model", STR, "llama"),
           ("tokenizer.ggml.tokens", ARR,
            (STR, ["<unk>", "<s>", "</s>"] + ["t%d" % i for i in range(vocab - 3)])),
           ("tokenizer.ggml.scores", ARR, (F32, [0.0] * vocab)),
           ("tokenizer.ggml.token_type", ARR, (I32, [1] * vocab)),
           ("tokenizer.ggml.bos_token_id", U32, 1),
           ("tokenizer.ggml.eos_token_id", U32, 2)]
    kv_dim = embd // head * head_kv
    t = [("token_embd.weight", [embd, vocab], 0, embd * vocab * 4),
         ("output_norm.weight", [embd], 0, embd * 4)]
    if not tied:
        t.append(("output.weight", [embd, vocab], 1, embd * vocab * 2))
    for name, dims in (("attn_norm", [embd]), ("ffn_norm", [embd]),
                       ("attn_q", [embd, embd]), ("attn_k", [embd, kv_dim]),
                       ("attn_v", [embd, kv_dim]),
                       ("attn_output", [embd, embd]),
                       ("ffn_gate", [embd, ff]), ("ffn_up", [embd, ff]),
                       ("ffn_down", [ff, embd])):
        n = 1
        for d in dims:
            n *= d
        t.append(("blk.0.%s.weight" % name, dims, 0, n * 4))
    return gguf(kvs, t, version)


def all_types():
    kvs = [("u8", U8, 1), ("i8", I8, -1), ("u16", U16, 2), ("i16", I16, -2),
           ("u32", U32, 3), ("i32", I32, -3), ("f32", F32, 0.5),
           ("bool", BOOL, 1), ("str", STR, "hello"), ("u64", U64, 4),
           ("i64", I64, -4), ("f64", F64, 0.25)]
    for t in (U8, I8, U16, I16, U32, I32, U64, I64):
        kvs.append(("arr.%d" % t, ARR, (t, [0, 1, 2])))
    kvs += [("arr.f32", ARR, (F32, [0.5, 1.5])), ("arr.f64", ARR, (F64, [2.5])),
            ("arr.bool", ARR, (BOOL, [0, 1])),
            ("arr.str", ARR, (STR, ["a", "", "ccc"])),
            ("general.alignment", U32, 64)]
    # one tensor of a K-quant and one of an IQ type
    return gguf(kvs, [("k", [256, 2], 12, 288), ("iq", [256], 16, 66)],
                align=64)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {
        "tiny-v3": tiny_llama(),
        "tiny-v2": tiny_llama(version=2),
        "tiny-tied": tiny_llama(tied=True),
        "tiny-mha": tiny_llama(head_kv=2),
        "all-types": all_types(),
        "empty-v3": gguf([], []),
        "one-tensor": gguf([], [("x", [32, 2], 8, 68)]),
    }
    if len(sys.argv) > 2:
        shared = sys.argv[2]
        for sub in ("models", "vocab"):
            d = os.path.join(shared, sub)
            if not os.path.isdir(d):
                continue
            for f in sorted(os.listdir(d)):
                if not f.endswith(".gguf"):
                    continue
                b = open(os.path.join(d, f), "rb").read()
                if sub == "models":
                    b = b[:header_end(b)]
                elif len(b) > 1 << 20:
                    continue        # the small ones only
                seeds[f] = b
    for name, b in seeds.items():
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(b)


def header_end(b):
    """Bytes up to the aligned data offset (valid input assumed)."""
    nt, nkv = struct.unpack_from("<QQ", b, 8)
    p = 24
    sizes = {U8: 1, I8: 1, U16: 2, I16: 2, U32: 4, I32: 4, F32: 4, BOOL: 1,
             U64: 8, I64: 8, F64: 8}

    def skip(t, p):
        if t == STR:
            n, = struct.unpack_from("<Q", b, p)
            return p + 8 + n
        if t == ARR:
            et, n = struct.unpack_from("<IQ", b, p)
            p += 12
            if et == STR:
                for _ in range(n):
                    p = skip(STR, p)
                return p
            return p + n * sizes[et]
        return p + sizes[t]

    for _ in range(nkv):
        p = skip(STR, p)
        t, = struct.unpack_from("<I", b, p)
        p = skip(t, p + 4)
    for _ in range(nt):
        p = skip(STR, p)
        nd, = struct.unpack_from("<I", b, p)
        p += 4 + 8 * nd + 4 + 8
    return p + (-p) % 32


if __name__ == "__main__":
    main()
