"""Contract wrappers (layer 4 of 8): thin typed wrappers, one per contract, all going through
`rwa_token.chain.tx.Transactor`."""
