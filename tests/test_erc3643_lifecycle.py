"""An ERC-3643 client that knows nothing of this project drives a whole token lifecycle.

The SDK deploys the registry and the token (setup only). From then on every call, transaction and event goes through
web3.py contract objects built from T-REX 4.1.6's own ABIs (IToken, AgentRole, IIdentityRegistry), read from
node_modules/@tokenysolutions/t-rex, at the token's and the registry's addresses: agents, identities, mint,
transfers, wallet and partial freezes, forced transfer, recovery, pause, token information, burn, batches and
ownership, with real balances and events asserted. ERC-165 is asked through a minimal IERC165 ABI.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

TREX = Path(__file__).resolve().parent.parent / "node_modules/@tokenysolutions/t-rex/artifacts/contracts"
IERC165_ABI = [{"type": "function", "name": "supportsInterface", "stateMutability": "view",
                "inputs": [{"name": "interfaceId", "type": "bytes4"}],
                "outputs": [{"name": "", "type": "bool"}]}]

# ERC-165 ids (docs/conformance.md computes each from the reference ABIs)
ITOKEN_ID = "0x1b643469"        # T-REX IToken's own functions (without the six IERC20 ones)
AGENT_ROLE_ID = "0x02b23fde"    # T-REX AgentRole
IDENTITY_REGISTRY_ID = "0x8ff89f73"
ERC7943_ID = "0x3edbb4c4"
ERC20_ID = "0x36372b07"
ERC173_ID = "0x7f5828d0"
ERC165_ID = "0x01ffc9a7"

HK, SG, US = 344, 702, 840


def trex_abi(rel: str) -> list[dict]:
    path = TREX / rel
    if not path.exists():
        pytest.fail(f"{path} missing: run `make setup` (@tokenysolutions/t-rex 4.1.6 is a devDependency)")
    return json.loads(path.read_text())["abi"]


class Client:
    """Signs and sends web3 contract calls from local accounts; decodes events with the contract's own ABI."""

    def __init__(self, chain):
        self.w3 = chain.w3
        self.chain = chain

    def fund(self, *accounts) -> None:
        for a in accounts:
            self.chain.set_balance(a.address, 10**20)

    def send(self, sender, fn):
        tx = fn.build_transaction({"from": sender.address, "chainId": self.chain.chain_id,
                                   "nonce": self.w3.eth.get_transaction_count(sender.address)})
        signed = sender.sign_transaction(tx)
        receipt = self.w3.eth.wait_for_transaction_receipt(self.w3.eth.send_raw_transaction(signed.raw_transaction),
                                                           poll_latency=0.01)
        assert receipt.status == 1
        return receipt

    @staticmethod
    def refused(sender, fn) -> None:
        """The call would revert (checked by gas estimation, as a wallet would before sending)."""
        with pytest.raises(ContractLogicError):
            fn.estimate_gas({"from": sender.address})

    @staticmethod
    def events(contract, name: str, receipt) -> list[dict]:
        logs = getattr(contract.events, name)().process_receipt(receipt, errors=DISCARD)
        return [dict(e["args"]) for e in logs if e["address"] == contract.address]


