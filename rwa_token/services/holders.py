"""Who holds a token of a deployed offering, from the local event index: the candidates a paying agent or a
redemption checks (record-date filtering is done by the distribution and redemption services)."""
from __future__ import annotations

from ..store.index import EventIndex, sync_offering
from .context import Operator, Track, quiet


def offering_index(op: Operator, track: Track = quiet) -> EventIndex:
    """The offering's event index (every contract of the offering, from its first block), brought up to date:
    incremental, reorg-safe. In the state folder's SQLite file, or the PostgreSQL database the operator names."""
    index = EventIndex.for_chain(op.state, op.tx, url=op.index_url)
    with track("indexing events") as advance:
        sync_offering(index, op.record, progress=advance)
    return index


def token_holders(op: Operator, symbol: str | None = None, track: Track = quiet,
                  index: EventIndex | None = None) -> list[str]:
    """Every wallet that ever received the token (sorted), from the index (synced first unless given)."""
    _, address = op.record.token(symbol)
    return sorted((index or offering_index(op, track)).recipients(address))
