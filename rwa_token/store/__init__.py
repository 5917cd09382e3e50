"""The local store (layer 5 of 8): journals of resumable operations, deployment records in the state folder, and
the reorg-safe event index the reports read."""
