// Mutated requests (seeded, reproducible): the parser never traps, and the way bytes are split never
// changes the outcome — the same requests, or the same refusal.
import Testing

@testable import HTTP1

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct RequestParserFuzzTests {
    static let seeds: [String] = [
        "POST /rpc HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello",
        "POST /rpc HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET / HTTP/1.0\r\n\r\n",
        "POST /rpc HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
    ]
    static let interesting: [[UInt8]] = [
        [13], [10], [32], [9], [0], [0x7F], [0xFF], Array(":".utf8), Array(",".utf8),
        Array(";".utf8), Array("0".utf8), Array("f".utf8), Array("\r\n".utf8), Array("Content-Length: 3\r\n".utf8),
        Array("Transfer-Encoding: chunked\r\n".utf8), Array(" chunked".utf8), Array("\r\n\r\n".utf8),
    ]

    enum Outcome: Equatable {
        case requests([String])
        case refused(Int)
    }

    func outcome(_ bytes: [UInt8], chunk: Int) -> Outcome {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 64
        do {
            let (requests, _, _) = try parseAll(bytes, chunk: chunk, limits: limits)
            return .requests(requests.map { "\($0.head.method) \($0.head.target) \($0.body) \($0.trailers.count)" })
        } catch {
            return .refused(error.status.code)
        }
    }

    func mutate(_ input: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        var b = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let i = Int.random(in: 0...b.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0 where i < b.count: b.remove(at: i)
            case 1: b.insert(contentsOf: Self.interesting.randomElement(using: &rng)!, at: i)
            case 2 where i < b.count: b[i] = UInt8.random(in: 0...255, using: &rng)
            default: b.insert(UInt8.random(in: 0...255, using: &rng), at: i)
            }
        }
        return b
    }

    @Test func split_never_changes_the_outcome_of_mutated_requests() {
        var rng = SplitMix(state: 20_261_128)
        var disagreements: [String] = []
        for _ in 0..<3000 {
            let input = mutate(Array(Self.seeds.randomElement(using: &rng)!.utf8), &rng)
            let whole = outcome(input, chunk: Int.max)
            for chunk in [1, 3] {
                let split = outcome(input, chunk: chunk)
                if split != whole {
                    disagreements.append(
                        "\(String(decoding: input, as: UTF8.self).debugDescription): \(whole) vs \(split) (chunk \(chunk))"
                    )
                }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, first: \(disagreements.first ?? "")")
    }
}
