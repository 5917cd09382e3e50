"""The console's fund dealing page over the example money-market fund after one dealing day (requests, the NAV
after the cut-off, the close, the claims): the fund's state, the cycle dealt and the NAV history, as `rwa fund status`,
`rwa fund cycles` and `rwa fund nav show` read them; an auditor sees it, an investor does not."""
from __future__ import annotations

import re
import threading

import pytest
from cli_run import EXAMPLES, offering_env
from test_web_console import PASSWORD, browser, client_as, rwa, shot, sign_in, texts  # noqa: F401 (a fixture)
from werkzeug.serving import make_server

from rwa_token.web import ConsoleConfig, create_app

ANN, ANN_KEY = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", \
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"


@pytest.fixture(scope="module")
def fund_app(chain, tmp_path_factory):
    state = tmp_path_factory.mktemp("console-fund") / "state"
    before = chain.snapshot()
    with offering_env(chain, state) as mp:
        rwa("deploy", str(EXAMPLES / "hk-money-market-fund.yaml"))
        rwa("investors", "import", str(EXAMPLES / "fund-investors.csv"))
        rwa("dev", "fund", "USDC", ANN, "50000")
        mp.setenv("RWA_PRIVATE_KEY", ANN_KEY)
        rwa("fund", "subscribe", "25000")
        mp.delenv("RWA_PRIVATE_KEY")
        rwa("dev", "time", "+1d")
        rwa("fund", "nav", "set", "1.0001")
        rwa("fund", "close", "--yes")
        mp.setenv("RWA_PRIVATE_KEY", ANN_KEY)
        rwa("fund", "claim")
        mp.delenv("RWA_PRIVATE_KEY")
        mp.setenv("RWA_CONSOLE_PASSWORD", PASSWORD)
        rwa("serve", "user", "add", "audit", "--role", "auditor")
        rwa("serve", "user", "add", "ann", "--role", "investor", "--wallet", ANN)
    yield create_app(ConsoleConfig(rpc_url=chain.url, state=str(state)))
    chain.revert(before)


def test_the_fund_page_shows_its_state_the_cycle_dealt_and_the_nav_history(fund_app):
    answer = client_as(fund_app, "audit").get("/funds")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    status = dict(re.findall(r"<tr><th>([^<]+)</th><td>([^<]*)</td></tr>", page))
    assert status["token"] == "HUSDMMF" and status["asset"] == "USDC" and status["cycle"] == "2"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", status["cutoff"])
    tables = re.findall(r'<table class="data sortable" id="fund-\d">(.*?)</table>', page, re.DOTALL)
    assert len(tables) == 2
    cycles, navs = (re.findall(r"<tr>(.*?)</tr>", t, re.DOTALL)[1:] for t in tables)
    assert len(cycles) == 1 and len(navs) == 2  # cycle 1 dealt; the first NAV and the one after the cut-off
    assert "1.0001" in navs[-1]


def test_the_fund_page_in_the_browser(fund_app, browser):
    httpd = make_server("127.0.0.1", 0, fund_app, threaded=False)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        server = f"http://127.0.0.1:{httpd.server_port}"
        sign_in(browser, server, "audit")
        browser.get(server + "/funds")
        assert len(texts(browser, "#fund-1 tbody tr")) == 1 and len(texts(browser, "#fund-2 tbody tr")) == 2
        shot(browser, "funds")
    finally:
        httpd.shutdown()
        thread.join(5)


def test_an_investor_may_not_see_the_fund_book_but_sees_her_shares(fund_app):
    ann = client_as(fund_app, "ann")
    assert ann.get("/funds").status_code == 403
    page = ann.get(f"/investors/{ANN}")
    assert page.status_code == 200 and "HUSDMMF" in page.get_data(as_text=True)


def test_every_page_reads_a_fund_offering(fund_app):
    auditor = client_as(fund_app, "audit")
    for path in ("/", "/captable", "/investors", "/distributions", "/proceeds", "/audit"):
        assert auditor.get(path).status_code == 200, path
