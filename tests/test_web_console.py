"""The web console (`rwa serve`) in a real headless Chromium, over the example deal on the local chain: each page
shows the chain's figures, the charts are drawn, an operator's freeze goes form -> preview -> confirm -> chain ->
audit trail, an auditor and an investor are refused what their role does not allow, and a POST without the CSRF
token is refused. A Flask test client checks every route against every role. The browser run writes the
screenshots in docs/console/.

One deployed offering, one server and one browser serve the whole module (about half a minute together)."""
from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from cli_run import EXAMPLES, offering_env
from rwa_token import cli
from rwa_token.reporting.reports import jurisdictions
from rwa_token.services.console import holdings_by_category
from rwa_token.services.context import Operator
from rwa_token.services.holders import offering_index
from rwa_token.web import ConsoleConfig, UserStore, create_app

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "console"
CHROMEDRIVER, CHROMIUM = "/usr/bin/chromedriver", "/usr/bin/chromium"
ISSUER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
ALICE, ALICE_NEW = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"
ALICE_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
LENDER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"  # INV-D0004, an approved margin lender
HOLDER = "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25"  # INV-00004, AU professional
PASSWORD = "correct horse battery"
USERS = {"ops": ("operator", ()), "audit": ("auditor", ()), "alice": ("investor", (ALICE, ALICE_NEW))}


def rwa(*args: str) -> str:
    """Run the `rwa` command in this process (as tests/cli_run.py does); its output, or a failure with stderr."""
    out, err = io.StringIO(), io.StringIO()
    old = sys.argv
    sys.argv = ["rwa", *args]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cli.run()
    except SystemExit as exc:
        code = exc.code or 0
    finally:
        sys.argv = old
    assert code == 0, f"rwa {' '.join(args)}: {err.getvalue()}"
    return out.getvalue()


@pytest.fixture(scope="module")
def deal(chain, tmp_path_factory):
    """The example deal as the README's year starts it: deployed, investors onboarded, both tranches minted, use of
    proceeds under the filing, a coupon distributed and paid, an investor frozen, part of another's holding frozen and
    part pledged to a margin lender; and the console's three users.
    The chain goes back to where it was when the module ends: other tests deploy the same deal by the same key."""
    state = tmp_path_factory.mktemp("console") / "state"
    before = chain.snapshot()
    with offering_env(chain, state) as mp:
        rwa("deploy", str(EXAMPLES / "highway-toll-abs.yaml"))
        rwa("investors", "import", str(EXAMPLES / "investors.csv"))
        rwa("investors", "import", str(EXAMPLES / "desk-investors.csv"))
        for wallet, amount in ((ALICE, "5000"), (BOB, "2000"), (HOLDER, "3000")):
            rwa("mint", wallet, amount)
        rwa("mint", "--token", "HSTOLLJ", "0xaA4924f9f9afF16296F0a8905E56940145A13b06", "1500")
        rwa("dev", "fund", "USDC", ISSUER, "100000000")
        rwa("proceeds", "deposit", "80000000", "--memo", "subscription round 1")
        rwa("proceeds", "withdraw", "toll-road-upgrade", "1500000", "0x000000000000000000000000000000000000dEaD",
            "--memo", "INV-2026-001")
        rwa("distribute", "24000", "--payment", "USDC")
        rwa("investors", "freeze", "INV-D0002", "--yes")
        rwa("freeze", ALICE, "--amount", "250")
        rwa("roles", "grant", "LENDER_ROLE", LENDER)
        mp.setenv("RWA_PRIVATE_KEY", ALICE_KEY)
        rwa("collateral", "pledge", LENDER, "500")
        mp.delenv("RWA_PRIVATE_KEY")
        mp.setenv("RWA_CONSOLE_PASSWORD", PASSWORD)
        for name, (role, wallets) in USERS.items():
            rwa("serve", "user", "add", name, "--role", role, *[a for w in wallets for a in ("--wallet", w)])
    yield ConsoleConfig(rpc_url=chain.url, state=str(state))
    chain.revert(before)


@pytest.fixture(scope="module")
def app(deal):
    return create_app(deal)


