"""GET /api/v1/openapi.json: the API described from the route table and the validating schemas."""
from __future__ import annotations

import re

from pydantic.json_schema import models_json_schema

from .routes import ERRORS, PREFIX, ROUTES, Route
from .schemas import ErrorOut

REF = "#/components/schemas/{model}"


def document(version: str) -> dict:
    models = {ErrorOut}
    for route in ROUTES:
        models.update(m for m in (route.body, route.response) if m is not None)
    keyed = [(model, "validation" if _is_input(model) else "serialization") for model in models]
    refs, top = models_json_schema(keyed, ref_template=REF)
    paths: dict[str, dict] = {}
    for route in ROUTES:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", PREFIX + route.path)
        paths.setdefault(path, {})[route.method.lower()] = _operation(route, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Telltale API", "version": version},
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _is_input(model) -> bool:
    return any(model is route.body for route in ROUTES)


def _operation(route: Route, refs: dict) -> dict:
    operation: dict = {"summary": route.summary, "operationId": _operation_id(route)}
    params = _parameters(route.path_params, "path") + _parameters(route.query, "query")
    if params:
        operation["parameters"] = params
    if route.body:
        ref = refs[(route.body, "validation")]
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref}}}
    success: dict = {"description": route.summary}
    if route.response:
        success["content"] = {"application/json": {"schema": refs[(route.response, "serialization")]}}
    error = {"content": {"application/json": {"schema": refs[(ErrorOut, "serialization")]}}}
    errors = {code: {"description": ERRORS[code], **error} for code in route.errors}
    operation["responses"] = {str(route.status): success, **errors}
    if route.auth:
        operation["security"] = [{"bearer": []}]
    return operation


def _parameters(model, where: str) -> list[dict]:
    if model is None:
        return []
    schema = model.model_json_schema()
    return [
        {"name": name, "in": where, "required": name in schema.get("required", []), "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def _operation_id(route: Route) -> str:
    # Handlers are named for what they do to their resource: messages.show -> show_messages.
    return f"{route.handler.__name__}_{route.handler.__module__.rpartition('.')[2]}"
