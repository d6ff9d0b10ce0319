import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The Campaigns routes (issue 8).
extension APIHandlers {
    func listCampaigns(_ input: Operations.ListCampaigns.Input) async throws -> Operations.ListCampaigns.Output {
        throw APIError.notImplemented("listCampaigns")
    }

    func createCampaign(_ input: Operations.CreateCampaign.Input) async throws -> Operations.CreateCampaign.Output {
        throw APIError.notImplemented("createCampaign")
    }

    func getCampaign(_ input: Operations.GetCampaign.Input) async throws -> Operations.GetCampaign.Output {
        throw APIError.notImplemented("getCampaign")
    }

    func updateCampaign(_ input: Operations.UpdateCampaign.Input) async throws -> Operations.UpdateCampaign.Output {
        throw APIError.notImplemented("updateCampaign")
    }

    func deleteCampaign(_ input: Operations.DeleteCampaign.Input) async throws -> Operations.DeleteCampaign.Output {
        throw APIError.notImplemented("deleteCampaign")
    }

    func startCampaign(_ input: Operations.StartCampaign.Input) async throws -> Operations.StartCampaign.Output {
        throw APIError.notImplemented("startCampaign")
    }

    func pauseCampaign(_ input: Operations.PauseCampaign.Input) async throws -> Operations.PauseCampaign.Output {
        throw APIError.notImplemented("pauseCampaign")
    }

    func resumeCampaign(_ input: Operations.ResumeCampaign.Input) async throws -> Operations.ResumeCampaign.Output {
        throw APIError.notImplemented("resumeCampaign")
    }

    func cancelCampaign(_ input: Operations.CancelCampaign.Input) async throws -> Operations.CancelCampaign.Output {
        throw APIError.notImplemented("cancelCampaign")
    }

    func getCampaignProgress(_ input: Operations.GetCampaignProgress.Input) async throws -> Operations.GetCampaignProgress.Output {
        throw APIError.notImplemented("getCampaignProgress")
    }
}
