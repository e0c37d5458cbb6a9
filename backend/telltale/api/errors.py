"""One JSON error shape for the API: {"error": {"code", "message", "field"?}}."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def from_validation(exc: ValidationError) -> ApiError:
    first = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    if first["type"] == "json_invalid":
        return ApiError(400, "malformed_json", f"request body is not valid JSON: {first['msg']}")
    if first["type"] == "model_type" or (first["type"] == "model_attributes_type" and not field):
        return ApiError(400, "malformed_body", "request body must be a JSON object")
    message = first["msg"].removeprefix("Value error, ")
    return ApiError(422, "invalid_field", f"{field}: {message}" if field else message, field)


def from_path_validation(exc: ValidationError) -> ApiError:
    # A path names a resource: one whose id is out of range cannot exist, like any unknown one.
    first = exc.errors(include_url=False)[0]
    what = str(first["loc"][0]).removesuffix("_id")
    return ApiError(404, "not_found", f"{what} {first['input']} not found: {first['msg']}")


def error_response(error: ApiError):
    body = {"code": error.code, "message": error.message}
    if error.field:
        body["field"] = error.field
    response = jsonify(error=body)
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="telltale"'
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, error_response)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # Pages keep Werkzeug's HTML; the API answers in its one JSON shape.
        if not request.path.startswith("/api/"):
            return exc
        response = error_response(_from_http(exc))
        # Keep what the status needs besides the body, such as the Allow header a 405 must carry.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response


def _from_http(exc: HTTPException) -> ApiError:
    # Werkzeug's descriptions are written for a page a person reads; name what was wrong instead.
    where = f"{request.method} {request.path}"
    if exc.code == 404:
        return ApiError(404, "not_found", f"no API route for {where}")
    if exc.code == 405:
        return ApiError(405, "method_not_allowed", f"{where} is not allowed")
    if exc.code == 413:
        # A route may accept more than the app's default (api/routes.py, Route.max_body).
        limit = request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"]
        return ApiError(413, "body_too_large", f"request body is over the limit of {limit} bytes")
    return ApiError(exc.code or 500, "http_error", exc.description or exc.name)
