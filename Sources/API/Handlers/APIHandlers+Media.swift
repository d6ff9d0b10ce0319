import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The Media routes (issue 8).
extension APIHandlers {
    func listMedia(_ input: Operations.ListMedia.Input) async throws -> Operations.ListMedia.Output {
        throw APIError.notImplemented("listMedia")
    }

    func uploadMedia(_ input: Operations.UploadMedia.Input) async throws -> Operations.UploadMedia.Output {
        throw APIError.notImplemented("uploadMedia")
    }

    func getMedia(_ input: Operations.GetMedia.Input) async throws -> Operations.GetMedia.Output {
        throw APIError.notImplemented("getMedia")
    }

    func deleteMedia(_ input: Operations.DeleteMedia.Input) async throws -> Operations.DeleteMedia.Output {
        throw APIError.notImplemented("deleteMedia")
    }

    func downloadMedia(_ input: Operations.DownloadMedia.Input) async throws -> Operations.DownloadMedia.Output {
        throw APIError.notImplemented("downloadMedia")
    }
}
