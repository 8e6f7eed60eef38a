"""Limits an XLSX must keep before it is loaded. No Django import.

The XLSX reader (calamine, through fastexcel) loads the chosen sheet whole, as a dense grid from the first
to the last cell, and reads the shared strings eagerly: a 2 KB file with one cell at AD1048576 asks for
31 million cells, and a 300 KB archive can unpack to a string of gigabytes. So before the reader opens
the file, the archive's own directory gives every member's unpacked size (zipfile), and a streaming pass
of the XML parser (expat, C, one callback per element; no tree is built) over the shared strings and the
chosen sheet finds the real extent of the cells and the longest text, stopping at the first limit passed.
A file inside the limits is read as before; one outside them gets a message saying which limit and what
to do, and nothing is loaded.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import xml.parsers.expat as expat
import zipfile
from array import array
from dataclasses import dataclass
from pathlib import Path

from cakupan.registry.intake.errors import FILE_TYPE_UNSUPPORTED, XLSX_TOO_LARGE, IntakeFileError

# Excel's own limits: a workbook Excel wrote never passes them.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_CELL_CHARS = 32_767
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
_SMALL_PART_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class XlsxLimits:
    # The dense grid the reader builds: rows up to the last cell × columns up to the last cell.
    max_cells: int
    max_columns: int = 64
    max_rows: int = EXCEL_MAX_ROWS
    max_cell_chars: int = EXCEL_MAX_CELL_CHARS
    # Unpacked bytes of the sheet and of the shared strings (what the parser and the reader walk).
    max_part_bytes: int = 512 * 1024 * 1024
    # All text of the workbook's cells together: the reader holds it all, and text packs a thousand to one.
    max_text_chars: int = 100_000_000


# A web upload: about 3 million cells (300.000 rows of the ten-column template) stay near 300 MB in the
# reader, inside the import's 1 GB. The CLI (administrators, province-scale files) allows more.
WEB_LIMITS = XlsxLimits(max_cells=3_000_000)
CLI_LIMITS = XlsxLimits(
    max_cells=12_000_000, max_part_bytes=2 * 1024 * 1024 * 1024, max_text_chars=1_000_000_000
)


class _Exceeded(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _refuse(message: str) -> IntakeFileError:
    return IntakeFileError(XLSX_TOO_LARGE, message)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _sheet_part(archive: zipfile.ZipFile, sheet: str | None) -> str | None:
    """The archive path of the sheet the reader will load (the first, or the one named), or None when
    the workbook's own index cannot say (the reader then refuses the file or the name itself)."""
    names = set(archive.namelist())
    for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if part not in names or archive.getinfo(part).file_size > _SMALL_PART_BYTES:
            return None
    try:
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        relations = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except ET.ParseError:
        return None
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in relations.iter(f"{{{_PACKAGE_REL_NS}}}Relationship")
    }
    sheets = [
        (element.get("name", ""), element.get(f"{{{_REL_NS}}}id"))
        for element in workbook.iter(f"{{{_MAIN_NS}}}sheet")
    ]
    if not sheets:
        return None
    chosen = sheets[0]
    if sheet is not None:
        wanted = sheet.strip().casefold()
        matches = [s for s in sheets if s[0] == sheet] or [
            s for s in sheets if s[0].strip().casefold() == wanted
        ]
        if not matches:
            return None
        chosen = matches[0]
    target = targets.get(chosen[1])
    if not target:
        return None
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return path if path in names else None


def _check_part_size(archive: zipfile.ZipFile, part: str, limits: XlsxLimits, label: str) -> None:
    size = archive.getinfo(part).file_size
    if size > limits.max_part_bytes:
        raise _refuse(
            f"{label} berisi {_number(size // (1024 * 1024))} MB data setelah dibuka, batasnya "
            f"{_number(limits.max_part_bytes // (1024 * 1024))} MB. Simpan sebagai CSV atau bagi berkas."
        )


