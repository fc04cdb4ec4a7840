"""What an ISO (mp4/mov/3gp) file's own index says about its media data: how far it goes, and
where each H.264/H.265 sample lies.

A faststart file keeps its index (moov) before the data: cut short, or missing a block, it still
opens and reports its full duration, and ffprobe reads no packet near the cut. The index lists
each chunk's offset (stco/co64) and each sample's size (stsz), grouped into chunks by stsc; the
last byte they point at must lie inside the file. Reading the index costs a few milliseconds.
"""
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}
TABLES = {b"stsz", b"stsc", b"stco", b"co64", b"stsd"}
# Sample entries whose samples are length-prefixed NAL units, and the box holding the prefix size.
NAL_ENTRIES = {b"avc1": b"avcC", b"avc3": b"avcC", b"hvc1": b"hvcC", b"hev1": b"hvcC"}
VISUAL_ENTRY_FIELDS = 78  # the bytes of a VisualSampleEntry before its child boxes
MAX_MOOV_BYTES = 64 * 1024 * 1024  # a 2-hour 60 frame/s film's index is a few MB


class IndexUnreadable(Exception):
    """The boxes do not parse: the index itself is damaged."""


@dataclass
class IsoIndex:
    """The largest end offset of any top-level box or sample, and the NAL-unit tracks."""

    end: int = 0
    # (NAL length prefix size, [(offset, size) of each sample]) per H.264/H.265 track
    nal_tracks: list = field(default_factory=list)


def read_index(path: Path) -> IsoIndex:
    """The file's index; `end` beyond the file's size means announced data is missing."""
    try:
        return _read_index(path, path.stat().st_size)
    except struct.error as error:
        raise IndexUnreadable(str(error)) from None


def _read_index(path: Path, size: int) -> IsoIndex:
    index = IsoIndex()
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as stream:
        for kind, start, length in _boxes(stream, size):
            index.end = max(index.end, start + length)
            if kind == b"moov" and start + length <= size:
                if length > MAX_MOOV_BYTES:
                    raise IndexUnreadable(f"moov of {length} bytes")
                stream.seek(start)
                _read_moov(stream.read(length), index)
    return index


def _boxes(stream, limit: int):
    """(type, start, total length) of each top-level box of a file."""
    offset = 0
    while offset + 8 <= limit:
        stream.seek(offset)
        length, kind = struct.unpack(">I4s", stream.read(8))
        if length == 1:
            length = struct.unpack(">Q", stream.read(8))[0]
        elif length == 0:
            length = limit - offset  # "to the end of the file"
        if length < 8:
            raise IndexUnreadable(f"box {kind!r} of {length} bytes at {offset}")
        yield kind, offset, length
        offset += length


def _children(data: bytes, offset: int, limit: int):
    """(type, payload start, payload end) of each box inside data[offset:limit]."""
    while offset + 8 <= limit:
        length, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if length == 1:
            length, header = struct.unpack_from(">Q", data, offset + 8)[0], 16
        if length < header or offset + length > limit:
            raise IndexUnreadable(f"box {kind!r} overruns its parent at {offset}")
        yield kind, offset + header, offset + length
        offset += length


def _read_moov(moov: bytes, index: IsoIndex) -> None:
    for tables in _sample_tables(moov, 8, len(moov)):
        samples = list(_samples(moov, tables))
        if samples:
            index.end = max(index.end, max(offset + size for offset, size in samples))
        prefix = _nal_prefix_size(moov, tables.get(b"stsd"))
        if prefix and samples:
            index.nal_tracks.append((prefix, samples))


def _sample_tables(data: bytes, offset: int, limit: int):
    """Each stbl's tables, as {type: (start, end)}."""
    found = {}
    for kind, start, stop in _children(data, offset, limit):
        if kind in CONTAINERS:
            yield from _sample_tables(data, start, stop)
        elif kind in TABLES:
            found[kind] = (start, stop)
    if found:
        yield found


def _samples(data: bytes, tables: dict):
    """(offset, size) of each sample: chunk offsets from stco/co64, chunks' samples from stsc.

    With one size for all samples (PCM sound) each chunk is given whole, as one span."""
    offsets = _chunk_offsets(data, tables)
    if not offsets or b"stsz" not in tables or b"stsc" not in tables:
        return
    fixed, sizes = _sample_sizes(data, tables[b"stsz"][0])
    runs = _unpack_table(data, tables[b"stsc"][0], ">III")
    sample = 0
    for number, (first, per_chunk, _) in enumerate(runs):
        last = runs[number + 1][0] if number + 1 < len(runs) else len(offsets) + 1
        for chunk in range(max(first, 1), min(last, len(offsets) + 1)):
            position = offsets[chunk - 1]
            if fixed:
                yield position, fixed * per_chunk
                continue
            for size in sizes[sample:sample + per_chunk]:
                yield position, size
                position += size
            sample += per_chunk


def _nal_prefix_size(data: bytes, stsd) -> int | None:
    """The NAL length prefix size (1, 2 or 4) of an H.264/H.265 track, None for other codecs."""
    if stsd is None:
        return None
    for kind, start, stop in _children(data, stsd[0] + 8, stsd[1]):
        config = NAL_ENTRIES.get(kind)
        if config is None:
            return None
        for child, payload, _ in _children(data, start + VISUAL_ENTRY_FIELDS, stop):
            if child == config:
                at = payload + (4 if config == b"avcC" else 21)
                return (data[at] & 0x03) + 1
    return None


def _chunk_offsets(data: bytes, tables: dict) -> list[int]:
    if b"co64" in tables:
        return [row[0] for row in _unpack_table(data, tables[b"co64"][0], ">Q")]
    if b"stco" in tables:
        return [row[0] for row in _unpack_table(data, tables[b"stco"][0], ">I")]
    return []


def _sample_sizes(data: bytes, start: int) -> tuple[int, list[int]]:
    """stsz: (the one size of every sample, or 0), and the sizes listed when it is 0."""
    fixed, count = struct.unpack_from(">II", data, start + 4)
    if fixed:
        return fixed, []
    return 0, list(struct.unpack_from(f">{count}I", data, start + 12))


def _unpack_table(data: bytes, start: int, row: str) -> list[tuple]:
    """A full box's table: version/flags, an entry count, then the rows."""
    (count,) = struct.unpack_from(">I", data, start + 4)
    rows = data[start + 8:start + 8 + count * struct.calcsize(row)]
    try:
        return list(struct.iter_unpack(row, rows))
    except struct.error as error:
        raise IndexUnreadable(f"table of {count} rows: {error}") from None
