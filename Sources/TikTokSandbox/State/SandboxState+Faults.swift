extension SandboxState {
    /// Latency and a random 5xx for one call of `endpoint`.
    func faultDecision(_ endpoint: FaultEndpoint) -> FaultDecision {
        guard let rule = self.faults[endpoint] else { return FaultDecision() }
        let fails = rule.errorRate > 0 && Double.random(in: 0..<1) < rule.errorRate
        return FaultDecision(latency: .milliseconds(rule.latencyMs), failStatus: fails ? rule.errorStatus : nil)
    }

    /// Takes one pending drop of `endpoint`, if any: the call's response must then be lost.
    func takeDrop(_ endpoint: FaultEndpoint) -> (mode: DropMode, hold: Duration)? {
        guard let rule = self.faults[endpoint], rule.dropResponses > 0 else { return nil }
        self.faults[endpoint]?.dropResponses -= 1
        return (rule.dropMode, .milliseconds(rule.dropHoldMs))
    }

    /// The error code injected for `openID` on `endpoint` (an entry for the creator wins over `*`).
    func forcedError(_ endpoint: FaultEndpoint, openID: String) -> String? {
        guard let rule = self.faults[endpoint] else { return nil }
        return rule.forcedErrors[openID] ?? rule.forcedErrors["*"]
    }

    /// The `fail_reason` injected for `openID`'s publishes.
    func injectedFailReason(openID: String) -> String? {
        guard let rule = self.faults[.status] else { return nil }
        return rule.failReasons[openID] ?? rule.failReasons["*"]
    }

    /// Applies one `POST /_sandbox/faults` body to the rules and returns all rules.
    func applyFaults(_ change: FaultChange) -> [FaultEndpoint: FaultRule] {
        var rule = self.faults[change.endpoint] ?? FaultRule()
        change.apply(to: &rule)
        self.faults[change.endpoint] = rule == FaultRule() ? nil : rule
        return self.faults
    }

    /// Clears the rules of `endpoint`, or of every endpoint.
    func clearFaults(_ endpoint: FaultEndpoint?) {
        if let endpoint { self.faults[endpoint] = nil } else { self.faults = [:] }
    }

    /// The active rules.
    var faultRules: [FaultEndpoint: FaultRule] { self.faults }
}

extension SandboxState {
    /// The error injected on an OAuth endpoint (the `open_id` of the rule does not matter there).
    func forcedOAuthError(_ endpoint: FaultEndpoint) -> String? {
        self.faults[endpoint]?.forcedErrors.sorted { $0.key < $1.key }.first?.value
    }
}
