"""`rwa demo`: a complete issuance on a fresh local chain, narrated."""
from __future__ import annotations

from rich.console import Console

from .chain import Chain
from .contracts.stablecoin import MockStablecoin
from .errors import ContractCustomError
from .tx import Transactor


def run_demo(console: Console) -> None:
    with Chain.local() as chain:
        tx = Transactor(chain)
        issuer, investor = chain.dev_accounts(2)
        console.print(f"[bold]1.[/] local anvil at {chain.url}, chain id {chain.chain_id}")
        usd = MockStablecoin.deploy(tx, issuer, "US Dollar Coin", "USDC", 6)
        console.print(f"[bold]2.[/] deployed payment token USDC at {usd.address}")
        receipt = usd.mint(investor.address, 1_000 * 10**6)
        console.print(f"[bold]3.[/] minted 1,000 USDC to {investor.address} (gas {receipt.gas_used:,})")
        try:
            usd.mint(investor.address, 0)
        except ContractCustomError as exc:
            console.print(f"[bold]4.[/] a zero mint is refused and decoded: [yellow]{exc}[/]")
        console.print(f"[green]done[/]: balance {usd.balance_of(investor.address) / 10**6:,.2f} USDC")
