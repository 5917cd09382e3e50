"""The console's pages, one module (a Flask blueprint) per subject; each calls the services and reports the CLI
calls and only arranges their answers for the page."""
