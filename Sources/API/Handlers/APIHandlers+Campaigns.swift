import Domain
import Foundation
import HTTPTypes
import JobQueue
import Logging
import OpenAPIRuntime
import Publishing

/// The Campaigns routes. Start is Domain's one transaction that writes every post row as `queued` (the outbox), then
/// one bulk enqueue of the due posts; a post whose enqueue is lost (crash, Redis down) stays `queued` in PostgreSQL
/// and is enqueued again by the outbox sweep (the scheduler's), under the same job id, so never twice.
extension APIHandlers {
    func listCampaigns(_ input: Operations.ListCampaigns.Input) async throws -> Operations.ListCampaigns.Output {
        let status = input.query.status.flatMap { Campaign.Status(rawValue: $0.rawValue) }
        let page = try await self.campaigns.list(status: status, page: Self.page(cursor: input.query.cursor, limit: input.query.limit))
        return .ok(.init(body: .json(.init(items: try page.items.map(Self.campaign), nextCursor: page.nextCursor))))
    }

    func createCampaign(_ input: Operations.CreateCampaign.Input) async throws -> Operations.CreateCampaign.Output {
        guard case .json(let body) = input.body else { throw APIError.validation([FieldProblem(field: "body", problem: "is required")]) }
        var problems: [FieldProblem] = []
        var mediaIDs: [UUID] = []
        for (index, text) in body.mediaIds.enumerated() {
            if let id = UUID(uuidString: text) { mediaIDs.append(id) } else { problems.append(FieldProblem(field: "media_ids[\(index)]", problem: "must be a UUID")) }
        }
        guard let settings = body.postSettings else {
            throw APIError.validation(problems + [FieldProblem(field: "post_settings", problem: "is required (privacy_level at least)")])
        }
        let selection = try Self.transcode(body.accountSelection, to: AccountSelection.self, field: "account_selection")
        let schedule = try Self.transcode(body.schedule, to: CampaignSchedule.self, field: "schedule")
        let postSettings = try Self.transcode(settings, to: PostSettings.self, field: "post_settings")
        guard problems.isEmpty else { throw APIError.validation(problems) }
        let draft = CampaignDraft(
            name: body.name, mode: Campaign.Mode(rawValue: body.mode.rawValue) ?? .directPost, postSettings: postSettings,
            captionTemplate: body.captionTemplate ?? "", mediaIDs: mediaIDs, accountSelection: selection,
            strategy: body.strategy.flatMap { Campaign.Strategy(rawValue: $0.rawValue) } ?? .roundRobin, schedule: schedule,
            overBudget: body.overBudget.flatMap { Campaign.OverBudget(rawValue: $0.rawValue) } ?? .reject)
        let campaign = try await self.campaigns.create(draft)
        return .created(.init(body: .json(try Self.campaign(campaign))))
    }

    func getCampaign(_ input: Operations.GetCampaign.Input) async throws -> Operations.GetCampaign.Output {
        .ok(.init(body: .json(try Self.campaign(try await self.campaigns.get(Self.uuid(input.path.id))))))
    }

    /// Changes a draft campaign (409 `invalid_state` once started); the result is checked like a new campaign.
    func updateCampaign(_ input: Operations.UpdateCampaign.Input) async throws -> Operations.UpdateCampaign.Output {
        let id = try Self.uuid(input.path.id)
        guard case .json(let body) = input.body else { throw APIError.validation([FieldProblem(field: "body", problem: "is required")]) }
        var problems: [FieldProblem] = []
        var mediaIDs: [UUID]?
        if let texts = body.mediaIds {
            var ids: [UUID] = []
            for (index, text) in texts.enumerated() {
                if let id = UUID(uuidString: text) { ids.append(id) } else { problems.append(FieldProblem(field: "media_ids[\(index)]", problem: "must be a UUID")) }
            }
            mediaIDs = ids
        }
        let selection = try body.accountSelection.map { try Self.transcode($0, to: AccountSelection.self, field: "account_selection") }
        let schedule = try body.schedule.map { try Self.transcode($0, to: CampaignSchedule.self, field: "schedule") }
        let settings = try body.postSettings.map { try Self.transcode($0, to: PostSettings.self, field: "post_settings") }
        guard problems.isEmpty else { throw APIError.validation(problems) }
        let patch = CampaignPatch(
            name: body.name, mode: body.mode.flatMap { Campaign.Mode(rawValue: $0.rawValue) }, postSettings: settings,
            captionTemplate: body.captionTemplate, mediaIDs: mediaIDs, accountSelection: selection,
            strategy: body.strategy.flatMap { Campaign.Strategy(rawValue: $0.rawValue) }, schedule: schedule,
            overBudget: body.overBudget.flatMap { Campaign.OverBudget(rawValue: $0.rawValue) })
        return .ok(.init(body: .json(try Self.campaign(try await self.campaigns.update(id, patch)))))
    }

    func deleteCampaign(_ input: Operations.DeleteCampaign.Input) async throws -> Operations.DeleteCampaign.Output {
        try await self.campaigns.delete(Self.uuid(input.path.id))
        return .noContent(.init())
    }

