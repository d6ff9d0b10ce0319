import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The Queues routes (issue 8).
extension APIHandlers {
    func listQueues(_ input: Operations.ListQueues.Input) async throws -> Operations.ListQueues.Output {
        throw APIError.notImplemented("listQueues")
    }

    func pauseQueue(_ input: Operations.PauseQueue.Input) async throws -> Operations.PauseQueue.Output {
        throw APIError.notImplemented("pauseQueue")
    }

    func resumeQueue(_ input: Operations.ResumeQueue.Input) async throws -> Operations.ResumeQueue.Output {
        throw APIError.notImplemented("resumeQueue")
    }

    func listDeadJobs(_ input: Operations.ListDeadJobs.Input) async throws -> Operations.ListDeadJobs.Output {
        throw APIError.notImplemented("listDeadJobs")
    }

    func retryDeadJobs(_ input: Operations.RetryDeadJobs.Input) async throws -> Operations.RetryDeadJobs.Output {
        throw APIError.notImplemented("retryDeadJobs")
    }
}
