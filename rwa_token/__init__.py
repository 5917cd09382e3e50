"""rwa-token: issue and service tokenized securities (real-world assets) on EVM chains."""
from .chain.node import Chain, LocalAnvil
from .chain.tx import Receipt, Transactor
from .primitives.errors import ConfigError, ContractRevert, RwaError, TransferRestricted
from .services.offering import Offering

__version__ = "0.1.0"
__all__ = ["Chain", "LocalAnvil", "Transactor", "Receipt", "Offering", "RwaError", "ConfigError", "ContractRevert",
           "TransferRestricted"]
