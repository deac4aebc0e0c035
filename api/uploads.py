"""Streaming multipart uploads with a size limit and safe file names.

The body is never read whole: a declared ``Content-Length`` over the limit is refused before
reading, and otherwise the file part is counted while it streams to a temporary file, so an
upload that exceeds the limit stops with 413 as soon as it crosses it. The client's file name is
reduced to a plain base name of safe characters and only ever used *inside* a fresh folder that
the server names, so ``../`` or absolute names cannot reach anywhere else.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from csas_graph.errors import InvalidInput, PayloadTooLarge

#: room for the multipart framing and small text fields on top of the file itself
FRAMING_BYTES = 64 * 1024
FIELD_MAX_BYTES = 4096
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


class UnsupportedMediaType(InvalidInput):
    """The request body is not ``multipart/form-data``."""

    http_status = 415
    title = "Unsupported media type"


@dataclass
class Upload:
    path: Path
    file_name: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        shutil.rmtree(self.path.parent, ignore_errors=True)


def safe_file_name(raw: str | None) -> str:
    """A plain base name: no folders, no leading dots, only letters, digits, ``. _ -`` and spaces."""
    name = (raw or "").replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[:120] or "upload.bin"


async def receive_upload(request: Request, folder: Path, max_bytes: int, file_field: str = "file") -> Upload:
    """Stream the ``file_field`` part of a multipart body into ``folder/<uuid>/<safe name>``."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UnsupportedMediaType("the upload must be multipart/form-data with a 'file' part", field=file_field)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes + FRAMING_BYTES:
        raise PayloadTooLarge(f"the upload ({int(declared)} bytes) exceeds the limit of {max_bytes} bytes")
    target = folder / uuid.uuid4().hex
    target.mkdir(parents=True, exist_ok=False)
    sink = _PartSink(target, max_bytes, file_field)
    parser = MultipartParser(boundary, sink.callbacks(), max_size=max_bytes + FRAMING_BYTES)
    try:
        async for chunk in request.stream():
            sink.body_bytes += len(chunk)
            if sink.body_bytes > max_bytes + FRAMING_BYTES:
                raise PayloadTooLarge(f"the upload exceeds the limit of {max_bytes} bytes")
            parser.write(chunk)
            if sink.error is not None:
                raise sink.error
        parser.finalize()
        if sink.error is not None:
            raise sink.error
    except PayloadTooLarge:
        sink.close()
        shutil.rmtree(target, ignore_errors=True)
        raise
    except Exception as err:
        sink.close()
        shutil.rmtree(target, ignore_errors=True)
        if isinstance(err, InvalidInput):
            raise
        raise InvalidInput("the multipart body is malformed", field=file_field) from err
    sink.close()
    if sink.file_path is None:
        shutil.rmtree(target, ignore_errors=True)
        raise InvalidInput(f"the upload has no '{file_field}' part", field=file_field)
    return Upload(sink.file_path, sink.file_path.name, sink.file_size, sink.fields)


class _PartSink:
    """Multipart callbacks: the file part goes to disk, small text fields to memory."""

    def __init__(self, folder: Path, max_bytes: int, file_field: str) -> None:
        self.folder, self.max_bytes, self.file_field = folder, max_bytes, file_field
        self.fields: dict[str, str] = {}
        self.file_path: Path | None = None
        self.file_size = 0
        self.body_bytes = 0
        self.error: Exception | None = None
        self._headers: dict[bytes, bytes] = {}
        self._header_field = b""
        self._header_value = b""
        self._name: str | None = None
        self._fh: BinaryIO | None = None
        self._buffer = bytearray()

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers, self._name, self._buffer = {}, None, bytearray()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if self._name == self.file_field and filename is not None and self.file_path is None:
            self.file_path = self.folder / safe_file_name(filename.decode("utf-8", "replace"))
            self._fh = self.file_path.open("xb")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        size = end - start
        if self._fh is not None:
            self.file_size += size
            if self.file_size > self.max_bytes:
                self.error = PayloadTooLarge(f"the uploaded file exceeds the limit of {self.max_bytes} bytes")
                return
            self._fh.write(data[start:end])
        elif self._name:
            self._buffer += data[start:end]
            if len(self._buffer) > FIELD_MAX_BYTES:
                self.error = InvalidInput(f"form field '{self._name}' is too long", field=self._name)

    def _part_end(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        elif self._name and self._name not in self.fields:
            self.fields[self._name] = self._buffer.decode("utf-8", "replace")

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
