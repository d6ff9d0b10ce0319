import Testing

@Suite struct APIPlaceholderTests {
    @Test func placeholder() { #expect(Bool(true)) }
}
