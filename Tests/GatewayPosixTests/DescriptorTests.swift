// Descriptors closed once by their owner; work posted to a closed loop reported, not silently dropped.
import Glibc
import Synchronization
import Testing

@testable import GatewayPosix

struct DescriptorTests {
    static func pipePair() -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0)
        return (fds[0], fds[1])
    }

    /// True while the pipe's read end is open somewhere: a write to its write end does not fail with EPIPE.
    /// (Checking the read end's number instead would race with parallel tests reusing it.)
    static func readerOpen(writeEnd w: Int32) -> Bool {
        signal(SIGPIPE, SIG_IGN)
        var b: UInt8 = 0
        return write(w, &b, 1) == 1
    }

    @Test func close_closes_the_descriptor_once() {
        let (r, w) = Self.pipePair()
        let owned = Descriptor(owning: r)
        #expect(Self.readerOpen(writeEnd: w))
        owned.close()
        #expect(!Self.readerOpen(writeEnd: w))
        Descriptor(owning: w).close()
    }

    @Test func a_hand_off_keeps_the_descriptor_open_for_its_new_owner() {
        let (r, w) = Self.pipePair()
        let raw = Descriptor(owning: r).releaseForHandOff()
        #expect(Self.readerOpen(writeEnd: w))
        Descriptor(owning: raw).close()
        #expect(!Self.readerOpen(writeEnd: w))
        Descriptor(owning: w).close()
    }

    /// Work accepted by a loop that closes before running it is dropped; the descriptor it carried is closed
    /// with it, and its owner told, instead of leaking.
    @Test func a_descriptor_in_a_dropped_closure_is_closed_not_leaked() throws {
        let (r, w) = Self.pipePair()
        let dropped = Atomic<Int>(0)
        let group = try EventLoopGroup(threads: 1)  // never started: what it is given waits, then is dropped
        do {
            let transit = DescriptorInTransit(Descriptor(owning: r)) { dropped.add(1, ordering: .relaxed) }
            #expect(group.loops[0].execute { transit.take().close() })
        }
        #expect(Self.readerOpen(writeEnd: w), "still owned by the queued closure")
        group.shutdown()
        #expect(!Self.readerOpen(writeEnd: w))
        #expect(dropped.load(ordering: .relaxed) == 1)
        Descriptor(owning: w).close()
    }

    @Test func a_descriptor_in_transit_that_is_taken_is_its_new_owners() {
        let (r, w) = Self.pipePair()
        let dropped = Atomic<Int>(0)
        var taken: Descriptor? = nil
        do {
            let transit = DescriptorInTransit(Descriptor(owning: r)) { dropped.add(1, ordering: .relaxed) }
            taken = transit.take()
        }
        #expect(Self.readerOpen(writeEnd: w))
        #expect(dropped.load(ordering: .relaxed) == 0)
        taken.take()?.close()
        #expect(!Self.readerOpen(writeEnd: w))
        Descriptor(owning: w).close()
    }

    @Test func a_shared_descriptor_closes_once_whoever_asks() {
        let (r, w) = Self.pipePair()
        let shared = SharedDescriptor(Descriptor(owning: r))
        shared.close()
        shared.close()
        #expect(!shared.isOpen)
        #expect(!Self.readerOpen(writeEnd: w))
        Descriptor(owning: w).close()
    }
}

struct EventLoopTests {
    @Test func work_sent_to_a_closed_loop_is_refused_not_dropped() throws {
        let group = try EventLoopGroup(threads: 1)
        group.start()
        let ran = PosixSemaphore()
        #expect(group.loops[0].execute { ran.post() })
        #expect(ran.wait(timeoutMilliseconds: 5000))
        group.shutdown()
        #expect(!group.loops[0].execute {})
    }

    @Test func the_loop_knows_its_own_thread() throws {
        let group = try EventLoopGroup(threads: 1)
        group.start()
        defer { group.shutdown() }
        let loop = group.loops[0]
        #expect(!loop.inLoop)
        let inside = Atomic<Bool>(false)
        let done = PosixSemaphore()
        loop.execute {
            inside.store(loop.inLoop, ordering: .relaxed)
            done.post()
        }
        #expect(done.wait(timeoutMilliseconds: 5000))
        let seen = inside.load(ordering: .relaxed)
        #expect(seen)
    }

    /// Work put off with `executeNextTurn` runs after what `execute` posts meanwhile, on a later turn; with
    /// `execute` alone, long work re-posting itself would run in the same turn again and again.
    @Test func work_put_off_runs_on_the_next_turn() throws {
        let group = try EventLoopGroup(threads: 1)
        group.start()
        defer { group.shutdown() }
        let loop = group.loops[0]
        let order = Mutex<[String]>([])
        let done = PosixSemaphore()
        loop.execute {
            loop.executeNextTurn {
                order.withLock { $0.append("next turn") }
                done.post()
            }
            loop.execute { order.withLock { $0.append("same turn") } }
        }
        #expect(done.wait(timeoutMilliseconds: 5000))
        #expect(order.withLock { $0 } == ["same turn", "next turn"])
    }

    @Test func a_registration_id_travels_with_its_descriptor_number() {
        let t = EventLoop.token(7, 42)
        #expect(t & 0xFFFF_FFFF == 7)
        #expect(UInt32(t >> 32) == 42)
    }
}
