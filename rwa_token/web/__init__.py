"""The web console (`rwa serve`), at the top of the SDK beside the command line: server-rendered pages over the
event index and the chain, calling the same services and reports as the `rwa` commands, with sign-in by role."""
from .app import create_app
from .context import ConsoleConfig
from .users import ROLES, UserStore

__all__ = ["create_app", "ConsoleConfig", "ROLES", "UserStore"]
