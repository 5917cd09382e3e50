"""Properties of the token under random sequences of operations (hypothesis stateful testing on anvil).

After every step: total supply equals the sum of balances; no wallet's frozen amount exceeds its balance;
the investor count equals the number of investors (not wallets) with a non-zero holding; an ineligible
investor (a mainland-China resident, refused by the offshore token's rules) only ever holds tokens that
reached them through the documented agent power (a forced transfer).
"""
from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from rwa_token.primitives import errors

AMOUNT = st.integers(min_value=1, max_value=400 * 10**6)


def test_token_invariants_hold_under_random_operations(offering, chain, tmp_path):
    from rwa_token.store.journal import Journal

    # Investors: A has two wallets, B and C one each. hk_pro (from the fixture) is a fourth investor.
    a1 = offering.investor("HK", "professional")
    a2 = offering.second_wallet(a1)
    b = offering.investor("SG", "accredited")
    c = offering.investor("HK", "institutional")
    cn = offering.investor("CN", "professional")
    wallets = [offering.hk_pro, a1, a2, b, c, cn]
    investor_of = {offering.hk_pro.address: "P", a1.address: "A", a2.address: "A", b.address: "B", c.address: "C",
                   cn.address: "X"}
    WALLET = st.integers(0, len(wallets) - 1)
    token = offering.token
    overrides = Journal(tmp_path / "overrides.jsonl")  # forced transfers state a reason, so they reach cn too
    base = chain.snapshot()

    class TokenMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            chain.revert(base)
            offering.tx._nonces.clear()
            self.snap = chain.snapshot()
            self.forced_to_ineligible = False
            self.numbers: dict[str, int] = {}

        def teardown(self):
            chain.revert(self.snap)
            offering.tx._nonces.clear()

        def _attempt(self, action) -> bool:
            try:
                action()
                return True
            except (errors.TransferRestricted, errors.ContractCustomError):
                return False  # a refused operation must leave every invariant intact too

        @rule(i=WALLET, amount=AMOUNT)
        def mint(self, i, amount):
            self._attempt(lambda: token.mint(wallets[i].address, amount))

        @rule(i=WALLET, j=WALLET, amount=AMOUNT)
        def transfer(self, i, j, amount):
            self._attempt(lambda: token.transfer(wallets[j].address, amount, sender=wallets[i]))

        @rule(i=WALLET, amount=AMOUNT)
        def burn(self, i, amount):
            self._attempt(lambda: token.burn(wallets[i].address, amount))

        @rule(i=WALLET, amount=AMOUNT)
        def freeze_partial(self, i, amount):
            self._attempt(lambda: token.freeze_partial(wallets[i].address, amount))

        @rule(i=WALLET, amount=AMOUNT)
        def unfreeze_partial(self, i, amount):
            self._attempt(lambda: token.unfreeze_partial(wallets[i].address, amount))

        @rule(i=WALLET, j=WALLET, amount=AMOUNT)
        def forced_transfer(self, i, j, amount):
            if self._attempt(lambda: token.forced_transfer(wallets[i].address, wallets[j].address, amount,
                                                           override_reason="agent test", journal=overrides)):
                self.forced_to_ineligible |= wallets[j] is cn and i != j

        @rule()
        def snapshot(self):
            token.snapshot()

        @invariant()
        def supply_equals_sum_of_balances(self):
            assert token.total_supply() == sum(token.balance_of(w.address) for w in wallets)

        @invariant()
        def frozen_never_exceeds_balance(self):
            for w in wallets:
                assert token.frozen_tokens(w.address) <= token.balance_of(w.address)

        @invariant()
        def ineligible_investors_hold_only_what_an_agent_forced_to_them(self):
            if token.balance_of(cn.address) > 0:
                assert self.forced_to_ineligible

        @invariant()
        def investor_count_matches_investors_holding(self):
            holding = {investor_of[w.address] for w in wallets if token.balance_of(w.address) > 0}
            assert token.investor_count() == len(holding)

        @invariant()
        def holder_numbers_are_unique_stable_and_given_to_every_holder(self):
            # Distributions keep their paid records by holder number: a number may never change or be shared.
            now = {w.address: token.holder_at(w.address).number for w in wallets}
            for wallet, number in self.numbers.items():
                assert now[wallet] == number, "a holder number changed"
            for w in wallets:
                if token.balance_of(w.address) > 0:
                    assert now[w.address] != 0, "a holder without a number"
            given = [n for n in now.values() if n]
            assert len(given) == len(set(given)), "two wallets share a number"
            self.numbers = {w: n for w, n in now.items() if n}

    run_state_machine_as_test(
        TokenMachine,
        settings=settings(max_examples=12, stateful_step_count=12, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )
