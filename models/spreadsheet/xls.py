"""An .xls (OLE2 compound file holding a BIFF workbook) judged before python-calamine opens it.

calamine trusts the file's own bookkeeping: it follows sector chains until a declared length is reached (a chain
that loops back grows without end), reserves memory for the DIMENSIONS record's rows × columns before reading a
cell, and builds each sheet as one dense grid from its first to its last cell, whose column may be 65,535 though
BIFF8 has 256. A 4 KB file can therefore ask for terabytes, and a failed allocation aborts the whole worker.
So the compound file's chains are walked here once (no loop, no sector past the end), and every sheet's records
are read for the grid they would make. Encrypted workbooks and VBA projects are refused too.
"""
import struct

from .archive import MAX_CELLS, TOO_SPARSE
from .refusals import DAMAGED, MACROS, FileRefused

_END, _FREE, _RESERVED, _DIFSECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFA, 0xFFFFFFFC
_STREAMS = ("Workbook", "Book", "WORKBOOK", "BOOK")  # the names calamine looks for, in its order
PASSWORD = "文件设置了打开密码，无法读取。请在 Excel/WPS 中取消密码后另存为 .xlsx 再上传。"
# BIFF records that put a cell into calamine's grid: Number, Label, RString, BoolErr, RK, LabelSst, Formula
_CELLS = {0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006}
_MULRK, _DIMENSIONS, _EOF, _BOUNDSHEET, _FILEPASS = 0x00BD, 0x0200, 0x000A, 0x0085, 0x002F


def check(data: bytes) -> None:
    stream = _workbook_stream(data)
    for name, start in _sheets(stream):
        _check_sheet(stream, start, name)


class _Compound:
    """Just enough of MS-CFB to follow chains the way calamine does, refusing where calamine would not stop."""

    def __init__(self, data: bytes):
        if len(data) < 512:
            raise FileRefused(DAMAGED)
        shift = struct.unpack_from("<H", data, 30)[0]
        if shift not in (9, 12) or struct.unpack_from("<H", data, 32)[0] != 6:
            raise FileRefused(DAMAGED)
        self.data, self.size = data, 1 << shift
        self.sectors = len(data) // self.size
        # calamine reserves memory for these header counts before reading anything; the second one it takes
        # from bytes 62..66, which straddle two other fields. Real files give at most a few megabytes.
        fat_sectors, straddled = struct.unpack_from("<I", data, 44)[0], struct.unpack_from("<I", data, 62)[0]
        if fat_sectors > self.sectors or straddled > 1 << 26:
            raise FileRefused(DAMAGED)
        difat = list(struct.unpack_from("<109I", data, 76))
        sector, seen = struct.unpack_from("<I", data, 68)[0], set()
        while sector < _RESERVED:
            if sector in seen:
                raise FileRefused(DAMAGED)
            seen.add(sector)
            difat.extend(self._words(sector))
            sector = difat.pop()
        self.fat = []
        for sector in difat:
            if sector < _DIFSECT:
                self.fat.extend(self._words(sector))
        self.minifat = []
        self.ministream = b""
        self.wide_sizes = self.size != 512
        self.entries = self._directory(struct.unpack_from("<I", data, 48)[0])
        minifat_start, minifat_sectors = struct.unpack_from("<II", data, 60)
        if minifat_sectors and self.entries:
            root_start, root_size = self.entries[0][1], self.entries[0][2]
            self.ministream = self._chain(root_start, self.fat, self._sector, root_size)
            words = self._chain(minifat_start, self.fat, self._sector, minifat_sectors * self.size)
            self.minifat = list(struct.unpack_from(f"<{len(words) // 4}I", words))

    def _sector(self, sector: int) -> bytes:
        if sector > self.sectors:
            raise FileRefused(DAMAGED)
        start = (sector + 1) * self.size
        return self.data[start:start + self.size]

    def _mini(self, sector: int) -> bytes:
        return self.ministream[sector * 64:sector * 64 + 64]

    def _words(self, sector: int) -> list[int]:
        chunk = self._sector(sector)
        return list(struct.unpack_from(f"<{len(chunk) // 4}I", chunk))

    def _chain(self, sector, fat, read, limit) -> bytes:
        """The chain from ``sector`` as calamine reads it (until its end or ``limit`` bytes); a chain that
        comes back to a sector would make calamine read forever, one that leaves the table makes it panic."""
        parts, total, seen = [], 0, set()
        while sector != _END:
            if sector in seen or sector >= len(fat):
                raise FileRefused(DAMAGED)
            seen.add(sector)
            parts.append(read(sector)[:limit - total])
            total += len(parts[-1])
            if total >= limit:
                break
            sector = fat[sector]
        return b"".join(parts)

    def _directory(self, start: int) -> list[tuple[str, int, int, int]]:
        raw = self._chain(start, self.fat, self._sector, len(self.data))
        entries = []
        for at in range(0, len(raw) - 127, 128):
            name = raw[at:at + 64].decode("utf-16-le", "replace").split("\x00", 1)[0]
            kind, sector = raw[at + 66], struct.unpack_from("<I", raw, at + 116)[0]
            size = struct.unpack_from("<Q" if self.wide_sizes else "<I", raw, at + 120)[0]
            entries.append((name, sector, size, kind))
        return entries

    def stream(self, name: str) -> bytes | None:
        for entry_name, sector, size, kind in self.entries:
            if entry_name == name:
                if size > len(self.data):
                    raise FileRefused(DAMAGED)
                if size < 4096:
                    return self._chain(sector, self.minifat, self._mini, size)
                return self._chain(sector, self.fat, self._sector, size)
        return None


