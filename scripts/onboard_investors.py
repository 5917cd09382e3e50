"""Register the investors of a CSV into a deployed offering's registry (resumable).

    python scripts/onboard_investors.py [investors.csv] [offering name]
"""
from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))  # sibling imports under `brownie run` too

import sys

from _connect import EXAMPLES, connect, deployed, one_line_errors

from rwa_token.chain.tx import Transactor
from rwa_token.contracts.registry import InvestorRegistry
from rwa_token.inputs.investors_csv import load_investors_csv
from rwa_token.services.context import signer
from rwa_token.services.onboarding import import_investors, journal_path
from rwa_token.store.journal import Journal
from rwa_token.store.state import state_dir


@one_line_errors
def main(csv_path: str = str(EXAMPLES / "investors.csv"), offering: str | None = None):
    chain = connect()
    record = deployed(chain, offering)
    tx = Transactor(chain)
    file = load_investors_csv(csv_path)
    registry = InvestorRegistry(tx, record.registry, signer(chain))
    report = import_investors(tx, registry, file, record.investor_salt,
                              Journal(journal_path(state_dir(), record.slug, file)),
                              progress=lambda done, total: print(f"\r{done}/{total}", end="", flush=True))
    print(f"\nregistered {report.registered}, linked {report.linked}, already done {report.already_done}, "
          f"refused {len(report.refused)}")
    for row in report.refused:
        print(f"  line {row.line}: {row.reason}")
    return report


if __name__ == "__main__":
    main(*sys.argv[1:3])