@pytest.fixture(scope="module")
def server(app):
    """The console on a free port of 127.0.0.1, in a thread, for the module."""
    httpd = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven through Debian's chromedriver (Selenium never downloads a driver)."""
    missing = [p for p in (CHROMEDRIVER, CHROMIUM) if not shutil.which(p)]
    if missing:
        pytest.fail(f"the browser tests need Chromium and its driver ({', '.join(missing)} missing): `make browser` "
                    "or apt-get install chromium chromium-driver (as root)", pytrace=False)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager, if ever reached, must not go online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1440,1000", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def op(deal):
    return deal.open()


# ------------------------------------------------------------------------------------------------------ helpers
def sign_in(driver, server: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(server + "/login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "signin").click()
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(ec.presence_of_element_located((By.ID, "signout")))  # the next page, signed in


def follow(driver, element, expect: str) -> None:
    """Click something that loads a new page, and wait until that page shows `expect` (a CSS selector)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    # A mark on the old document's window: gone once the new page has loaded. (Watching an old element go stale
    # also works, but some Chromium builds answer that probe with an inspector error instead of "stale".)
    driver.execute_script("window.rwaOldPage = true")
    element.click()
    WebDriverWait(driver, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return window.rwaOldPage !== true"))
    WebDriverWait(driver, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, expect)))


def shot(driver, name: str) -> None:
    """A screenshot of the whole page for docs/console/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height, chrome = driver.execute_script("return [document.documentElement.scrollHeight, "
                                           "window.outerHeight - window.innerHeight]")
    driver.set_window_size(1440, min(max(height, 700), 2400) + chrome)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    driver.set_window_size(1440, 1000)


def texts(driver, css: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, css)]


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def client_as(app, name: str | None):
    """A Flask test client signed in as `name` (None: nobody), through the sign-in form and its CSRF token."""
    client = app.test_client()
    if name is not None:
        page = client.get("/login").get_data(as_text=True)
        answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token_of(page)})
        assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


# ----------------------------------------------------------------------------------------------- the pages
def test_overview_shows_supply_holders_and_draws_a_bar_per_country_and_a_slice_per_category(browser, server, op):
    from selenium.webdriver.common.by import By

    sign_in(browser, server, "ops")
    assert browser.current_url == server + "/"
    index = offering_index(op)
    symbol, address = op.record.token()
    places = jurisdictions(index, address, 6, registry=op.record.registry)
    categories = holdings_by_category(index, address, op.record.registry)
    assert len(places) >= 2 and len(categories) >= 2
    assert len(browser.find_elements(By.CSS_SELECTOR, "#by-jurisdiction svg rect.bar")) == len(places)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#by-category svg .slice")) == len(categories)
    rows = texts(browser, "#tokens tbody tr")
    assert rows[0].startswith(f"{symbol} 10,000 ") and rows[1].startswith("HSTOLLJ 1,500 ")
    rules = " ".join(texts(browser, "#rules li"))
    assert "Mainland China" in rules or "China" in rules
    assert "[" in rules  # each rule names its source
    shot(browser, "overview")


def test_cap_table_sorts_in_the_page_and_exports_the_same_rows_as_csv(browser, server, app, op):
    from selenium.webdriver.common.by import By

    sign_in(browser, server, "audit")
    browser.get(server + "/captable")
    balances = [int(c.get_attribute("data-sort")) for c in
                browser.find_elements(By.CSS_SELECTOR, "#captable tbody td:nth-child(6)")]
    assert balances == sorted(balances, reverse=True) and sum(balances) == 10_000 * 10**6
    assert "INV-D0001" in texts(browser, "#captable tbody td:nth-child(2)")
    browser.find_element(By.XPATH, "//table[@id='captable']//th[text()='balance']").click()
    resorted = [int(c.get_attribute("data-sort")) for c in
                browser.find_elements(By.CSS_SELECTOR, "#captable tbody td:nth-child(6)")]
    assert resorted == sorted(balances)
    shot(browser, "captable")
    csv = client_as(app, "audit").get("/captable.csv?distribution=1")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("wallet,investor_key,investor_id,country,category,balance")
    assert len(lines) - 1 == len(balances)  # the record date of distribution 1 is after every mint
    before_mints = client_as(app, "audit").get(f"/captable?at={op.record.block}").get_data(as_text=True)
    assert "0 holders." in before_mints


