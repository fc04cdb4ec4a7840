"""How far into an ISO (mp4/mov/3gp) file its own index says the media data goes.

A faststart file keeps its index (moov) before the data: cut short, or missing a block, it still
opens and reports its full duration, and ffprobe reads no packet near the cut. The index lists
each chunk's offset (stco/co64) and each sample's size (stsz), grouped into chunks by stsc; the
last byte they point at must lie inside the file. Reading the index costs a few milliseconds.
"""
import struct
from itertools import accumulate
from pathlib import Path

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}
TABLES = {b"stsz", b"stsc", b"stco", b"co64"}
MAX_MOOV_BYTES = 64 * 1024 * 1024  # a 2-hour 60 frame/s film's index is a few MB


class IndexUnreadable(Exception):
    """The boxes do not parse: the index itself is damaged."""


def data_end(path: Path) -> int:
    """The largest end offset of any top-level box or indexed sample; IndexUnreadable if garbled.

    A result beyond the file's size means data the file announces is not in it."""
    try:
        return _data_end(path, path.stat().st_size)
    except struct.error as error:
        raise IndexUnreadable(str(error)) from None


def _data_end(path: Path, size: int) -> int:
    end = 0
    with open(path, "rb") as stream:
        for kind, start, length in _boxes(stream, 0, size, top_level=True):
            end = max(end, start + length)
            if kind == b"moov" and start + length <= size:
                if length > MAX_MOOV_BYTES:
                    raise IndexUnreadable(f"moov of {length} bytes")
                stream.seek(start)
                end = max(end, _moov_extent(stream.read(length)))
    return end


def _boxes(stream, offset: int, limit: int, top_level: bool = False):
    """(type, start, total length) of each box from offset to limit, read from a file."""
    while offset + 8 <= limit:
        stream.seek(offset)
        length, kind = struct.unpack(">I4s", stream.read(8))
        if length == 1:
            length = struct.unpack(">Q", stream.read(8))[0]
        elif length == 0 and top_level:
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


def _moov_extent(moov: bytes) -> int:
    """The end of the last sample any track's table points at."""
    end = 0
    for tables in _sample_tables(moov, 8, len(moov)):
        end = max(end, _track_extent(moov, tables))
    return end


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


def _track_extent(data: bytes, tables: dict) -> int:
    """The end of this track's last chunk: chunk offset plus the sizes of its samples."""
    offsets = _chunk_offsets(data, tables)
    if not offsets or b"stsz" not in tables or b"stsc" not in tables:
        return 0
    sizes = _sample_sizes(data, tables[b"stsz"][0])
    ends = [0, *accumulate(sizes)]
    runs = _unpack_table(data, tables[b"stsc"][0], ">III")
    sample, end = 0, 0
    for index, (first, per_chunk, _) in enumerate(runs):
        last = runs[index + 1][0] if index + 1 < len(runs) else len(offsets) + 1
        for chunk in range(first, min(last, len(offsets) + 1)):
            stop = min(sample + per_chunk, len(sizes))
            end = max(end, offsets[chunk - 1] + ends[stop] - ends[sample])
            sample = stop
    return end


def _chunk_offsets(data: bytes, tables: dict) -> list[int]:
    if b"co64" in tables:
        return [row[0] for row in _unpack_table(data, tables[b"co64"][0], ">Q")]
    if b"stco" in tables:
        return [row[0] for row in _unpack_table(data, tables[b"stco"][0], ">I")]
    return []


def _sample_sizes(data: bytes, start: int) -> list[int]:
    fixed, count = struct.unpack_from(">II", data, start + 4)
    if fixed:
        return [fixed] * count
    return list(struct.unpack_from(f">{count}I", data, start + 12))


def _unpack_table(data: bytes, start: int, row: str) -> list[tuple]:
    """A full box's table: version/flags, an entry count, then the rows."""
    (count,) = struct.unpack_from(">I", data, start + 4)
    try:
        rows = data[start + 8:start + 8 + count * struct.calcsize(row)]
        return list(struct.iter_unpack(row, rows))
    except struct.error as error:
        raise IndexUnreadable(f"table of {count} rows: {error}") from None
