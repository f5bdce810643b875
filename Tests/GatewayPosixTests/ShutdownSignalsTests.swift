// Signal listeners come and go: a program that runs gateways in turn keeps none of the old ones.
import Testing

@testable import GatewayPosix

struct ShutdownSignalsTests {
    @Test func a_cancelled_listener_is_removed_once() {
        let before = ShutdownSignals.listenerCount
        let first = ShutdownSignals.addListener { _ in }
        let second = ShutdownSignals.addListener { _ in }
        #expect(ShutdownSignals.listenerCount == before + 2)
        first.cancel()
        #expect(ShutdownSignals.listenerCount == before + 1)
        first.cancel()
        #expect(ShutdownSignals.listenerCount == before + 1, "cancel is idempotent and removes only its own")
        second.cancel()
        #expect(ShutdownSignals.listenerCount == before)
    }
}
