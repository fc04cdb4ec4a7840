"""Whether every H.264/H.265 sample an mp4 indexes holds whole NAL units.

In an mp4 each picture sample is a chain of NAL units, each behind a 1, 2 or 4-byte length, and
the chain fills the sample. A block of zeros or garbage written over a sample's start (a damaged
copy) breaks the chain: a zero first length, or a length running past the sample. Walking the
chains reads one or two words per sample (the file is in the page cache just after its
download): a few milliseconds for a 5-minute film (bench/probe.md). Damage inside a NAL's
payload would need decoding every frame, and is not looked for.
"""
import logging
import os
import struct
from pathlib import Path

from bot.video.mp4_extent import IndexUnreadable, read_index

log = logging.getLogger(__name__)

PREFIXES = {1: struct.Struct(">B"), 2: struct.Struct(">H"), 4: struct.Struct(">I")}


def iso_damage(path: Path, size_bytes: int) -> str | None:
    """What is wrong with an mp4's data (indexed past the end, a broken sample), or None."""
    try:
        index = read_index(path)
    except IndexUnreadable as error:  # ffprobe read it: our parser's limits refuse nothing
        log.warning("mp4 index of %s not checked: %s", path.name, error)
        return None
    if index.end > size_bytes:
        return f"indexed up to byte {index.end} of {size_bytes}"
    broken = first_broken_sample(path, index.nal_tracks)
    return None if broken is None else f"the picture sample at byte {broken} is damaged"


def first_broken_sample(path: Path, nal_tracks) -> int | None:
    """The offset of the first sample whose NAL units do not fill it exactly, or None."""
    if not nal_tracks:
        return None
    # pread, not mmap: a file that shrank meanwhile reads short here instead of raising SIGBUS.
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        for prefix, samples in nal_tracks:
            if prefix in PREFIXES:
                broken = _first_broken(descriptor, PREFIXES[prefix], samples)
                if broken is not None:
                    return broken
    finally:
        os.close(descriptor)
    return None


def _first_broken(descriptor: int, prefix: struct.Struct, samples) -> int | None:
    unpack, width, pread = prefix.unpack, prefix.size, os.pread
    for offset, size in samples:
        end = offset + size
        position = offset
        while position + width <= end:
            word = pread(descriptor, width, position)
            if len(word) < width:
                return offset  # the file ends inside the sample
            (length,) = unpack(word)
            if length == 0:
                if position == offset:
                    return offset  # a sample holds at least one NAL unit
                break  # zero padding after whole units, as some muxers write
            position += width + length
        if position > end:
            return offset
    return None
