// One client connection: reads requests, answers them in order, closes cleanly. Owned by one loop.
import GatewayPosix
import HTTP1
import Synchronization

/// A request handed to async work, waiting for its answer.
final class InFlightCall {
    let reply: any HTTPAsyncWork
    let keepAlive: Bool
    let headOnly: Bool
    let version: HTTPVersion
    var task: Task<Void, Never>?
    var answered = false

    init(reply: any HTTPAsyncWork, keepAlive: Bool, headOnly: Bool, version: HTTPVersion) {
        self.reply = reply
        self.keepAlive = keepAlive
        self.headOnly = headOnly
        self.version = version
    }

    /// Tells the work why, then cancels its task; the answer is sent by whoever called this.
    func cancel(_ reason: HTTPCancellation) {
        reply.cancelled(reason)
        task?.cancel()
    }
}

/// Carries a loop-confined reference through a task or closure; only its loop may open it (checked).
struct LoopBound<T: AnyObject>: @unchecked Sendable {
    private let wrapped: T
    let loop: EventLoop

    init(_ value: T, on loop: EventLoop) {
        wrapped = value
        self.loop = loop
    }

    var value: T {
        loop.assertInLoop()
        return wrapped
    }
}

/// A client connection, touched only on its loop's thread.
///
/// Requests are answered one at a time and in order: while one is in flight, later (pipelined) requests
/// stay in the parser's buffer. Every fault in framing answers once with `Connection: close` and closes.
final class Connection: SelectorHandler {
    // The mutable state is touched by its loop's thread only (every entry point asserts it), so no two
    // accesses can overlap: the runtime's exclusivity checks, about two dozen a request at some 30
    // instructions each, are turned off for it. The compiler's static checks still apply.
    let fd: Int32
    let context: LoopContext
    @exclusivity(unchecked) var index = -1
    @exclusivity(unchecked) var parser: RequestParser
    @exclusivity(unchecked) var out: [UInt8] = []
    @exclusivity(unchecked) var written = 0
    @exclusivity(unchecked) var interest: SelectorEvents = [.read, .readHangup]
    @exclusivity(unchecked) var call: InFlightCall?
    /// The phase, the timer and the decisions between them (ConnectionStateMachine); this class does the I/O.
    @exclusivity(unchecked) var machine: ConnectionStateMachine
    var closed: Bool { machine.isClosed }
    /// Accepted beyond the connection cap: only probes are served, anything else gets 503 and a close.
    let overCap: Bool
    /// Bytes this connection has added to the server's buffered-bytes count (the memory budget).
    @exclusivity(unchecked) private var charged = 0
    /// The declared length of the body being read, admitted against the memory budget at its head.
    @exclusivity(unchecked) private var bodyReserve = 0

    var core: ServerCore { context.core }

    /// The socket; `fd` is its number for I/O and registration, valid while this is set.
    private var descriptor: Descriptor?

    init(descriptor: consuming Descriptor, context: LoopContext, now: ContinuousClock.Instant, overCap: Bool = false) {
        fd = descriptor.rawValue
        self.descriptor = consume descriptor
        self.context = context
        self.overCap = overCap
        parser = RequestParser(limits: context.core.configuration.limits)
        machine = ConnectionStateMachine(limits: context.core.timerLimits, now: now)
    }

    deinit { assert(closed, "connection \(fd) deinitialised while open") }

    // MARK: events

    func handle(events: SelectorEvents) {
        context.loop.assertInLoop()
        if closed { return }
        if events.contains(.error) {
            finalClose()
            return
        }
        if events.contains(.read) || events.contains(.readHangup) || events.contains(.hangup) {
            if machine.acceptsRequests && !events.contains(.hangup) && !wantsInput() {
                // Input that must wait (over the memory budget, behind a call) is not read, a FIN after it
                // included: it stays in the kernel, and reading resumes when the wait is over.
                updateReadInterest()
            } else {
                readAvailable()
            }
        }
        if !closed && events.contains(.write) {
            flush()
            // Output had backed up and pipelined requests wait in the buffer: carry on with them.
            if !closed && written == out.count && call == nil && machine.acceptsRequests && parser.bufferedByteCount > 0
            {
                processInput()
            }
            updateReadInterest()
        }
        recharge()
    }

