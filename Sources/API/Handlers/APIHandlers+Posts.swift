import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The Posts routes (issue 8).
extension APIHandlers {
    func listPosts(_ input: Operations.ListPosts.Input) async throws -> Operations.ListPosts.Output {
        throw APIError.notImplemented("listPosts")
    }

    func createPost(_ input: Operations.CreatePost.Input) async throws -> Operations.CreatePost.Output {
        throw APIError.notImplemented("createPost")
    }

    func getPostStats(_ input: Operations.GetPostStats.Input) async throws -> Operations.GetPostStats.Output {
        throw APIError.notImplemented("getPostStats")
    }

    func retryFailedPosts(_ input: Operations.RetryFailedPosts.Input) async throws -> Operations.RetryFailedPosts.Output {
        throw APIError.notImplemented("retryFailedPosts")
    }

    func importPosts(_ input: Operations.ImportPosts.Input) async throws -> Operations.ImportPosts.Output {
        throw APIError.notImplemented("importPosts")
    }

    func getPost(_ input: Operations.GetPost.Input) async throws -> Operations.GetPost.Output {
        throw APIError.notImplemented("getPost")
    }

    func retryPost(_ input: Operations.RetryPost.Input) async throws -> Operations.RetryPost.Output {
        throw APIError.notImplemented("retryPost")
    }

    func cancelPost(_ input: Operations.CancelPost.Input) async throws -> Operations.CancelPost.Output {
        throw APIError.notImplemented("cancelPost")
    }
}
