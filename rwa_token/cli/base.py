"""What every `rwa` command module shares: the root options, passed to each command through Typer's context
(`ctx.obj`, a `Session`), never held in module state; the `Output` that shows results, refusals, confirmations
and progress as those options ask; and the operator a command opens from them."""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..primitives.errors import REASON_CODES, ConfigError, RwaError, TransferRestricted
from ..primitives.units import plain_amount as plain_decimal

if TYPE_CHECKING:
    from ..chain.tx import SafeCall
    from ..services.context import Advance, Operator

TokenOpt = typer.Option(None, "--token", "-t", help="token symbol (default: the first tranche)")

def plain_amount(value: Optional[str]) -> Optional[str]:
    """Typer callback: an amount as `primitives.units.plain_amount` takes it (None passes)."""
    return None if value is None else plain_decimal(value)


AmountArg = typer.Argument(..., callback=plain_amount, help="amount in token units, a plain decimal (1250.5)")
YesOpt = typer.Option(False, "--yes", help="do not ask for confirmation")
DryRunOpt = typer.Option(False, "--dry-run", help="check and simulate; send nothing")


def console() -> Console:
    return Console(soft_wrap=True)  # long lines (addresses, reasons) stay whole when piped


def err_console() -> Console:
    return Console(stderr=True, soft_wrap=True)


@dataclass(frozen=True)
class Output:
    """How results are shown: Rich text for people, or one JSON object per line under --json."""

    json: bool = False
    console: Console = field(default_factory=console, compare=False)
    err_console: Console = field(default_factory=err_console, compare=False)
    # Under --safe a command's result is held back: if it proposed calls, the proposal replaces it (what the command
    # says it did has not happened yet); if it only read, it is shown as usual.
    held: Optional[list] = field(default=None, compare=False)

    def emit(self, data: dict[str, Any], human: str | None = None) -> None:
        if self.held is not None:
            self.held.append((data, human))
            return
        self.show(data, human)

    def show(self, data: dict[str, Any], human: str | None = None) -> None:
        """Print a result now (`emit` without holding it back)."""
        if self.json:
            print(json.dumps(data, default=str))
        elif human is not None:
            self.console.print(human)

    def say(self, human: str) -> None:
        """A line for people only (nothing under --json)."""
        if not self.json:
            self.console.print(human)

    def progress_bar(self, description: str) -> Progress:
        return Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=self.err_console, disable=self.json)

    @contextmanager
    def track(self, description: str) -> Iterator["Advance"]:
        """A `services.context.Track`: a progress bar on stderr (none under --json)."""
        with self.progress_bar(description) as bar:
            task = bar.add_task(description, total=None)
            yield lambda done, total=None: bar.update(task, completed=done, total=total)

    def confirm(self, action: str, yes: bool) -> None:
        """Powers over other people's tokens ask before sending; `--yes` answers for scripts. With no terminal to
        ask (or under --json) the command refuses rather than guess."""
        if yes:
            return
        if self.json or not sys.stdin.isatty():
            raise ConfigError(f"{action}: confirm with --yes (there is no terminal to ask)")
        if not typer.confirm(f"{action}?", default=False, err=True):
            raise ConfigError(f"{action}: not confirmed; nothing sent")

    def refuse(self, code: int, message: str, hint: str) -> None:
        """A rule refusal: one line (JSON under --json) and exit 3."""
        name = REASON_CODES.get(code, {}).get("name", "?")
        if self.json:
            print(json.dumps({"refused": True, "code": code, "name": name, "message": message, "hint": hint}))
        else:
            self.err_console.print(f"[red]refused[/] [{code} {name}] {message}: {hint}", highlight=False,
                                   soft_wrap=True)
        raise typer.Exit(3)


@dataclass(frozen=True)
class Session:
    """The root options of one `rwa` invocation (built by the root callback, stored in `ctx.obj`)."""

    out: Output = field(default_factory=Output)
    rpc_url: Optional[str] = None
    offering: Optional[str] = None
    keystore: Optional[str] = None
    state: Optional[str] = None
    debug: bool = False
    evm: Optional[str] = None
    safe: Optional[str] = None  # --safe: propose what the command sends to this Safe instead of sending it
    index: Optional[str] = None  # --index: the event index's PostgreSQL URL (default: a SQLite file per chain)
    draft: "SafeDraft" = field(default_factory=lambda: SafeDraft(), compare=False)

    def operator(self, need_record: bool = True) -> "Operator":
        """The chain, key and offering the root options name (--rpc-url, --keystore, --offering, --state); with
        --safe, its sends are collected for the Safe (the key must be one of the Safe's owners)."""
        from ..services.context import Operator

        op = Operator.open(self.rpc_url, self.offering, self.keystore, self.state, need_record, self.evm,
                           self.index)
        if self.safe:
            from ..services.safe import attach

            attach(op, self.safe, self.draft.calls)
            self.draft.operator = op
        return op

    def no_safe(self, what: str) -> None:
        """Refuse --safe on a command that must act itself (the `rwa safe` commands)."""
        if self.safe:
            raise ConfigError(f"{what} cannot be proposed to a Safe: run it without --safe")


