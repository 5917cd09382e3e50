"""rwa-token: issue and service tokenized securities (real-world assets) on EVM chains."""
from .chain import Chain, LocalAnvil
from .errors import ContractRevert, RwaError, TransferRestricted
from .tx import Receipt, Transactor

__version__ = "0.1.0"
__all__ = ["Chain", "LocalAnvil", "Transactor", "Receipt", "RwaError", "ContractRevert", "TransferRestricted"]
