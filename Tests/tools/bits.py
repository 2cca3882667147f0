#!/usr/bin/env python3
"""Independent readers for labeld's raster outputs, for the tests: nothing here shares code with labeld.

usage: bits.py png|zpl|pwg FILE
Prints one line per page: "WIDTH HEIGHT HEX", the page as rows of bytes, leftmost pixel in the most
significant bit, 1 = ink (black). ZPL: every ^GFA field's :Z64: data is base64-decoded, its CRC-16
(CCITT/XModem, over the base64 text) checked, and inflated with zlib. PWG: the PWG 5102.4 run-length
encoding is expanded. PNG: 1-bit greyscale, filter 0 rows (what labeld writes), 0 = black.
"""
import base64
import binascii
import re
import struct
import sys
import zlib


def png(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        assert binascii.crc32(kind + body) == crc, "bad PNG chunk CRC"
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 1 and colour == 0, "expected 1-bit greyscale"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = (w + 7) // 8
    rows = []
    for y in range(h):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        assert line[0] == 0, "unexpected PNG filter"
        row = bytearray(b ^ 0xFF for b in line[1:])
        pad = stride * 8 - w
        if pad:
            row[-1] &= (0xFF << pad) & 0xFF
        rows.append(bytes(row))
    return [(w, h, b"".join(rows))]


def zpl(data):
    text = data.decode("ascii")
    pages = []
    for fmt in re.findall(r"\^XA(.*?)\^XZ", text, re.S):
        m = re.search(r"\^GFA,(\d+),(\d+),(\d+),:Z64:([A-Za-z0-9+/=]+):([0-9A-Fa-f]{4})", fmt)
        assert m, "no ^GFA Z64 field"
        total, per_row, b64, crc = int(m.group(1)), int(m.group(3)), m.group(4), int(m.group(5), 16)
        assert binascii.crc_hqx(b64.encode("ascii"), 0) == crc, "bad Z64 CRC"
        raw = zlib.decompress(base64.b64decode(b64))
        assert len(raw) == total, "inflated size differs from ^GF total"
        pw = int(re.search(r"\^PW(\d+)", fmt).group(1))
        pages.append((pw, total // per_row, raw))
    return pages


def pwg(data):
    assert data[:4] == b"RaS2", "not PWG raster"
    pos, pages = 4, []
    while pos < len(data):
        header = data[pos:pos + 1796]
        pos += 1796
        w, h = struct.unpack(">II", header[372:380])
        bpc, bpp, bpl = struct.unpack(">III", header[384:396])
        space = struct.unpack(">I", header[400:404])[0]
        assert (bpc, bpp, space) == (1, 1, 3), "expected black_1"
        out = bytearray()
        y = 0
        while y < h:
            repeat = data[pos] + 1
            pos += 1
            line = bytearray()
            while len(line) < bpl:
                c = data[pos]
                pos += 1
                if c <= 127:
                    line += bytes([data[pos]]) * (c + 1)
                    pos += 1
                else:
                    n = 257 - c
                    line += data[pos:pos + n]
                    pos += n
            assert len(line) == bpl, "PWG line overruns"
            out += bytes(line) * repeat
            y += repeat
        pages.append((w, h, bytes(out)))
    return pages


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        data = f.read()
    for w, h, bits in {"png": png, "zpl": zpl, "pwg": pwg}[kind](data):
        print(w, h, bits.hex())
