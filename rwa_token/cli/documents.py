"""`rwa docs ...`: ERC-1643 documents on the token."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .base import DryRunOpt, TokenOpt, session, tx_line

docs_app = typer.Typer(no_args_is_help=True, help="ERC-1643 documents on the token.")


@docs_app.command("add")
def docs_add(ctx: typer.Context, name: str, uri: str,
             file: Optional[Path] = typer.Option(None, help="hash this file (keccak-256)"),
             hash_: Optional[str] = typer.Option(None, "--hash", help="content hash, 0x + 64 hex"),
             reference: Optional[str] = typer.Option(
                 None, "--reference", help="the regulator's reference, e.g. the CSRC filing number (at most 32 "
                 "ASCII characters); recorded on chain with the document"),
             token: Optional[str] = TokenOpt, dry_run: bool = DryRunOpt) -> None:
    """Record a document (e.g. the CSRC filing notice) by name, URI and content hash. The "filing" document opens
    the mint gate: only the token's admin or compliance officer may record it, never the agent that mints."""
    from ..services.documents import add_document, document_digest

    s = session(ctx)
    digest = document_digest(file, hash_, reference)
    receipt = add_document(s.operator(), name, uri, digest, reference, token, dry_run=dry_run)
    if receipt is None:
        s.out.emit({"dry_run": True, "hash": digest, "reference": reference},
                   f"[green]would record[/] {name} -> {uri} ({digest}) (nothing sent)")
        return
    shown = f" ref {reference.strip()}" if reference else ""
    s.out.emit({"tx": receipt.tx_hash, "hash": digest, "reference": reference},
               f"[green]document[/] {name} -> {uri} ({digest}){shown} {tx_line(receipt)}")


@docs_app.command("list")
def docs_list(ctx: typer.Context, token: Optional[str] = TokenOpt) -> None:
    """List the token's documents: name, regulator's reference, URI, content hash and when it was recorded (UTC)."""
    from ..services.documents import list_documents

    s = session(ctx)
    rows = list_documents(s.operator(), token)
    s.out.emit({"documents": rows},
               "\n".join(f"{r['name']}{' [' + r['reference'] + ']' if r['reference'] else ''}: {r['uri']} {r['hash']} "
                         f"recorded {r['recorded']}" for r in rows) or "no documents")
