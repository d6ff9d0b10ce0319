import Foundation
import Testing

@testable import Domain

/// The pure parts: reading failure texts and checkpoints, and the transition rule.
@Suite struct ResultRulesTests {
    func event(_ kind: ResultEvent.Kind, _ position: String, publish: PublishFacts? = nil) -> ResultEvent {
        ResultEvent(queue: "publish", streamID: StreamPosition(position)!, kind: kind, postID: UUID(), attempt: 1, at: Date(), publish: publish)
    }

    @Test func readsTheCodeOfEachFailureShape() {
        #expect(FailureText.code(in: "spam_risk_too_many_posts: TikTok failed the publish: spam_risk_too_many_posts") == "spam_risk_too_many_posts")
        #expect(FailureText.code(in: "TikTokError(code: internal_error, status: 500, log_id: 2024)") == "internal_error")
        #expect(FailureText.code(in: "TikTokError(code: timeout)") == "timeout")
        #expect(FailureText.code(in: "timed out after 30 seconds") == nil)
        #expect(FailureText.code(in: "Lease expired: stalled 3 times") == nil, "capitalised words are not codes")
    }

    @Test func findsTheStrongestAccountEffect() {
        #expect(FailureText.accountEffect(of: "access_token_invalid: the account cannot post: access_token_invalid")?.effect == .needsReauth)
        #expect(FailureText.accountEffect(of: "TikTokError(code: scope_not_authorized, status: 401)")?.code == "scope_not_authorized")
        #expect(FailureText.accountEffect(of: "spam_risk_too_many_posts: TikTok failed the publish")?.effect == .cooldown)
        #expect(FailureText.accountEffect(of: "account_restricted: on hold; spam_risk_too_many_posts")?.effect == .restricted)
        #expect(FailureText.accountEffect(of: "privacy_level_option_mismatch: no") == nil)
        #expect(FailureText.accountEffect(of: "not_access_token_invalid_really") == nil, "whole words only")
    }

    @Test func decodesCheckpointsTolerantly() throws {
        let full = PublishFacts(
            checkpointJSON: Array(#"{"publish_id":"v_pub_file~1","post_ids":[7312345678901234567],"outcome":"published","polls":3,"x":{}}"#.utf8))
        #expect(full == PublishFacts(publishID: "v_pub_file~1", tiktokPostIDs: ["7312345678901234567"], outcome: "published"))
        let odd = PublishFacts(checkpointJSON: Array(#"{"publish_id":42,"post_ids":"nope","unconfirmed":true}"#.utf8))
        #expect(odd == PublishFacts(unconfirmed: true))
        #expect(PublishFacts(checkpointJSON: Array("not json".utf8)) == nil)
        #expect(PublishFacts(checkpointJSON: Array("[1]".utf8)) == nil)
    }

    @Test func ordersStreamPositionsNumerically() {
        #expect(StreamPosition("9-5")! < StreamPosition("10-0")!)
        #expect(StreamPosition("10-2")! < StreamPosition("10-10")!)
        #expect(StreamPosition("10") == nil)
        #expect(StreamPosition("x-1") == nil)
        #expect(StreamPosition("1-2-3") == nil)
    }

    @Test func transitionsFollowTheDocumentedRule() {
        let last = StreamPosition("100-0")
        func decide(_ status: String, _ event: ResultEvent, publishID: String? = nil) -> PostTransition {
            PostTransition.decide(status: status, publishID: publishID, lastResult: last, event: event)
        }
        // Rule 1: stream order.
        #expect(decide("running", self.event(.completed, "99-0")) == .ignore(reason: "stale"))
        #expect(decide("running", self.event(.completed, "100-0")) == .ignore(reason: "stale"))
        #expect(decide("running", self.event(.progress, "50-0")) == .coalesce)
        // Rule 2: terminal states.
        #expect(decide("completed", self.event(.retrying, "200-0")) == .ignore(reason: "terminal"))
        #expect(decide("cancelled", self.event(.completed, "200-0")) == .ignore(reason: "terminal"))
        #expect(decide("failed", self.event(.dead, "200-0")) == .ignore(reason: "terminal"))
        #expect(decide("failed", self.event(.completed, "200-0")) == .apply(to: "completed"))
        #expect(decide("completed", self.event(.progress, "200-0")) == .coalesce)
        // Rule 3.
        #expect(decide("queued", self.event(.progress, "200-0")) == .apply(to: "running"))
        #expect(decide("running", self.event(.retrying, "200-0")) == .apply(to: "retrying"))
        #expect(decide("retrying", self.event(.dead, "200-0")) == .apply(to: "failed"))
        #expect(decide("running", self.event(.completed, "200-0")) == .apply(to: "completed"))
        #expect(decide("running", self.event(.recovered, "200-0")) == .apply(to: "queued"))
        #expect(decide("running", self.event(.snoozed, "200-0")) == .apply(to: "queued"))
        #expect(decide("running", self.event(.snoozed, "200-0", publish: PublishFacts(unconfirmed: true))) == .apply(to: "unconfirmed"))
        // Rule 4: a progress that adds nothing.
        #expect(decide("running", self.event(.progress, "200-0")) == .coalesce)
        #expect(decide("running", self.event(.progress, "200-0", publish: PublishFacts(publishID: "p1")), publishID: "p1") == .coalesce)
        #expect(decide("running", self.event(.progress, "200-0", publish: PublishFacts(publishID: "p2")), publishID: "p1") == .apply(to: "running"))
        // No position yet: everything is new.
        #expect(PostTransition.decide(status: "queued", publishID: nil, lastResult: nil, event: self.event(.dead, "1-0")) == .apply(to: "failed"))
    }
}
