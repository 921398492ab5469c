"""The base of every model that crosses a process boundary."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ContractModel(BaseModel):
    """A shape sent between processes or to the browser.

    In the exported JSON Schema (serialization mode) every field is required, because the
    server always sends every field (null when unset): the generated TypeScript then has no
    optional fields where nothing is ever omitted.
    """

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)
