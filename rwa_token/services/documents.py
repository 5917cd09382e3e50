"""ERC-1643 documents on a deployed offering's token: record one (hashed from its file, with the regulator's
reference), list them."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from eth_utils import keccak

from ..primitives.units import reference_bytes
from ..primitives.errors import ConfigError
from .context import Operator


def document_digest(file: Path | None = None, hash_: str | None = None, reference: str | None = None) -> str:
    """The document's content hash: keccak-256 of `file`, else the given `hash_` (0x + 64 hex). A regulator's
    `reference` the token cannot store is refused here too, before anything is sent."""
    if file is None and hash_ is None:
        raise ConfigError("give --file to hash a document, or --hash")
    if reference is not None:
        reference_bytes(reference)
    if file is None:
        return hash_
    try:
        return "0x" + keccak(file.read_bytes()).hex()
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc}") from None


def add_document(op: Operator, name: str, uri: str, digest: str, reference: str | None = None,
                 token: str | None = None, dry_run: bool = False):
    """Record document `name` on the token; the receipt of the last transaction sent. With `dry_run` the document
    write is simulated (the reference needs the same role) and None is returned."""
    t = op.token(token)
    receipt = t.set_document(name, uri, digest, dry_run=dry_run)
    if reference is not None and not dry_run:
        receipt = t.set_document_reference(name, reference)
    return receipt


def list_documents(op: Operator, token: str | None = None) -> list[dict]:
    """Every document: name, reference, URI, hash and when it was recorded (UTC, ISO 8601)."""
    t = op.token(token)
    rows = []
    for name in t.documents():
        uri, digest, when = t.document(name)
        rows.append({"name": name, "reference": t.document_reference(name), "uri": uri, "hash": "0x" + digest.hex(),
                     "recorded": datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    return rows
