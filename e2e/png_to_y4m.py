"""Turns the service's own QR PNG (8-bit greyscale) into a short Y4M video that Chromium plays
as its camera (--use-file-for-fake-video-capture). Standard library only.

Usage: python3 png_to_y4m.py code.png camera.y4m
"""

import struct
import sys
import zlib

WIDTH, HEIGHT, FRAMES = 640, 480, 10


def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color == 0, "expected 8-bit greyscale"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    rows, prev, stride = [], bytearray(width), width
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - 1] if x else 0
            b = prev[x]
            c = prev[x - 1] if x else 0
            if f == 1:
                line[x] = (line[x] + a) & 0xFF
            elif f == 2:
                line[x] = (line[x] + b) & 0xFF
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def main(src, dst):
    w, h, rows = read_png(src)
    # Fit the code into the frame (nearest neighbour), centred on white.
    scale = min((WIDTH - 40) / w, (HEIGHT - 40) / h)
    sw, sh = int(w * scale), int(h * scale)
    ox, oy = (WIDTH - sw) // 2, (HEIGHT - sh) // 2
    y_plane = bytearray([255]) * (WIDTH * HEIGHT)
    for y in range(sh):
        src_row = rows[int(y / scale)]
        base = (oy + y) * WIDTH + ox
        for x in range(sw):
            y_plane[base + x] = src_row[int(x / scale)]
    chroma = bytes([128]) * ((WIDTH // 2) * (HEIGHT // 2))
    with open(dst, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(FRAMES):
            out.write(b"FRAME\n")
            out.write(y_plane)
            out.write(chroma)
            out.write(chroma)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
