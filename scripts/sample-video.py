#!/usr/bin/env python3
"""Writes a small MP4 for `make run` when ffmpeg is not installed: real ISO-BMFF boxes (ftyp, mdat, moov with mvhd,
tkhd, hdlr and an avc1 sample description) that Reelay's container sniffer reads as a 1080x1920 H.264 video of the
given length. The media data is a byte pattern, not decodable frames: install ffmpeg for a playable sample.

    scripts/sample-video.py OUT.mp4 [SECONDS]
"""
import struct
import sys


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def sample(seconds: float, width: int = 1080, height: int = 1920, media_bytes: int = 2_000_000) -> bytes:
    duration_ms = int(seconds * 1000)
    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    mdat = box(b"mdat", bytes((i * 31 + 7) & 0xFF for i in range(media_bytes)))
    mvhd = box(b"mvhd", bytes(4) + struct.pack(">IIII", 0, 0, 1000, duration_ms) + bytes(80))
    tkhd = bytes([0, 0, 0, 3]) + struct.pack(">IIIII", 0, 0, 1, 0, duration_ms) + bytes(8 + 2 + 2 + 2 + 2 + 36)
    tkhd += struct.pack(">II", width << 16, height << 16)
    hdlr = box(b"hdlr", bytes(4) + struct.pack(">I", 0) + b"vide" + bytes(12) + b"VideoHandler\0")
    stsd = box(b"stsd", bytes(4) + struct.pack(">I", 1) + box(b"avc1", bytes(78)))
    mdia = box(b"mdia", hdlr + box(b"minf", box(b"stbl", stsd)))
    moov = box(b"moov", mvhd + box(b"trak", box(b"tkhd", tkhd) + mdia))
    return ftyp + mdat + moov


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    with open(sys.argv[1], "wb") as out:
        out.write(sample(float(sys.argv[2]) if len(sys.argv) == 3 else 8.0))
