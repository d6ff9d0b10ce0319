import Domain
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The API key routes (admins only; ``APIKeyMiddleware`` checks the role).
extension APIHandlers {
    func listAPIKeys(_ input: Operations.ListAPIKeys.Input) async throws -> Operations.ListAPIKeys.Output {
        let keys = try await APIKeyRepository(client: self.postgres).list()
        return .ok(.init(body: .json(.init(items: keys.map(Self.apiKey), nextCursor: nil))))
    }

    func createAPIKey(_ input: Operations.CreateAPIKey.Input) async throws -> Operations.CreateAPIKey.Output {
        guard case .json(let body) = input.body else { throw APIError.validation([FieldProblem(field: "body", problem: "is required")]) }
        guard let role = APIKey.Role(rawValue: body.role.rawValue) else {
            throw APIError.validation([FieldProblem(field: "role", problem: "must be admin, editor or viewer")])
        }
        let minted = APIKeyMinter.mint()
        let record = try await APIKeyRepository(client: self.postgres).create(
            name: body.name, prefix: minted.prefix, hash: minted.hash, role: role, expiresAt: body.expiresAt)
        return .created(
            .init(
                body: .json(
                    .init(
                        id: Self.text(record.id), name: record.name, role: body.role, prefix: record.prefix, key: minted.key,
                        createdAt: record.createdAt, expiresAt: record.expiresAt))))
    }

    func revokeAPIKey(_ input: Operations.RevokeAPIKey.Input) async throws -> Operations.RevokeAPIKey.Output {
        let id = try Self.uuid(input.path.id)
        try await APIKeyRepository(client: self.postgres).revoke(id: id)
        self.keyCache.clear()
        return .noContent(.init())
    }

    static func apiKey(_ key: APIKey) -> Components.Schemas.APIKey {
        Components.Schemas.APIKey(
            id: Self.text(key.id), name: key.name, role: Components.Schemas.APIKeyRole(rawValue: key.role.rawValue) ?? .viewer,
            prefix: key.prefix, createdAt: key.createdAt, expiresAt: key.expiresAt, lastUsedAt: key.lastUsedAt, revokedAt: key.revokedAt)
    }
}