def test_investor_page_shows_wallets_kyc_holdings_freezes_and_entitlements(browser, server):
    sign_in(browser, server, "ops")
    browser.get(server + "/investors/INV-D0001")
    wallets = texts(browser, "#wallets tbody tr")
    assert len(wallets) == 2 and any(ALICE in w and "2031-06-30" in w and "5,000" in w for w in wallets)
    restrictions = texts(browser, "#restrictions tbody tr")
    assert any(ALICE in r and "250 HSTOLLA" in r and f"500 HSTOLLA ({LENDER})" in r for r in restrictions)
    lots = texts(browser, "#lots tbody tr")
    assert len(lots) == 1 and "5,000" in lots[0] and lots[0].endswith("locked")  # the Reg S lockup of the mint
    entitlements = texts(browser, "#entitlements tbody tr")
    assert entitlements and "paid" in entitlements[0] and "USDC" in entitlements[0]
    shot(browser, "investor")
    browser.get(server + f"/investors/{BOB}")
    assert texts(browser, "#status-1") == ["frozen"]


def test_distributions_reconcile_and_the_statement_lists_every_holder(browser, server):
    from selenium.webdriver.common.by import By

    sign_in(browser, server, "audit")
    browser.get(server + "/distributions")
    row = texts(browser, "#distributions tbody tr")
    assert len(row) == 1 and "24,000" in row[0].replace("24000", "24,000") and "exact" in row[0]
    follow(browser, browser.find_element(By.LINK_TEXT, "1"), "#reconciliation")
    assert "reconciles exactly" in texts(browser, "#reconciliation")[0]
    assert len(texts(browser, "#holders tbody tr")) == 3  # ALICE, BOB and INV-00004 held the senior notes
    shot(browser, "distribution")


def test_proceeds_stand_against_the_filing(browser, server):
    sign_in(browser, server, "audit")
    browser.get(server + "/proceeds")
    purposes = {r.split(" ")[0]: r for r in texts(browser, "#purposes tbody tr")}
    assert "1,500,000" in purposes["toll-road-upgrade"] and purposes["toll-road-upgrade"].endswith("ok")
    assert "INV-2026-001" in texts(browser, "#withdrawals tbody tr")[0]
    assert texts(browser, "#proceeds-ok") == ["agrees"]
    shot(browser, "proceeds")


def test_audit_trail_names_contracts_and_investors_and_filters_by_event_and_wallet(browser, server, op):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    sign_in(browser, server, "audit")
    browser.get(server + "/audit")
    contracts = set(texts(browser, "#audit tbody td:nth-child(3)"))
    assert {"registry", "token HSTOLLA", "distributor"} <= contracts
    Select(browser.find_element(By.ID, "f-event")).select_by_visible_text("Paid")
    browser.find_element(By.ID, "f-wallet").send_keys(ALICE)
    follow(browser, browser.find_element(By.ID, "f-apply"), "#audit")
    assert set(texts(browser, "#audit tbody td.event")) == {"Paid"}
    assert texts(browser, "#audit tbody td:nth-child(6)") == ["INV-D0001"]
    browser.get(server + f"/audit?contract={op.record.distributor}")
    assert set(texts(browser, "#audit tbody td:nth-child(3)")) == {"distributor"}
    browser.get(server + "/audit?event=Transfer&since=2000-01-01&until=2999-12-31")
    assert set(texts(browser, "#audit tbody td.event")) == {"Transfer"}
    assert texts(browser, "#audit-count") == [str(len(texts(browser, "#audit tbody tr")))]
    browser.get(server + "/audit?event=Transfer&until=2000-01-01")
    assert texts(browser, "#audit-count") == ["0"]
    browser.get(server + "/audit?event=Transfer")
    assert "to=INV-D0001" in " ".join(texts(browser, "#audit tbody td.details"))  # names, not addresses
    browser.get(server + f"/audit?wallet={ALICE}")
    assert {"InvestorRegistered", "Transfer", "Paid"} <= set(texts(browser, "#audit tbody td.event"))
    shot(browser, "audit")


def test_fund_dealing_has_its_place(browser, server):
    sign_in(browser, server, "ops")
    browser.get(server + "/funds")
    assert texts(browser, "h1") == ["Fund dealing cycles"]
    # The example deal has no fund vault: the page says so (or, before the SDK had funds, that they are to come).
    assert len(texts(browser, "#funds-pending") + texts(browser, "#funds-none")) == 1


