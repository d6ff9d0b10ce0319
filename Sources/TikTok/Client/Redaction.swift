/// Mirrors that leave secrets out of `dump` and reflection-based printing.
extension TikTokConfiguration: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "apiBaseURL": self.apiBaseURL, "authBaseURL": self.authBaseURL, "clientKey": self.clientKey,
                "redirectURI": self.redirectURI, "requestDeadline": self.requestDeadline,
            ], displayStyle: .struct)
    }
}

extension TokenGrant: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(self, children: ["openID": self.openID, "expiresIn": self.expiresIn, "scopes": self.scopes], displayStyle: .struct)
    }
}

extension PublishTicket: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: ["publishID": self.publishID], displayStyle: .struct) }
}
