"""Thin typed wrappers, one per contract, all going through `rwa_token.tx.Transactor`."""