def _scan(archive: zipfile.ZipFile, part: str, *, starts: dict, ends: dict, text_in: set[str]) -> None:
    """One streaming pass: `starts[name](attrs)` at each start tag; `ends["#text"](data)` for the text of
    the elements named in `text_in`."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    inside: list[str] = []

    def start(name, attrs):
        if name in text_in:
            inside.append(name)
        starts.get(name, _ignore)(attrs)

    def end(name):
        if inside and inside[-1] == name:
            inside.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = lambda data: ends["#text"](data) if inside else None
    with archive.open(part) as stream:
        parser.ParseFile(stream)


def _ignore(attrs) -> None:
    return None


def _check_shared_strings(archive: zipfile.ZipFile, limits: XlsxLimits) -> tuple[array, int]:
    """The shared strings' limits; returns each string's length (cells refer to them by index: the
    reader copies the string into every cell that refers to it) and their total."""
    lengths = array("L")
    part = "xl/sharedStrings.xml"
    if part not in archive.namelist():
        return lengths, 0
    _check_part_size(archive, part, limits, "Daftar teks buku kerja")
    state = {"chars": 0}
    total = {"chars": 0}

    def item_start(attrs):
        state["chars"] = 0
        lengths.append(0)

    def text(data):
        state["chars"] += len(data)
        if state["chars"] > limits.max_cell_chars:
            raise _Exceeded(
                f"Sebuah sel berisi lebih dari {_number(limits.max_cell_chars)} karakter (batas Excel); "
                "periksa berkas, lalu unggah kembali."
            )
        if lengths:
            lengths[-1] = state["chars"]
        _count_text(total, len(data), limits)

    _scan(archive, part, starts={"si": item_start}, ends={"#text": text}, text_in={"t"})
    return lengths, total["chars"]


def _count_text(total: dict, chars: int, limits: XlsxLimits) -> None:
    total["chars"] += chars
    if total["chars"] > limits.max_text_chars:
        raise _Exceeded(
            f"Buku kerja berisi lebih dari {_number(limits.max_text_chars)} karakter teks; simpan sebagai "
            "CSV UTF-8 atau bagi berkas."
        )


def _check_sheet(
    archive: zipfile.ZipFile, part: str, limits: XlsxLimits, *, shared: array, shared_chars: int
) -> None:
    _check_part_size(archive, part, limits, "Lembar kerja")
    state = {"row": 0, "column": 0, "max_row": 0, "max_column": 0, "chars": 0, "shared": False}
    total = {"chars": shared_chars}

    def grid_exceeded() -> str | None:
        if state["max_column"] > limits.max_columns:
            return (
                f"Lembar kerja memakai {_number(state['max_column'])} kolom; impor menerima paling banyak "
                f"{_number(limits.max_columns)}. Hapus kolom dan sel yang tidak dipakai di kanan tabel."
            )
        if state["max_row"] > limits.max_rows:
            return f"Lembar kerja lebih dari {_number(limits.max_rows)} baris."
        if state["max_row"] * state["max_column"] > limits.max_cells:
            return (
                f"Lembar kerja terlalu besar untuk dibaca sebagai XLSX: {_number(state['max_row'])} baris × "
                f"{_number(state['max_column'])} kolom sampai sel terakhir, batasnya "
                f"{_number(limits.max_cells)} sel. Simpan sebagai CSV UTF-8, atau hapus sel yang tidak "
                "dipakai di bawah dan di kanan tabel."
            )
        return None

    def row_start(attrs):
        reference = attrs.get("r")
        state["row"] = int(reference) if reference and reference.isdigit() else state["row"] + 1
        state["column"] = 0

    def cell_start(attrs):
        match = _CELL_REF.match(attrs.get("r", ""))
        if match:
            state["column"] = _column_number(match.group(1))
            state["row"] = max(state["row"], int(match.group(2)))
        else:
            state["column"] += 1
        state["chars"] = 0
        state["shared"] = attrs.get("t") == "s"
        if state["row"] > state["max_row"] or state["column"] > state["max_column"]:
            state["max_row"] = max(state["max_row"], state["row"])
            state["max_column"] = max(state["max_column"], state["column"])
            problem = grid_exceeded()
            if problem:
                raise _Exceeded(problem)

    def text(data):
        if state["shared"]:
            # The value is an index into the shared strings: the cell will hold a copy of that string.
            index = data.strip()
            length = shared[int(index)] if index.isdigit() and int(index) < len(shared) else 0
            _count_text(total, length, limits)
            return
        state["chars"] += len(data)
        if state["chars"] > limits.max_cell_chars:
            raise _Exceeded(
                f"Sel di baris {_number(state['row'])} berisi lebih dari {_number(limits.max_cell_chars)} "
                "karakter (batas Excel); periksa berkas, lalu unggah kembali."
            )
        _count_text(total, len(data), limits)

    _scan(archive, part, starts={"row": row_start, "c": cell_start}, ends={"#text": text}, text_in={"v", "t"})


def check_workbook(path: str | Path, *, sheet: str | None, limits: XlsxLimits) -> None:
    """Raise IntakeFileError when the file is no workbook (file_type_unsupported) or passes a limit
    (xlsx_too_large); return when it is safe to load."""
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise zipfile.BadZipFile("no workbook")
            shared, shared_chars = _check_shared_strings(archive, limits)
            part = _sheet_part(archive, sheet)
            if part is not None:
                _check_sheet(archive, part, limits, shared=shared, shared_chars=shared_chars)
    except _Exceeded as exceeded:
        raise _refuse(exceeded.message) from None
    except expat.ExpatError as error:
        # What the parser cannot read is not handed to a more lenient one.
        raise IntakeFileError(
            FILE_TYPE_UNSUPPORTED, "Berkas .xlsx rusak (isinya bukan XML yang sah); simpan ulang dari Excel."
        ) from error
    except (zipfile.BadZipFile, KeyError, EOFError, ValueError) as error:
        raise IntakeFileError(
            FILE_TYPE_UNSUPPORTED,
            "Berkas ZIP ini bukan buku kerja Excel (.xlsx). Unggah berkas .xlsx atau .csv.",
        ) from error