def test_erc3643_lifecycle_through_trex_abis(chain, tx, accounts):
    from rwa_token.services.offering import deploy_core

    admin, agent, new_owner = accounts[0], accounts[1], accounts[2]
    # --- setup through the SDK: a registry and a token with one simple rule (US investors are blocked)
    registry, token = deploy_core(tx, admin, "Lifecycle Note", "LCN", decimals=6, supply_cap=10**18)
    token.set_country_rule("US", blocked=True)

    c = Client(chain)
    w3 = c.w3
    tok = w3.eth.contract(address=token.address, abi=trex_abi("token/IToken.sol/IToken.json"))
    tok_roles = w3.eth.contract(address=token.address, abi=trex_abi("roles/AgentRole.sol/AgentRole.json"))
    reg = w3.eth.contract(address=registry.address,
                          abi=trex_abi("registry/interface/IIdentityRegistry.sol/IIdentityRegistry.json"))
    reg_roles = w3.eth.contract(address=registry.address, abi=trex_abi("roles/AgentRole.sol/AgentRole.json"))

    def fresh():
        return Account.create()

    alice, bob, carol, dave, stranger, alice_new = (fresh() for _ in range(6))
    alice_id, bob_id, carol_id, dave_id, token_oid = (fresh().address for _ in range(5))
    c.fund(alice, bob, carol, dave, stranger, alice_new)

    # --- ERC-165, through a minimal IERC165 ABI
    for address, ids in ((token.address, [ITOKEN_ID, AGENT_ROLE_ID, ERC7943_ID, ERC20_ID, ERC173_ID, ERC165_ID]),
                         (registry.address, [IDENTITY_REGISTRY_ID, AGENT_ROLE_ID, ERC173_ID, ERC165_ID])):
        erc165 = w3.eth.contract(address=address, abi=IERC165_ABI)
        for iid in ids:
            assert erc165.functions.supportsInterface(bytes.fromhex(iid[2:])).call(), (address, iid)
        assert not erc165.functions.supportsInterface(b"\xff\xff\xff\xff").call()

    # --- owner and agents (AgentRole), on the token and on the registry
    assert tok_roles.functions.owner().call() == admin.address
    assert reg_roles.functions.owner().call() == admin.address
    for roles in (tok_roles, reg_roles):
        assert not roles.functions.isAgent(agent.address).call()
        c.refused(stranger, roles.functions.addAgent(agent.address))
        r = c.send(admin, roles.functions.addAgent(agent.address))
        assert c.events(roles, "AgentAdded", r) == [{"_agent": agent.address}]
        assert roles.functions.isAgent(agent.address).call()
        c.refused(admin, roles.functions.addAgent(agent.address))  # T-REX: adding twice is refused
    c.refused(stranger, tok.functions.mint(stranger.address, 1))  # not an agent

    # --- identities (IIdentityRegistry), by the registry's agent
    assert not reg.functions.contains(alice.address).call()
    c.refused(stranger, reg.functions.registerIdentity(alice.address, alice_id, HK))
    r = c.send(agent, reg.functions.registerIdentity(alice.address, alice_id, HK))
    assert c.events(reg, "IdentityRegistered", r) == [{"investorAddress": alice.address, "identity": alice_id}]
    r = c.send(agent, reg.functions.batchRegisterIdentity([bob.address, carol.address, dave.address],
                                                          [bob_id, carol_id, dave_id], [HK, SG, US]))
    assert [e["investorAddress"] for e in c.events(reg, "IdentityRegistered", r)] == [bob.address, carol.address,
                                                                                    dave.address]
    for wallet, oid, country in ((alice, alice_id, HK), (bob, bob_id, HK), (carol, carol_id, SG),
                                 (dave, dave_id, US)):
        assert reg.functions.contains(wallet.address).call()
        assert reg.functions.isVerified(wallet.address).call()
        assert reg.functions.identity(wallet.address).call() == oid
        assert reg.functions.investorCountry(wallet.address).call() == country
    assert not reg.functions.contains(stranger.address).call()
    assert not reg.functions.isVerified(stranger.address).call()
    assert reg.functions.identity(stranger.address).call() == "0x" + "00" * 20
    assert tok.functions.identityRegistry().call() == registry.address

    # --- mint (agent), single and batch; refused to an unverified wallet and to a blocked country
    bal = lambda w: tok.functions.balanceOf(w.address).call()  # noqa: E731
    r = c.send(agent, tok.functions.mint(alice.address, 1_000))
    assert c.events(tok, "Transfer", r) == [{"from": "0x" + "00" * 20, "to": alice.address, "value": 1_000}]
    c.send(agent, tok.functions.batchMint([bob.address, carol.address], [500, 300]))
    c.refused(agent, tok.functions.mint(stranger.address, 1))
    c.refused(agent, tok.functions.mint(dave.address, 1))
    assert (bal(alice), bal(bob), bal(carol)) == (1_000, 500, 300)
    assert tok.functions.totalSupply().call() == 1_800

    # --- investor transfers: transfer, approve + transferFrom, batchTransfer; refused to a stranger
    r = c.send(alice, tok.functions.transfer(bob.address, 100))
    assert c.events(tok, "Transfer", r) == [{"from": alice.address, "to": bob.address, "value": 100}]
    c.refused(alice, tok.functions.transfer(stranger.address, 1))
    c.refused(alice, tok.functions.transfer(dave.address, 1))
    r = c.send(carol, tok.functions.approve(bob.address, 60))
    assert c.events(tok, "Approval", r) == [{"owner": carol.address, "spender": bob.address, "value": 60}]
    c.send(bob, tok.functions.transferFrom(carol.address, alice.address, 50))
    assert tok.functions.allowance(carol.address, bob.address).call() == 10
    c.send(alice, tok.functions.batchTransfer([bob.address, carol.address], [10, 20]))
    assert (bal(alice), bal(bob), bal(carol)) == (920, 610, 270)

    # --- whole-wallet freeze
    r = c.send(agent, tok.functions.setAddressFrozen(bob.address, True))
    assert c.events(tok, "AddressFrozen", r) == [{"_userAddress": bob.address, "_isFrozen": True,
                                                   "_owner": agent.address}]
    assert tok.functions.isFrozen(bob.address).call()
    c.refused(bob, tok.functions.transfer(alice.address, 1))
    c.send(agent, tok.functions.batchSetAddressFrozen([bob.address], [False]))
    assert not tok.functions.isFrozen(bob.address).call()
    c.send(bob, tok.functions.transfer(alice.address, 10))
    assert (bal(alice), bal(bob)) == (930, 600)

    # --- partial freeze
    r = c.send(agent, tok.functions.freezePartialTokens(alice.address, 300))
    assert c.events(tok, "TokensFrozen", r) == [{"_userAddress": alice.address, "_amount": 300}]
    assert tok.functions.getFrozenTokens(alice.address).call() == 300
    c.refused(alice, tok.functions.transfer(bob.address, 631))  # 930 - 300 = 630 free
    r = c.send(agent, tok.functions.unfreezePartialTokens(alice.address, 100))
    assert c.events(tok, "TokensUnfrozen", r) == [{"_userAddress": alice.address, "_amount": 100}]
    assert tok.functions.getFrozenTokens(alice.address).call() == 200
    c.send(alice, tok.functions.transfer(bob.address, 730))  # exactly the free part
    c.refused(alice, tok.functions.transfer(bob.address, 1))
    c.send(agent, tok.functions.batchFreezePartialTokens([bob.address, carol.address], [5, 7]))
    c.send(agent, tok.functions.batchUnfreezePartialTokens([bob.address, carol.address], [5, 7]))
    assert [tok.functions.getFrozenTokens(w.address).call() for w in (bob, carol)] == [0, 0]
    assert (bal(alice), bal(bob), bal(carol)) == (200, 1_330, 270)

    # --- forced transfers (agent), single and batch
    r = c.send(agent, tok.functions.forcedTransfer(carol.address, bob.address, 50))
    assert c.events(tok, "Transfer", r) == [{"from": carol.address, "to": bob.address, "value": 50}]
    c.send(agent, tok.functions.batchForcedTransfer([bob.address, bob.address], [carol.address, alice.address],
                                                     [20, 30]))
    assert (bal(alice), bal(bob), bal(carol)) == (230, 1_330, 240)

    # --- recovery: alice's wallet is lost; the agent registers her new wallet with the same ONCHAINID
    frozen_before = tok.functions.getFrozenTokens(alice.address).call()
    c.send(agent, reg.functions.registerIdentity(alice_new.address, alice_id, HK))
    assert reg.functions.identity(alice_new.address).call() == alice_id
    c.refused(agent, tok.functions.recoveryAddress(alice.address, carol.address, alice_id))  # another investor
    r = c.send(agent, tok.functions.recoveryAddress(alice.address, alice_new.address, alice_id))
    assert c.events(tok, "RecoverySuccess", r) == [{"_lostWallet": alice.address, "_newWallet": alice_new.address,
                                                     "_investorOnchainID": alice_id}]
    assert (bal(alice), bal(alice_new)) == (0, 230)
    assert tok.functions.isFrozen(alice.address).call()
    assert tok.functions.getFrozenTokens(alice_new.address).call() == frozen_before
    c.refused(agent, tok.functions.mint(alice.address, 1))  # the lost wallet is retired
    c.send(alice_new, tok.functions.transfer(bob.address, 30))  # the free part (230 - 200 frozen)
    assert (bal(alice_new), bal(bob)) == (200, 1_360)

    # --- pause
    c.refused(stranger, tok.functions.pause())
    r = c.send(agent, tok.functions.pause())
    assert c.events(tok, "Paused", r) == [{"_userAddress": agent.address}]
    assert tok.functions.paused().call()
    c.refused(bob, tok.functions.transfer(carol.address, 1))
    r = c.send(agent, tok.functions.unpause())
    assert c.events(tok, "Unpaused", r) == [{"_userAddress": agent.address}]
    assert not tok.functions.paused().call()
    c.send(bob, tok.functions.transfer(carol.address, 1))

    # --- token information (owner)
    c.refused(agent, tok.functions.setName("Renamed Note"))
    r = c.send(admin, tok.functions.setName("Renamed Note"))
    info = c.events(tok, "UpdatedTokenInformation", r)
    assert len(info) == 1 and info[0]["_newDecimals"] == 6
    assert info[0]["_newName"] == w3.keccak(text="Renamed Note")  # indexed string: its hash
    r = c.send(admin, tok.functions.setSymbol("RNN"))
    assert c.events(tok, "UpdatedTokenInformation", r)[0]["_newSymbol"] == w3.keccak(text="RNN")
    r = c.send(admin, tok.functions.setOnchainID(token_oid))
    assert c.events(tok, "UpdatedTokenInformation", r)[0]["_newOnchainID"] == token_oid
    assert (tok.functions.name().call(), tok.functions.symbol().call()) == ("Renamed Note", "RNN")
    assert tok.functions.onchainID().call() == token_oid
    assert tok.functions.decimals().call() == 6
    assert isinstance(tok.functions.version().call(), str)

    # --- burn (agent), single and batch
    r = c.send(agent, tok.functions.burn(bob.address, 100))
    assert c.events(tok, "Transfer", r) == [{"from": bob.address, "to": "0x" + "00" * 20, "value": 100}]
    c.send(agent, tok.functions.batchBurn([bob.address, carol.address], [200, 41]))
    assert (bal(bob), bal(carol)) == (1_059, 200)
    assert tok.functions.totalSupply().call() == sum(bal(w) for w in (alice, alice_new, bob, carol)) == 1_459

    # --- ownership (ERC-173 through AgentRole): the new owner manages agents, the old one no longer can
    c.refused(agent, tok_roles.functions.transferOwnership(new_owner.address))
    r = c.send(admin, tok_roles.functions.transferOwnership(new_owner.address))
    assert c.events(tok_roles, "OwnershipTransferred", r) == [{"previousOwner": admin.address,
                                                                "newOwner": new_owner.address}]
    assert tok_roles.functions.owner().call() == new_owner.address
    c.refused(admin, tok_roles.functions.removeAgent(agent.address))
    r = c.send(new_owner, tok_roles.functions.removeAgent(agent.address))
    assert c.events(tok_roles, "AgentRemoved", r) == [{"_agent": agent.address}]
    assert not tok_roles.functions.isAgent(agent.address).call()
    c.refused(agent, tok.functions.mint(bob.address, 1))
    r = c.send(admin, reg_roles.functions.transferOwnership(new_owner.address))
    assert c.events(reg_roles, "OwnershipTransferred", r) == [{"previousOwner": admin.address,
                                                                "newOwner": new_owner.address}]
    assert reg_roles.functions.owner().call() == new_owner.address
