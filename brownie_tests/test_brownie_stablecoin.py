"""Runs under Brownie (make brownie-test): the project's contracts compile and deploy through Brownie on anvil."""


def test_brownie_deploys_and_mints(MockStablecoin, accounts):
    usd = MockStablecoin.deploy("US Dollar Coin", "USDC", 6, {"from": accounts[0]})
    usd.mint(accounts[1], 2_500_000, {"from": accounts[0]})
    assert usd.balanceOf(accounts[1]) == 2_500_000
    assert usd.decimals() == 6
