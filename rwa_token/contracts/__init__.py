"""Contract wrappers (layer 4 of 8): thin typed wrappers, one per contract, all going through
`rwa_token.chain.tx.Transactor`.

They are the only code that names a contract function or event to the chain: calls and batched calls, sends,
encoded setup calls, receipts' events and log queries. Services, reports, the CLI and the scripts call typed
methods. (The local event index and the reports read events back by the names stored with them.)"""
