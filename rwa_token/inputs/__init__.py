"""Inputs (layer 2 of 8): the offering spec (YAML), the investor CSV and the jurisdiction policy packs, parsed and
validated offline. They import only the primitives, so every input error is raised before a chain is touched."""
