import CCurl
import Synchronization

// One libcurl multi handle driven by a dedicated thread: many concurrent exchanges over reused keep-alive
// connections. Only Curl*.swift files touch CURL.
#if canImport(Glibc)
    import Glibc
#endif

/// Runs exchanges on a curl multi handle from a thread of its own (curl_multi_poll + curl_multi_wakeup).
final class CurlEngine: @unchecked Sendable {
    private enum Command {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
        case stop
    }

    private let multi: UnsafeMutableRawPointer
    private let commands = Mutex<[Command]>([])
    /// Engine-thread only: transfers in the multi handle, by easy handle.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    init(maxConnections: Int) {
        _ = CurlEngine.globalInit
        multi = curl_multi_init()
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxConnections)
        // A cap, not only a cache size: transfers beyond it wait for a connection instead of opening one.
        ccurl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxConnections)
        let me = Unmanaged.passRetained(self)
        var tid = pthread_t()
        let rc = pthread_create(
            &tid, nil,
            { arg in
                let engine = Unmanaged<CurlEngine>.fromOpaque(arg!).takeRetainedValue()
                engine.run()
                return nil
            }, me.toOpaque())
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(tid)
    }

    /// Runs one exchange; cancelling the calling task aborts the transfer.
    func perform(_ exchange: HTTPExchange) async -> HTTPExchangeResult {
        guard let transfer = CurlTransfer(exchange) else {
            return HTTPExchangeResult(
                curlCode: 2, curlMessage: "curl_easy_init failed", status: 0, body: [], retryAfter: nil,
                requestSent: false)
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { c in
                transfer.wait(c)
                send(.add(transfer))
            }
        } onCancel: {
            send(.cancel(transfer))
        }
    }

    /// Stops the thread after the transfers in flight are aborted.
    func stop() { send(.stop) }

    private func send(_ c: Command) {
        commands.withLock { $0.append(c) }
        curl_multi_wakeup(multi)
    }

    /// Engine thread: frees the handle and hands the result to the caller (now or when it starts waiting).
    private func finish(_ t: CurlTransfer, _ r: HTTPExchangeResult) {
        guard !t.finished else { return }
        t.finished = true
        t.cleanup()
        t.deliver(r)
    }

    private func run() {
        var running: Int32 = 0
        while true {
            for command in commands.withLock({ c -> [Command] in
                defer { c = [] }
                return c
            }) {
                switch command {
                case .add(let t):
                    if t.finished { continue }
                    active[t.easy] = t
                    curl_multi_add_handle(multi, t.easy)
                case .cancel(let t):
                    guard !t.finished else { continue }
                    if active.removeValue(forKey: t.easy) != nil { curl_multi_remove_handle(multi, t.easy) }
                    finish(
                        t,
                        HTTPExchangeResult(
                            curlCode: 42, curlMessage: "cancelled", status: 0, body: [], retryAfter: nil,
                            requestSent: true))
                case .stop:
                    for (easy, t) in active {
                        curl_multi_remove_handle(multi, easy)
                        finish(
                            t,
                            HTTPExchangeResult(
                                curlCode: 42, curlMessage: "client stopped", status: 0, body: [], retryAfter: nil,
                                requestSent: true))
                    }
                    active = [:]
                    curl_multi_cleanup(multi)
                    return
                }
            }
            curl_multi_perform(multi, &running)
            var easy: UnsafeMutableRawPointer? = nil
            var code = CURLE_OK
            while ccurl_multi_done(multi, &easy, &code) != 0 {
                guard let e = easy, let t = active.removeValue(forKey: e) else { continue }
                curl_multi_remove_handle(multi, e)
                finish(t, t.result(code: code))
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}
