"""The schema check the spec tests rely on checks every keyword the vendor specs use."""

from __future__ import annotations

import re

import pytest
from support.openapi_check import OpenApi

SPEC = {"components": {"schemas": {
    "id": {"type": "string", "pattern": "^c[a-z0-9]{3}$", "minLength": 4, "maxLength": 4},
    "either": {"oneOf": [{"type": "integer"}, {"type": "string", "format": "date-time"}]},
    "any": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "boolean"}]},
    "call": {"type": "object", "required": ["id"], "properties": {
        "id": {"$ref": "#/components/schemas/id"}, "when": {"$ref": "#/components/schemas/either"},
        "flag": {"$ref": "#/components/schemas/any"}, "note": {"type": "string", "nullable": True},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2}}},
}}}
CALL = {"$ref": "#/components/schemas/call"}


def test_a_valid_answer_passes():
    OpenApi(SPEC).validate(CALL, {"id": "c123", "when": "2026-05-09T21:49:21Z", "flag": 3, "note": None, "tags": ["a"]})


@pytest.mark.parametrize(("answer", "where"), [
    ({"id": "x123"}, "$.id"),  # pattern
    ({"id": "c12"}, "$.id"),  # minLength
    ({"id": "c1234"}, "$.id"),  # maxLength
    ({"id": "c123", "when": 1.5}, "$.when"),  # oneOf: neither branch
    ({"id": "c123", "when": "yesterday"}, "$.when"),  # oneOf: date-time format
    ({"id": "c123", "flag": -1}, "$.flag"),  # anyOf: neither branch
    ({"id": "c123", "tags": []}, "$.tags"),  # minItems
    ({"id": "c123", "tags": ["a", "b", "c"]}, "$.tags"),  # maxItems
    ({"id": "c123", "note": 5}, "$.note"),  # nullable string, but not a number
    ({"when": 1}, "$"),  # required
])
def test_each_keyword_is_checked(answer, where):
    with pytest.raises(AssertionError, match="^" + re.escape(where) + ": "):
        OpenApi(SPEC).validate(CALL, answer)
