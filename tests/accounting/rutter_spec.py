"""Rutter's published OpenAPI document (spec/rutter-openapi-2023-03-14.yaml) as validators.

`spec()` loads the 1.4 MB YAML once per test process (libyaml) and `operation(method, path)`
finds the documented operation of a concrete request path (`/accounting/bills/b-1/attachments`
→ `/accounting/bills/:id/attachments`); its `request` and `response` validators check a body
against the operation's component schemas, every `$ref` resolved, formats (uuid, email)
checked. The error body is not in the document; its shape is Rutter's "Errors" page:
`{error_type, error_code, error_message}`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).parent / "spec" / "rutter-openapi-2023-03-14.yaml"
DOCUMENT_URI = "urn:rutter:openapi:2023-03-14"
ERROR_SCHEMA: dict[str, Any] = {  # docs.rutter.com/rest/2023-03-14/errors, "Error Schema"
    "type": "object",
    "properties": {"error_type": {"type": "string"}, "error_code": {"type": "string"},
                   "error_message": {"type": "string"}},
    "required": ["error_type", "error_code", "error_message"],
    "additionalProperties": False,
}


def _schemas_only(node: Any) -> Any:
    """The document with what JSON Schema cannot take fixed: a property given as YAML null (an
    unconstrained `details`) becomes `true`, and `examples` (annotations) are left out."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "examples":
                continue
            if key == "properties" and isinstance(value, dict):
                out[key] = {k: True if v is None else _schemas_only(v) for k, v in value.items()}
            else:
                out[key] = _schemas_only(value)
        return out
    if isinstance(node, list):
        return [_schemas_only(v) for v in node]
    return node


@functools.cache
def spec() -> dict[str, Any]:
    """The OpenAPI document, loaded once."""
    with SPEC_PATH.open("rb") as handle:
        document = yaml.load(handle, Loader=yaml.CSafeLoader)
    return _schemas_only(document)  # type: ignore[no-any-return]


@functools.cache
def _registry() -> Registry:
    resource = Resource.from_contents(spec(), default_specification=DRAFT202012)
    return Registry().with_resource(DOCUMENT_URI, resource)


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    if "$ref" in schema:
        schema = {"$ref": DOCUMENT_URI + schema["$ref"]}
    return Draft202012Validator(schema, registry=_registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


class SpecViolation(Exception):
    """A body the published document does not allow; `where` is the JSON path of the fault."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


def check(validator: Draft202012Validator, body: Any, prefix: str = "") -> None:
    """Raise SpecViolation naming the most relevant fault, if `body` breaks the schema."""
    error = best_match(validator.iter_errors(body))
    if error is None:
        return
    where = ".".join(
        f"[{part}]" if isinstance(part, int) else str(part) for part in error.absolute_path)
    raise SpecViolation(error.message, (prefix + where.replace(".[", "[")).strip("."))


@dataclass(frozen=True)
class Operation:
    """One documented operation: its path template, and its body validators."""

    method: str
    template: str
    platforms: tuple[str, ...]
    request: Draft202012Validator | None
    response: Draft202012Validator | None


@functools.cache
def operation(method: str, template: str) -> Operation | None:
    """The documented operation for `method` on a path template, or None."""
    entry = spec()["paths"].get(template, {}).get(method.lower())
    if entry is None:
        return None
    request = (entry.get("requestBody") or {}).get("content", {}).get(
        "application/json", {}).get("schema")
    responses = entry.get("responses") or {}
    ok = responses.get(200) or responses.get("200") or {}
    response = ok.get("content", {}).get("application/json", {}).get("schema")
    return Operation(method.upper(), template, tuple(entry.get("x-supported-platforms") or ()),
                     _validator(request) if request else None,
                     _validator(response) if response else None)


def template_of(path: str) -> str | None:
    """The document's path template for a concrete path; literal segments win over `:id`."""
    parts = [p for p in path.split("/") if p]
    best: tuple[int, str] | None = None
    for template in spec()["paths"]:
        pattern = [p for p in template.split("/") if p]
        if len(pattern) != len(parts):
            continue
        if all(p.startswith(":") or p == q for p, q in zip(pattern, parts, strict=True)):
            literal = sum(not p.startswith(":") for p in pattern)
            if best is None or literal > best[0]:
                best = (literal, template)
    return None if best is None else best[1]


@functools.cache
def error_validator() -> Draft202012Validator:
    return Draft202012Validator(ERROR_SCHEMA)
