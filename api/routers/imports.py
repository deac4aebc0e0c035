"""Imports: multipart upload, background loading with progress, report and rejected rows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import Auditor, CaseAccess, CurrentUser, JobsDep, SettingsDep, StoreDep, require_modify
from api.jobs import ImportJob
from api.schemas.common import problems
from api.schemas.imports import ImportAccepted, ImportList, ImportOut
from api.uploads import Upload, receive_upload
from csas_graph.errors import InvalidInput, NotFound
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

router = APIRouter(prefix="/cases/{case_id}/imports", tags=["imports"], responses=problems(401, 403, 404, 422, 503))

SHA256 = re.compile(r"^[0-9a-f]{64}$")
ImportId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$|^[0-9a-f]{64}$", description="Job id or file SHA-256.")]
TEMPLATE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "The source file."},
                        "template": {
                            "type": "string",
                            "pattern": TEMPLATE.pattern,
                            "description": "Operator layout template id (default: detected).",
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "",
    status_code=202,
    response_model=ImportAccepted,
    openapi_extra=UPLOAD_BODY,
    responses=problems(404, 413, 415),
)
async def upload(
    request: Request,
    case: CaseAccess,
    principal: CurrentUser,
    store: StoreDep,
    settings: SettingsDep,
    jobs: JobsDep,
    audit: Auditor,
) -> ImportAccepted:
    """Upload a file (size-limited) and import it in the background; poll the returned import id."""
    require_modify(principal, "import")
    folder = settings.home / "uploads" / case.case_id
    upload = await receive_upload(request, folder, settings.upload_max_bytes)
    try:
        template = upload.fields.get("template") or None
        if template is not None and not TEMPLATE.match(template):
            raise InvalidInput(f"template {template!r} is not a template id", field="template")
        params = {"file_name": upload.file_name, "size": upload.size, "template": template}
        await run_in_threadpool(audit, "import.start", case.case_id, params)
    except BaseException:
        upload.discard()
        raise
    job = jobs.submit(
        case_id=case.case_id,
        file_name=upload.file_name,
        size=upload.size,
        user=principal.username,
        work=lambda j: _run_import(j, store, settings, upload, template, audit),
    )
    return ImportAccepted(import_id=job.import_id, state="queued", file_name=upload.file_name, size=upload.size)


def _run_import(
    job: ImportJob, store: GraphStore, settings: Settings, upload: Upload, template: str | None, audit: Auditor
) -> None:
    from csas_graph import importer

    def progress(done: int, total: int | None) -> None:
        job.rows_done, job.rows_total = done, total

    try:
        outcome = importer.import_file(
            store, job.case_id, upload.path, template=template, user=job.user, settings=settings, progress=progress
        )
    finally:
        upload.discard()
    job.sha256, job.already_imported, job.report = outcome.sha256, outcome.already_imported, outcome.report
    job.rows_total = job.rows_total if job.rows_total is not None else job.rows_done  # streamed: known at the end
    loaded = outcome.report.get("loaded") if isinstance(outcome.report, dict) else None
    audit(
        "import.complete",
        job.case_id,
        {"import_id": job.import_id, "file_name": job.file_name, "already_imported": outcome.already_imported},
        result_count=loaded if isinstance(loaded, int) else None,
        result_hash=outcome.sha256,
        wait=True,  # a background job: no answer waits for this record, so wait here
    )


@router.get("", response_model=ImportList, responses=problems(404))
def list_imports(case: CaseAccess, store: StoreDep, jobs: JobsDep, audit: Auditor) -> ImportList:
    """This process's import jobs for the case, and every file already stored in it."""
    found = {j.sha256 or j.import_id: ImportOut(**j.as_dict(with_report=False)) for j in jobs.for_case(case.case_id)}
    for source in _stored_files(store, case.case_id):
        found.setdefault(source.import_id, source)
    data = list(found.values())
    audit("import.list", case.case_id, result_count=len(data))
    return ImportList(data=data, count=len(data))


@router.get("/{import_id}", response_model=ImportOut, responses=problems(404))
def read_import(import_id: ImportId, case: CaseAccess, store: StoreDep, jobs: JobsDep, audit: Auditor) -> ImportOut:
    """State and progress (rows done/total) of an import, with its reconciliation report when done."""
    out = _find(import_id, case.case_id, store, jobs)
    audit("import.read", case.case_id, {"import_id": import_id}, result_hash=out.sha256)
    return out


@router.get(
    "/{import_id}/rejected",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The rejected rows with reasons."},
    },
)
def rejected_rows(
    import_id: ImportId, case: CaseAccess, store: StoreDep, settings: SettingsDep, jobs: JobsDep, audit: Auditor
) -> Response:
    """The rows the import rejected, with the reason for each (CSV)."""
    from csas_graph import importer

    out = _find(import_id, case.case_id, store, jobs)
    if out.state != "done" or out.sha256 is None:
        raise NotFound(f"import {import_id} has no rejected rows yet (state {out.state})", import_id=import_id)
    path = Path(importer.rejected_rows_path(settings, case.case_id, out.sha256))
    content = path.read_bytes() if path.is_file() else b"row,reason,message,raw\n"
    rows = max(content.count(b"\n") - 1, 0)
    audit("import.rejected", case.case_id, {"import_id": import_id}, result_count=rows, result_hash=out.sha256)
    name = f"{case.case_id}-{out.sha256[:12]}-rejected.csv"
    return Response(content, media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _find(import_id: str, case_id: str, store: GraphStore, jobs: JobsDep) -> ImportOut:
    job = jobs.get(case_id, import_id)
    if job is not None:
        return ImportOut(**job.as_dict())
    if SHA256.match(import_id):
        for source in _stored_files(store, case_id):
            if source.import_id == import_id:
                from csas_graph import importer

                if source.state == "done":
                    source.report = importer.get_report(store, case_id, import_id)
                return source
    raise NotFound(f"no import {import_id} in case {case_id}", import_id=import_id)


def _stored_files(store: GraphStore, case_id: str) -> list[ImportOut]:
    try:
        from csas_graph import importer
    except ImportError:  # the loader is not installed in this build
        return []
    out = []
    for source in importer.list_sources(store, case_id):
        complete = source.get("status") == "complete"
        out.append(
            ImportOut(
                import_id=str(source["sha256"]),
                case_id=case_id,
                file_name=str(source.get("file_name") or source["sha256"]),
                state="done" if complete else "running",
                rows_done=int(source.get("rows_read") or source.get("rows_done") or 0),
                rows_total=source.get("rows_read") if complete else None,
                sha256=str(source["sha256"]),
            )
        )
    return out