    /// Brings this connection's share of the memory budget up to date: unparsed input, the body being read
    /// (at least what was admitted for it) and unsent output. Bodies handed to calls are charged by the call.
    private func recharge() {
        let held =
            closed ? 0 : parser.bufferedByteCount + max(bodyReserve, parser.bodyByteCount) + (out.count - written)
        if held != charged {
            core.state.bufferedBytes.add(held &- charged, ordering: .relaxed)
            charged = held
        }
    }

    func readAvailable() {
        var sawEOF = false
        let buffer = context.readBuffer
        // Bytes after a closing response (or while lingering) are read and dropped, a bounded amount per event.
        let discard = machine.discardsInput
        var reads = 0
        while true {
            reads += 1
            do {
                switch try Posix.read(fd, into: buffer) {
                case .wouldBlock:
                    break
                case .processed(0):
                    sawEOF = true
                case .processed(let n):
                    if !discard { parser.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) }
                    // At most 256 KiB per connection and turn: parsing it stays well under a millisecond. The
                    // budget is checked before every further read, so a connection overshoots it by one read at most.
                    if n == buffer.count && reads < 4 && (discard || wantsInput()) {
                        recharge()
                        continue
                    }
                }
            } catch {
                finalClose()
                return
            }
            break
        }
        if machine.isLingering {
            if sawEOF { finalClose() }
            return
        }
        processInput()
        if sawEOF && !closed {
            peerDidClose()
        } else {
            updateReadInterest()
        }
    }

    /// Stops or resumes reading as the state machine decides (`wantsInput`): pipelined bytes piling up behind
    /// a slow call or unread responses wait in the kernel until the call is answered and the output has drained.
    private func updateReadInterest() {
        guard !closed, !machine.peerClosed, !machine.isLingering else { return }
        // After a closing response nothing more is parsed: stop reading until the linger phase drains the rest
        // (the peer's FIN is still watched for). A paused open connection does not watch for the FIN either:
        // finding it would mean reading everything sent before it.
        let reading: SelectorEvents = machine.acceptsRequests ? [.read, .readHangup] : .read
        if !wantsInput() {
            if !interest.isDisjoint(with: reading) { setInterest(interest.subtracting(reading)) }
        } else if !interest.isSuperset(of: reading) {
            setInterest(interest.union(reading))
        }
    }

    /// The peer sent FIN: it will send nothing more, and may or may not still read.
    private func peerDidClose() {
        switch machine.peerSentFIN(callInFlight: call != nil, outputPending: written < out.count) {
        case .cancelCall:
            setInterest(written < out.count ? [.write] : [])
            // Like Go's net/http and nginx: a client that hangs up no longer wants the answer; its work is
            // cancelled, and told why, so that it never answers as if the server were shutting down.
            call?.cancel(.clientClosed)
        case .flushThenClose:
            setInterest([.write])
        case .close:
            finalClose()
        }
    }

    // MARK: requests

    /// Parses and answers buffered requests until one goes async, output backs up, or bytes run out.
    func processInput() {
        // Answers to pipelined requests pile up in `out`: at 256 KiB they are sent before parsing goes on. When
        // the socket takes them all, parsing carries on at once (nothing else would wake it: no byte is left to
        // read and no write is pending), up to 1 MiB of answers per loop turn; then the rest waits for the
        // next turn, so one client's backlog cannot hold the loop.
        var rounds = 0
        while call == nil && machine.acceptsRequests {
            // Over the memory budget, no new answer is made while an earlier one waits for the client.
            let unsent = out.count - written
            if unsent > 256 * 1024 || unsent > 0 && overBudget(adding: 0) {
                flush()
                if closed || written < out.count { return }  // the socket is full: its write event resumes
                if unsent > 256 * 1024 {
                    rounds += 1
                    if rounds == 4 {
                        context.loop.executeNextTurn { [self] in resumeInput() }
                        return
                    }
                }
            }
            let event: RequestParser.Event
            do {
                event = try parser.next()
            } catch {
                respond(
                    ServerResponse.text(error.status, error.reason + "\n", close: true),
                    keepAlive: false, headOnly: false, version: .http11)
                break
            }
            switch event {
            case .needMore:
                // A chunked body has no declared length: it is admitted as it grows.
                if parser.isReadingBody && bodyReserve == 0 && parser.bodyByteCount > 0 && overBudget(adding: 0) {
                    refuse(parser.headBeingRead, .memory)  // with its head: /rpc answers -32003 in JSON
                    break
                }
                armReadTimer()
                flush()
                return
            case .expectContinue(let head):
                guard admitBody(head) else { break }
                out.append(contentsOf: ResponseSerializer.continueResponse)
                machine.continueSent(now: context.loop.now)
            case .head(let head):
                guard admitBody(head) else { break }
            case .request(let request):
                // A body that arrived with its head (no `.head` event) was never admitted: check it now.
                if bodyReserve == 0 && !request.body.isEmpty
                    && overBudget(adding: max(0, request.body.count + parser.bufferedByteCount - charged))
                {
                    refuse(request.head, .memory)
                    break
                }
                bodyReserve = 0
                dispatch(request)
            }
        }
        flush()
    }

    /// Carries on with buffered pipelined requests on a later loop turn (see `processInput`).
    private func resumeInput() {
        guard !closed, call == nil, machine.acceptsRequests, parser.bufferedByteCount > 0 else { return }
        processInput()
        updateReadInterest()
        recharge()
    }

    /// Decides, before a body is read, whether the memory budget can hold it; refuses it (503, close) if not.
    private func admitBody(_ head: RequestHead) -> Bool {
        if overCap && refusedOverCap(head) { return false }
        // A chunked body has no declared size: it is admitted while the budget has room, and checked as it grows.
        var declared = 0
        if case .length(let n) = head.framing { declared = n }
        if overBudget(adding: declared) {
            refuse(head, .memory)
            return false
        }
        if declared > 0 {
            bodyReserve = declared
            recharge()
        }
        return true
    }

    /// Past the connection cap only probes are served: anything else is refused (before its body is read).
    private func refusedOverCap(_ head: RequestHead) -> Bool {
        guard overCap, core.responder.overloaded(head, reason: .connections) != nil else { return false }
        refuse(head, .connections)
        return true
    }

    private func wantsInput() -> Bool {
        machine.wantsInput(
            buffered: parser.bufferedByteCount, callInFlight: call != nil, unsentOutput: out.count - written,
            readingBody: parser.isReadingBody, headLimit: parser.limits.maxHeaderBytes,
            overBudget: overBudget(adding: 0))
    }

    private func overBudget(adding bytes: Int) -> Bool {
        core.state.bufferedBytes.load(ordering: .relaxed) &+ bytes > core.admissionLimit
    }

    /// Answers a request the server cannot take (the responder's overload answer) and closes gracefully.
    private func refuse(_ head: RequestHead?, _ reason: HTTPOverload) {
        if reason == .memory {
            core.state.refusedForMemory.add(1, ordering: .relaxed)
        } else {
            core.state.refusedForConnections.add(1, ordering: .relaxed)
        }
        var response = head.flatMap { core.responder.overloaded($0, reason: reason) } ?? .overloaded(reason)
        response.close = true
        respond(response, keepAlive: false, headOnly: head?.method == "HEAD", version: head?.version ?? .http11)
    }

    private func armReadTimer() {
        machine.waiting(idle: parser.isIdle, inBody: parser.isReadingBody, now: context.loop.now)
    }

    private func dispatch(_ request: ServerRequest) {
        core.state.requestsTotal.add(1, ordering: .relaxed)
        let head = request.head
        let headOnly = head.method == "HEAD"
        if overCap && refusedOverCap(head) { return }
        switch core.responder.reply(to: request, server: core.state) {
        case .response(let response):
            respond(response, keepAlive: head.keepAlive, headOnly: headOnly, version: head.version)
        case .async(let reply) where core.state.phase.rawValue >= ServerPhase.cancelling.rawValue:
            // The cancel step has run already: answer as a cancelled call would be, without starting work.
            respond(reply.shutdownResponse(), keepAlive: false, headOnly: headOnly, version: head.version)
        case .async(let reply):
            let c = InFlightCall(reply: reply, keepAlive: head.keepAlive, headOnly: headOnly, version: head.version)
            call = c
            machine.callStarted()
            if let d = reply.deadline { context.loop.tick(noLaterThan: d) }
            core.state.inFlightCount.add(1, ordering: .relaxed)
            core.state.runningCount.add(1, ordering: .relaxed)
            let state = core.state
            let loop = context.loop
            let bound = LoopBound(self, on: loop)
            let boundCall = LoopBound(c, on: loop)
            // The body now belongs to the call: it stays charged to the memory budget until the work ends.
            let charge = request.body.count
            if charge > 0 { state.bufferedBytes.add(charge, ordering: .relaxed) }
            defer { recharge() }  // the parser no longer holds that body: count it once, not twice
            let operation: @Sendable () async -> Void = {
                let response = await reply.run()
                state.runningCount.add(-1, ordering: .relaxed)
                if charge > 0 { state.bufferedBytes.add(-charge, ordering: .relaxed) }
                if loop.inLoop {
                    bound.value.answer(boundCall.value, with: response)
                } else {
                    loop.execute { bound.value.answer(boundCall.value, with: response) }
                }
            }
            let offLoop: Bool
            switch reply.placement {
            case .automatic: offLoop = request.body.count >= core.configuration.offLoopBodyBytes
            case .loop: offLoop = false
            case .pool: offLoop = true
            }
            // Large bodies are parsed and handled off the loops, so no request keeps a loop from turning (its
            // probes answering, its deadlines firing); small ones keep the no-hop path.
            c.task =
                offLoop
                ? Task(executorPreference: globalConcurrentExecutor, operation: operation)
                : Task(executorPreference: loop.executor, operation: operation)
        }
    }

    /// Sends the answer of `c` unless it was answered already (deadline or shutdown came first).
    func answer(_ c: InFlightCall, with response: ServerResponse) {
        context.loop.assertInLoop()
        guard !c.answered else { return }
        c.answered = true
        core.state.inFlightCount.add(-1, ordering: .relaxed)
        if call === c { call = nil }
        if closed { return }
        respond(response, keepAlive: c.keepAlive, headOnly: c.headOnly, version: c.version)
        if machine.peerClosed {
            flush()
            return
        }
        processInput()
        updateReadInterest()
        recharge()
    }

    /// Serialises a response into the output buffer (one write per response).
    private func respond(_ r: ServerResponse, keepAlive: Bool, headOnly: Bool, version: HTTPVersion) {
        let close = !keepAlive || r.close || core.state.isShuttingDown || machine.peerClosed
        ResponseSerializer.write(
            status: r.status, fields: r.fields, body: r.body, date: context.date(), close: close,
            keepAliveHTTP10: version == .http10 && !close, headOnly: headOnly, into: &out)
        // Every answer restarts the idle clock (also bounding a peer that never reads what we send).
        machine.responseQueued(closing: close, now: context.loop.now)
    }

    // MARK: output

    func flush() {
        while written < out.count {
            let result: IOResult<Int>
            do {
                result = try out.withUnsafeBytes {
                    try Posix.send(fd, UnsafeRawBufferPointer(rebasing: $0[written...]))
                }
            } catch {
                finalClose()
                return
            }
            switch result {
            case .processed(let n):
                written += n
                if written < out.count { machine.wrote(now: context.loop.now) }
            case .wouldBlock:
                if !interest.contains(.write) { setInterest(interest.union(.write)) }
                return
            }
        }
        if out.capacity > 64 * 1024 { out = [] } else { out.removeAll(keepingCapacity: true) }
        written = 0
        if interest.contains(.write) { setInterest(interest.subtracting(.write)) }
        switch machine.outputDrained(callInFlight: call != nil, now: context.loop.now) {
        case .none:
            break
        case .halfClose:
            // Our FIN, then a short wait for the peer's, so unread request bytes do not turn our last response
            // into a reset (RFC 9112 §9.6).
            Posix.shutdownWrite(fd)
            core.state.lingeringCount.add(1, ordering: .relaxed)
            setInterest([.read, .readHangup])
        case .close:
            finalClose()
        }
    }

    private func setInterest(_ new: SelectorEvents) {
        guard new != interest, !closed else { return }
        interest = new
        context.loop.reregister(fd: fd, interest: new)
    }

    // MARK: closing

    /// Closes at once; `cut` counts it as a connection whose accepted call got no answer.
    /// Closed by the last step of a shutdown: counted as cut when it still owes the client something, an
    /// unanswered call or an answer not wholly sent (a reader too slow for the drain).
    func closeAtStop() {
        let unanswered = call.map { !$0.answered } ?? false
        if unanswered || written < out.count { core.state.cutConnections.add(1, ordering: .relaxed) }
        finalClose()
    }

    func finalClose() {
        guard !closed else { return }
        if let call, !call.answered {
            // Closed under it: by the client (reset, error) or by the last step of a shutdown.
            let phase = core.state.phase.rawValue
            call.cancel(phase >= ServerPhase.cancelling.rawValue ? .shutdown : .clientClosed)
            call.answered = true
            core.state.inFlightCount.add(-1, ordering: .relaxed)
        }
        call = nil
        if machine.isLingering { core.state.lingeringCount.add(-1, ordering: .relaxed) }
        machine.didClose()
        recharge()
        context.loop.deregister(fd: fd)
        descriptor.take()?.close()
        context.remove(self)
        core.state.connectionCount.add(-1, ordering: .relaxed)
    }

    /// Closes a connection that never got registered with its loop.
    func abandon() {
        machine.didClose()
        descriptor.take()?.close()
    }

    /// True when nothing is owed to the client: no call, no partial request, no unsent bytes.
    var isIdle: Bool { call == nil && parser.isIdle && written == out.count }

    // MARK: timers

    func checkTimers(now: ContinuousClock.Instant) {
        context.loop.assertInLoop()
        if let c = call {
            if let d = c.reply.deadline, now >= d {
                c.cancel(.deadline)
                answer(c, with: c.reply.deadlineResponse())
            }
            return
        }
        switch machine.expiry(now: now) {
        case .none:
            return
        case .close:
            finalClose()
        case .requestTimeout:
            // A slow client: answer 408 where the framing still allows a response, then close.
            if written == out.count {
                respond(
                    ServerResponse.text(.requestTimeout, "request not received in time\n", close: true),
                    keepAlive: false, headOnly: false, version: .http11)
                flush()
                if !closed && !machine.isLingering { finalClose() }
            } else {
                finalClose()
            }
        }
    }

    // MARK: shutdown

    /// Drain: idle connections close now; busy ones close after their current response.
    func beginDrain() {
        context.loop.assertInLoop()
        // A request may be waiting unread in the socket: read it first so it is served, not dropped.
        if isIdle && !machine.isLingering && !machine.peerClosed { readAvailable() }
        if closed { return }
        if isIdle && !machine.isLingering {
            finalClose()
        } else if call == nil && parser.isIdle {
            machine.drainRequested()
            flush()
        }
    }

    /// End of drain: unfinished work is cancelled and answered with its shutdown response.
    func cancelCall() {
        context.loop.assertInLoop()
        guard let c = call else { return }
        c.cancel(.shutdown)
        answer(c, with: c.reply.shutdownResponse())
    }
}
