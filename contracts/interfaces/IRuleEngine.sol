// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IRuleEngineEvents
/// @notice Events and errors of the rule configuration, apart from its functions (see {IRuleEngine}).
interface IRuleEngineEvents {
    event CountryRuleSet(
        uint16 indexed country, bool allowed, bool blocked, uint32 requiredCategories, uint32 maxInvestors
    );
    event AllowlistModeSet(bool enabled);
    event LimitsSet(uint32 maxInvestors, uint256 minBalance, uint256 maxBalance);
    event DefaultLockupSet(uint40 lockupSeconds);
    event TradingHaltSet(bool halted);
    event ComplianceHookSet(address indexed hook);
    event RequireFilingDocumentSet(bool required);

    error LengthMismatch();
    error InvalidLimits(uint256 minBalance, uint256 maxBalance);
    error LockupTooLong(uint40 lockupSeconds);
}

/// @title IRuleEngine
/// @notice Rule configuration of a security token: admin functions and views.
interface IRuleEngine is IRuleEngineEvents {
    function setCountryRule(uint16 country, bool allowed, bool blocked, uint32 requiredCategories, uint32 maxInvestors)
        external;
    function batchSetCountryRules(
        uint16[] calldata countries,
        bool[] calldata allowed,
        bool[] calldata blocked,
        uint32[] calldata requiredCategories,
        uint32[] calldata maxInvestors
    ) external;
    function setAllowlistMode(bool enabled) external;
    function setLimits(uint32 maxInvestors, uint256 minBalance, uint256 maxBalance) external;
    function setDefaultLockup(uint40 lockupSeconds) external;
    function setTradingHalt(bool halted) external;
    function setComplianceHook(address hook) external;
    function setRequireFilingDocument(bool required) external;

    function countryRule(uint16 country)
        external
        view
        returns (bool allowed, bool blocked, uint32 requiredCategories, uint32 maxInvestors, uint32 investorCount);
    function limits()
        external
        view
        returns (uint32 maxInvestors, uint256 minBalance, uint256 maxBalance, uint40 defaultLockup);
    function investorCount() external view returns (uint256);
    function countryInvestorCount(uint16 country) external view returns (uint256);
    function allowlistMode() external view returns (bool);
    function tradingHalted() external view returns (bool);
    function complianceHook() external view returns (address);
    function requireFilingDocument() external view returns (bool);
}