def _workbook_stream(data: bytes) -> bytes:
    compound = _Compound(data)
    names = {name for name, *_ in compound.entries}
    if "_VBA_PROJECT_CUR" in names or "_VBA_PROJECT" in names:
        raise FileRefused(MACROS)
    if "EncryptionInfo" in names or "EncryptedPackage" in names:  # a password-protected .xlsx in OLE2
        raise FileRefused(PASSWORD)
    for name in _STREAMS:
        stream = compound.stream(name)
        if stream is not None:
            return stream
    raise FileRefused(DAMAGED)


def _records(stream: bytes, start: int):
    at, end = start, len(stream)
    unpack = struct.Struct("<HH").unpack_from
    while at + 4 <= end:
        kind, size = unpack(stream, at)
        yield kind, at + 4, size
        if kind == _EOF:
            return
        at += 4 + size


def _sheets(stream: bytes) -> list[tuple[str, int]]:
    sheets = []
    for kind, at, size in _records(stream, 0):
        if kind == _FILEPASS and size >= 2 and struct.unpack_from("<H", stream, at)[0]:
            raise FileRefused(PASSWORD)
        if kind == _BOUNDSHEET and size >= 8:
            start, length, flags = struct.unpack_from("<I", stream, at)[0], stream[at + 6], stream[at + 7]
            raw = stream[at + 8:at + 8 + length * (2 if flags & 1 else 1)]
            name = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
            sheets.append((name, start))
    return sheets


def _check_sheet(stream: bytes, start: int, name: str) -> None:
    if start >= len(stream):
        raise FileRefused(DAMAGED)
    top = left = 1 << 20
    bottom = right = -1
    # One inlined loop: a 65,000-row sheet has about a million records.
    head = struct.Struct("<HHHH").unpack_from  # record type, length, and the row and column of a cell record
    cells, at, end = _CELLS, start, len(stream) - 8
    while at <= end:
        kind, size, row, col = head(stream, at)
        if kind in cells:
            pass
        elif kind == _MULRK and size >= 6:
            if col < left:
                left = col
            col = struct.unpack_from("<H", stream, at + 2 + size)[0]
        elif kind == _DIMENSIONS:
            _check_dimensions(stream[at + 4:at + 4 + size], name)
            at += 4 + size
            continue
        elif kind == _EOF:
            break
        else:
            at += 4 + size
            continue
        if row < top:
            top = row
        if row > bottom:
            bottom = row
        if col < left:
            left = col
        if col > right:
            right = col
        at += 4 + size
    if bottom >= 0 and (bottom - top + 1) * (right - left + 1) > MAX_CELLS:
        raise FileRefused(TOO_SPARSE.format(sheet=name, rows=bottom + 1, cols=right + 1))


def _check_dimensions(record: bytes, name: str) -> None:
    """calamine reserves room for the rows × columns this record declares, with u32 arithmetic that wraps."""
    if len(record) == 10:
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", record)
    elif len(record) == 14:
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", record)
    else:
        return  # calamine refuses the file itself
    if first_col > 0xFF or last_col < first_col:
        first_col = 0
    if last_row >= 1 and last_col >= 1:
        rows = (last_row - 1 - first_row + 1) & 0xFFFFFFFF
        cols = (last_col - 1 - first_col + 1) & 0xFFFFFFFF
    else:
        rows = cols = 1
    if rows * cols > MAX_CELLS:
        raise FileRefused(TOO_SPARSE.format(sheet=name, rows=last_row, cols=last_col))
