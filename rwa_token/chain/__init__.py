"""The chain (layer 3 of 8): a node connection or a local anvil (`node`), the transaction layer that signs, sends,
waits and decodes reverts (`tx`, the only web3 user), and signing keys (`keys`)."""