    func startCampaign(_ input: Operations.StartCampaign.Input) async throws -> Operations.StartCampaign.Output {
        let id = try Self.uuid(input.path.id)
        let now = try await self.clock.now()
        var starterConfiguration = CampaignStarter.Configuration()
        starterConfiguration.maxAttempts = self.configuration.maxAttempts
        starterConfiguration.queue = self.configuration.queue
        let began = ContinuousClock.now
        let result = try await CampaignStarter(client: self.postgres, configuration: starterConfiguration)
            .start(id, now: now, actor: Caller.current.map { "api_key:" + $0.prefix })
        let written = ContinuousClock.now
        self.configuration.afterStartCommit?()
        let due = result.posts.filter { $0.status == .queued }
        try await self.enqueue(due, now: now)
        self.logger.info(
            "campaign started",
            metadata: [
                "campaign.id": "\(Self.text(id))", "campaign.posts": "\(result.posts.count)", "campaign.enqueued": "\(due.count)",
                "transaction.ms": "\((written - began).components.seconds * 1000 + (written - began).components.attoseconds / 1_000_000_000_000_000)",
                "enqueue.ms": "\((ContinuousClock.now - written).components.seconds * 1000 + (ContinuousClock.now - written).components.attoseconds / 1_000_000_000_000_000)",
            ])
        return .accepted(.init(body: .json(try Self.campaign(result.campaign))))
    }

    func pauseCampaign(_ input: Operations.PauseCampaign.Input) async throws -> Operations.PauseCampaign.Output {
        .ok(.init(body: .json(try Self.campaign(try await self.campaigns.pause(Self.uuid(input.path.id))))))
    }

    func resumeCampaign(_ input: Operations.ResumeCampaign.Input) async throws -> Operations.ResumeCampaign.Output {
        .ok(.init(body: .json(try Self.campaign(try await self.campaigns.resume(Self.uuid(input.path.id), now: try await self.clock.now())))))
    }

    func cancelCampaign(_ input: Operations.CancelCampaign.Input) async throws -> Operations.CancelCampaign.Output {
        let cancellation = try await self.campaigns.cancel(Self.uuid(input.path.id), now: try await self.clock.now(), actor: Caller.current.map { "api_key:" + $0.prefix })
        return .ok(.init(body: .json(try Self.campaign(cancellation.campaign))))
    }

    func getCampaignProgress(_ input: Operations.GetCampaignProgress.Input) async throws -> Operations.GetCampaignProgress.Output {
        let progress = try await self.campaigns.progress(Self.uuid(input.path.id))
        let count = { (status: PostStatus) in progress.byStatus[status] ?? 0 }
        let counts = Components.Schemas.PostStatusCounts(
            pending: count(.pending), scheduled: count(.scheduled), queued: count(.queued), running: count(.running), retrying: count(.retrying),
            unconfirmed: count(.unconfirmed), completed: count(.completed), failed: count(.failed), cancelled: count(.cancelled), missed: count(.missed))
        return .ok(
            .init(
                body: .json(
                    .init(
                        campaignId: Self.text(progress.campaignID), status: Components.Schemas.CampaignStatus(rawValue: progress.status.rawValue) ?? .draft,
                        total: progress.total, byStatus: counts))))
    }

    var campaigns: CampaignRepository { CampaignRepository(client: self.postgres) }

    /// One bulk enqueue of planned posts (``PostEnqueuer``: job id = post id, so a second enqueue of the same post is a
    /// no-op; each job carries a signed URL of its file and the file's SHA-256).
    func enqueue(_ posts: [PlannedPost], now: Date) async throws {
        try await self.enqueuer.enqueue(posts, now: now)
    }

    /// Builds and pushes publish jobs, the same way as the scheduler.
    var enqueuer: PostEnqueuer {
        PostEnqueuer(
            postgres: self.postgres, redis: self.redis,
            factory: PostJobFactory(signer: self.mediaURLSigner, publicURL: self.configuration.publicURL, mediaURLLifetime: self.configuration.mediaURLLifetime),
            logger: self.logger)
    }

    /// A value of a generated type as the Domain type of the same JSON shape (a 422 naming `field` when it does not fit).
    static func transcode<Source: Encodable, Target: Decodable>(_ value: Source, to type: Target.Type, field: String) throws(APIError) -> Target {
        do {
            let data = try JSONEncoder().encode(value)
            return try JSONDecoder().decode(Target.self, from: data)
        } catch {
            throw APIError.validation([FieldProblem(field: field, problem: "is invalid")])
        }
    }

    static func campaign(_ campaign: Campaign) throws -> Components.Schemas.Campaign {
        Components.Schemas.Campaign(
            id: Self.text(campaign.id), name: campaign.name,
            status: Components.Schemas.CampaignStatus(rawValue: campaign.status.rawValue) ?? .draft,
            mode: Components.Schemas.PublishMode(rawValue: campaign.mode.rawValue) ?? .directPost, mediaIds: campaign.mediaIDs.map(Self.text),
            captionTemplate: campaign.captionTemplate,
            postSettings: try Self.transcode(campaign.postSettings, to: Components.Schemas.PostSettings.self, field: "post_settings"),
            accountSelection: try Self.transcode(campaign.accountSelection, to: Components.Schemas.AccountSelection.self, field: "account_selection"),
            strategy: Components.Schemas.Strategy(rawValue: campaign.strategy.rawValue) ?? .roundRobin,
            schedule: try Self.transcode(campaign.schedule, to: Components.Schemas.Schedule.self, field: "schedule"),
            overBudget: Components.Schemas.OverBudget(rawValue: campaign.overBudget.rawValue) ?? .reject,
            createdAt: campaign.createdAt, updatedAt: campaign.updatedAt)
    }
}
