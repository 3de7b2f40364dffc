"""The answer to a request whose body fails FastAPI's validation (gradio's HTTP API, e.g. ``/gradio_api/call/ask``).

FastAPI answers 422 with the errors, each quoting the input it got. A body with values
that Python's JSON reader accepts but JSON cannot carry back (``NaN``, ``Infinity``) made
that answer itself fail, and so did a lone surrogate (``"\\ud800"``), which UTF-8 cannot
carry: the client got a bare 500. Here every such value is quoted as text, and the client
gets its 422 with the reason.
"""

from __future__ import annotations

import math

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse


def json_safe(value: object) -> object:
    """``value`` with non-finite floats as text ("inf", "nan"), lone surrogates escaped, and anything JSON has no
    type for as its repr."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):  # a lone surrogate (sent as "\\ud800") cannot be written as UTF-8: quoted
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if isinstance(value, dict):
        return {json_safe(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return repr(value)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with FastAPI's usual ``{"detail": [...]}``, whatever the input held."""
    return JSONResponse({"detail": json_safe(exc.errors())}, status_code=422)


EXCEPTION_HANDLERS = {RequestValidationError: validation_error}