@dataclass
class SafeDraft:
    """What a command run with --safe collected: its calls (simulated from the Safe) and the operator they came
    through."""

    calls: list["SafeCall"] = field(default_factory=list)
    operator: Optional["Operator"] = None


@contextmanager
def proposing(s: Session, command: str) -> Iterator[None]:
    """Around a command run with --safe: when it ends without error, the calls it collected become one Safe
    proposal, signed by the operator's key and saved in the state folder, and that is what is printed. A command that
    fails proposes nothing (what it printed before failing is shown only if it had collected no call: otherwise it
    would describe sends that were never made)."""
    try:
        yield
    except BaseException as exc:
        if getattr(exc, "exit_code", None) != 0:  # an error, or an exit other than success
            if s.out.held is not None and s.draft.calls:
                s.out.held.clear()
            _release(s.out)
            raise
    if not s.draft.calls or s.draft.operator is None:
        _release(s.out)  # it read and sent nothing: its output is the answer
        return
    from ..services.safe import describe, propose, safe_state

    op = s.draft.operator
    proposal = propose(op, s.safe or "", s.draft.calls, command)
    if s.out.held is not None:
        s.out.held.clear()
    show_proposal(s.out, proposal, safe_state(op, proposal), describe(op, proposal), "proposed")


def _release(out: Output) -> None:
    held = list(out.held or [])
    if out.held is not None:
        out.held.clear()
    for data, human in held:
        out.show(data, human)


def show_proposal(out: Output, proposal, state, calls: list[dict], action: str) -> None:
    """A proposal as owners read it: the Safe, each call decoded, the signatures against the threshold, next step."""
    t = proposal.transaction
    signed = len(state.valid)
    lines = [f"[green]{action}[/] Safe transaction {proposal.hash} (Safe {t.safe}, nonce {t.nonce}): "
             f"{len(calls)} call{'s' if len(calls) != 1 else ''}"]
    for c in calls:
        args = ", ".join(f"{k}={v}" for k, v in c["args"].items() if not k.endswith("_units"))
        lines.append(escape(f"  {c['contract']}: {c['function']}({args})"
                            + (f" with {c['value']} wei" if c["value"] != "0" else "")))
    lines.append(f"  {signed} of {state.threshold} signatures ({', '.join(state.valid) or 'none'}); "
                 f"{state.status(proposal)}")
    if proposal.path is not None:
        lines.append(f"  saved {proposal.path}")
    out.show({"safe_tx_hash": proposal.hash, "safe": t.safe, "nonce": t.nonce, "calls": calls,
              "signatures": signed, "signers": state.valid, "threshold": state.threshold, "owners": state.owners,
              "status": state.status(proposal), "executed": proposal.executed,
              "file": str(proposal.path) if proposal.path else None, "action": action}, "\n".join(lines))


def session(ctx: typer.Context) -> Session:
    """The invocation's options; a command run on its own (without the root callback) gets the defaults."""
    root = ctx.find_root()
    if not isinstance(root.obj, Session):
        root.obj = Session()
    return root.obj


def tx_line(receipt) -> str:
    return f"[dim](tx {receipt.tx_hash[:12]}…, block {receipt.block_number}, gas {receipt.gas_used:,})[/]"


def report_error(exc: RwaError, as_json: bool, err_console: Console) -> int:
    """One line for a failure (one JSON object under --json) and its exit code: 3 for a rule refusal, 2 for bad
    input, 1 for a chain error."""
    code = 3 if isinstance(exc, TransferRestricted) else 2 if isinstance(exc, ConfigError) else 1
    if as_json:
        data: dict = {"error": str(exc), "exit": code}
        if isinstance(exc, TransferRestricted):
            data.update(refused=True, code=exc.code, name=REASON_CODES.get(exc.code, {}).get("name", "?"))
        print(json.dumps(data, default=str))
    else:
        err_console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
    return code