# --------------------------------------------------------------------------------------------------- roles
def test_an_investor_sees_only_their_own_holdings(browser, server):
    sign_in(browser, server, "alice")
    assert browser.current_url.endswith(f"/investors/{ALICE}")
    assert len(texts(browser, "#wallets tbody tr")) == 2
    assert texts(browser, "header nav a") == ["My holdings"]
    shot(browser, "investor-self")
    for refused in (f"/investors/{BOB}", "/investors/INV-D0002", "/investors/INV-NOBODY", "/captable", "/captable.csv", "/audit",
                    "/investors", "/actions/freeze"):
        browser.get(server + refused)
        assert texts(browser, "h1") == ["403"], refused


def test_an_auditor_is_refused_every_action_and_nothing_is_sent(browser, server, app, op):
    sign_in(browser, server, "audit")
    browser.get(server + "/actions/freeze")
    assert texts(browser, "h1") == ["403"]
    client = client_as(app, "audit")
    token = token_of(client.get("/").get_data(as_text=True))
    block = op.chain.block_number()
    for step in ("preview", "confirm"):
        answer = client.post(f"/actions/freeze/{step}", data={"csrf_token": token, "token": "HSTOLLA",
                                                               "wallet": HOLDER})
        assert answer.status_code == 403
    assert op.chain.block_number() == block and not op.token().is_frozen(HOLDER)


def test_a_post_without_the_csrf_token_is_refused(app, op):
    client = client_as(app, "ops")
    block = op.chain.block_number()
    answer = client.post("/actions/freeze/confirm", data={"token": "HSTOLLA", "wallet": HOLDER})
    assert answer.status_code == 400 and "CSRF" in answer.get_data(as_text=True)
    assert op.chain.block_number() == block and not op.token().is_frozen(HOLDER)
    assert client_as(app, None).post("/login", data={"name": "ops", "password": PASSWORD}).status_code == 400


def test_the_session_cookie_is_http_only_and_same_site(app):
    client = app.test_client()
    token = token_of(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"name": "ops", "password": PASSWORD, "csrf_token": token})
    cookie = answer.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


def test_password_guessing_is_refused_after_five_wrong_passwords(deal):
    app = create_app(deal)  # a server of its own: its memory of failures is not the other tests'
    client = app.test_client()
    token = token_of(client.get("/login").get_data(as_text=True))
    wrong = [client.post("/login", data={"name": "audit", "password": f"guess {n}", "csrf_token": token}).status_code
             for n in range(5)]
    right = client.post("/login", data={"name": "audit", "password": PASSWORD, "csrf_token": token})
    assert wrong == [401] * 5 and right.status_code == 429 and "try again in a few minutes" in right.get_data(True)


# Every route, as each role: the expected status (302: sent to sign in, or an investor to their own page).
ROUTES = {
    # path: (anonymous, operator, auditor, investor alice)
    "/": (302, 200, 200, 302),
    "/captable": (302, 200, 200, 403),
    "/captable.csv": (302, 200, 200, 403),
    "/investors": (302, 200, 200, 403),
    "/me": (302, 403, 403, 302),
    f"/investors/{ALICE}": (302, 200, 200, 200),
    "/investors/INV-D0001": (302, 200, 200, 200),
    f"/investors/{BOB}": (302, 200, 200, 403),
    "/distributions": (302, 200, 200, 403),
    "/distributions/1": (302, 200, 200, 403),
    "/funds": (302, 200, 200, 403),
    "/proceeds": (302, 200, 200, 403),
    "/audit": (302, 200, 200, 403),
    "/actions/": (302, 200, 403, 403),
    "/actions/mint": (302, 200, 403, 403),
    "/login": (200, 200, 200, 200),
    "/static/console.css": (200, 200, 200, 200),
}
POSTS = {  # with a valid CSRF token; the form is incomplete, so an operator gets it back (400) and nothing is sent
    "/actions/mint/preview": (302, 400, 403, 403),
    "/actions/mint/confirm": (302, 400, 403, 403),
    "/logout": (302, 302, 302, 302),
}
ROLE_ORDER = (None, "ops", "audit", "alice")


