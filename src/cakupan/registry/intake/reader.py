"""Read an uploaded CSV or XLSX file as chunks of canonical string columns.

`read_table` checks the file eagerly (size, type, header, required columns, at least one data row) so an
unusable file fails at once with an IntakeFileError; it then returns a `TableReader`, an iterator of
Polars frames of at most `chunk_rows` rows each. Every frame has:

* `row` (Int64): the row number a spreadsheet user sees (the header is row 1 when it is the first
  line; blank lines before it count, as they do in Excel). Entirely blank rows are dropped, but the
  numbers of the other rows stay as in the file.
* every canonical column of the kind (columns.columns_of), as stripped strings, empty → null; missing
  optional columns are all null.
* `nik_numeric_cell` (Boolean): the NIK cell was a number in the XLSX (always False for CSV). Excel keeps
  15 significant digits, so a 16-digit NIK stored as a number has probably lost its last digit; the
  validators report it as an error.

Decisions:

* The type is decided from the first bytes, never the extension: XLSX is a ZIP holding
  xl/workbook.xml; CSV is text (no NUL or other control bytes in the first 64 KiB); anything else,
  including old .xls (OLE) and ODS, is `file_type_unsupported`.
* CSV encoding: UTF-8 with or without BOM; a line that is not valid UTF-8 is decoded as Windows-1252
  (what Excel on Indonesian Windows writes), line by line, so a file that was edited in two programs
  still reads correctly; the notes say how many lines were read as Windows-1252. A line that is neither
  (bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D) is `file_encoding`, naming the line. UTF-16 is refused with a
  hint to save as "CSV UTF-8".
* CSV delimiter: whichever of ";", "," and tab occurs most often in the header line (Excel in
  Indonesian locale writes ";").
* CSV is streamed in 8 MiB blocks. Record boundaries are found by quote parity (a newline ends a
  record when an even number of '"' precede it), the same rule Polars uses, so a chunk is cut exactly
  after `chunk_rows` records and parsed by Polars. A chunk Polars rejects (a stray quote inside an
  unquoted field) is parsed by Python's csv module instead, which treats such quotes as text. A quote
  left open for more than 64 MiB is `file_malformed` rather than reading the rest of the file into
  memory.
* XLSX: read with fastexcel/calamine (formula cells give their cached values); the sheet is loaded
  whole, which the 1,048,576-row limit of Excel and `max_bytes` keep bounded, then sliced. The header
  is the first row (of the first ten non-blank ones) naming a known column, so a title above the table
  is skipped; CSV headers must be the first non-blank line. Whole numbers
  come out without ".0"; date cells come out as YYYY-MM-DD (a time of day is dropped).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from cakupan.registry.intake import columns as cols
from cakupan.registry.intake.errors import (
    COLUMNS_DUPLICATE,
    COLUMNS_MISSING,
    FILE_EMPTY,
    FILE_ENCODING,
    FILE_MALFORMED,
    FILE_TOO_LARGE,
    FILE_TYPE_UNSUPPORTED,
    HEADER_MISSING,
    SHEET_NOT_FOUND,
    IntakeFileError,
)
from cakupan.registry.intake.xlsx_limits import WEB_LIMITS, XlsxLimits, check_workbook

__all__ = ["DEFAULT_CHUNK_ROWS", "DEFAULT_MAX_BYTES", "TableReader", "file_sha256", "read_table"]

DEFAULT_CHUNK_ROWS = 200_000
DEFAULT_MAX_BYTES = 300 * 1024 * 1024
NIK_NUMERIC_COLUMN = "nik_numeric_cell"

_BLOCK_BYTES = 8 * 1024 * 1024
_MAX_RECORD_BYTES = 64 * 1024 * 1024
_SNIFF_BYTES = 64 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
# Recognised only to name them in the message; every non-text file is refused anyway.
_KNOWN_BINARY = {
    b"%PDF": "PDF",
    b"\x89PNG": "gambar PNG",
    b"\xff\xd8\xff": "gambar JPEG",
    b"GIF8": "gambar GIF",
    b"\x1f\x8b": "arsip gzip",
    b"Rar!": "arsip RAR",
    b"7z\xbc\xaf": "arsip 7z",
    b"PK\x05\x06": "arsip ZIP kosong",
}
# Bytes that never occur in a text file (tab, LF, CR, form feed and ESC-free text only).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_XLSX_HEADER_SEARCH_ROWS = 10
_XLSX_DATETIME = r"^(\d{4}-\d{2}-\d{2}) \d{2}:\d{2}:\d{2}(?:\.\d+)?$"
_DELIMITERS = (";", ",", "\t")
_DELIMITER_NAMES = {";": "titik koma (;)", ",": "koma (,)", "\t": "tab"}


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of the file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


class TableReader:
    """An iterator of chunks (see the module docstring) with what was learnt about the file.

    `format` is "csv" or "xlsx"; `header` maps each canonical column to the header text found;
    `ignored_columns` lists header texts that matched no column; `notes` are Bahasa sentences for the
    import report (complete once the iterator is exhausted: the encoding note counts lines).
    """

    def __init__(self, *, format: str, kind: str, header: dict[str, str], ignored: list[str]):
        self.format = format
        self.kind = kind
        self.header = header
        self.ignored_columns = ignored
        self.delimiter: str | None = None
        self.sheet: str | None = None
        self.cp1252_lines = 0
        self.utf8_seen = False
        self._notes: list[str] = []
        self._chunks: Iterator[pl.DataFrame] = iter(())
        self._first: pl.DataFrame | None = None

    @property
    def notes(self) -> list[str]:
        notes = list(self._notes)
        if self.ignored_columns:
            listed = ", ".join(f'"{name}"' for name in self.ignored_columns)
            notes.append(f"Kolom yang tidak dikenal diabaikan: {listed}.")
        if self.cp1252_lines:
            mixed = " (berkas mencampur dua pengodean)" if self.utf8_seen else ""
            notes.append(
                f"{self.cp1252_lines} baris bukan UTF-8 dan dibaca sebagai Windows-1252{mixed}; "
                "periksa huruf beraksen pada baris tersebut."
            )
        return notes

    @property
    def encoding(self) -> str | None:
        """ "utf-8", "windows-1252" or "campuran" (mixed) for CSV, None for XLSX; final after iteration."""
        if self.format != "csv":
            return None
        if not self.cp1252_lines:
            return "utf-8"
        return "campuran" if self.utf8_seen else "windows-1252"

    def __iter__(self) -> TableReader:
        return self

    def __next__(self) -> pl.DataFrame:
        if self._first is not None:
            first, self._first = self._first, None
            return first
        return next(self._chunks)

    def _start(self, chunks: Iterator[pl.DataFrame]) -> None:
        """Pull the first non-empty chunk now: a file without data rows must fail before importing."""
        self._chunks = chunks
        for chunk in chunks:
            if chunk.height:
                self._first = chunk
                return
        raise IntakeFileError(
            FILE_EMPTY, "Berkas hanya berisi baris judul kolom; tidak ada baris data untuk diimpor."
        )


def read_table(
    path: str | Path,
    *,
    kind: str = "workers",
    sheet: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    xlsx_limits: XlsxLimits = WEB_LIMITS,
) -> TableReader:
    """Check the file and return an iterator of chunks; raises IntakeFileError for an unusable file.

    `max_bytes` None accepts any size (the CLI); CSV is streamed, so memory does not grow with it. An
    XLSX is loaded whole, so it is first checked against `xlsx_limits` (`intake.xlsx_limits`)."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    cols.columns_of(kind)  # rejects an unknown kind before touching the file
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise IntakeFileError(FILE_EMPTY, "Berkas kosong (0 byte).")
    if max_bytes is not None and size > max_bytes:
        raise IntakeFileError(
            FILE_TOO_LARGE,
            f"Berkas terlalu besar: {_megabytes(size)}, batasnya {_megabytes(max_bytes)}. "
            "Bagi berkas menjadi beberapa bagian.",
        )
    with open(path, "rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if head.startswith(_ZIP_MAGIC):
        check_workbook(path, sheet=sheet, limits=xlsx_limits)
        return _read_xlsx(path, kind=kind, sheet=sheet, chunk_rows=chunk_rows)
    _check_text(head)
    return _read_csv(path, kind=kind, chunk_rows=chunk_rows)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def _check_text(head: bytes) -> None:
    if head.startswith(_OLE_MAGIC):
        raise IntakeFileError(
            FILE_TYPE_UNSUPPORTED,
            "Berkas Excel lama (.xls) tidak didukung. Buka di Excel lalu simpan sebagai .xlsx "
            "atau CSV UTF-8.",
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IntakeFileError(
            FILE_ENCODING,
            'Berkas memakai pengodean UTF-16 ("Unicode Text"). Simpan ulang sebagai "CSV UTF-8" atau .xlsx.',
        )
    for magic, name in _KNOWN_BINARY.items():
        if head.startswith(magic):
            raise IntakeFileError(
                FILE_TYPE_UNSUPPORTED,
                f"Berkas ini {name}, bukan CSV atau XLSX. Unggah berkas .csv atau .xlsx.",
            )
    if _CONTROL_BYTES.search(head):
        raise IntakeFileError(
            FILE_TYPE_UNSUPPORTED, "Berkas ini bukan teks CSV maupun XLSX. Unggah berkas .csv atau .xlsx."
        )


# --- header --------------------------------------------------------------------------------------------


def _map_header(cells: list[str], kind: str) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Canonical column → cell index, canonical → header text, ignored header texts."""
    all_columns, required = cols.columns_of(kind)
    positions: dict[str, int] = {}
    texts: dict[str, str] = {}
    ignored: list[str] = []
    duplicates: list[str] = []
    for index, cell in enumerate(cells):
        text = (cell or "").strip()
        if not text:
            continue
        canonical = cols.HEADER_LOOKUP.get(cols.header_key(text))
        if canonical is None or canonical not in all_columns:
            ignored.append(text)
        elif canonical in positions:
            duplicates.append(f'"{texts[canonical]}" dan "{text}" (keduanya {canonical})')
        else:
            positions[canonical] = index
            texts[canonical] = text
    if not positions:
        found = ", ".join(f'"{text}"' for text in ignored[:10]) or "(kosong)"
        raise IntakeFileError(
            HEADER_MISSING,
            "Baris judul kolom tidak ditemukan: baris pertama harus berisi nama kolom seperti "
            f"{', '.join(required)}. Baris pertama berisi: {found}.",
        )
    if duplicates:
        raise IntakeFileError(COLUMNS_DUPLICATE, "Kolom ganda: " + "; ".join(duplicates) + ".")
    missing = [name for name in required if name not in positions]
    if missing:
        found = ", ".join(f'"{text}"' for text in (*texts.values(), *ignored))
        raise IntakeFileError(
            COLUMNS_MISSING,
            f"Kolom wajib tidak ada: {', '.join(missing)}. Kolom yang ditemukan: {found}.",
        )
    return positions, texts, ignored


def _finish(frame: pl.DataFrame, positions: dict[str, int], kind: str, *, xlsx: bool) -> pl.DataFrame:
    """Raw positional columns c0.. plus `row` (and `_numeric`) → the chunk layout of the module docstring."""
    all_columns, _ = cols.columns_of(kind)
    raw = [name for name in frame.columns if name.startswith("c")]
    cleaned = [pl.col(name).str.strip_chars() for name in raw]
    blank = pl.all_horizontal([c.is_null() | (c == "") for c in cleaned]) if cleaned else pl.lit(True)
    frame = frame.filter(~blank)
    out = [pl.col("row").cast(pl.Int64)]
    for name in all_columns:
        if name in positions:
            value = pl.col(f"c{positions[name]}").str.strip_chars()
            if xlsx:
                value = value.str.replace(_XLSX_DATETIME, "${1}")
            out.append(pl.when(value == "").then(None).otherwise(value).alias(name))
        else:
            out.append(pl.lit(None, dtype=pl.String).alias(name))
    numeric = pl.col("_numeric") if "_numeric" in frame.columns else pl.lit(False)
    out.append(numeric.fill_null(False).alias(NIK_NUMERIC_COLUMN))
    return frame.select(out)


# --- CSV ---------------------------------------------------------------------------------------------


def _decode_line(line: bytes, line_number: int, reader: TableReader) -> str:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not line.isascii():
            reader.utf8_seen = True
        return text
    try:
        text = line.decode("cp1252")
    except UnicodeDecodeError:
        raise IntakeFileError(
            FILE_ENCODING,
            f"Baris ke-{line_number} berkas berisi karakter yang bukan UTF-8 maupun Windows-1252. "
            'Simpan ulang berkas sebagai "CSV UTF-8".',
        ) from None
    reader.cp1252_lines += 1
    return text


def _to_utf8(piece: bytes, first_line: int, reader: TableReader) -> bytes:
    """The piece as UTF-8; lines that are not UTF-8 are decoded as Windows-1252 (module docstring)."""
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not reader.utf8_seen and not piece.isascii():
            reader.utf8_seen = True
        return piece
    lines = piece.split(b"\n")
    for index, line in enumerate(lines):
        if not line.isascii():
            lines[index] = _decode_line(line, first_line + index, reader).encode("utf-8")
    return b"\n".join(lines)


def _record_ends(buffer: bytearray, start: int, parity: int) -> tuple[np.ndarray, int]:
    """Offsets of the newlines after `start` that end a record, and the quote parity at the end."""
    data = np.frombuffer(memoryview(buffer)[start:], dtype=np.uint8)
    quotes = np.flatnonzero(data == ord('"'))
    newlines = np.flatnonzero(data == ord("\n"))
    before = np.searchsorted(quotes, newlines) + parity
    ends = newlines[(before & 1) == 0] + start
    return ends, (parity + quotes.size) & 1


def _read_csv(path: Path, *, kind: str, chunk_rows: int) -> TableReader:
    handle = open(path, "rb")  # noqa: SIM115 - closed by the chunk generator
    try:
        buffer = bytearray(handle.read(_BLOCK_BYTES))
        if buffer.startswith(_UTF8_BOM):
            del buffer[: len(_UTF8_BOM)]
        # Blank lines before the header still count as spreadsheet rows.
        header_row = 1
        while True:
            end = buffer.find(b"\n")
            while end < 0 and len(buffer) < _MAX_RECORD_BYTES:
                block = handle.read(_BLOCK_BYTES)
                if not block:
                    break
                buffer += block
                end = buffer.find(b"\n")
            line = bytes(buffer if end < 0 else buffer[:end])
            if line.strip() or end < 0:
                break
            del buffer[: end + 1]
            header_row += 1
        if not line.strip():
            raise IntakeFileError(FILE_EMPTY, "Berkas tidak berisi data (hanya baris kosong).")
        counts = {delimiter: line.count(delimiter.encode()) for delimiter in _DELIMITERS}
        delimiter = max(_DELIMITERS, key=lambda d: counts[d]) if any(counts.values()) else ","
        # The header record may itself contain a quoted newline: take whole records.
        ends, _ = _record_ends(buffer, 0, 0)
        header_end = int(ends[0]) + 1 if ends.size else len(buffer)
        header_bytes = bytes(buffer[:header_end])
        probe = TableReader(format="csv", kind=kind, header={}, ignored=[])
        header_text = _to_utf8(header_bytes, header_row, probe).decode("utf-8")
        cells = next(csv.reader(io.StringIO(header_text, newline=""), delimiter=delimiter), [])
        positions, texts, ignored = _map_header(cells, kind)
    except BaseException:
        handle.close()
        raise
    del buffer[:header_end]
    reader = TableReader(format="csv", kind=kind, header=texts, ignored=ignored)
    reader.delimiter = delimiter
    reader.cp1252_lines, reader.utf8_seen = probe.cp1252_lines, probe.utf8_seen
    reader._notes.append(f"Pemisah kolom: {_DELIMITER_NAMES[delimiter]}.")
    first_line = header_row + header_bytes.count(b"\n")
    chunks = _csv_chunks(
        handle,
        buffer,
        reader=reader,
        positions=positions,
        ncols=len(cells),
        delimiter=delimiter,
        first_row=header_row + 1,
        first_line=first_line,
        chunk_rows=chunk_rows,
    )
    reader._start(chunks)
    return reader


def _csv_chunks(
    handle,
    buffer: bytearray,
    *,
    reader: TableReader,
    positions: dict[str, int],
    ncols: int,
    delimiter: str,
    first_row: int,
    first_line: int,
    chunk_rows: int,
) -> Iterator[pl.DataFrame]:
    row, line = first_row, first_line
    scanned, parity = 0, 0
    ends = np.empty(0, dtype=np.int64)
    eof = False
    try:
        while True:
            new_ends, parity = _record_ends(buffer, scanned, parity)
            ends = np.concatenate([ends, new_ends])
            scanned = len(buffer)
            while ends.size >= chunk_rows:
                cut = int(ends[chunk_rows - 1]) + 1
                piece = bytes(buffer[:cut])
                del buffer[:cut]
                ends = ends[chunk_rows:] - cut
                scanned -= cut
                frame = _parse_piece(piece, reader, ncols, delimiter, row, line, chunk_rows)
                row += frame.height
                line += piece.count(b"\n")
                yield from _emit(frame, positions, reader.kind, chunk_rows)
            if eof:
                break
            last_end = int(ends[-1]) + 1 if ends.size else 0
            if len(buffer) - last_end > _MAX_RECORD_BYTES:
                raise IntakeFileError(
                    FILE_MALFORMED,
                    f'Tanda kutip (") yang dibuka sekitar baris {row + int(ends.size)} tidak pernah '
                    "ditutup. Periksa baris tersebut.",
                )
            block = handle.read(_BLOCK_BYTES)
            if block:
                buffer += block
            else:
                eof = True
                # The last record may lack a final newline, or (an open quote) be several records.
                if buffer.strip():
                    # Polars is trusted only when the quotes balance; else the csv module decides.
                    tail = len(buffer) - (int(ends[-1]) + 1 if ends.size else 0)
                    expected = int(ends.size) + (1 if tail else 0) if parity == 0 else None
                    frame = _parse_piece(bytes(buffer), reader, ncols, delimiter, row, line, expected)
                    yield from _emit(frame, positions, reader.kind, chunk_rows)
                return
    finally:
        handle.close()


def _emit(
    frame: pl.DataFrame, positions: dict[str, int], kind: str, chunk_rows: int
) -> Iterator[pl.DataFrame]:
    finished = _finish(frame, positions, kind, xlsx=False)
    for start in range(0, finished.height, chunk_rows):
        yield finished.slice(start, chunk_rows)


def _parse_piece(
    piece: bytes,
    reader: TableReader,
    ncols: int,
    delimiter: str,
    first_row: int,
    first_line: int,
    expected: int | None,
) -> pl.DataFrame:
    """Records → frame of c0..c{ncols-1} (strings) and `row`; Polars first, the csv module if it refuses."""
    data = _to_utf8(piece, first_line, reader)
    names = [f"c{i}" for i in range(ncols)]
    frame: pl.DataFrame | None = None
    if expected is not None:
        # A synthetic header fixes the column count even when the first record is short or blank.
        header = delimiter.join(names).encode() + b"\n"
        try:
            frame = pl.read_csv(
                io.BytesIO(header + data),
                separator=delimiter,
                infer_schema=False,
                truncate_ragged_lines=True,
                empty_string_is_null=False,
                raise_if_empty=False,
            )
        except pl.exceptions.PolarsError:
            frame = None
        if frame is not None and frame.height != expected:
            frame = None
    if frame is None:
        records = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=delimiter))
        padded = [(record + [""] * ncols)[:ncols] for record in records]
        frame = pl.DataFrame(
            {name: list(values) for name, values in zip(names, zip(*padded, strict=True), strict=True)}
            if padded
            else {name: [] for name in names},
            schema=dict.fromkeys(names, pl.String),
        )
    return frame.with_columns(pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64).alias("row"))


# --- XLSX --------------------------------------------------------------------------------------------


def _read_xlsx(path: Path, *, kind: str, sheet: str | None, chunk_rows: int) -> TableReader:
    # fastexcel is imported here: the CSV path and the validators do not need it.
    import fastexcel

    try:
        workbook = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error types for broken workbooks
        raise IntakeFileError(
            FILE_TYPE_UNSUPPORTED, f"Berkas .xlsx tidak dapat dibaca (rusak?): {exc.__class__.__name__}."
        ) from exc
    names = list(workbook.sheet_names)
    if not names:
        raise IntakeFileError(FILE_EMPTY, "Buku kerja tidak berisi lembar kerja.")
    if sheet is None:
        index = 0
    else:
        wanted = sheet.strip().casefold()
        matches = [i for i, name in enumerate(names) if name.strip().casefold() == wanted]
        if sheet in names:
            index = names.index(sheet)
        elif matches:
            index = matches[0]
        else:
            listed = ", ".join(f'"{name}"' for name in names)
            raise IntakeFileError(
                SHEET_NOT_FOUND, f'Lembar kerja "{sheet}" tidak ada. Lembar yang tersedia: {listed}.'
            )
    # skip_rows=0: keep leading blank rows, so row indexes are Excel's row numbers minus one.
    try:
        loaded = workbook.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
        frame = loaded.to_polars()
    except Exception as exc:  # calamine fails on an empty sheet with a "no data" error
        if "empty" in str(exc).lower() or "no data" in str(exc).lower():
            frame = pl.DataFrame()
        else:
            raise
    if frame.height == 0 or frame.width == 0:
        raise IntakeFileError(FILE_EMPTY, f'Lembar kerja "{names[index]}" kosong.')
    source_names = frame.columns
    frame = frame.rename({name: f"c{i}" for i, name in enumerate(source_names)})
    frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("row"))
    non_blank = frame.filter(
        ~pl.all_horizontal(
            [
                pl.col(f"c{i}").is_null() | (pl.col(f"c{i}").str.strip_chars() == "")
                for i in range(len(source_names))
            ]
        )
    )
    if non_blank.height == 0:
        raise IntakeFileError(FILE_EMPTY, f'Lembar kerja "{names[index]}" kosong.')
    # Sheets often carry a title above the table: the header is the first of the first non-blank rows
    # that names a known column (else the first non-blank row, for the header_missing message).
    header_index = int(non_blank["row"][0]) - 1
    for candidate in non_blank["row"].head(_XLSX_HEADER_SEARCH_ROWS).to_list():
        texts_in_row = [value or "" for value in frame.row(candidate - 1)[: len(source_names)]]
        if any(cols.HEADER_LOOKUP.get(cols.header_key(text)) for text in texts_in_row if text.strip()):
            header_index = candidate - 1
            break
    cells = [value or "" for value in frame.row(header_index)[: len(source_names)]]
    positions, texts, ignored = _map_header(cells, kind)
    body = frame.slice(header_index + 1)
    if "nik" in positions:
        column = source_names[positions["nik"]]
        # Loading the column as Boolean keeps only number (and boolean) cells: text cells become null.
        typed = workbook.load_sheet(
            index, header_row=None, skip_rows=0, dtypes={column: "boolean"}, use_columns=[column]
        ).to_polars()
        numeric = typed.to_series(0).is_not_null().slice(header_index + 1)
        body = body.with_columns(numeric.alias("_numeric"))
    reader = TableReader(format="xlsx", kind=kind, header=texts, ignored=ignored)
    reader.sheet = names[index]
    reader._notes.append(f'Lembar kerja: "{names[index]}".')
    finished = _finish(body, positions, kind, xlsx=True)
    reader._start(finished.slice(start, chunk_rows) for start in range(0, finished.height, chunk_rows))
    return reader
