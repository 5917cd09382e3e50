"""The README's fund dealing days, verbatim, on a fresh local chain: subscriptions (one refused by the rules), a close
refused until the NAV valued after the cut-off is published, the close and claims, a redemption held to the gate
with the rest carried, and the reports; then what the reports say."""
from __future__ import annotations

import re

from test_cli_year import ROOT, fresh_chain, readme_shell  # noqa: F401  (the fixture is used by name)

SECTION = "## A fund's dealing days, from the command line"


def fund_lines() -> list[str]:
    text = (ROOT / "README.md").read_text().split(SECTION, 1)[1]
    block = re.search(r"^```bash\n(.*?)^```$", text, re.DOTALL | re.MULTILINE).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_a_funds_dealing_days_through_the_cli_alone(fresh_chain, tmp_path, monkeypatch, capsys):  # noqa: F811
    shell = readme_shell(fresh_chain, tmp_path, monkeypatch, capsys)
    said = []
    for line in fund_lines():
        code, out, err, expected = shell.run(line)
        assert code == expected, f"{line}\n{out}\n{err}"
        assert "Traceback" not in err
        said.append(out + err)
    said = "\n".join(said)

    assert "COUNTRY_NOT_ALLOWED" in said and "dealing is at the next NAV" in said
    assert "closed cycle 1 at NAV 1.0001: 2 subscriptions" in said
    v = shell.vars
    cycles = {row["cycle"]: row for row in shell.json("fund", "cycles", "--format", "json")["rows"]}
    assert cycles["1"]["subscriptions_units"] == 175_000 * 10**6
    gate = cycles["2"]
    assert gate["redemptions_units"] == 100_000 * 10**6 and 0 < gate["redeemed_units"] < gate["redemptions_units"]
    requests = shell.json("fund", "requests", "--format", "json")["rows"]
    carried = [r for r in requests if r["cycle"] == "3"]
    assert [(r["controller"], r["status"]) for r in carried] == [(v["BEN"], "pending")]
    assert carried[0]["requested_units"] == gate["redemptions_units"] - gate["redeemed_units"]
    flows = {r["country"]: r for r in shell.json("fund", "flows", "--format", "json")["rows"]}
    assert flows["HK"]["subscribed_units"] == 175_000 * 10**6 and flows["HK"]["investors"] == "2"
    holders = {r["wallet"] for r in shell.json("report", "captable", "--format", "json")["rows"]}
    assert holders == {v["ANN"], v["BEN"]}