def test_the_access_table_covers_every_route(app):
    rules = {(r.rule, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    covered = {re.sub(r"/(0x[0-9a-fA-F]{40}|INV-D0001)$", "/<who>", p) for p in ROUTES} | set(POSTS)
    covered = {p.replace("/distributions/1", "/distributions/<int:distribution_id>")
               .replace("/actions/mint", "/actions/<name>").replace("/static/console.css", "/static/<path:filename>")
               for p in covered}
    open_views = {"static", "auth.login", "auth.logout"}  # signing in and out, the stylesheet and the script
    assert [e for e, view in app.view_functions.items() if e not in open_views
            and not getattr(view, "allowed_roles", None)] == [], "every page names the roles it admits (@allow)"
    known = {rule for rule, _ in rules}
    assert known == covered | {"/login"}, f"add the new routes to ROUTES or POSTS: {known ^ (covered | {'/login'})}"


@pytest.mark.parametrize("path", sorted(ROUTES))
def test_each_route_answers_each_role_as_the_table_says(app, path):
    got = tuple(client_as(app, who).get(path).status_code for who in ROLE_ORDER)
    assert got == ROUTES[path]


@pytest.mark.parametrize("path", sorted(POSTS))
def test_each_post_answers_each_role_as_the_table_says(app, op, path):
    block = op.chain.block_number()
    got = []
    for who in ROLE_ORDER:
        client = client_as(app, who)
        token = token_of(client.get("/login").get_data(as_text=True))
        got.append(client.post(path, data={"csrf_token": token}).status_code)
    assert tuple(got) == POSTS[path] and op.chain.block_number() == block


# Each action with a complete form, and the first line its preview shows (the same dry run as the command's).
FORMS = {
    "mint": ({"token": "HSTOLLA", "wallet": HOLDER, "amount": "10"}, f"mint 10 HSTOLLA to {HOLDER} (INV-00004)"),
    "freeze": ({"token": "HSTOLLA", "wallet": HOLDER, "amount": "5"}, f"freeze 5 HSTOLLA of {HOLDER} (INV-00004)"),
    "unfreeze": ({"token": "HSTOLLA", "wallet": BOB}, f"unfreeze {BOB} (INV-D0002) on HSTOLLA"),
    "force-transfer": ({"token": "HSTOLLA", "sender": HOLDER, "receiver": ALICE, "amount": "10",
                        "reason": "court order 2026/7"},
                       f"force 10 HSTOLLA from {HOLDER} (INV-00004) to {ALICE} (INV-D0001)"),
    "distribute": ({"token": "HSTOLLA", "amount": "1000", "payment": "USDC"},
                   "distribute 1000 USDC to the 3 holders of HSTOLLA"),
    "renew-kyc": ({"who": "INV-D0001", "until": "2033-12-31"}, "renew the KYC of INV-D0001 until 2033-12-31"),
}


def test_every_action_has_a_form_and_a_test():
    from rwa_token.web.pages.actions import ACTIONS

    assert set(FORMS) == set(ACTIONS)


def _post(app, path: str, form: dict) -> tuple[int, str]:
    client = client_as(app, "ops")
    token = token_of(client.get("/actions/").get_data(as_text=True))
    answer = client.post(path, data={"csrf_token": token, **form})
    return answer.status_code, answer.get_data(as_text=True)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_each_action_previews_what_it_would_send_and_sends_nothing(app, op, name):
    form, first_line = FORMS[name]
    block = op.chain.block_number()
    status, page = _post(app, f"/actions/{name}/preview", form)
    assert status == 200, re.search(r'id="error">([^<]*)', page)
    assert f"<li>{first_line}" in page and 'id="confirm"' in page
    assert op.chain.block_number() == block


@pytest.mark.parametrize("amount", ["0", "1e3", "-5", "1,000"])
def test_an_amount_must_be_a_plain_decimal_and_not_zero_as_on_the_command_line(app, op, amount):
    block = op.chain.block_number()
    status, page = _post(app, "/actions/mint/confirm", {"token": "HSTOLLA", "wallet": HOLDER, "amount": amount})
    assert status == 400 and ("plain decimal" in page or "zero moves nothing" in page)
    assert op.chain.block_number() == block


def test_a_distribution_pushed_from_the_console_pays_every_holder_and_reconciles(app, op):
    status, page = _post(app, "/actions/distribute/confirm", FORMS["distribute"][0])
    assert status == 200, re.search(r'id="error">([^<]*)', page)
    assert "distribution 2 funded with 1000 USDC" in page and "reconciliation exact" in page
    assert op.distributor().count() == 2 and re.search(r'id="tx-1">0x[0-9a-f]{64}<', page)


def test_a_kyc_renewal_from_the_console_reaches_every_wallet_of_the_investor(app, op):
    status, page = _post(app, "/actions/renew-kyc/confirm", FORMS["renew-kyc"][0])
    assert status == 200, re.search(r'id="error">([^<]*)', page)
    expiries = {op.registry.investor(w).kyc_expiry for w in (ALICE, ALICE_NEW)}
    assert len(expiries) == 1 and "2033-12-31" in page


def test_a_forced_transfer_from_the_console_moves_locked_tokens_with_its_reason(app, op):
    before = op.token().balance_of(ALICE)
    status, page = _post(app, "/actions/force-transfer/confirm", FORMS["force-transfer"][0])
    assert status == 200, re.search(r'id="error">([^<]*)', page)
    assert op.token().balance_of(ALICE) == before + 10 * 10**6 and "court order 2026/7" in page


# ---------------------------------------------------------------------------------- an operator's action
def test_an_operator_freezes_a_wallet_through_preview_and_confirm_and_the_audit_shows_it(browser, server, op):
    from selenium.webdriver.common.by import By

    sign_in(browser, server, "ops")
    browser.get(server + "/actions/freeze")
    browser.find_element(By.ID, "wallet").send_keys(HOLDER)
    follow(browser, browser.find_element(By.ID, "preview"), "#preview-lines")
    assert texts(browser, "#preview-lines li") == [f"freeze {HOLDER} (INV-00004) on HSTOLLA"]
    assert not op.token().is_frozen(HOLDER)  # the preview sent nothing
    shot(browser, "action-preview")
    follow(browser, browser.find_element(By.ID, "confirm"), "#tx-1")
    tx = texts(browser, "#tx-1")[0]
    assert re.fullmatch(r"0x[0-9a-f]{64}", tx)
    assert op.token().is_frozen(HOLDER)
    shot(browser, "action-result")
    browser.get(server + f"/audit?event=AddressFrozen&wallet={HOLDER}")
    rows = texts(browser, "#audit tbody tr")
    assert len(rows) == 1 and "INV-00004" in rows[0] and "token HSTOLLA" in rows[0]


def test_a_refused_action_is_one_readable_line_and_sends_nothing(browser, server, op):
    from selenium.webdriver.common.by import By

    sign_in(browser, server, "ops")
    browser.get(server + "/actions/mint")
    browser.find_element(By.ID, "wallet").send_keys("0x976EA74026E726554dB657fA54763abd0C3a0aa9")  # retail: refused
    browser.find_element(By.ID, "amount").send_keys("100")
    block = op.chain.block_number()
    follow(browser, browser.find_element(By.ID, "preview"), "#error")
    error = texts(browser, "#error")
    assert len(error) == 1 and "\n" not in error[0] and "categor" in error[0].lower()
    assert op.chain.block_number() == block


# ------------------------------------------------------------------------------------------------ users
def test_rwa_serve_listens_on_localhost_by_default_and_refuses_a_safe(deal, monkeypatch):
    import werkzeug.serving

    started = []
    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda host, port, app, **kw: started.append((host, port, kw)))
    monkeypatch.setenv("RWA_STATE_DIR", deal.state)
    monkeypatch.setenv("RWA_RPC_URL", deal.rpc_url)
    monkeypatch.delenv("RWA_PRIVATE_KEY", raising=False)
    rwa("serve")
    assert started == [("127.0.0.1", 8050, {"threaded": False, "use_reloader": False})]
    with pytest.raises(AssertionError, match="cannot be proposed to a Safe"):
        rwa("--safe", "0x000000000000000000000000000000000000dEaD", "serve")
    assert "ops: operator" in rwa("serve", "user", "list")



def test_console_users_keep_only_a_password_hash_and_investors_need_wallets(tmp_path):
    from rwa_token.primitives.errors import ConfigError

    users = UserStore(tmp_path / "console-users.json")
    users.add("desk", "operator", PASSWORD)
    assert PASSWORD not in users.path.read_text() and users.check("desk", PASSWORD).role == "operator"
    assert users.check("desk", "wrong password!") is None and users.check("nobody", PASSWORD) is None
    with pytest.raises(ConfigError, match="--wallet"):
        users.add("inv", "investor", PASSWORD)
    with pytest.raises(ConfigError, match="at least"):
        users.add("short", "auditor", "pw")
