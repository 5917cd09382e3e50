"""Services (layer 6 of 8): one function per operation (deploy, onboard, distribute, service a period, trade,
recover a wallet), shared by the CLI and the scripts. They compose the wrappers, the inputs and the store."""
