"""Serving the built web app (`web/dist`) with a single-page-app fallback: any GET that is
not a file gets `index.html`, so client-side routes such as /recruiter/123 survive a reload.
API paths never reach this (they live under the /api mount)."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope


class SPAStaticFiles(StaticFiles):
    def __init__(self, *, directory: Path) -> None:
        super().__init__(directory=directory, html=True, check_dir=True)
        self._index = directory / "index.html"

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as e:
            if e.status_code != 404 or not self._index.is_file():
                raise
            if Path(path).suffix and not path.endswith(".html"):
                raise  # a missing asset (.js, .css) is a real 404, not a page
            return FileResponse(self._index, headers={"Cache-Control": "no-cache"})
