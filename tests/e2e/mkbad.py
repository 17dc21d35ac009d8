#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the hostile GGUF files of the e2e session (host side, before boot).

    mkbad.py OUTDIR [BASE.gguf]

BASE is a good model (stories260K.gguf); without one a minimal GGUF is
written from scratch (a "llama" with one F32 tensor), so the files exist
even without ../shared.  Every file is BASE with one defect:

  bad-truncated.gguf     the first half of BASE
  bad-header.gguf        the first 24 bytes (magic, version, counts)
  bad-magic.gguf         "GGUX" instead of "GGUF"
  bad-version.gguf       version 999
  bad-counts.gguf        n_tensors = 2^62
  bad-tensor-type.gguf   the first tensor's type = 99 (no such ggml type)
  bad-unsupported.gguf   a 2-D tensor stored as IQ4_NL (a real ggml type
                         Llamux does not implement; the file stays
                         self-consistent: its data is smaller than the slot)
  bad-offset.gguf        the last tensor's offset points past the file
  bad-hugectx.gguf       llama.context_length = 1048576 (valid file; a
                         session's KV cache at n_ctx 1048576 does not fit)
"""
import os
import struct
import sys

GGML_TYPE_IQ4_NL = 20
SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def minimal_gguf():
    def s(x):
        b = x.encode()
        return struct.pack('<Q', len(b)) + b
    kv = s('general.architecture') + struct.pack('<I', 8) + s('llama')
    kv += s('llama.context_length') + struct.pack('<I', 4) + struct.pack('<I', 64)
    kv += s('general.alignment') + struct.pack('<I', 4) + struct.pack('<I', 32)
    ti = s('token_embd.weight') + struct.pack('<I', 2) + \
        struct.pack('<QQ', 32, 2) + struct.pack('<I', 0) + struct.pack('<Q', 0)
    head = b'GGUF' + struct.pack('<IQQ', 3, 1, 3) + kv + ti
    head += b'\0' * (-len(head) % 32)
    return head + struct.pack('<64f', *([0.5] * 64))


def parse(buf):
    """Offsets of interest: kv value positions and tensor-info fields."""
    pos = 24
    n_tensors, n_kv = struct.unpack_from('<QQ', buf, 8)

    def string(p):
        n, = struct.unpack_from('<Q', buf, p)
        return buf[p + 8:p + 8 + n].decode('utf-8', 'replace'), p + 8 + n

    def value(t, p):
        if t in SCALAR:
            return p + SCALAR[t]
        if t == 8:
            return string(p)[1]
        if t == 9:
            et, n = struct.unpack_from('<IQ', buf, p)
            p += 12
            if et in SCALAR:
                return p + n * SCALAR[et]
            for _ in range(n):
                p = value(et, p)
            return p
        raise ValueError('bad kv type %d' % t)

    kvs = {}
    for _ in range(n_kv):
        key, pos = string(pos)
        t, = struct.unpack_from('<I', buf, pos)
        kvs[key] = (t, pos + 4)
        pos = value(t, pos + 4)
    tensors = []
    for _ in range(n_tensors):
        name, pos = string(pos)
        nd, = struct.unpack_from('<I', buf, pos)
        dims = struct.unpack_from('<%dQ' % nd, buf, pos + 4)
        tpos = pos + 4 + 8 * nd
        tensors.append({'name': name, 'dims': dims, 'type_at': tpos,
                        'offset_at': tpos + 4})
        pos = tpos + 12
    return kvs, tensors


def main():
    out = sys.argv[1]
    base = open(sys.argv[2], 'rb').read() if len(sys.argv) > 2 else minimal_gguf()
    os.makedirs(out, exist_ok=True)
    kvs, tensors = parse(base)

    def put(name, data):
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)

    def patched(at, fmt, val):
        b = bytearray(base)
        struct.pack_into(fmt, b, at, val)
        return bytes(b)

    put('bad-empty.gguf', b'')
    put('bad-truncated.gguf', base[:len(base) // 2])
    put('bad-header.gguf', base[:24])
    put('bad-magic.gguf', b'GGUX' + base[4:])
    put('bad-version.gguf', patched(4, '<I', 999))
    put('bad-counts.gguf', patched(8, '<Q', 1 << 62))
    put('bad-tensor-type.gguf', patched(tensors[0]['type_at'], '<I', 99))
    two_d = [t for t in tensors if len(t['dims']) == 2 and t['dims'][0] % 32 == 0]
    victim = two_d[0] if two_d else tensors[0]
    put('bad-unsupported.gguf', patched(victim['type_at'], '<I', GGML_TYPE_IQ4_NL))
    put('bad-offset.gguf', patched(tensors[-1]['offset_at'], '<Q', len(base) * 4))
    ctx = kvs.get('llama.context_length')
    if ctx and ctx[0] == 4:
        put('bad-hugectx.gguf', patched(ctx[1], '<I', 1048576))
    else:
        put('bad-hugectx.gguf', base)
    print('mkbad: %d files in %s (base: %s, %d tensors)' % (
        len(os.listdir(out)), out,
        sys.argv[2] if len(sys.argv) > 2 else 'minimal', len(tensors)))


if __name__ == '__main__':
    main()
